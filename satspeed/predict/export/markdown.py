"""GitHub-flavoured markdown: a general table builder (any rows, e.g. prediction tables
later) and the rendering of a `satspeed compare` result, to paste in a pull-request comment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from satspeed.predict.compare import Comparison
from satspeed.predict.export.comparison_text import (
    describe_restriction,
    estimate_text,
    number,
    summary_line,
)


def escape(text: str) -> str:
    """A table cell's text: `|` and backslashes escaped, newlines as spaces."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          align: Sequence[str] | None = None) -> str:
    """A GFM table; `align` per column: 'l' (left) or 'r' (right, the default)."""
    align = align or ["r"] * len(headers)
    rule = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |",
             "|" + "|".join(rule[a] for a in align) + "|"]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(comparison: Comparison) -> str:
    """A heading line, the summary, one table row per instance and the notes."""
    c = comparison
    rows = [[Path(r.instance).name, f"{r.base.runs} / {r.new.runs}",
             f"{r.base.timeouts} / {r.new.timeouts}", number(r.base.mean, ".4g"),
             number(r.new.mean, ".4g"), estimate_text(r.mean_ratio),
             estimate_text(r.median_ratio), number(r.p_adjusted, ".2g"), r.verdict]
            for r in c.instances]
    headers = ["instance", "runs (base / new)", "timeouts", f"base mean ({c.measure})",
               f"new mean ({c.measure})", "mean ratio [95% CI]", "median ratio [95% CI]",
               "p (adj.)", "verdict"]
    parts = [f"**satspeed compare** ({c.measure}): {summary_line(c)}", "",
             table(headers, rows, ["l"] + ["r"] * 7 + ["l"]), ""]
    parts += [f"- {note}" for note in notes(c)]
    return "\n".join(parts) + "\n"


def notes(c: Comparison) -> list[str]:
    """What the numbers are: ratios, restriction, test and correction, unmatched groups."""
    resampled = (f"intervals (95%): percentile bootstrap, {c.bootstrap} resamples, seed "
                 f"{c.seed}" if c.bootstrap else "no intervals (--bootstrap 0)")
    lines = [f"ratios are NEW / BASE (below 1: NEW is faster); {resampled}",
             f"test: log-rank (censoring-aware); p adjusted by {c.correction} over "
             f"{len(c.instances)} instances, significant below {c.alpha:g}"]
    restricted = describe_restriction(c)
    if restricted:
        lines.append(restricted)
    lines += [f"not compared: {Path(i).name} ({side}): {why}" for i, _, side, why in c.unmatched]
    return lines
