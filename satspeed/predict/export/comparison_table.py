"""The rich table `satspeed compare` prints: one row per instance, then the summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from satspeed.predict.compare import Comparison, Estimate
from satspeed.predict.export.comparison_text import number, summary_line
from satspeed.predict.export.markdown import notes
from satspeed.predict.export.tables import COMPACT

VERDICT_STYLE = {"faster": "green", "slower": "red", "same": "dim"}
HEADERS = ("instance", "runs", "t/o", "mean", "95% CI", "median", "p adj.", "")


def _interval(e: Estimate) -> str:
    return "-" if e.low is None or e.high is None else f"{number(e.low)}-{number(e.high)}"


def shorten(name: str, width: int) -> str:
    """`name` in `width` characters, keeping its start and its end (`uf3-n2…-001.cnf`)."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 2
    return name[: width - 1 - tail] + "…" + name[len(name) - tail:]


def show(comparison: Comparison, console: Console) -> None:
    """Per instance: runs and timeouts of each side, mean ratio (`τ`: restricted means) with
    its interval, median ratio, adjusted p-value and verdict; then the summary and notes.
    Instance names are shortened in the middle to fit the console's width."""
    c = comparison
    rows = [[Path(r.instance).name, f"{r.base.runs}/{r.new.runs}",
             f"{r.base.timeouts}/{r.new.timeouts}",
             number(r.mean_ratio.value) + ("τ" if r.restricted_to is not None else ""),
             _interval(r.mean_ratio), number(r.median_ratio.value),
             number(r.p_adjusted, ".2g"), r.verdict] for r in c.instances]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(HEADERS)]
    room = max(12, console.width - sum(widths[1:]) - 2 * (len(HEADERS) - 1))
    table = Table(title=f"NEW / BASE in {c.measure}", caption=escape("\n".join(notes(c))),
                  caption_justify="left", **COMPACT)
    for i, col in enumerate(HEADERS):
        table.add_column(col, justify="left" if i in (0, 7) else "right", no_wrap=True)
    for row in rows:
        style = VERDICT_STYLE[row[7]]
        table.add_row(escape(shorten(row[0], room)), *row[1:7], f"[{style}]{row[7]}[/]")
    console.print(table)
    console.print(escape(summary_line(c)))
    if any(r.restricted_to is not None for r in c.instances):
        console.print("τ: means restricted to τ (timeouts), per instance τ in --json")
