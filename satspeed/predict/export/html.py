"""The page `satspeed report` writes: one self-contained HTML file (no network: style, script
and figures inline) with the campaign's sessions from the meta sidecar, a sortable summary per
instance and solver, per group the fits, the predictions and the RTD and speedup figures as
inline SVG, and, when the outcome has them, mixed-portfolio races, portfolios and the core
allocation. Every text from the CSV or the sidecar is HTML-escaped."""

from __future__ import annotations

import html
import json
import math
import re
import shlex
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from satspeed import __version__
from satspeed.labels import portfolio_label
from satspeed.predict.allocate import AllocationReport
from satspeed.predict.export.figures import group_svgs
from satspeed.predict.groups import Group
from satspeed.predict.outcome import Outcome
from satspeed.predict.portfolio import Configuration, PortfolioPrediction
from satspeed.predict.prediction import Prediction

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 90em;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { padding: .15em .6em; text-align: right; border-bottom: 1px solid #eee; }
th { border-bottom: 1px solid #999; } .l { text-align: left; }
td:not(.l) { white-space: nowrap; } td.l { overflow-wrap: break-word; }
table.summary td:nth-child(3) { overflow-wrap: anywhere; min-width: 10em; }
div.scroll { overflow-x: auto; }
table.sortable th { cursor: pointer; user-select: none; }
th[data-order=asc]::after { content: " \\25B2"; } th[data-order=desc]::after { content: " \\25BC"; }
code { font-size: .92em; word-break: break-all; } .note { color: #555; font-size: .92em; }
figure { display: inline-block; width: 48%; min-width: 24em; margin: .5em 1% .5em 0; }
figure svg { width: 100%; height: auto; }
"""

# Click a heading to sort its table's body by that column (again: the other way); cells sort
# by their data-sort value when they have one (numbers; empty for none: always last).
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(th => th.addEventListener("click", () => {
  const body = th.closest("table").tBodies[0], col = th.cellIndex;
  const up = th.dataset.order !== "asc";
  th.parentNode.querySelectorAll("th").forEach(h => delete h.dataset.order);
  th.dataset.order = up ? "asc" : "desc";
  const key = r => r.cells[col].dataset.sort ?? r.cells[col].textContent.trim();
  const rows = [...body.rows];
  const numeric = rows.every(r => key(r) === "" || !isNaN(Number(key(r))));
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x === "" || y === "") return (x === "") - (y === "");
    const c = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return up ? c : -c;
  });
  body.append(...rows);
}));
"""


def render(outcome: Outcome, meta: dict[str, Any] | None) -> str:
    """The whole page for `outcome`; `meta` is the parsed meta sidecar (None: there is none)."""
    title = f"satspeed report: {Path(outcome.csv).name}"
    body = [f"<h1>{_e(title)}</h1>",
            f"<p class=note>measure <b>{_e(outcome.measure)}</b>; cores "
            f"{_e(', '.join(map(str, outcome.cores)))}; satspeed {_e(__version__)}</p>",
            *(f"<p class=note>{_e(note)}</p>" for note in outcome.notes),
            _campaign(meta), _summary(outcome)]
    body += [_group(p, outcome.measure, i) for i, p in enumerate(outcome.predictions)]
    body += [_races(outcome.races, outcome.measure), *map(_portfolio, outcome.portfolios)]
    if outcome.allocation is not None:
        body.append(_allocation(outcome.allocation, outcome.measure))
    return ("<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n"
            "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(part for part in body if part)
            + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def _cell(text: str, sort: float | str | None = None, left: bool = False) -> str:
    """A <td>; `sort` (a number, or None for none) is its data-sort value."""
    attrs = " class=l" if left else ""
    if isinstance(sort, float | int) and not isinstance(sort, bool):
        attrs += f" data-sort=\"{sort!r}\"" if math.isfinite(sort) else " data-sort=\"\""
    return f"<td{attrs}>{_e(text)}</td>"


def _table(headings: list[str], rows: list[list[str]], css: str = "",
           left: Collection[int] = (), caption: str = "") -> str:
    """A table; the headings of columns `left` are left-aligned (as their cells should be);
    `rows` are lists of <td> cells."""
    head = "".join(f"<th{' class=l' if i in left else ''}>{_e(h)}</th>"
                   for i, h in enumerate(headings))
    cap = f"<caption class=\"note l\">{_e(caption)}</caption>" if caption else ""
    body = "\n".join(f"<tr>{''.join(cells)}</tr>" for cells in rows)
    attrs = f' class="{css}"' if css else ""
    return (f"<div class=scroll><table{attrs}>{cap}<thead><tr>{head}</tr></thead>"
            f"<tbody>\n{body}\n</tbody></table></div>")


def _campaign(meta: dict[str, Any] | None) -> str:
    """The sidecar's sessions: when, the command line, the machine, the versions (and any
    other field a session records), each as recorded."""
    if meta is None:
        return "<h2>Campaign</h2><p class=note>no meta sidecar (&lt;csv&gt;.meta.json)</p>"
    sessions = meta.get("sessions") or []
    out = ["<h2>Campaign</h2>",
           f"<p>CSV <code>{_e(meta.get('csv', '?'))}</code>, format "
           f"{_e(meta.get('csv_format', '?'))}; {len(sessions)} session(s)</p>"]
    for i, session in enumerate(sessions if isinstance(sessions, list) else [], 1):
        if not isinstance(session, dict):
            continue
        rows = []
        for key, value in session.items():
            if key == "command" and isinstance(value, list):
                text = shlex.join(map(str, value))
            elif isinstance(value, dict):
                text = "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
            else:
                text = _plain(value)
            rows.append([_cell(str(key), left=True), _cell(text, left=True)])
        out.append(f"<h3>session {i}</h3>" + _table(["field", "value"], rows, "meta", left=(0, 1)))
    return "\n".join(out)


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _summary(outcome: Outcome) -> str:
    """One row per group, fitted or skipped: its runs, median solved time, chosen model and
    predicted speedup at the most cores asked."""
    n = max(outcome.cores)
    rows = [_summary_row(p.group, p, n) for p in outcome.predictions]
    rows += [_summary_row(g, None, n) for g, _ in outcome.skipped]
    headings = ["instance", "solver", "params", "runs", "solved", "timeouts", "errors",
                f"median ({outcome.measure})", "predicted from", f"speedup at {n}", "95% CI"]
    skipped = "".join(f"<p class=note>skipped {_e(g.label)}: {_e(reason)}</p>"
                      for g, reason in outcome.skipped)
    return ("<h2>Summary</h2><p class=note>click a heading to sort</p>"
            + _table(headings, rows, "sortable summary", left=(0, 1, 2, 8)) + skipped)


def _summary_row(g: Group, p: Prediction | None, cores: int) -> list[str]:
    censored = np.asarray(g.censored, bool)
    solved = np.asarray(g.values, float)[~censored]
    median = float(np.median(solved)) if solved.size else math.nan
    row = next(r for r in p.rows if r.cores == cores) if p else None
    cells = [_cell(Path(g.instance).name, left=True), _cell(g.solver, left=True),
             _cell(g.params, left=True), _cell(str(len(g.values)), len(g.values)),
             _cell(str(solved.size), solved.size), _cell(str(int(censored.sum())),
                                                         int(censored.sum())),
             _cell(str(g.errors), g.errors), _cell(_num(median, ".4g"), median)]
    if row is None:
        return [*cells, _cell("skipped", left=True), _cell("-", math.nan), _cell("-", math.nan)]
    return [*cells, _cell(p.method, left=True),
            _cell(_num(row.predicted_speedup), row.predicted_speedup),
            _cell(f"{_num(row.speedup_low)}-{_num(row.speedup_high)}", row.speedup_low)]


def _group(p: Prediction, measure: str, index: int) -> str:
    """One group: its counts, its fits, its predictions and its two figures."""
    g = p.group
    censored = int(np.sum(p.sample.censored))
    fits = [[_cell(f.model + (" *" if f is p.chosen else ""), left=True),
             _cell(", ".join(f"{k}={v:.4g}" for k, v in f.params.items()), left=True),
             _cell(f"{f.loglik:.1f}", f.loglik), _cell(f"{f.aic:.1f}", f.aic),
             _cell(_num(f.gof_pvalue, ".3f") if f.gof_pvalue else "-", f.gof_pvalue)]
            for f in p.fits]
    rtd, speedup = group_svgs(p, measure, f"satspeed-report-{index}")
    return "\n".join([
        f"<section class=group><h3>{_e(g.label)}</h3>",
        f"<p class=note>runs {len(p.sample.values)}, solved {len(p.sample.values) - censored}, "
        f"timeouts {censored}, errors {g.errors}; chosen model {_e(p.chosen.model)} (*); "
        f"{_e(p.method_note)}</p>",
        _table(["model", "parameters", "log-lik", "AIC", "GoF p"], fits, "fits", left=(0, 1)),
        _predictions(p, measure),
        f"<figure class=rtd>{_inline(rtd)}</figure><figure class=speedup>{_inline(speedup)}"
        "</figure></section>"])


def _predictions(p: Prediction, measure: str) -> str:
    """cores / E[Z_n] / speedup / interval / (≤τ) / observed / race / error, as `predict`'s
    table: with timeouts the observed, race and error columns are of means restricted to τ."""
    tau = p.restricted_to
    rows = []
    for r in p.rows:
        if tau is not None:
            observed, race = r.observed_restricted_speedup, r.race_restricted_speedup
            extra = [_cell(_num(r.predicted_restricted_speedup), r.predicted_restricted_speedup)]
            observed_text = _num(observed)
        else:
            observed, race, extra = r.observed_speedup, r.race_speedup, []
            bound = r.observed_is_bound and math.isfinite(observed)
            observed_text = _num(observed) + (" (bound)" if bound else "")
        error = r.relative_error
        rows.append([_cell(f"{r.cores}*" if r.extrapolated else str(r.cores), r.cores),
                     _cell(_num(r.predicted_time, ".4g"), r.predicted_time),
                     _cell(_num(r.predicted_speedup), r.predicted_speedup),
                     _cell(f"{_num(r.speedup_low)}-{_num(r.speedup_high)}"), *extra,
                     _cell(observed_text, observed),
                     _cell(f"{_num(race)} ({r.race_runs})" if r.race_runs else "-", race),
                     _cell(f"{error:+.1%}" if math.isfinite(error) else "-", error)])
    headings = ["cores", f"E[Z_n] ({measure})", "speedup", "95% CI",
                *(["≤τ"] if tau is not None else []), "observed", "race", "rel. error"]
    return _table(headings, rows, "predictions", caption=_caption(p, measure))


def _caption(p: Prediction, measure: str) -> str:
    """What the predictions table's marks mean: τ, and `*` for an extrapolation."""
    tau = "" if p.restricted_to is None else (
        f"timeouts: ≤τ (predicted), observed, race and rel. error are speedups of means "
        f"restricted to τ = {p.restricted_to:.4g} {measure}, E[min(T, τ)], which censored runs "
        "allow exactly. ")
    beyond = any(r.extrapolated for r in p.rows)
    return tau + (f"* more cores than the {len(p.sample.values)} runs: an extrapolation."
                  if beyond else "")


def _inline(svg: str) -> str:
    """An SVG document's root element, for inline use in HTML: its namespace declarations
    (which the HTML parser implies) go, so that the page holds no URL at all."""
    head_end = svg.index(">")
    head = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg[:head_end])
    return head + svg[head_end:]


def _races(races: list[Group], measure: str) -> str:
    """Mixed-portfolio race groups (not fitted): count and mean per number of walkers."""
    rows = [[_cell(Path(g.instance).name, left=True), _cell(g.solver, left=True),
             _cell(str(walkers), walkers), _cell(str(len(runs)), len(runs)),
             _cell(_num(mean := float(np.mean([v for v, _ in runs])), ".4g"), mean)]
            for g in races for walkers, runs in sorted(g.races.items())]
    if not rows:
        return ""
    return ("<h2>Portfolio races</h2>"
            + _table(["instance", "portfolio", "walkers", "races", f"mean ({measure})"], rows,
                     "races", left=(0, 1)))


def _portfolio(pf: PortfolioPrediction) -> str:
    """Per instance the portfolio, then each member alone on as many cores."""
    rows = []
    for item in pf.instances:
        tau = item.restricted_to
        where = f", observed and race ≤ τ = {tau:.4g}" if tau is not None else ""
        rows.append([f"<td class=l colspan=6><b>{_e(Path(item.instance).name)}</b> "
                     f"(vs {_e(item.baseline)}{_e(where)})</td>"])
        rows += [_configuration(r, tau) for r in item.rows]
    rows += [[f"<td class=l colspan=6>not predicted on {_e(Path(instance).name)}: "
              f"{_e(reason)}</td>"] for instance, _, reason in pf.missing]
    return (f"<h2>Portfolio {_e(pf.label)} on {pf.cores} cores</h2>"
            + _table(["instance / configuration", "E[Z]", "speedup", "observed", "race",
                      "rel. error"], rows, "portfolio", left=(0,)))


def _configuration(r: Configuration, tau: float | None) -> list[str]:
    restricted = tau is not None
    observed = r.observed_restricted_speedup if restricted else r.observed_speedup
    race = r.race_restricted_speedup if restricted else r.race_speedup
    bound = not restricted and r.observed_is_bound and math.isfinite(observed)
    error = r.relative_error
    return [_cell(r.label, left=True), _cell(_num(r.predicted_time, ".4g")),
            _cell(_num(r.predicted_speedup)), _cell(_num(observed) + (" (bound)" * bound)),
            _cell(f"{_num(race)} ({r.race_runs})" if r.race_runs else "-"),
            _cell(f"{error:+.1%}" if math.isfinite(error) else "-")]


def _allocation(report: AllocationReport, measure: str) -> str:
    """The best split per instance and for the set, beside the best single solver."""
    what = "PAR-2" if report.objective == "par2" else "E[Z]"
    results = report.instances + ([report.overall] if report.overall else [])
    rows = [[_cell(Path(r.instance).name if r.sha256 else r.instance, left=True),
             _cell(portfolio_label(r.best_counts), left=True),
             _cell(_num(r.allocation.value, ".4g"), r.allocation.value),
             _cell(f"{r.pure_solver}*{report.cores}"),
             _cell(_num(r.allocation.pure_value, ".4g"), r.allocation.pure_value),
             _cell(f"{_num(r.allocation.gain, '.3f')}x", r.allocation.gain)] for r in results]
    note = f"<p class=note>no split for the instance set: {_e(report.note)}</p>" \
        if report.note else ""
    return (f"<h2>Best split of {report.cores} cores: {what} ({_e(measure)})</h2>"
            + _table(["instance", "best split", what, "best pure", what, "gain"], rows,
                     "allocation", left=(0, 1)) + note)
