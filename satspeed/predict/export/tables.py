"""The rich tables `satspeed predict` prints: per group the fits and the predicted, observed
and raced speedups; mixed-portfolio races, portfolios and the core allocation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from satspeed.labels import portfolio_label
from satspeed.predict.allocate import AllocationReport
from satspeed.predict.groups import Group
from satspeed.predict.outcome import Outcome
from satspeed.predict.portfolio import Configuration, PortfolioPrediction
from satspeed.predict.prediction import Prediction
from satspeed.predict.restarts import MIN_SOLVED, RestartReport

# Tables fit 80 columns: a rule under the headings, two spaces between columns, no frame.
COMPACT: dict[str, Any] = {"box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False,
                              "collapse_padding": True}


def show(outcome: Outcome, console: Console) -> None:
    """Every table of the outcome, in order."""
    print_tables(outcome.predictions, outcome.skipped, outcome.measure, console)
    print_portfolio_races(outcome.races, outcome.measure, console)
    print_portfolios(outcome.portfolios, outcome.measure, console)
    if outcome.allocation is not None:
        print_allocation(outcome.allocation, outcome.measure, console)


def _fmt(value: float, spec: str = ".3g") -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def _params_text(params: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in params.items())


def print_tables(predictions: list[Prediction], skipped: list[tuple[Group, str]],
                 measure: str, console: Console) -> None:
    """Per group: the fits, then n / predicted time / speedup [interval] / observed / error."""
    for p in predictions:
        g = p.group
        solved = int(np.sum(~p.sample.censored))
        console.print(f"\n[bold]{g.label}[/]  runs {len(p.sample.values)}, solved {solved}, "
                      f"timeouts {int(np.sum(p.sample.censored))}, errors {g.errors}")
        fits = Table(**COMPACT)
        for col in ("model", "parameters", "log-lik", "AIC", "GoF p"):
            fits.add_column(col, justify="left" if col in ("model", "parameters") else "right")
        for f in p.fits:
            mark = " *" if f is p.chosen else ""
            fits.add_row(f.model + mark, _params_text(f.params), f"{f.loglik:.1f}",
                         f"{f.aic:.1f}", _fmt(f.gof_pvalue, ".3f") if f.gof_pvalue else "-")
        console.print(fits)
        console.print(p.method_note)
        console.print(_speedup_table(p, measure))
        if p.restarts is not None:
            console.print(_restarts_table(p.restarts, p, measure))
            if p.restarts.strategies:
                console.print(_strategies_table(p.restarts, measure))
    for g, reason in skipped:
        console.print(f"[yellow]skipped[/] {g.label}: {reason}")


def _restarts_table(r: RestartReport, p: Prediction, measure: str) -> Table:
    """t*, E[T_t*], gain and Luby per source, then n walkers restarting at the runs' t*."""
    notes = [f"restarts every t {measure}: E[T_t] = E\\[min(Y, t)] / F(t); gain = "
             "E\\[Y] / E\\[T_t*] (1: restarts cannot help)",
             f"runs: t* among runs with at least {MIN_SOLVED} solved by then, up to "
             f"{r.runs.valid_to:.4g} (the last run); optimistic with few runs"]
    walkers = [f"{n}: {_fmt(r.runs.mean / t)} (vs {_fmt(row.predicted_speedup)})"
               for n, t, row in zip(r.cores, r.walkers, p.rows, strict=True)
               if n > 1 and math.isfinite(t)]
    if walkers:
        notes.append("n walkers restarting at the runs' t*, speedup over one without restarts"
                     " (vs without restarts): " + ", ".join(walkers))
    table = Table(caption="\n".join(notes), caption_justify="left", **COMPACT)
    for col in ("restarts", "t*", "E[T_t*]", "gain", "Luby unit", "Luby E[T]"):
        table.add_column(col, justify="left" if col == "restarts" else "right")
    for source in (r.runs, r.fit):
        never = not math.isfinite(source.cutoff)
        table.add_row(source.source, "never" if never else _fmt(source.cutoff, ".4g"),
                      _fmt(source.time, ".4g"), _fmt(source.gain),
                      _fmt(source.luby_unit, ".4g"), _fmt(source.luby_time, ".4g"))
    return table


def _strategies_table(r: RestartReport, measure: str) -> Table:
    """Each restart strategy predicted from the runs (95% bootstrap interval) and the fit,
    beside the restarted runs of it in the CSV (mean, 95% t interval)."""
    notes = [f"restart strategies: E\\[time] in {measure} predicted from the runs without "
             "restarts and from the fit, against restarted runs of it (mean, 95% CI)"]
    if any(s.observed_is_bound for s in r.strategies):
        notes.append("≥: some restarted runs timed out: their mean is a lower bound")
    if any(s.few_solved for s in r.strategies):
        notes.append(f"?: fewer than {MIN_SOLVED} runs solved within the first cutoff: the "
                     "runs can hardly say how often a try succeeds")
    if any(s.beyond > 0.01 for s in r.strategies):
        notes.append("†: a try past the last run is likely (the chance in brackets): the "
                     "runs do not speak for it")
    table = Table(caption="\n".join(notes), caption_justify="left", **COMPACT)
    for col in ("strategy", "from runs", "95% CI", "from fit", "restarted", "95% CI",
                "error"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for s in r.strategies:
        mark = (" ?" if s.few_solved else "") + (f" †({s.beyond:.0%})" if s.beyond > 0.01
                                                 else "")
        observed = ("-" if not s.runs else
                    ("≥" if s.observed_is_bound else "") + f"{s.observed:.4g} ({s.runs})")
        table.add_row(s.strategy + mark, _fmt(s.predicted, ".4g"),
                      _interval(s.predicted_low, s.predicted_high),
                      _fmt(s.fitted, ".4g"), observed,
                      _interval(s.observed_low, s.observed_high) if s.runs else "-",
                      _fmt(100 * s.relative_error, "+.1f") + "%" if s.runs else "-")
    return table


def _interval(low: float, high: float) -> str:
    """'3870-5460': three significant digits, without an exponent below 10^7."""
    def one(x: float) -> str:
        return f"{x:.3g}" if abs(x) < 1000 or abs(x) >= 1e7 else f"{float(f'{x:.3g}'):.0f}"

    return f"{one(low)}-{one(high)}" if math.isfinite(low) and math.isfinite(high) else "-"


def _speedup_table(p: Prediction, measure: str) -> Table:
    """n / predicted time / speedup / interval / observed / race / error. With timeouts (of
    runs or races), the observed and raced columns, and the error, are of means restricted to
    tau (exact under censoring), beside the prediction's own restricted speedup (`≤τ`)."""
    tau = p.restricted_to
    notes = []
    if tau is not None:
        notes.append(f"timeouts: ≤τ (predicted), observed, race and rel. error are speedups "
                     f"of means restricted to τ = {tau:.4g} {measure}, E\\[min(T, τ)], which "
                     "censored runs allow exactly")
    if any(r.extrapolated for r in p.rows):
        notes.append(f"* more cores than the {len(p.sample.values)} runs: the fitted tail "
                     "alone speaks for them (an extrapolation)")
    table = Table(caption="\n".join(notes) or None, caption_justify="left", **COMPACT)
    restricted = ("≤τ",) if tau is not None else ()
    for col in ("cores", f"E[Z_n] ({measure})", "speedup", "95% CI", *restricted,
                "observed", "race", "rel. error"):
        table.add_column(col, justify="right")
    for r in p.rows:
        if tau is not None:
            observed, race_value = r.observed_restricted_speedup, r.race_restricted_speedup
            cells = [_fmt(r.predicted_restricted_speedup), _fmt(observed)]
        else:
            observed, race_value = r.observed_speedup, r.race_speedup
            cells = [_fmt(observed) + (" (bound)" if r.observed_is_bound
                                       and math.isfinite(observed) else "")]
        race = f"{_fmt(race_value)} ({r.race_runs})" if r.race_runs else "-"
        table.add_row(f"{r.cores}*" if r.extrapolated else str(r.cores),
                      _fmt(r.predicted_time, ".4g"), _fmt(r.predicted_speedup),
                      f"{_fmt(r.speedup_low)}-{_fmt(r.speedup_high)}", *cells, race,
                      _error_text(r.relative_error))
    return table


def print_portfolio_races(races: list[Group], measure: str, console: Console) -> None:
    """One line per mixed-portfolio race group: they are not fitted, --portfolio uses them."""
    for g in races:
        for walkers, rows in sorted(g.races.items()):
            mean = float(np.mean([v for v, _ in rows]))
            console.print(f"[cyan]portfolio races[/] {g.label}: {len(rows)} of {walkers} "
                          f"walkers, mean {_fmt(mean, '.4g')} {measure}")


def print_portfolios(portfolios: list[PortfolioPrediction], measure: str,
                     console: Console) -> None:
    """Per portfolio, one table: on each instance the portfolio, then each member alone on as
    many cores; speedups against the member with the best sequential mean (`vs`); observed
    from the sequential runs (order statistics) and from real races (their number)."""
    for pf in portfolios:
        table = Table(title=f"portfolio {pf.label} on {pf.cores} cores: E[Z] ({measure}), "
                      "speedup vs the best single solver's sequential mean",
                      **COMPACT)
        for col in ("instance / configuration", "E[Z]", "speedup", "observed", "race",
                    "rel. error"):
            table.add_column(col, justify="left" if col.startswith("instance") else "right")
        for item in pf.instances:
            tau = item.restricted_to
            where = f", observed and race ≤ τ = {tau:.4g}" if tau is not None else ""
            table.add_row(f"[bold]{Path(item.instance).name}[/] (vs {item.baseline}{where})")
            for j, r in enumerate(item.rows):
                table.add_row(f"  {r.label}", _fmt(r.predicted_time, ".4g"),
                              _fmt(r.predicted_speedup), _observed_text(r, tau),
                              _race_text(r, tau), _error_text(r.relative_error),
                              end_section=j == len(item.rows) - 1)
        if any(item.restricted_to is not None for item in pf.instances):
            table.caption = ("≤ τ: with timeouts, observed, race and rel. error are speedups "
                             "of means restricted to τ, E\\[min(T, τ)], exact under censoring")
            table.caption_justify = "left"
        console.print(table)
        for instance, _, reason in pf.missing:
            console.print(f"[yellow]not predicted[/] {pf.label} on {Path(instance).name}: "
                          f"{reason}")


def _observed_text(r: Configuration, tau: float | None) -> str:
    if tau is not None:
        return _fmt(r.observed_restricted_speedup)
    bound = " (bound)" if r.observed_is_bound and math.isfinite(r.observed_speedup) else ""
    return _fmt(r.observed_speedup) + bound


def _race_text(r: Configuration, tau: float | None) -> str:
    value = r.race_restricted_speedup if tau is not None else r.race_speedup
    return f"{_fmt(value)} ({r.race_runs})" if r.race_runs else "-"


def _error_text(error: float) -> str:
    return f"{error:+.1%}" if math.isfinite(error) else "-"


def print_allocation(report: AllocationReport, measure: str, console: Console) -> None:
    """The best split per instance and for the instance set, beside the best pure solver."""
    what = "PAR-2" if report.objective == "par2" else "E[Z]"
    results = report.instances + ([report.overall] if report.overall else [])
    searches = sorted({r.allocation.search for r in results})
    table = Table(title=f"best split of {report.cores} cores: mean {what} ({measure})",
                  caption=f"search: {', '.join(searches)}", **COMPACT)
    for col in ("instance", "best split", what, "best pure", f"{what} ", "gain"):
        table.add_column(col, justify="left" if col in ("instance", "best split", "best pure")
                         else "right")
    for r in results:
        a = r.allocation
        table.add_row(Path(r.instance).name if r.sha256 else f"[bold]{r.instance}[/]",
                      portfolio_label(r.best_counts), _fmt(a.value, ".4g"),
                      f"{r.pure_solver}*{report.cores}", _fmt(a.pure_value, ".4g"),
                      f"{_fmt(a.gain, '.3f')}x", end_section=r is report.instances[-1])
    console.print(table)
    if report.note:
        console.print(f"[yellow]no split for the instance set[/]: {report.note}")
