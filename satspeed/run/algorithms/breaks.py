"""probSAT and WalkSAT/SKC: break-value walks sharing one state layout (kernels/walk.py).

Parameters left unset take the published defaults, which for probSAT depend on the longest
clause of the formula (as in the reference C code).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.run.algorithms.base import Walk, check_range, with_defaults
from satspeed.run.formula.cnf import Formula
from satspeed.run.kernels.probsat import probsat_flips
from satspeed.run.kernels.rng import seed_state
from satspeed.run.kernels.walk import init_walk
from satspeed.run.kernels.walksat import walksat_flips

# probSAT SC13 defaults by longest clause: (function, cb, eps, caching)
_PROBSAT_DEFAULTS = {3: ("poly", 2.06, 0.9, False), 4: ("exp", 2.85, 1.0, True),
                     5: ("exp", 3.7, 1.0, True), 6: ("exp", 5.1, 1.0, True)}
_PROBSAT_LONG = ("exp", 5.4, 1.0, True)


def probsat_params(formula: Formula, **given: object) -> dict[str, object]:
    """probSAT's parameters: the published defaults for this formula, overridden by `given`."""
    k = formula.max_clause_len
    fct, cb, eps, caching = _PROBSAT_DEFAULTS.get(k if k >= 3 else 3, _PROBSAT_LONG)
    defaults: dict[str, object] = {"fct": fct, "cb": cb, "eps": eps, "caching": caching}
    params = with_defaults("probsat", defaults, given)
    if params["fct"] not in ("poly", "exp"):
        raise SatspeedError(f"probsat: fct must be 'poly' or 'exp', not {params['fct']!r}")
    check_range("probsat", params, "cb", 0.0, 1e6)
    check_range("probsat", params, "eps", 0.0, 1e6)
    return params


def walksat_params(formula: Formula, **given: object) -> dict[str, object]:
    """WalkSAT/SKC's parameters: noise 0.567 unless given."""
    params = with_defaults("walksat", {"noise": 0.567}, given)
    check_range("walksat", params, "noise", 0.0, 1.0)
    return params


class BreakWalk(Walk):
    """The state of a probSAT or WalkSAT walk: assignment, true counts, breaks, false list."""

    per_variable: ClassVar[dict[str, tuple[type, int]]] = {"breaks": (np.int32, 0)}

    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        super().__init__(formula, solver, params)
        f = formula
        self.state = (f.clause_start, f.lits, f.occ_start, f.occ, self.assign, self.num_true,
                      self.crit, self.breaks, self.false_list, self.where_false,
                      self.counters, self.rng)

    def start(self, seed: int) -> None:
        seed_state(self.rng, np.uint64(seed))
        f = self.formula
        init_walk(f.clause_start, f.lits, f.num_vars, self.assign, self.num_true, self.crit,
                  self.breaks, self.false_list, self.where_false, self.counters, self.rng)


class ProbsatWalk(BreakWalk):
    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        super().__init__(formula, solver, params)
        b = np.arange(formula.max_occurrences + 1, dtype=np.float64)
        cb = float(params["cb"])  # type: ignore[arg-type]
        eps = float(params["eps"])  # type: ignore[arg-type]
        self.table = (eps + b) ** -cb if params["fct"] == "poly" else cb**-b
        self.caching = bool(params["caching"])
        self.scratch = np.zeros(max(formula.max_clause_len, 1), np.float64)

    def step(self, max_flips: int) -> tuple[bool, int]:
        return probsat_flips(*self.state, self.scratch, self.table, self.caching, max_flips)


WALKSAT_COUNTED_UP_TO = 5  # the longest clause length at which WalkSAT counts break values


class WalksatWalk(BreakWalk):
    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        super().__init__(formula, solver, params)
        self.best = np.zeros(max(formula.max_clause_len, 1), np.int32)
        self.noise = float(params["noise"])  # type: ignore[arg-type]
        # break values counted when needed, or kept on every flip where clauses are long: the
        # same flips, so not a parameter (scripts/bench_flips.py: counting was 1.08-1.13x as
        # fast on 3-SAT and 5-SAT, 0.81x on 7-SAT)
        self.caching = formula.max_clause_len > WALKSAT_COUNTED_UP_TO

    def step(self, max_flips: int) -> tuple[bool, int]:
        return walksat_flips(*self.state, self.best, self.noise, self.caching, max_flips)
