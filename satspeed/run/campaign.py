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

from satspeed.errors import InputError, SatspeedError
from satspeed.labels import portfolio_label, portfolio_params
from satspeed.results import ResultsWriter, Row, RunKey, key_of, read_rows, record_session
from satspeed.run.algorithms import ALGORITHMS
from satspeed.run.builtin import format_params, make_walk, warm_up
from satspeed.run.display import CampaignDisplay, InstanceSummary, print_summary, say
from satspeed.run.engines import make_engine
from satspeed.run.engines.base import Engine
from satspeed.run.formula.cnf import Formula, read_cnf
from satspeed.run.plan import Run, find_instances, plan_runs
from satspeed.run.specs import SolverSpec, find_spec, resolve_params


@dataclass(frozen=True)
class CampaignOptions:
    paths: list[Path]
    solvers: tuple[str, ...]  # built-in names or spec files
    runs: int
    workers: int
    max_flips: int | None
    timeout: float | None
    seed: int
    output: Path
    check_sat: float | None
    quiet: bool
    walkers: tuple[int, ...] = (1,)  # 1: sequential runs; k > 1: races of k walkers
    portfolios: tuple[dict[str, int], ...] = ()  # mixed races: solver name -> walkers
    engine: str = "local"
    scheduler: str | None = None


@dataclass(frozen=True)
class Entrant:
    """What races or runs on each instance: one solver with k walkers, or a mixed portfolio."""

    label: str
    specs: tuple[SolverSpec, ...]  # one per walker

    def params(self, formula: Formula) -> str:
        if len(set(self.specs)) == 1:
            return format_params(resolve_params(self.specs[0], formula))
        return portfolio_params({s.name: format_params(resolve_params(s, formula))
                                 for s in self.specs})


def entrants(options: CampaignOptions) -> list[Entrant]:
    """Sequential runs of each solver first, then races by size, then mixed portfolios."""
    specs = [find_spec(name) for name in options.solvers]
    found: list[Entrant] = []
    for k in sorted(set(options.walkers)):
        found.extend(Entrant(spec.name, (spec,) * k) for spec in specs)
    for counts in options.portfolios:
        members = [(find_spec(text), k) for text, k in counts.items()]
        by_name = {spec.name: k for spec, k in members}
        if len(by_name) < len(members):
            raise SatspeedError("a portfolio names the same solver twice")
        members.sort(key=lambda member: member[0].name)
        found.append(Entrant(portfolio_label(by_name),
                             tuple(spec for spec, k in members for _ in range(k))))
    names = [e.label for e in found if len(e.specs) == 1]
    if len(set(names)) < len(names):
        raise SatspeedError("two solvers with the same name: give each spec its own name")
    return found


def _plan(options: CampaignOptions) -> tuple[list[Run], dict[str, str]]:
    """All runs of the campaign, and the display name of each instance (by sha256)."""
    kinds = entrants(options)
    runs: list[Run] = []
    names: dict[str, str] = {}
    for path in find_instances(options.paths):
        try:
            formula = read_cnf(path)
            if formula.sha256 in names:  # same content: same seeds, so the same runs again
                say(f"skipping {path}: same content as {names[formula.sha256]}")
                continue
            if options.check_sat is not None and _proven_unsat(formula, options.check_sat):
                say(f"skipping {path}: proven unsatisfiable by python-sat's CDCL solver")
                continue
            for entrant in kinds:
                runs.extend(plan_runs(str(path), formula.sha256, entrant.label,
                                      entrant.params(formula), options.runs, options.seed,
                                      entrant.specs))
        except InputError as exc:
            say(f"skipping {exc}")
            continue
        names[formula.sha256] = path.name
    if not runs:
        raise SatspeedError("no instance could be read: nothing to run")
    runs.sort(key=lambda r: r.walkers)  # stable: sequential runs first, then races by size
    return runs, names


def _proven_unsat(formula, seconds: float) -> bool:
    from satspeed.run.formula.satcheck import check_sat

    return check_sat(formula.clauses(), seconds) is False


def _warm_kernels(runs: list[Run]) -> None:
    """Compile (or load) the kernels once in this process, so that workers only load them."""
    from satspeed.run.formula.cnf import parse_cnf

    tiny = parse_cnf(b"p cnf 4 3\n1 2 3 0\n-1 2 4 0\n1 -2 -3 4 0\n")
    kernels = {spec.kernel for run in runs for spec in run.specs if spec.kernel}
    for kernel in sorted(kernels):
        for given in ALGORITHMS[kernel].variants:
            warm_up(make_walk(tiny, kernel, **given))


def _check_walkers(runs: list[Run], options: CampaignOptions) -> int:
    """The number of worker processes: --workers, raised to the largest race (with a word on
    what that means for its wall time)."""
    largest = max(r.walkers for r in runs)
    cores = default_workers()
    if largest > cores and options.scheduler is None:  # a cluster's workers are elsewhere
        warnings.warn(f"races of {largest} walkers on {cores} cores: their walkers share "
                      "cores, so their wall time is not that of a "
                      f"{largest}-core race (flips still are)", stacklevel=2)
    if largest > options.workers and options.scheduler is None:
        say(f"using {largest} worker processes: a race of {largest} walkers needs as many")
    return max(options.workers, largest)


def run_campaign(options: CampaignOptions, argv: list[str], engine: Engine | None = None
                 ) -> int:
    """Run the campaign on `engine` (by default the one the options name); returns the exit
    code (0, or 130 when interrupted)."""
    writer: ResultsWriter | None = None
    display: CampaignDisplay | None = None
    try:  # Ctrl-C at any stage (reading instances, loading kernels, running) ends the same way
        planned, names = _plan(options)
        writer = ResultsWriter(options.output)
        record_session(options.output, argv)
        todo = [r for r in planned
                if RunKey(r.sha256, r.solver, r.params, r.walkers, r.seed) not in writer.done]
        if len(todo) < len(planned):
            say(f"resuming: {len(planned) - len(todo)} of {len(planned)} runs already in "
                f"{options.output}")
        workers = _check_walkers(planned, options)
        _warm_kernels(todo)
        display = CampaignDisplay(planned, todo, names, quiet=options.quiet)
        if engine is None:
            engine = make_engine(options.engine, workers, options.max_flips, options.timeout,
                                 options.scheduler)

        def on_row(row: Row) -> None:
            writer.write(row)  # type: ignore[union-attr]
            display.update(row)  # type: ignore[union-attr]

        with display:
            if todo:
                engine.run(todo, on_row)
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
    """Per instance, solver and walkers: runs, solved, median flips and seconds, flip rate."""
    keys = {RunKey(r.sha256, r.solver, r.params, r.walkers, r.seed) for r in planned}
    groups: dict[tuple[str, str, int], list[dict[str, str]]] = {
        (r.sha256, r.solver, r.walkers): [] for r in planned}
    with warnings.catch_warnings():  # bad lines were reported when the campaign started
        warnings.simplefilter("ignore")
        for _, row in read_rows(output):
            if key_of(row) in keys:
                groups[(row["instance_sha256"], row["solver"], int(row["walkers"]))].append(row)
    summaries = []
    for (sha, solver, walkers), group in groups.items():
        solved = [r for r in group if r["status"] == "sat"]
        ran = [r for r in group if r["status"] != "error"]
        all_flips = sum(float(r["flips"]) for r in ran)
        all_cpu = sum(float(r["cpu_s"]) for r in ran)
        summaries.append(InstanceSummary(
            names[sha], solver, walkers, len(group), len(solved),
            sum(r["status"] == "timeout" for r in group),
            sum(r["status"] == "error" for r in group),
            _median(solved, "flips"), _median(solved, "cpu_s"), _median(solved, "wall_s"),
            all_flips / all_cpu if all_cpu > 0 and walkers == 1 else float("nan")))
    return summaries


def _median(rows: list[dict[str, str]], column: str) -> float:
    return float(np.median([float(r[column]) for r in rows])) if rows else float("nan")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def command_line() -> list[str]:
    return ["satspeed", *sys.argv[1:]]
