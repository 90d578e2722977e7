"""`satspeed run`: many seeded runs of a solver on every instance, collected to a CSV.

Flow: find instances -> read and check each (bad ones reported and skipped) -> plan runs with
deterministic seeds -> drop those already in the CSV (resume) -> make the rest on the backend,
writing each row as it arrives -> summary.
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from satspeed.backends.local import LocalPool
from satspeed.cnf import read_cnf
from satspeed.errors import SatspeedError
from satspeed.plan import Run, find_instances, plan_runs
from satspeed.results import ResultsWriter, RunKey, key_of, read_rows, record_session
from satspeed.run_display import CampaignDisplay, InstanceSummary, print_summary, say
from satspeed.solvers import SOLVERS, format_params, make_walk, warm_up


@dataclass(frozen=True)
class CampaignOptions:
    paths: list[Path]
    solver: str
    runs: int
    workers: int
    max_flips: int | None
    timeout: float | None
    seed: int
    output: Path
    check_sat: float | None
    quiet: bool


def _plan(options: CampaignOptions) -> tuple[list[Run], dict[str, str]]:
    """All runs of the campaign, and the display name of each instance (by sha256)."""
    runs: list[Run] = []
    names: dict[str, str] = {}
    for path in find_instances(options.paths):
        try:
            formula = read_cnf(path)
        except SatspeedError as exc:
            say(f"skipping {exc}")
            continue
        if formula.sha256 in names:  # same content: same seeds, so the same runs again
            say(f"skipping {path}: same content as {names[formula.sha256]}")
            continue
        if options.check_sat is not None and _proven_unsat(formula, options.check_sat):
            say(f"skipping {path}: proven unsatisfiable by python-sat's CDCL solver")
            continue
        params = format_params(SOLVERS[options.solver](formula))
        runs.extend(plan_runs(str(path), formula.sha256, options.solver, params, options.runs,
                              options.seed))
        names[formula.sha256] = path.name
    if not runs:
        raise SatspeedError("no instance could be read: nothing to run")
    return runs, names


def _proven_unsat(formula, seconds: float) -> bool:
    from satspeed.satcheck import check_sat

    return check_sat(formula.clauses(), seconds) is False


def _warm_kernels(solver: str) -> None:
    """Compile (or load) the kernels once in this process, so that workers only load them."""
    from satspeed.cnf import parse_cnf

    tiny = parse_cnf(b"p cnf 4 3\n1 2 3 0\n-1 2 4 0\n1 -2 -3 4 0\n")
    for caching in (False, True):
        walk = make_walk(tiny, solver, **({"caching": caching} if solver == "probsat" else {}))
        warm_up(walk)


def run_campaign(options: CampaignOptions, argv: list[str]) -> int:
    """Run the campaign; returns the exit code (0, or 130 when interrupted)."""
    writer: ResultsWriter | None = None
    display: CampaignDisplay | None = None
    try:  # Ctrl-C at any stage (reading instances, loading kernels, running) ends the same way
        planned, names = _plan(options)
        writer = ResultsWriter(options.output)
        record_session(options.output, argv)
        todo = [r for r in planned
                if RunKey(r.sha256, r.solver, r.params, 1, r.seed) not in writer.done]
        if len(todo) < len(planned):
            say(f"resuming: {len(planned) - len(todo)} of {len(planned)} runs already in "
                f"{options.output}")
        _warm_kernels(options.solver)
        display = CampaignDisplay(planned, todo, names, quiet=options.quiet)
        pool = LocalPool(options.workers, options.max_flips, options.timeout)

        def on_row(row: dict[str, object]) -> None:
            writer.write(row)  # type: ignore[union-attr]
            display.update(row)  # type: ignore[union-attr]

        with display:
            if todo:
                pool.run(todo, on_row)
    except KeyboardInterrupt:
        if writer is not None:
            writer.close()
        written = display.written if display is not None else 0
        say(f"interrupted: {written} runs written to {options.output}; "
            "run the same command again to resume")
        return 130
    writer.close()
    if not options.quiet:
        print_summary(summarise(options.output, planned, names))
    return 0


def summarise(output: Path, planned: list[Run], names: dict[str, str]
              ) -> list[InstanceSummary]:
    """Per instance: runs, solved, median flips and seconds, flips per second (from the CSV)."""
    keys = {RunKey(r.sha256, r.solver, r.params, 1, r.seed) for r in planned}
    rows: dict[str, list[dict[str, str]]] = {}
    with warnings.catch_warnings():  # bad lines were reported when the campaign started
        warnings.simplefilter("ignore")
        for _, row in read_rows(output):
            if row["walkers"] == "1" and key_of(row) in keys:
                rows.setdefault(row["instance_sha256"], []).append(row)
    summaries = []
    for sha, name in names.items():
        group = rows.get(sha, [])
        solved = [r for r in group if r["status"] == "sat"]
        flips = np.array([float(r["flips"]) for r in solved])
        cpu = np.array([float(r["cpu_s"]) for r in solved])
        all_flips = sum(float(r["flips"]) for r in group if r["status"] != "error")
        all_cpu = sum(float(r["cpu_s"]) for r in group if r["status"] != "error")
        summaries.append(InstanceSummary(
            name, len(group), len(solved), sum(r["status"] == "timeout" for r in group),
            sum(r["status"] == "error" for r in group),
            float(np.median(flips)) if len(flips) else float("nan"),
            float(np.median(cpu)) if len(cpu) else float("nan"),
            all_flips / all_cpu if all_cpu > 0 else float("nan")))
    return summaries


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def command_line() -> list[str]:
    return ["satspeed", *sys.argv[1:]]
