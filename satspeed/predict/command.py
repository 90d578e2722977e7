"""`satspeed predict`: read, fit, predict, then show tables, JSON or figures."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from satspeed.errors import SatspeedError
from satspeed.predict.export.tables import (
    print_allocation,
    print_portfolio_races,
    print_portfolios,
    print_tables,
    to_json,
    write_allocation_plots,
    write_plots,
)
from satspeed.predict.portfolio import parse_portfolio
from satspeed.predict.prediction import (
    AllocationReport,
    Group,
    PortfolioPrediction,
    Prediction,
    PredictOptions,
    allocate_cores,
    check_solvers,
    members_by_instance,
    parse_cores,
    predict_groups,
    predict_portfolio,
    race_groups,
    read_groups,
)


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
    measure = _measure(measure, bool(wanted or allocate))
    groups = read_groups(csv, measure)
    check_solvers({name for counts in wanted for name in counts},
                  {g.solver for g in groups if g.values and not g.is_portfolio}, csv)
    races = [g for g in groups if g.is_portfolio]
    options = PredictOptions(measure, core_counts, dist, bootstrap, gof_samples, seed)
    predictions, skipped = predict_groups(groups, options)
    results, allocation = [], None
    if predictions and (wanted or allocate):
        check_solvers({name for counts in wanted for name in counts},
                      {p.group.solver for p in predictions}, csv)
        members, notes = members_by_instance(predictions)
        for note in notes:
            click.echo(f"satspeed: note: {note}", err=True)
        _warn_flips(measure, wanted, allocate, {p.group.solver for p in predictions})
        raced = race_groups(groups)
        results = [predict_portfolio(counts, members, raced) for counts in wanted]
        if allocate:
            allocation = allocate_cores(members, allocate, allocate_objective, par_cutoff)
    document = to_json(predictions, skipped, str(csv), measure, core_counts, races, results,
                       allocation)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document + "\n")
    if as_json:
        click.echo(document)
        for group, reason in skipped:
            print(f"satspeed: skipped {group.label}: {reason}", file=sys.stderr)
    else:
        _print(predictions, skipped, races, results, allocation, measure)
    if plot is not None and predictions:
        written = write_plots(predictions, plot, measure)
        if allocation is not None:
            written += write_allocation_plots(allocation, plot, measure)
        print(f"satspeed: wrote {len(written)} figures to {plot}", file=sys.stderr)
    if not predictions:
        raise SatspeedError(f"{csv}: no group of runs could be fitted")
    return 0


def _print(predictions: list[Prediction], skipped: list[tuple[Group, str]], races: list[Group],
           results: list[PortfolioPrediction], allocation: AllocationReport | None,
           measure: str) -> None:
    console = Console()
    print_tables(predictions, skipped, measure, console)
    print_portfolio_races(races, measure, console)
    print_portfolios(results, measure, console)
    if allocation is not None:
        print_allocation(allocation, measure, console)


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


def _warn_flips(measure: str, wanted: list[dict[str, int]], allocate: int | None,
                fitted: set[str]) -> None:
    compared = {name for counts in wanted for name in counts} | (fitted if allocate else set())
    if measure == "flips" and len(compared) > 1:
        click.echo(f"satspeed: warning: --measure flips compares flips of different solvers "
                   f"({', '.join(sorted(compared))}), which differ in cost; cpu_s would not",
                   err=True)
