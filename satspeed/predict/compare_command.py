"""`satspeed compare`: resolve the options, read and select both sides' groups, compare them,
show the result (rich table, JSON or markdown on stdout) and gate on --fail-if-slower."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from satspeed.errors import SatspeedError
from satspeed.predict.compare import Selector, compare, parse_selector, select, slower_than
from satspeed.predict.export import comparison_json, comparison_table, markdown
from satspeed.predict.export.comparison_text import estimate_text
from satspeed.predict.groups import read_groups
from satspeed.sidecar import recorded_disturbance

EXIT_SLOWER = 1


def _selector(text: str | None, hint: str) -> Selector:
    if text is None:
        return Selector()
    try:
        return parse_selector(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def compare_command(csvs: tuple[Path, ...], base: str | None, new: str | None, measure: str,
                    alpha: float, bootstrap: int, seed: int, as_json: bool, as_markdown: bool,
                    fail_if_slower: float | None) -> int:
    """Exit code 0, or EXIT_SLOWER when --fail-if-slower PCT is exceeded; bad options raise
    click's usage errors (exit 2), bad input SatspeedError (exit 1)."""
    if len(csvs) not in (1, 2):
        raise click.UsageError("give BASE.csv NEW.csv, or one CSV with --base and --new")
    if len(csvs) == 1 and (base is None or new is None):
        raise click.UsageError("with one CSV, say which runs are which: --base SOLVER[:PARAMS] "
                               "--new SOLVER[:PARAMS]")
    if as_json and as_markdown:
        raise click.UsageError("--json and --markdown are exclusive")
    if fail_if_slower is not None and bootstrap == 0:
        raise click.UsageError("--fail-if-slower needs the interval: --bootstrap above 0")
    selectors = _selector(base, "--base"), _selector(new, "--new")
    if len(csvs) == 1 and selectors[0] == selectors[1]:
        raise click.BadParameter("--base and --new select the same runs", param_hint="--new")
    paths = (csvs[0], csvs[-1])
    notes: list[str] = []
    read = {p: read_groups(p, measure, notes) for p in dict.fromkeys(paths)}
    for note in notes:
        click.echo(f"satspeed: {note}", err=True)
    for disturbed in filter(None, (recorded_disturbance(p, measure) for p in read)):
        click.echo(f"satspeed: warning: {disturbed}", err=True)
    sides = [select(read[p], s, str(p)) for p, s in zip(paths, selectors, strict=True)]
    shared = [g for sha, g in sides[0].items() if sides[1].get(sha) is g]
    if shared:
        raise SatspeedError(f"{paths[0]}: --base and --new both select the runs of "
                            f"'{shared[0].solver}:{shared[0].params}' on {shared[0].instance}")
    result = compare(sides[0], sides[1], measure, alpha, bootstrap, seed)
    failed = fail_if_slower is not None and slower_than(result, fail_if_slower)
    if as_json:
        sources = {side: (str(p), str(s)) for side, p, s in
                   zip(("base", "new"), paths, selectors, strict=True)}
        click.echo(comparison_json.render(result, sources, fail_if_slower, failed))
    elif as_markdown:
        click.echo(markdown.render(result), nl=False)
    else:
        comparison_table.show(result, Console())
    if failed:
        click.echo(f"satspeed: slower: the geometric mean of NEW/BASE, "
                   f"{estimate_text(result.geomean)}, lies above 1 + {fail_if_slower:g}% "
                   "(--fail-if-slower)", err=True)
        return EXIT_SLOWER
    return 0
