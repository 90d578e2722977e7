"""`satspeed run`: many seeded runs of a solver on every instance, collected to a CSV.

Flow: find instances -> read and check each (bad ones reported and skipped) -> plan runs with
deterministic seeds -> drop those already in the CSV (resume) -> make the rest on the backend,
writing each row as it arrives -> summary.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from satspeed.errors import InputError, SatspeedError, os_error
from satspeed.labels import format_params, parse_params, portfolio_label, portfolio_params
from satspeed.restart import Restart
from satspeed.results import (
    ResultsWriter,
    Row,
    RunKey,
    refuse_if_locked,
    stands,
)
from satspeed.run import machine
from satspeed.run.algorithms import ALGORITHMS
from satspeed.run.builtin import make_walk, warm_up
from satspeed.run.display import CampaignDisplay, InstanceSummary, print_summary, say
from satspeed.run.engines import make_engine
from satspeed.run.engines.base import STOP_SIGNALS, Engine
from satspeed.run.formula.cnf import Formula, read_cnf, tiny_formula
from satspeed.run.plan import Run, find_instances, plan_runs, shown
from satspeed.run.specs import SolverSpec, find_spec, resolve_params
from satspeed.run.sweep import Sweep, settings
from satspeed.sidecar import (
    add_to_session,
    disturbances,
    end_session,
    machine_warnings_on,
    record_session,
)


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
    sweep: Sweep = ()  # --param NAME=V,V: one entrant per setting of each --solver
    restart: Restart | None = None  # --restart: every run (every walker) restarts so
    rounds: Rounds | None = None  # runs in rounds that it decides (runs: the most per group)


class Rounds(Protocol):
    """Decides a campaign's runs as their rows come in (precision-driven campaigns:
    satspeed.precision)."""

    def first(self, planned: list[Run], done: dict[RunKey, dict[str, str]]) -> list[Run]:
        """The runs to make first, among `planned`, given the rows that stand (`done`, which
        it keeps); [] when the campaign is done."""

    def record(self, key: RunKey, row: dict[str, str]) -> None:
        """A row was written (as the CSV has it)."""

    def more(self) -> list[Run]:
        """Runs to add now, after the rows recorded so far ([] for none yet)."""

    def notes(self) -> dict[str, str]:
        """Per instance (sha256), what the progress display adds to its line (those that
        changed since the last call)."""

    def show(self) -> None:
        """Show where the campaign stands (after the summary)."""

    def report(self) -> dict[str, object]:
        """What the meta sidecar records of the rounds."""


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
    """Sequential runs of each solver (each setting of a sweep) first, then races by size,
    then mixed portfolios."""
    solvers = [find_spec(name) for name in options.solvers]
    names = [spec.name for spec in solvers]
    if len(set(names)) < len(names):
        raise SatspeedError("two solvers with the same name: give each spec its own name")
    specs = [swept for spec in solvers for swept in settings(spec, options.sweep)]
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
    return found


def _plan(options: CampaignOptions) -> tuple[list[Run], dict[str, str]]:
    """All runs of the campaign, and the display name of each instance (by sha256)."""
    kinds = entrants(options)
    if options.restart is not None:
        external = sorted({s.name for e in kinds for s in e.specs if s.kernel is None})
        if external:
            raise SatspeedError(f"--restart: {external[0]} is an external solver: restarts "
                                "are made by the built-in kernels only (an external solver "
                                "restarts by its own options)")
    runs: list[Run] = []
    names: dict[str, str] = {}
    for path in find_instances(options.paths, lambda p, why: say(f"skipping {shown(p)}: {why}")):
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
                                      entrant.specs, options.restart))
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

    tiny = tiny_formula()
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


def _to_make(planned: list[Run], done: dict[RunKey, dict[str, str]],
             options: CampaignOptions) -> list[Run]:
    """The runs to make (saying so when resuming): those without a row in the CSV, and those
    whose row does not stand under this command's cutoffs, made again with the same seed (a
    new row, which supersedes the old one)."""
    todo: list[Run] = []
    stale: dict[str, int] = {}  # the cutoffs of the rows re-made, as options, and how many
    for run in planned:
        row = done.get(run.key)
        if row is not None and stands(row, options.max_flips, options.timeout):
            continue
        todo.append(run)
        if row is not None:
            text = _cutoff_options(row, options)
            stale[text] = stale.get(text, 0) + 1
    kept = len(planned) - len(todo)
    if stale:
        had = " or ".join(sorted(stale, key=stale.__getitem__, reverse=True)[:3])
        say(f"resuming: {kept} of {len(planned)} runs kept from {options.output}; "
            f"{sum(stale.values())} re-made at the new cutoffs (their rows had {had}"
            f"{' or others' if len(stale) > 3 else ''})")
    elif kept:
        say(f"resuming: {kept} of {len(planned)} runs already in {options.output}")
    return todo


def _cutoff_options(row: dict[str, str], options: CampaignOptions) -> str:
    """A row's cutoffs that differ from this command's, as the options that give them."""
    words = []
    for name, had, new in (("--max-flips", row["cutoff_flips"], options.max_flips),
                           ("--timeout", row["cutoff_s"], options.timeout)):
        if (float(had) if had else None) != new:
            shown = had if name == "--max-flips" else f"{float(had):g}"
            words.append(f"{name} {shown}" if had else f"no {name}")
    return " ".join(words) or "the same cutoffs"


def run_campaign(options: CampaignOptions, argv: list[str], engine: Engine | None = None
                 ) -> int:
    """Run the campaign on `engine` (by default the one the options name); returns the exit
    code: 0, or 128 + the signal when stopped by Ctrl-C (130), SIGTERM (143) or SIGHUP (129).
    A fault writing the CSV (disk full, read-only folder) is one SatspeedError line."""
    writer: ResultsWriter | None = None
    display: CampaignDisplay | None = None
    try:  # a stop signal at any stage (reading instances, loading kernels, running) ends the
        # same way: rows written stay, and the same command resumes
        shield = _Shield()
        with _stop_signals(shield):
            refuse_if_locked(options.output)  # before the instances are read
            planned, names = _plan(options)
            workers = _check_walkers(planned, options)
            writer = _open_results(options.output, argv,
                                   None if options.scheduler else workers)
            _check_format(writer, options)
            if engine is None:
                engine = make_engine(options.engine, workers, options.max_flips,
                                     options.timeout, options.scheduler)
            rounds = options.rounds
            if rounds is None:
                todo = _to_make(planned, writer.done, options)
                _warm_kernels(todo)
                display = CampaignDisplay(planned, todo, names, quiet=options.quiet)
            else:
                _warm_kernels(planned)
                todo = rounds.first(planned, _standing(writer.done, options))
                display = CampaignDisplay(todo, todo, names, quiet=options.quiet, notes=True,
                                          most=len(planned))
                display.note(rounds.notes())
            with display:
                if todo:
                    engine.run(todo, _row_sink(writer, display, options.output, shield,
                                               rounds),
                               more=None if rounds is None else _more(rounds, display))
            if rounds is not None:
                _record_rounds(options)
    except KeyboardInterrupt as stop:
        written = display.written if display is not None else 0
        with contextlib.suppress(OSError):  # after a SIGHUP, stderr may be gone
            say(f"interrupted: {written} runs written to {options.output}; "
                "run the same command again to resume")
        return 128 + getattr(stop, "signum", signal.SIGINT)
    finally:
        if writer is not None:
            with contextlib.suppress(OSError):  # a full disk, or stderr gone after a SIGHUP
                _end_session(options.output)  # while the lock keeps the sidecar ours
            with contextlib.suppress(OSError):  # all was flushed, or the fault was reported
                writer.close()
    if not options.quiet:
        print_summary(summarise(writer.done, planned, names))  # type: ignore[union-attr]
        if options.rounds is not None:
            options.rounds.show()
    return 0


def _standing(done: dict[RunKey, dict[str, str]], options: CampaignOptions
              ) -> dict[RunKey, dict[str, str]]:
    """The rows that hold under this command's cutoffs (the others are made again)."""
    return {key: row for key, row in done.items()
            if stands(row, options.max_flips, options.timeout)}


def _record_rounds(options: CampaignOptions) -> None:
    """The rounds' outcome in this session of the meta sidecar (a fault: one line)."""
    assert options.rounds is not None
    try:
        add_to_session(options.output, "rounds", options.rounds.report())
    except OSError as exc:
        raise os_error(exc, f"{options.output}.meta.json") from None


def _open_results(output: Path, argv: list[str], workers: int | None) -> ResultsWriter:
    """The CSV's writer, with this invocation recorded in its sidecar (with the machine's
    load: a warning when it competes with the `workers`); a fault (read-only folder, disk
    full) is one line naming the file."""
    try:
        writer = ResultsWriter(output)
    except OSError as exc:
        raise os_error(exc, output) from None
    try:
        conditions = machine.conditions(workers)
        record_session(output, argv, conditions, writer.format)
    except OSError as exc:
        with contextlib.suppress(OSError):
            writer.close()
        raise os_error(exc, f"{output}.meta.json") from None
    _warn_disturbances(conditions)
    return writer


def _check_format(writer: ResultsWriter, options: CampaignOptions) -> None:
    """Refuse restarted runs for a CSV of an older format, which has no column for them."""
    missing = writer.missing("restart", "restarts")
    if options.restart is not None and missing:
        raise InputError(str(options.output), f"written in an older format, without the "
                         f"{' and '.join(missing)} column{'s' * (len(missing) > 1)} that "
                         "restarted runs need: give them another -o file")


def _end_session(output: Path) -> None:
    """Record the load at the end in this invocation's session, with a warning when other
    processes competed with the campaign's workers."""
    session = end_session(output, machine.snapshot())
    if session is not None:
        _warn_disturbances({"workers": session.get("workers"),
                            "logical_cores": session.get("logical_cores"),
                            "end": session.get("end")})


def _warn_disturbances(session: dict[str, object]) -> None:
    if machine_warnings_on():
        for line in disturbances(session):
            warnings.warn(line, stacklevel=2)


def _row_sink(writer: ResultsWriter, display: CampaignDisplay, output: Path,
              shield: _Shield, rounds: Rounds | None = None) -> Callable[[Row], None]:
    """What the engine hands each row to: the CSV, then the display (and the rounds), as one
    step that a stop signal does not split (so the count said on stopping is the rows in the
    file). A fault writing the CSV stops the campaign with one line (the rows written before
    it stay: the same command resumes)."""

    def on_row(row: Row) -> None:
        with shield:
            try:
                key, text = writer.write(row)
            except OSError as exc:
                raise os_error(exc, output, f" ({display.written} runs written; run the same "
                               "command again to resume)") from None
            display.update(row)
            if rounds is not None:
                rounds.record(key, text)

    return on_row


def _more(rounds: Rounds, display: CampaignDisplay) -> Callable[[], list[Run]]:
    """What the engine asks for more runs: the rounds' next runs, added to the display with
    where each instance now stands."""

    def more() -> list[Run]:
        runs = rounds.more()
        display.add(runs)
        display.note(rounds.notes())
        return runs

    return more


class _Shield:
    """A step that a stop signal must not split: the signal's exception is held, and raised
    when the step is done."""

    def __init__(self) -> None:
        self.holding = False
        self.pending: BaseException | None = None

    def __enter__(self) -> None:
        self.holding = True

    def __exit__(self, *exc: object) -> None:
        self.holding = False
        pending, self.pending = self.pending, None
        if pending is not None and exc[0] is None:
            raise pending


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, taken as Ctrl-C is: the campaign stops cleanly."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def _stop_signals(shield: _Shield) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP stop the campaign alike: the first raises KeyboardInterrupt
    (Stopped for the other two) in the main thread; any later one is ignored while it stops,
    so that the shutdown of the workers runs to its end. A signal ignored when satspeed
    started (`nohup` ignores SIGHUP) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            error = KeyboardInterrupt() if signum == signal.SIGINT else Stopped(signum)
            if shield.holding:  # raised when the row is written and counted
                shield.pending = error
                return
            raise error

    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    previous = {number: handler for number, handler in previous.items()
                if handler not in (signal.SIG_IGN, None)}
    for number in previous:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def summarise(done: dict[RunKey, dict[str, str]], planned: list[Run], names: dict[str, str]
              ) -> list[InstanceSummary]:
    """Per instance, solver, setting and walkers: runs, solved, median flips and seconds,
    flip rate, from the last row of each planned run (`done`: the writer's, so the CSV is not
    read again). A solver run with several settings (a --param sweep) names each by the
    parameters that differ between them."""
    groups: dict[tuple[str, str, str, int, str], list[dict[str, str]]] = {
        (r.sha256, r.solver, r.params, r.walkers, r.restart_text): [] for r in planned}
    for r in planned:
        if (row := done.get(r.key)) is not None:
            groups[(r.sha256, r.solver, r.params, r.walkers, r.restart_text)].append(row)
    settings = _settings({(sha, solver, params) for sha, solver, params, _, _ in groups})
    summaries = []
    for (sha, solver, params, walkers, restart), group in groups.items():
        solved = [r for r in group if r["status"] == "sat"]
        ran = [r for r in group if r["status"] != "error"]
        all_flips = sum(float(r["flips"]) for r in ran)
        all_cpu = sum(float(r["cpu_s"]) for r in ran)
        summaries.append(InstanceSummary(
            names[sha], solver, walkers, len(group), len(solved),
            sum(r["status"] == "timeout" for r in group),
            sum(r["status"] == "error" for r in group),
            _median(solved, "flips"), _median(solved, "cpu_s"), _median(solved, "wall_s"),
            all_flips / all_cpu if all_cpu > 0 and walkers == 1 else float("nan"),
            settings[(sha, solver, params)] + (f" {restart}" if restart else "")))
    return summaries


def _settings(groups: set[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
    """For each (instance sha256, solver, params): ' key=value,...' of the parameters in which
    the solver's settings on that instance differ ('' for one setting: defaults that depend
    on the instance, like probSAT's, differ only between instances)."""
    found: dict[tuple[str, str], list[dict[str, str]]] = {}
    for sha, solver, params in groups:
        found.setdefault((sha, solver), []).append(parse_params(params))
    shown = {}
    for sha, solver, params in groups:
        mine = parse_params(params)
        differ = [k for k in mine if len({p.get(k) for p in found[(sha, solver)]}) > 1]
        shown[(sha, solver, params)] = (" " + ",".join(f"{k}={mine[k]}" for k in differ)
                                        if differ else "")
    return shown


def _median(rows: list[dict[str, str]], column: str) -> float:
    return float(np.median([float(r[column]) for r in rows])) if rows else float("nan")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def command_line() -> list[str]:
    return ["satspeed", *sys.argv[1:]]
