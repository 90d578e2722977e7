"""The worker side of a campaign: make runs and turn them into CSV rows.

A worker keeps the formulas it has loaded, so each instance is read (and its kernels loaded)
once per process; only the solving itself is timed.
"""

from __future__ import annotations

import platform
import warnings
from collections.abc import Callable

from satspeed import __version__
from satspeed.cnf import Formula, read_cnf
from satspeed.plan import Run
from satspeed.results import now_iso
from satspeed.solvers import Walk, make_walk, run_once, warm_up

HOST = platform.node()


class Worker:
    """Runs seeded SLS runs, caching one Walk per (instance, solver)."""

    def __init__(self, max_flips: int | None, timeout: float | None) -> None:
        self.max_flips = max_flips
        self.timeout = timeout
        self._walks: dict[tuple[str, str], Walk] = {}
        self._formulas: dict[str, Formula] = {}

    def walk(self, run: Run) -> Walk:
        key = (run.instance, run.solver)
        if key not in self._walks:
            if run.instance not in self._formulas:
                if len(self._formulas) >= 8:  # keep memory bounded on big instance sets
                    self._formulas.clear()
                    self._walks.clear()
                with warnings.catch_warnings():  # the parent has reported them already
                    warnings.simplefilter("ignore")
                    self._formulas[run.instance] = read_cnf(run.instance)
            walk = make_walk(self._formulas[run.instance], run.solver)
            warm_up(walk)
            self._walks[key] = walk
        return self._walks[key]

    def run(self, run: Run, stop: Callable[[], bool] | None = None) -> dict[str, object] | None:
        """Make one run and return its CSV row: an 'error' row with the reason if it failed,
        None if `stop` ended it (nothing to record)."""
        started = now_iso()
        try:
            walk = self.walk(run)  # loads the instance the first time: not part of the run
            started = now_iso()
            result = run_once(walk, run.seed, self.max_flips, self.timeout, stop=stop)
        except Exception as exc:
            return error_row(run, f"{type(exc).__name__}: {exc}", self, started)
        if result.status == "stopped":
            return None
        return {**_base(run, self, started), "status": result.status, "flips": result.flips,
                "cpu_s": f"{result.cpu_s:.6f}", "wall_s": f"{result.wall_s:.6f}"}


def _base(run: Run, worker: Worker, started: str) -> dict[str, object]:
    return {"instance": run.instance, "instance_sha256": run.sha256, "solver": run.solver,
            "params": run.params, "walkers": 1, "seed": run.seed,
            "cutoff_flips": worker.max_flips, "cutoff_s": worker.timeout, "host": HOST,
            "started_at": started, "satspeed_version": __version__}


def error_row(run: Run, message: str, worker: Worker, started: str | None = None
              ) -> dict[str, object]:
    """An `error` row: no flips or seconds to report, only the reason."""
    return {**_base(run, worker, started or now_iso()), "status": "error", "flips": 0,
            "cpu_s": "0", "wall_s": "0", "message": message.replace("\n", " ")[:500]}
