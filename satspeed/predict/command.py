"""`satspeed predict`: resolve the options, compute the outcome, then show and write it
(tables or JSON on stdout, the JSON document to a file, figures to a folder)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from satspeed.errors import SatspeedError
from satspeed.labels import parse_portfolio
from satspeed.predict.export import figures, json_document, tables
from satspeed.predict.outcome import predict_csv
from satspeed.predict.prediction import PredictOptions, parse_cores


def predict_command(csv: Path, cores: str | None, max_cores: int | None, measure: str | None,
                    dist: str, bootstrap: int, gof_samples: int, seed: int, as_json: bool,
                    output: Path | None, plot: Path | None, portfolios: tuple[str, ...] = (),
                    allocate: int | None = None, allocate_objective: str = "mean",
                    par_cutoff: float | None = None) -> int:
    try:
        core_counts = parse_cores(cores, max_cores)
    except ValueError:
        raise click.BadParameter(f"'{cores}': expected positive integers like 1,2,4",
                                 param_hint="--cores") from None
    wanted = [_portfolio_option(text) for text in portfolios]
    options = PredictOptions(_measure(measure, bool(wanted or allocate)), core_counts, dist,
                             bootstrap, gof_samples, seed)
    outcome = predict_csv(csv, options, wanted, allocate, allocate_objective, par_cutoff)
    for note in outcome.notes:
        click.echo(f"satspeed: {note}", err=True)
    document = json_document.render(outcome)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document + "\n")
    if as_json:
        click.echo(document)
        for group, reason in outcome.skipped:
            print(f"satspeed: skipped {group.label}: {reason}", file=sys.stderr)
    else:
        tables.show(outcome, Console())
    if plot is not None and outcome.predictions:
        written = figures.write(outcome, plot)
        print(f"satspeed: wrote {len(written)} figures to {plot}", file=sys.stderr)
    if not outcome.predictions:
        raise SatspeedError(f"{csv}: no group of runs could be fitted")
    return 0


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
