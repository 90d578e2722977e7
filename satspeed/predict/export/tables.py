"""What `satspeed predict` shows: rich tables, a JSON document, and figures (PNG and SVG).

JSON schema (version 2), one object:
  schema: 2, satspeed_version, csv, measure, cores: [n...],
  groups: [{instance, instance_sha256, solver, params, runs, solved, timeouts, errors,
            chosen, fits: [{model, params: {name: value}, loglik, aic, gof_pvalue}],
            predictions: [{cores, predicted_time, predicted_speedup, speedup_low, speedup_high,
                           observed_speedup, observed_is_bound, race_speedup, race_runs,
                           race_timeouts, relative_error}]}],
  skipped: [{instance, instance_sha256, solver, params, reason}],
  portfolio_races: [{instance, instance_sha256, solver, params, walkers, runs, mean_time}],
  portfolios: [{label, counts: {solver: k}, cores,
                instances: [{instance, instance_sha256, baseline_solver,
                             baseline_predicted_time, baseline_observed_time,
                             configurations: [{label, counts, cores, predicted_time,
                                 predicted_speedup, observed_time, observed_speedup,
                                 observed_is_bound, race_time, race_speedup, race_runs,
                                 relative_error}]}],
                missing: [{instance, instance_sha256, reason}]}],
  allocation: null or {cores, objective, note,
                       instances: [ALLOCATION], overall: ALLOCATION or null}
    ALLOCATION = {instance, instance_sha256, instances: [sha256...], solvers: [...], search,
                  cutoffs: [...], best: {label, counts, predicted_time, objective},
                  best_pure: {solver, predicted_time, objective}, gain}
Numbers that do not exist (an observed speedup beyond the number of runs, no races) are null.
Schema 2 added portfolio_races, portfolios, allocation and race_timeouts to schema 1.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy import stats

from satspeed import __version__
from satspeed.predict.portfolio import portfolio_label
from satspeed.predict.prediction import (
    AllocationReport,
    AllocationResult,
    Configuration,
    Group,
    PortfolioPrediction,
    Prediction,
)

SCHEMA_VERSION = 2


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
        fits = Table(show_edge=False, pad_edge=False)
        for col in ("model", "parameters", "log-lik", "AIC", "GoF p"):
            fits.add_column(col, justify="left" if col in ("model", "parameters") else "right")
        for f in p.fits:
            mark = " *" if f is p.chosen else ""
            fits.add_row(f.model + mark, _params_text(f.params), f"{f.loglik:.1f}",
                         f"{f.aic:.1f}", _fmt(f.gof_pvalue, ".3f") if f.gof_pvalue else "-")
        console.print(fits)
        table = Table(show_edge=False, pad_edge=False)
        for col in ("cores", f"E[Z_n] ({measure})", "speedup", "95% interval", "observed",
                    "race", "rel. error"):
            table.add_column(col, justify="right")
        for r in p.rows:
            observed = _fmt(r.observed_speedup, ".3g") + (" (bound)" if r.observed_is_bound
                                                          and math.isfinite(r.observed_speedup)
                                                          else "")
            race = f"{_fmt(r.race_speedup)} ({r.race_runs})" if r.race_runs else "-"
            if r.race_timeouts:  # censored races: their mean is a lower bound
                race += f" (bound: {r.race_timeouts} timeouts)"
            error = r.relative_error
            table.add_row(str(r.cores), _fmt(r.predicted_time, ".4g"),
                          _fmt(r.predicted_speedup), f"{_fmt(r.speedup_low)}-"
                          f"{_fmt(r.speedup_high)}", observed, race,
                          f"{error:+.1%}" if math.isfinite(error) else "-")
        console.print(table)
    for g, reason in skipped:
        console.print(f"[yellow]skipped[/] {g.label}: {reason}")


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
                      show_edge=False, pad_edge=False)
        for col in ("instance / configuration", "E[Z]", "speedup", "observed", "race",
                    "rel. error"):
            table.add_column(col, justify="left" if col.startswith("instance") else "right")
        for item in pf.instances:
            table.add_row(f"[bold]{Path(item.instance).name}[/] (vs {item.baseline})")
            for j, r in enumerate(item.rows):
                table.add_row(f"  {r.label}", _fmt(r.predicted_time, ".4g"),
                              _fmt(r.predicted_speedup), _observed_text(r), _race_text(r),
                              _error_text(r.relative_error), end_section=j == len(item.rows) - 1)
        console.print(table)
        for instance, _, reason in pf.missing:
            console.print(f"[yellow]not predicted[/] {pf.label} on {Path(instance).name}: "
                          f"{reason}")


def _observed_text(r: Configuration) -> str:
    bound = " (bound)" if r.observed_is_bound and math.isfinite(r.observed_speedup) else ""
    return _fmt(r.observed_speedup) + bound


def _race_text(r: Configuration) -> str:
    return f"{_fmt(r.race_speedup)} ({r.race_runs})" if r.race_runs else "-"


def _error_text(error: float) -> str:
    return f"{error:+.1%}" if math.isfinite(error) else "-"


def print_allocation(report: AllocationReport, measure: str, console: Console) -> None:
    """The best split per instance and for the instance set, beside the best pure solver."""
    what = "PAR-2" if report.objective == "par2" else "E[Z]"
    results = report.instances + ([report.overall] if report.overall else [])
    searches = sorted({r.allocation.search for r in results})
    table = Table(title=f"best split of {report.cores} cores: mean {what} ({measure})",
                  caption=f"search: {', '.join(searches)}", show_edge=False, pad_edge=False)
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


def _clean(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def to_json(predictions: list[Prediction], skipped: list[tuple[Group, str]], csv: str,
            measure: str, cores: tuple[int, ...], races: Sequence[Group] = (),
            portfolios: Sequence[PortfolioPrediction] = (),
            allocation: AllocationReport | None = None) -> str:
    groups = []
    for p in predictions:
        g = p.group
        groups.append({
            "instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
            "params": g.params, "runs": len(p.sample.values),
            "solved": int(np.sum(~p.sample.censored)),
            "timeouts": int(np.sum(p.sample.censored)), "errors": g.errors,
            "chosen": p.chosen.model,
            "fits": [{"model": f.model, "params": f.params, "loglik": _clean(f.loglik),
                      "aic": _clean(f.aic), "gof_pvalue": _clean(f.gof_pvalue)}
                     for f in p.fits],
            "predictions": [{
                "cores": r.cores, "predicted_time": _clean(r.predicted_time),
                "predicted_speedup": _clean(r.predicted_speedup),
                "speedup_low": _clean(r.speedup_low), "speedup_high": _clean(r.speedup_high),
                "observed_speedup": _clean(r.observed_speedup),
                "observed_is_bound": r.observed_is_bound,
                "race_speedup": _clean(r.race_speedup), "race_runs": r.race_runs,
                "race_timeouts": r.race_timeouts,
                "relative_error": _clean(r.relative_error)} for r in p.rows],
        })
    document = {
        "schema": SCHEMA_VERSION, "satspeed_version": __version__, "csv": csv,
        "measure": measure, "cores": list(cores), "groups": groups,
        "skipped": [{"instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
                     "params": g.params, "reason": reason} for g, reason in skipped],
        "portfolio_races": [
            {"instance": g.instance, "instance_sha256": g.sha256, "solver": g.solver,
             "params": g.params, "walkers": walkers, "runs": len(rows),
             "mean_time": _clean(float(np.mean([v for v, _ in rows])))}
            for g in races for walkers, rows in sorted(g.races.items())],
        "portfolios": [_portfolio_json(pf) for pf in portfolios],
        "allocation": None if allocation is None else _allocation_json(allocation),
    }
    return json.dumps(document, indent=2)


def _portfolio_json(pf: PortfolioPrediction) -> dict:
    return {"label": pf.label, "counts": pf.counts, "cores": pf.cores, "instances": [
        {"instance": item.instance, "instance_sha256": item.sha256,
         "baseline_solver": item.baseline,
         "baseline_predicted_time": _clean(item.baseline_time),
         "baseline_observed_time": _clean(item.baseline_observed),
         "configurations": [_configuration_json(r) for r in item.rows]}
        for item in pf.instances],
        "missing": [{"instance": instance, "instance_sha256": sha, "reason": reason}
                    for instance, sha, reason in pf.missing]}


def _configuration_json(r: Configuration) -> dict:
    return {"label": r.label, "counts": r.counts, "cores": sum(r.counts.values()),
            "predicted_time": _clean(r.predicted_time),
            "predicted_speedup": _clean(r.predicted_speedup),
            "observed_time": _clean(r.observed_time),
            "observed_speedup": _clean(r.observed_speedup),
            "observed_is_bound": r.observed_is_bound, "race_time": _clean(r.race_time),
            "race_speedup": _clean(r.race_speedup), "race_runs": r.race_runs,
            "relative_error": _clean(r.relative_error)}


def _allocation_json(report: AllocationReport) -> dict:
    def one(r: AllocationResult) -> dict:
        a = r.allocation
        return {"instance": r.instance, "instance_sha256": r.sha256,
                "instances": list(r.instances), "solvers": list(r.solvers),
                "search": a.search, "cutoffs": list(r.cutoffs),
                "best": {"label": portfolio_label(r.best_counts), "counts": r.best_counts,
                         "predicted_time": _clean(r.best_time), "objective": _clean(a.value)},
                "best_pure": {"solver": r.pure_solver, "predicted_time": _clean(r.pure_time),
                              "objective": _clean(a.pure_value)},
                "gain": _clean(a.gain)}

    return {"cores": report.cores, "objective": report.objective, "note": report.note,
            "instances": [one(r) for r in report.instances],
            "overall": one(report.overall) if report.overall else None}


def figure_stem(p: Prediction) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(p.group.instance).name)
    return f"{name}.{p.group.solver}.{p.group.sha256[:8]}"


def write_plots(predictions: list[Prediction], directory: Path, measure: str) -> list[Path]:
    """Per group: `<stem>.rtd.{png,svg}` and `<stem>.speedup.{png,svg}`. Groups that differ
    only in their parameters (a parameter sweep) would share a stem: theirs ends with a
    checksum of the parameters, so that no group's figures overwrite another's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    stems = Counter(figure_stem(p) for p in predictions)
    for p in predictions:
        stem = directory / figure_stem(p)
        if stems[stem.name] > 1:
            stem = stem.with_name(f"{stem.name}.{zlib.crc32(p.group.params.encode()):08x}")
        fig = _rtd_figure(plt, p, measure)
        written += _save(fig, stem.with_name(stem.name + ".rtd"))
        plt.close(fig)
        fig = _speedup_figure(plt, p)
        written += _save(fig, stem.with_name(stem.name + ".speedup"))
        plt.close(fig)
    return written


def write_allocation_plots(report: AllocationReport, directory: Path,
                           measure: str) -> list[Path]:
    """`allocation.<stem>.{png,svg}` per instance and `allocation.all.{png,svg}` for the set:
    the best objective when one solver gets j of the cores (the others split the rest at
    best), one line per solver; only after an exhaustive search of two or more solvers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for r in report.instances + ([report.overall] if report.overall else []):
        if r.allocation.profile is None or len(r.solvers) < 2:
            continue
        name = (re.sub(r"[^A-Za-z0-9._-]+", "_", Path(r.instance).name) + f".{r.sha256[:8]}"
                if r.sha256 else "all")
        fig = _allocation_figure(plt, r, report, measure)
        written += _save(fig, directory / f"allocation.{name}")
        plt.close(fig)
    return written


def _allocation_figure(plt, r: AllocationResult, report: AllocationReport, measure: str):
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    profile = r.allocation.profile
    j = np.arange(report.cores + 1)
    for i, solver in enumerate(r.solvers):
        ax.plot(j, profile[i], lw=1.6, label=f"cores given to {solver}")
    best = r.allocation.counts
    for i in range(len(r.solvers)):
        ax.plot(best[i], r.allocation.value, "o", color=f"C{i}", ms=6)
    ax.axhline(r.allocation.pure_value, color="grey", ls="--", lw=1,
               label=f"best pure ({r.pure_solver}*{report.cores})")
    ax.set_yscale("log")
    ax.set_xlabel(f"cores given to one solver (of {report.cores})")
    what = "PAR-2" if report.objective == "par2" else "E[Z]"
    ax.set_ylabel(f"best predicted {what} ({measure})")
    ax.set_title(f"{Path(r.instance).name}: best {portfolio_label(r.best_counts)}, "
                 f"gain {r.allocation.gain:.3f}x", fontsize=8)
    ax.legend(fontsize=7)
    return fig


def _save(fig, stem: Path) -> list[Path]:
    paths = [stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")]
    for path in paths:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return paths


def _rtd_figure(plt, p: Prediction, measure: str):
    """Kaplan-Meier estimate of the runtime CDF (timeouts censored) and the fitted CDFs."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    km = stats.ecdf(p.sample.to_scipy()).cdf
    x = np.sort(np.unique(p.sample.values))
    ax.step(x, km.evaluate(x), where="post", color="black", lw=1.5,
            label=f"Kaplan-Meier ({len(p.sample.values)} runs)")
    grid = np.geomspace(max(x.min() / 3, 1e-9), x.max() * 3, 400)
    for f in p.fits:
        chosen = f is p.chosen
        ax.plot(grid, f.cdf(grid), lw=2.2 if chosen else 1.0, alpha=1 if chosen else 0.7,
                label=f"{f.model} (AIC {f.aic:.0f})" + (" *" if chosen else ""))
    if p.sample.censored.any():
        ax.axvline(p.sample.values[p.sample.censored].max(), color="grey", ls=":",
                   label="cutoff")
    ax.set_xscale("log")
    ax.set_xlabel(measure)
    ax.set_ylabel("P(solved)")
    ax.set_ylim(0, 1.02)
    ax.set_title(p.group.label, fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def _speedup_figure(plt, p: Prediction):
    """Predicted speedup with its interval, observed speedups, and the linear ideal."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    n = np.array([r.cores for r in p.rows], float)
    pred = np.array([r.predicted_speedup for r in p.rows])
    low = np.array([r.speedup_low for r in p.rows])
    high = np.array([r.speedup_high for r in p.rows])
    ax.plot(n, n, color="grey", ls="--", lw=1, label="linear")
    ax.plot(n, pred, color="C0", lw=2, label=f"predicted ({p.chosen.model})")
    if np.isfinite(low).any():
        ax.fill_between(n, low, high, color="C0", alpha=0.2, label="95% bootstrap interval")
    obs = np.array([r.observed_speedup for r in p.rows])
    ok = np.isfinite(obs)
    ax.plot(n[ok], obs[ok], "o", color="C1", ms=4, label="observed (order statistics)")
    race = np.array([r.race_speedup if r.race_runs else np.nan for r in p.rows])
    if np.isfinite(race).any():
        ax.plot(n, race, "s", color="C3", ms=5, label="observed (real races)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("cores (walkers)")
    ax.set_ylabel("speedup")
    ax.set_title(p.group.label, fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    return fig
