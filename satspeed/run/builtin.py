"""Making one seeded run of a built-in kernel: `make_walk`, then `run_once` to a model or a cutoff.

The kernels and their parameters are in satspeed/algorithms; specs (names, TOML files) in
satspeed/specs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.restart import Restart, attempt_seed
from satspeed.run.algorithms import ALGORITHMS
from satspeed.run.algorithms.base import Walk
from satspeed.run.formula.cnf import Formula
from satspeed.run.specs import SolverSpec, find_spec

CHUNK_FLIPS = 1 << 16  # flips per kernel call between cutoff checks
# CPU seconds of the calling thread: the kernels run in it (numba, no threads of their own),
# while the process may hold other busy threads (a dask worker's task threads), which
# time.process_time() would count too.
cpu_clock = time.thread_time


def make_walk(formula: Formula, solver: str | SolverSpec, **given: object) -> Walk:
    """A Walk of a built-in kernel (by name or spec), its parameters resolved for `formula`
    (the spec's parameters, overridden by `given`)."""
    spec = solver if isinstance(solver, SolverSpec) else find_spec(solver)
    if spec.kernel is None:
        raise SatspeedError(f"solver '{spec.name}' is an external command, not a kernel")
    algorithm = ALGORITHMS[spec.kernel]
    params = algorithm.params(formula, **{**spec.given, **given})
    return algorithm.walk(formula, spec.name, params)


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run: status 'sat' (model verified), 'timeout', 'stopped' or 'error'
    (`message` says why)."""

    status: str
    flips: int
    cpu_s: float
    wall_s: float
    model: np.ndarray | None
    message: str = ""
    restarts: int = 0  # tries after the first (a restarted run); flips are over all tries


def warm_up(walk: Walk) -> None:
    """Load (or compile) the kernels outside any timed run."""
    walk.start(0)
    walk.step(0)


def run_once(walk: Walk, seed: int, max_flips: int | None = None,
             timeout: float | None = None, chunk: int = CHUNK_FLIPS,
             stop: Callable[[], bool] | None = None,
             restart: Restart | None = None) -> RunResult:
    """One seeded run until a model, `max_flips` flips or `timeout` CPU seconds (of this
    thread: `cpu_clock`); with `restart`, started again from a fresh assignment (seed
    `attempt_seed`) each time a try reaches its cutoff, the flips and cutoffs counted over
    all tries.

    `stop`, polled between chunks, ends the run early with status 'stopped' (e.g. when the
    campaign is cancelled). A reported model is verified against the formula; a kernel that
    reports a wrong one is a bug and raises RuntimeError.
    """
    budget = math.inf if max_flips is None else max_flips
    cpu0, wall0 = cpu_clock(), time.perf_counter()
    attempt, before = 1, 0  # the try, and the flips of the tries before it
    walk.start(seed)
    solved = walk.solved
    status = "timeout"
    while not solved and before + walk.flips < budget:
        if restart is not None and walk.flips >= restart.cutoff(attempt):
            before += walk.flips
            attempt += 1
            walk.start(attempt_seed(seed, attempt))
            solved = walk.solved
            continue
        left = budget - before - walk.flips
        if restart is not None:
            left = min(left, int(restart.cutoff(attempt)) - walk.flips)
        solved, _ = walk.step(int(min(chunk, left)))
        if timeout is not None and cpu_clock() - cpu0 >= timeout:
            break
        if stop is not None and not solved and stop():
            status = "stopped"
            break
    cpu_s, wall_s = cpu_clock() - cpu0, time.perf_counter() - wall0
    flips, restarts = before + walk.flips, attempt - 1
    if not solved:
        return RunResult(status, flips, cpu_s, wall_s, None, restarts=restarts)
    model = walk.assign.copy()
    bad = walk.formula.falsified_clause(model)
    if bad >= 0:
        raise RuntimeError(f"{walk.solver} reported a model that falsifies clause {bad + 1} "
                           f"of {walk.formula.path} (seed {seed}): this is a bug")
    return RunResult("sat", flips, cpu_s, wall_s, model, restarts=restarts)
