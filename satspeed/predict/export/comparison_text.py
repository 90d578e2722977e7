"""Number formats and sentences shared by the text renderings of `satspeed compare`."""

from __future__ import annotations

import math

from satspeed.predict.compare import Comparison, Estimate


def number(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None or not math.isfinite(value) else format(value, spec)


def estimate_text(e: Estimate, spec: str = ".3g") -> str:
    """`0.52 [0.45, 0.6]`, or the value alone without an interval."""
    if e.low is None or e.high is None:
        return number(e.value, spec)
    return f"{number(e.value, spec)} [{number(e.low, spec)}, {number(e.high, spec)}]"


def summary_line(c: Comparison) -> str:
    """`geometric mean of mean ratios 1.12 [1.05, 1.2] over 3 instances: 1 faster, ...`"""
    n = c.counts
    return (f"geometric mean of the mean ratios NEW/BASE {estimate_text(c.geomean)} over "
            f"{len(c.instances)} instances: {n['faster']} faster, {n['slower']} slower, "
            f"{n['same']} no significant change")


def describe_restriction(c: Comparison) -> str | None:
    """Which instances' means are restricted to tau (runs timed out), or None."""
    restricted = [r for r in c.instances if r.restricted_to is not None]
    if not restricted:
        return None
    return (f"{len(restricted)} of {len(c.instances)} instances have timeouts: their means "
            "are restricted means E[min(T, tau)], tau the smallest censored value of either "
            "side (exact under censoring); medians are Kaplan-Meier")
