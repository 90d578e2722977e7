"""The worker side of a campaign: make runs (and race walkers) and turn them into CSV rows.

A worker keeps the formulas and walks it has loaded, so each instance is read (and its kernels
loaded) once per process; only the solving itself is timed. The same Worker serves the local
process pool and the Dask engine.
"""

from __future__ import annotations

import platform
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from satspeed import __version__
from satspeed.errors import SatspeedError
from satspeed.restart import Restart
from satspeed.results import Row, make_row, now_iso
from satspeed.run.algorithms.base import Walk
from satspeed.run.builtin import CHUNK_FLIPS, RunResult, make_walk, run_once, warm_up
from satspeed.run.formula.cnf import Formula, read_cnf
from satspeed.run.plan import Run
from satspeed.run.specs import SolverSpec

HOST = platform.node()
RACE_CHUNK = 1 << 10  # flips between polls of a race's stop flag (0.2-1 ms of a kernel)
_FORMULAS_KEPT = 8  # instances kept loaded per worker (memory bound on big instance sets)


@dataclass(frozen=True)
class WalkerResult:
    """What one walker of a race reports: its run, and the seconds from the race's start to
    its verified model (`race_wall`, meaningful for a winner only)."""

    result: RunResult
    race_wall: float = 0.0


class Worker:
    """Makes seeded runs, caching formulas and one Walk per (instance, solver spec)."""

    def __init__(self, max_flips: int | None, timeout: float | None) -> None:
        self.max_flips = max_flips
        self.timeout = timeout
        self._walks: dict[tuple[str, SolverSpec], Walk] = {}
        self._formulas: dict[str, Formula] = {}

    def formula(self, instance: str) -> Formula:
        if instance not in self._formulas:
            if len(self._formulas) >= _FORMULAS_KEPT:
                self._formulas.clear()
                self._walks.clear()
            with warnings.catch_warnings():  # the parent has reported them already
                warnings.simplefilter("ignore")
                self._formulas[instance] = read_cnf(instance)
        return self._formulas[instance]

    def prepare(self, instance: str, spec: SolverSpec) -> None:
        """Load the instance and the solver's kernels: not part of any timed run."""
        formula = self.formula(instance)
        if spec.kernel is not None and (instance, spec) not in self._walks:
            walk = make_walk(formula, spec)
            warm_up(walk)
            self._walks[(instance, spec)] = walk

    def attempt(self, spec: SolverSpec, instance: str, seed: int,
                stop: Callable[[], bool] | None = None, chunk: int | None = None,
                restart: Restart | None = None) -> RunResult:
        """One run of `spec` on `instance` with `seed` (prepared first if need be), restarted
        with `restart` (a built-in kernel's only: the campaign refuses it for others)."""
        self.prepare(instance, spec)
        if spec.kernel is None:
            from satspeed.run.external import run_external

            if restart is not None:
                raise SatspeedError(f"{spec.name}: restarts need a built-in kernel")
            return run_external(spec, self.formula(instance), seed, self.max_flips,
                                self.timeout, stop)
        walk = self._walks[(instance, spec)]
        return run_once(walk, seed, self.max_flips, self.timeout, chunk=chunk or CHUNK_FLIPS,
                        stop=stop, restart=restart)

    def run(self, run: Run, stop: Callable[[], bool] | None = None) -> Row | None:
        """Make one sequential run and return its CSV row: an 'error' row with the reason if
        it failed, None if `stop` ended it (nothing to record)."""
        started = now_iso()
        try:
            self.prepare(run.instance, run.specs[0])
            started = now_iso()
            result = self.attempt(run.specs[0], run.instance, run.seed, stop,
                                  restart=run.restart)
        except Exception as exc:
            return error_row(run, f"{type(exc).__name__}: {exc}", self, started)
        if result.status == "stopped":
            return None
        return result_row(run, result, self, started)

    def walker(self, run: Run, index: int, stop: Callable[[], bool]) -> RunResult:
        """Walker `index` of race `run`, stopped when `stop()` says another walker has won.
        Exceptions become 'error' results (the race then stops and records the error)."""
        try:
            return self.attempt(run.specs[index], run.instance, run.walker_seed(index), stop,
                                chunk=RACE_CHUNK, restart=run.restart)
        except Exception as exc:
            return RunResult("error", 0, 0.0, 0.0, None, f"{type(exc).__name__}: {exc}")


def result_row(run: Run, result: RunResult, worker: Worker, started: str) -> Row:
    """The CSV row of a finished run (sequential, or a race's combined result)."""
    if result.status == "error":
        return error_row(run, result.message, worker, started)
    return _row(run, worker, started, result.status, result.flips, f"{result.cpu_s:.6f}",
                f"{result.wall_s:.6f}", restarts=result.restarts)


def error_row(run: Run, message: str, worker: Worker, started: str | None = None) -> Row:
    """An `error` row: no flips or seconds to report, only the reason."""
    return _row(run, worker, started or now_iso(), "error", 0, "0", "0",
                message.replace("\n", " ")[:500])


def _row(run: Run, worker: Worker, started: str, status: str, flips: int, cpu_s: str,
         wall_s: str, message: str = "", restarts: int = 0) -> Row:
    return make_row(instance=run.instance, instance_sha256=run.sha256, solver=run.solver,
                    params=run.params, walkers=run.walkers, seed=run.seed, status=status,
                    flips=flips, cpu_s=cpu_s, wall_s=wall_s, cutoff_flips=worker.max_flips,
                    cutoff_s=worker.timeout, host=HOST, started_at=started,
                    satspeed_version=__version__, message=message,
                    restart=run.restart_text, restarts=restarts if run.restart else "")


def race_result(walkers: list[WalkerResult]) -> RunResult:
    """A race's outcome from its walkers' reports.

    Solved: the winner is the walker with a verified model that reached it first (least
    race_wall); flips are the winner's, wall seconds from the race's start to that model, CPU
    seconds the sum over all walkers. Unsolved: a timeout censored at the fewest flips any
    walker made (each walker failed within its own flips, so the race's flips exceed that).
    An error of any walker makes the race an error.
    """
    results = [w.result for w in walkers]
    cpu = sum(r.cpu_s for r in results)
    errors = [r.message for r in results if r.status == "error"]
    if errors:
        return RunResult("error", 0, cpu, 0.0, None, f"a walker failed: {errors[0]}")
    solved = [w for w in walkers if w.result.status == "sat"]
    if solved:
        best = min(solved, key=lambda w: w.race_wall)
        return RunResult("sat", best.result.flips, cpu, best.race_wall, best.result.model,
                         restarts=best.result.restarts)
    if any(r.status == "stopped" for r in results):
        return RunResult("stopped", 0, cpu, 0.0, None)
    counted = [r for r in results if r.flips >= 0]  # -1: not reported (external)
    fewest = min(counted, key=lambda r: r.flips, default=None)
    return RunResult("timeout", -1 if fewest is None else fewest.flips, cpu,
                     max(r.wall_s for r in results), None,
                     restarts=0 if fewest is None else fewest.restarts)
