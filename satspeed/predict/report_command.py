"""`satspeed report`: compute the outcome as `satspeed predict` does, read the CSV's meta
sidecar, and write the self-contained HTML page (satspeed.predict.export.html)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from satspeed.errors import SatspeedError, os_reason
from satspeed.predict.command import check_writable, compute, resolve_options, write_whole
from satspeed.predict.export import html


def report_command(csv: Path, output: Path | None, cores: str | None, max_cores: int | None,
                   measure: str | None, dist: str = "auto", bootstrap: int = 100,
                   gof_samples: int = 100, seed: int = 0, portfolios: tuple[str, ...] = (),
                   allocate: int | None = None, allocate_objective: str = "mean",
                   par_cutoff: float | None = None, workers: int | None = None) -> int:
    """Write the page to `output` (default: the CSV's name with .html), from the outcome that
    `satspeed predict` computes with the same options; 0, or SatspeedError (exit 1) for bad
    input or nothing fitted, click's errors (exit 2) for bad options."""
    output = output if output is not None else csv.with_suffix(".html")
    options, wanted = resolve_options(cores, max_cores, measure, dist, bootstrap, gof_samples,
                                      seed, portfolios, allocate, workers=workers)
    check_writable(output, output.parent)  # now, not after the bootstrap
    outcome = compute(csv, options, wanted, allocate, allocate_objective, par_cutoff)
    for group, reason in outcome.skipped:
        click.echo(f"satspeed: skipped {group.label}: {reason}", err=True)
    if not outcome.predictions:
        raise SatspeedError(f"{csv}: no group of runs could be fitted")
    write_whole(output, html.render(outcome, read_meta(csv)))
    click.echo(f"satspeed: wrote {output}", err=True)
    return 0


def read_meta(csv: Path) -> dict[str, Any] | None:
    """The CSV's meta sidecar `<csv>.meta.json` (satspeed.sidecar.record_session), or None
    when there is none; one that cannot be read is a warning, and None."""
    path = Path(f"{csv}.meta.json")
    if not path.exists():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        click.echo(f"satspeed: warning: {path}: {os_reason(exc)}; the report has no "
                   "campaign details", err=True)
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        click.echo(f"satspeed: warning: {path}: not JSON ({exc}); the report has no campaign "
                   "details", err=True)
        return None
    if not isinstance(meta, dict):
        click.echo(f"satspeed: warning: {path}: not a meta sidecar; the report has no "
                   "campaign details", err=True)
        return None
    return meta
