"""The figures of `satspeed predict --plot DIR` (PNG and SVG): per group the runtime
distribution (Kaplan-Meier and the fitted CDFs) and the speedup (predicted with its interval,
observed, raced); per instance and for the set, the core allocation profile."""

from __future__ import annotations

import io
import math
import re
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import stats

from satspeed.labels import portfolio_label
from satspeed.predict import restarts
from satspeed.predict.allocate import AllocationReport, AllocationResult
from satspeed.predict.outcome import Outcome
from satspeed.predict.prediction import Prediction


def write(outcome: Outcome, directory: Path) -> list[Path]:
    """Every figure of the outcome, written to `directory`; the paths written."""
    written = write_plots(outcome.predictions, directory, outcome.measure)
    if outcome.allocation is not None:
        written += write_allocation_plots(outcome.allocation, directory, outcome.measure)
    return written


def group_svgs(p: Prediction, measure: str, salt: str) -> tuple[str, str]:
    """The group's RTD and speedup figures as SVG text (for an HTML page, not files); `salt`
    keeps the ids inside each figure distinct from other figures' on the same page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    svgs = []
    for name, fig in (("rtd", _rtd_figure(plt, p, measure)), ("speedup", _speedup_figure(plt, p))):
        svgs.append(svg_text(fig, f"{salt}.{name}"))
        plt.close(fig)
    return svgs[0], svgs[1]


def svg_text(fig, salt: str) -> str:
    """`fig` as one `<svg>` element: no XML prologue, no metadata; text drawn as paths (no
    font needed); ids derived from `salt`."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight",
                    metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


NAME_PART = 64  # the most characters one CSV field gives to a figure's file name


def safe_part(text: str, limit: int = NAME_PART) -> str:
    """`text` (from the CSV) as one part of a file name inside the plot folder: characters
    other than letters, digits, '.', '_' and '-' ('/', NUL included) become '_', leading dots
    too (no '..', no hidden file); a longer one keeps its start, its end and a checksum of the
    whole, so that it stays distinct."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    name = re.sub(r"^\.+", lambda m: "_" * len(m.group()), name) or "_"
    if len(name) > limit:
        keep = (limit - 10) // 2
        name = f"{name[:keep]}~{zlib.crc32(text.encode()):08x}~{name[-keep:]}"
    return name


def figure_stem(p: Prediction) -> str:
    g = p.group
    return ".".join(safe_part(part) for part in (Path(g.instance).name, g.solver, g.sha256[:8]))


def write_plots(predictions: list[Prediction], directory: Path, measure: str) -> list[Path]:
    """Per group: `<stem>.rtd.{png,svg}` and `<stem>.speedup.{png,svg}` (and with --restarts
    `<stem>.restarts.{png,svg}`), the stem made of
    `safe_part`s. Groups that would share a stem (a parameter sweep) get a checksum of their
    key (sha256, solver, parameters) at its end, so that no group's figures overwrite
    another's."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    stems = Counter(figure_stem(p) for p in predictions)
    for p in predictions:
        stem = directory / figure_stem(p)
        if stems[stem.name] > 1:
            key = "\0".join((p.group.sha256, p.group.solver, p.group.params))
            stem = stem.with_name(f"{stem.name}.{zlib.crc32(key.encode()):08x}")
        fig = _rtd_figure(plt, p, measure)
        written += _save(fig, stem.with_name(stem.name + ".rtd"))
        plt.close(fig)
        fig = _speedup_figure(plt, p)
        written += _save(fig, stem.with_name(stem.name + ".speedup"))
        plt.close(fig)
        if p.restarts is not None:
            fig = _restarts_figure(plt, p, measure)
            written += _save(fig, stem.with_name(stem.name + ".restarts"))
            plt.close(fig)
    return written


def _restarts_figure(plt, p: Prediction, measure: str):
    """E[T_t] against the restart cutoff t (log axis), from the runs and from the chosen fit,
    with t* marked and E[Y] (no restarts) for reference."""
    r = p.restarts
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    t, cost = restarts.runs_curve(restarts.RunsDistribution(p.sample))
    ax.step(t, cost, where="post", color="black", lw=1.5, label="from the runs")
    grid, fitted = restarts.fit_curve(p.chosen, *restarts.fit_range(p.sample))
    ok = np.isfinite(fitted)
    ax.plot(grid[ok], fitted[ok], color="C0", lw=1.5, label=f"from the {p.chosen.model} fit")
    ax.axhline(r.runs.mean, color="grey", ls="--", lw=1, label="no restarts, E[Y]")
    for source, color in ((r.runs, "black"), (r.fit, "C0")):
        if math.isfinite(source.cutoff):
            ax.plot([source.cutoff], [source.time], "o", color=color, ms=6,
                    label=f"t* = {source.cutoff:.4g} (gain {source.gain:.3g})")
    fixed = [s for s in r.strategies if s.runs and s.strategy.startswith("fixed:")]
    for i, s in enumerate(fixed):  # the restarted runs at their cutoff, with their CI
        t = float(s.strategy.partition(":")[2])
        ax.errorbar([t], [s.observed], yerr=[[s.observed - s.observed_low],
                                             [s.observed_high - s.observed]],
                    fmt="s", color="C3", ms=5, capsize=3,
                    label="restarted runs (mean, 95% CI)" if i == 0 else None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    floor = min(float(np.min(cost)), float(np.min(fitted[ok]))) if ok.any() else float(np.min(cost))
    ax.set_ylim(floor / 2, 20 * r.runs.mean)  # near the shift E[T_t] is unbounded
    ax.set_xlabel(f"restart cutoff t ({measure})")
    ax.set_ylabel(f"E[T_t] ({measure})")
    ax.set_title(p.group.label, fontsize=8)
    ax.legend(fontsize=7)
    return fig


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
        name = (f"{safe_part(Path(r.instance).name)}.{safe_part(r.sha256[:8])}"
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
    ax.plot(n, pred, color="C0", lw=2, label=f"predicted ({p.method})")
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
