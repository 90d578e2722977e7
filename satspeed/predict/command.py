"""`satspeed predict`: resolve the options, compute the outcome, then show and write it
(tables or JSON on stdout, the JSON document to a file, figures to a folder)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from satspeed.errors import SatspeedError, os_error, os_reason
from satspeed.labels import parse_portfolio
from satspeed.predict.export import figures, json_document, tables
from satspeed.predict.outcome import Outcome, predict_csv
from satspeed.predict.parallel import usable_cores
from satspeed.predict.prediction import PredictOptions, parse_cores
from satspeed.sidecar import recorded_disturbance


def predict_command(csv: Path, cores: str | None, max_cores: int | None, measure: str | None,
                    dist: str, bootstrap: int, gof_samples: int, seed: int, as_json: bool,
                    output: Path | None, plot: Path | None, portfolios: tuple[str, ...] = (),
                    allocate: int | None = None, allocate_objective: str = "mean",
                    par_cutoff: float | None = None, restarts: bool = False,
                    luby_unit: float | None = None, workers: int | None = None) -> int:
    if luby_unit is not None and not restarts:
        raise click.BadParameter("needs --restarts", param_hint="--luby-unit")
    options, wanted = resolve_options(cores, max_cores, measure, dist, bootstrap, gof_samples,
                                      seed, portfolios, allocate, restarts, luby_unit, workers)
    if output is not None:  # checked now, not after minutes of bootstrap
        check_writable(output, output.parent)
    if plot is not None:
        check_writable(plot, plot)
    outcome = compute(csv, options, wanted, allocate, allocate_objective, par_cutoff)
    document = json_document.render(outcome)
    if output is not None:
        write_whole(output, document + "\n")
    if as_json:
        click.echo(document)
        for group, reason in outcome.skipped:
            print(f"satspeed: skipped {group.label}: {reason}", file=sys.stderr)
    else:
        tables.show(outcome, Console())
    if plot is not None and outcome.predictions:
        try:
            written = figures.write(outcome, plot)
        except OSError as exc:
            raise os_error(exc, plot) from None
        print(f"satspeed: wrote {len(written)} figures to {plot}", file=sys.stderr)
    if not outcome.predictions:
        raise SatspeedError(f"{csv}: no group of runs could be fitted")
    return 0


def resolve_options(cores: str | None, max_cores: int | None, measure: str | None, dist: str,
                    bootstrap: int, gof_samples: int, seed: int, portfolios: tuple[str, ...],
                    allocate: int | None, restarts: bool = False,
                    luby_unit: float | None = None, workers: int | None = 1
                    ) -> tuple[PredictOptions, list[dict[str, int]]]:
    """The options of a prediction, and the portfolios asked for, from the command line
    (click's BadParameter, exit 2, for a bad --cores or --portfolio)."""
    try:
        core_counts = parse_cores(cores, max_cores)
    except ValueError:
        raise click.BadParameter(f"'{cores}': expected positive integers like 1,2,4",
                                 param_hint="--cores") from None
    wanted = [_portfolio_option(text) for text in portfolios]
    options = PredictOptions(_measure(measure, bool(wanted or allocate)), core_counts, dist,
                             bootstrap, gof_samples, seed, restarts, luby_unit,
                             usable_cores() if workers is None else workers)
    return options, wanted


def compute(csv: Path, options: PredictOptions, wanted: list[dict[str, int]],
            allocate: int | None, objective: str, par_cutoff: float | None) -> Outcome:
    """The outcome, its notes printed, with a warning for times measured on a disturbed
    machine (recorded in the meta sidecar; flips are not inflated) among them."""
    progress = GroupProgress()
    try:
        outcome = predict_csv(csv, options, wanted, allocate, objective, par_cutoff, progress)
    finally:
        progress.close()
    if (disturbed := recorded_disturbance(csv, options.measure)) is not None:
        outcome.notes.append(f"warning: {disturbed}")
    for note in outcome.notes:
        click.echo(f"satspeed: {note}", err=True)
    return outcome


class GroupProgress:
    """A bar on stderr, where it is a terminal, of the groups predicted so far. It refreshes
    when a group is done, never from a thread of its own: worker processes are forked after
    it starts (satspeed.predict.parallel), and a fork must not copy a thread mid-write."""

    def __init__(self) -> None:
        self.bar: Progress | None = None

    def __call__(self, total: int) -> Callable[[], None]:
        console = Console(stderr=True)
        if total < 2 or not console.is_terminal:
            return lambda: None
        self.bar = Progress(TextColumn("predicting"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=console, transient=True,
                            auto_refresh=False)
        self.bar.start()
        task = self.bar.add_task("groups", total=total)
        self.bar.refresh()
        bar = self.bar

        def advance() -> None:
            bar.advance(task)
            bar.refresh()
        return advance

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def check_writable(target: Path, folder: Path) -> None:
    """Raise a one-line error naming `target` unless files can be made in `folder` (or, if it
    does not exist yet, in the nearest folder above it, where it will be made)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise SatspeedError(f"{target}: {existing} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise SatspeedError(f"{target}: {os_reason(exc)}") from None


def write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all: a fault (disk full) leaves an older file
    there as it was, and is one line naming `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SatspeedError(f"{path}: {os_reason(exc)}") from None


def _portfolio_option(text: str) -> dict[str, int]:
    try:
        return parse_portfolio(text)
    except SatspeedError as exc:
        raise click.BadParameter(str(exc), param_hint="--portfolio") from None


def _measure(measure: str | None, comparing: bool) -> str:
    """--measure as given; by default flips, or cpu_s when solvers are compared (a flip of
    one solver does not cost what a flip of another does)."""
    if measure is not None:
        return measure
    if comparing:
        click.echo("satspeed: note: --portfolio/--allocate compare solvers whose flips differ "
                   "in cost: measuring cpu_s (choose with --measure)", err=True)
        return "cpu_s"
    return "flips"
