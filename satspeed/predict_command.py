"""`satspeed predict`: read, fit, predict, then show tables, JSON or figures."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from satspeed.errors import SatspeedError
from satspeed.predict import PredictOptions, parse_cores, predict_all
from satspeed.report import print_tables, to_json, write_plots


def predict_command(csv: Path, cores: str | None, max_cores: int | None, measure: str,
                    dist: str, bootstrap: int, gof_samples: int, seed: int, as_json: bool,
                    output: Path | None, plot: Path | None) -> int:
    try:
        core_counts = parse_cores(cores, max_cores)
    except ValueError:
        raise click.BadParameter(f"'{cores}': expected positive integers like 1,2,4",
                                 param_hint="--cores") from None
    options = PredictOptions(measure, core_counts, dist, bootstrap, gof_samples, seed)
    predictions, skipped = predict_all(csv, options)
    document = to_json(predictions, skipped, str(csv), measure, core_counts)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document + "\n")
    if as_json:
        click.echo(document)
    else:
        print_tables(predictions, skipped, measure, Console())
    for group, reason in skipped:
        if as_json:
            print(f"satspeed: skipped {group.label}: {reason}", file=sys.stderr)
    if plot is not None and predictions:
        written = write_plots(predictions, plot, measure)
        print(f"satspeed: wrote {len(written)} figures to {plot}", file=sys.stderr)
    if not predictions:
        raise SatspeedError(f"{csv}: no group of runs could be fitted")
    return 0
