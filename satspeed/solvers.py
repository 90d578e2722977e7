"""Solver registry: a solver is a kernel plus its parameters; `run_once` makes one seeded run.

Parameters left unset take the published defaults, which for probSAT depend on the longest
clause of the formula (as in the reference C code).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from satspeed.cnf import Formula
from satspeed.errors import SatspeedError
from satspeed.kernels.probsat import probsat_flips
from satspeed.kernels.rng import seed_state
from satspeed.kernels.walk import FLIPS, NUM_FALSE, init_walk
from satspeed.kernels.walksat import walksat_flips

CHUNK_FLIPS = 1 << 16  # flips per kernel call between cutoff checks

# probSAT SC13 defaults by longest clause: (function, cb, eps, caching)
_PROBSAT_DEFAULTS = {3: ("poly", 2.06, 0.9, False), 4: ("exp", 2.85, 1.0, True),
                     5: ("exp", 3.7, 1.0, True), 6: ("exp", 5.1, 1.0, True)}
_PROBSAT_LONG = ("exp", 5.4, 1.0, True)


def probsat_params(formula: Formula, **given: object) -> dict[str, object]:
    """probSAT's parameters: the published defaults for this formula, overridden by `given`."""
    k = formula.max_clause_len
    fct, cb, eps, caching = _PROBSAT_DEFAULTS.get(k if k >= 3 else 3, _PROBSAT_LONG)
    params: dict[str, object] = {"fct": fct, "cb": cb, "eps": eps, "caching": caching}
    params.update({key: value for key, value in given.items() if value is not None})
    if params["fct"] not in ("poly", "exp"):
        raise SatspeedError(f"probsat: fct must be 'poly' or 'exp', not {params['fct']!r}")
    return params


def walksat_params(formula: Formula, **given: object) -> dict[str, object]:
    """WalkSAT/SKC's parameters: noise 0.567 unless given."""
    params: dict[str, object] = {"noise": 0.567}
    params.update({key: value for key, value in given.items() if value is not None})
    if not 0.0 <= float(params["noise"]) <= 1.0:  # type: ignore[arg-type]
        raise SatspeedError(f"walksat: noise must be in [0, 1], not {params['noise']}")
    return params


def format_params(params: dict[str, object]) -> str:
    """Canonical one-string form, e.g. 'caching=0,cb=2.06,eps=0.9,fct=poly'."""

    def text(value: object) -> str:
        if isinstance(value, bool):
            return str(int(value))
        return repr(value) if isinstance(value, float) else str(value)

    return ",".join(f"{key}={text(params[key])}" for key in sorted(params))


@dataclass
class Walk:
    """One SLS walk on a formula: the kernel state, advanced in chunks of flips."""

    formula: Formula
    solver: str
    params: dict[str, object]
    step: Callable[[int], tuple[bool, int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        f = self.formula
        n, m = f.num_vars, f.num_clauses
        self.assign = np.zeros(n, np.uint8)
        self.num_true = np.zeros(m, np.int32)
        self.crit = np.zeros(m, np.int32)
        self.breaks = np.zeros(n, np.int32)
        self.false_list = np.zeros(m, np.int32)
        self.where_false = np.zeros(m, np.int32)
        self.counters = np.zeros(2, np.int64)
        self.rng = np.zeros(4, np.uint64)
        self.scratch = np.zeros(max(f.max_clause_len, 1), np.float64)
        self.step = self._make_step()

    def _make_step(self) -> Callable[[int], tuple[bool, int]]:
        f, p = self.formula, self.params
        state = (f.clause_start, f.lits, f.occ_start, f.occ, self.assign, self.num_true,
                 self.crit, self.breaks, self.false_list, self.where_false, self.counters,
                 self.rng)
        if self.solver == "probsat":
            b = np.arange(f.max_occurrences + 1, dtype=np.float64)
            cb = float(p["cb"])  # type: ignore[arg-type]
            table = (float(p["eps"]) + b) ** -cb if p["fct"] == "poly" else cb**-b  # type: ignore[arg-type]
            caching = bool(p["caching"])
            return lambda max_flips: probsat_flips(*state, self.scratch, table, caching,
                                                   max_flips)
        if self.solver == "walksat":
            best = np.zeros(max(f.max_clause_len, 1), np.int32)
            noise = float(p["noise"])  # type: ignore[arg-type]
            return lambda max_flips: walksat_flips(*state, best, noise, max_flips)
        raise SatspeedError(f"unknown solver '{self.solver}' (known: {', '.join(SOLVERS)})")

    def start(self, seed: int) -> None:
        """Seed the RNG and draw the initial assignment."""
        seed_state(self.rng, np.uint64(seed))
        f = self.formula
        init_walk(f.clause_start, f.lits, f.num_vars, self.assign, self.num_true, self.crit,
                  self.breaks, self.false_list, self.where_false, self.counters, self.rng)

    @property
    def flips(self) -> int:
        return int(self.counters[FLIPS])

    @property
    def solved(self) -> bool:
        return int(self.counters[NUM_FALSE]) == 0


SOLVERS: dict[str, Callable[..., dict[str, object]]] = {
    "probsat": probsat_params,
    "walksat": walksat_params,
}


def make_walk(formula: Formula, solver: str, **given: object) -> Walk:
    """A Walk for `solver` ('probsat' or 'walksat') with its parameters resolved."""
    if solver not in SOLVERS:
        raise SatspeedError(f"unknown solver '{solver}' (known: {', '.join(SOLVERS)})")
    return Walk(formula, solver, SOLVERS[solver](formula, **given))


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run: status 'sat' (model verified), 'timeout' or 'stopped'."""

    status: str
    flips: int
    cpu_s: float
    wall_s: float
    model: np.ndarray | None


def warm_up(walk: Walk) -> None:
    """Load (or compile) the kernels outside any timed run."""
    walk.start(0)
    walk.step(0)


def run_once(walk: Walk, seed: int, max_flips: int | None = None,
             timeout: float | None = None, chunk: int = CHUNK_FLIPS,
             stop: Callable[[], bool] | None = None) -> RunResult:
    """One seeded run until a model, `max_flips` flips or `timeout` CPU seconds.

    `stop`, polled between chunks, ends the run early with status 'stopped' (e.g. when the
    campaign is cancelled). A reported model is verified against the formula; a kernel that
    reports a wrong one is a bug and raises RuntimeError.
    """
    budget = math.inf if max_flips is None else max_flips
    cpu0, wall0 = time.process_time(), time.perf_counter()
    walk.start(seed)
    solved = walk.solved
    status = "timeout"
    while not solved and walk.flips < budget:
        solved, _ = walk.step(int(min(chunk, budget - walk.flips)))
        if timeout is not None and time.process_time() - cpu0 >= timeout:
            break
        if stop is not None and not solved and stop():
            status = "stopped"
            break
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    if not solved:
        return RunResult(status, walk.flips, cpu_s, wall_s, None)
    model = walk.assign.copy()
    bad = walk.formula.falsified_clause(model)
    if bad >= 0:
        raise RuntimeError(f"{walk.solver} reported a model that falsifies clause {bad + 1} "
                           f"of {walk.formula.path} (seed {seed}): this is a bug")
    return RunResult("sat", walk.flips, cpu_s, wall_s, model)
