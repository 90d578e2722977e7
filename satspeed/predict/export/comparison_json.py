"""The JSON document of `satspeed compare --json`.

Schema (version 1), one object:
  schema: 1, kind: "compare", satspeed_version, measure, alpha, confidence, bootstrap, seed,
  correction: "benjamini-hochberg", test: "logrank",
  base: {source, selector}, new: {source, selector},
  instances: [{instance, instance_sha256,
               base: SIDE, new: SIDE, restricted_to,
               mean_ratio: RATIO, median_ratio: RATIO,
               logrank_statistic, p_value, p_adjusted, verdict}],
  unmatched: [{instance, instance_sha256, side, reason}],
  summary: {instances, geomean_ratio: RATIO, faster, slower, same,
            fail_if_slower, failed}
    SIDE = {runs, timeouts, mean, median}
    RATIO = {value, low, high}
Ratios are NEW / BASE (below 1: NEW is faster). `restricted_to` is tau when runs timed out
(then both sides' `mean` are E[min(T, tau)]), else null. `median` is Kaplan-Meier (null when
the estimate never falls to 1/2). `low`/`high` bound the 95% percentile bootstrap interval
(null when undefined, e.g. a resample without a median). `verdict`: faster or slower when the
adjusted p-value is below alpha, else same. `fail_if_slower` is the option's percent (null
if not given) and `failed` whether the geometric mean's interval lies above it.
"""

from __future__ import annotations

import json
import math

from satspeed import __version__
from satspeed.predict.compare import Comparison, Estimate, SideSummary

SCHEMA_VERSION = 1


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _ratio(e: Estimate) -> dict[str, float | None]:
    return {"value": _num(e.value), "low": _num(e.low), "high": _num(e.high)}


def _side(s: SideSummary) -> dict[str, object]:
    return {"runs": s.runs, "timeouts": s.timeouts, "mean": _num(s.mean),
            "median": _num(s.median)}


def render(c: Comparison, sources: dict[str, tuple[str, str]], fail_if_slower: float | None,
           failed: bool) -> str:
    """The document; `sources` maps 'base'/'new' to (CSV path, selector text)."""
    document = {
        "schema": SCHEMA_VERSION, "kind": "compare", "satspeed_version": __version__,
        "measure": c.measure, "alpha": c.alpha, "confidence": c.confidence,
        "bootstrap": c.bootstrap, "seed": c.seed, "correction": c.correction,
        "test": "logrank",
        **{side: {"source": src, "selector": sel} for side, (src, sel) in sources.items()},
        "instances": [{
            "instance": r.instance, "instance_sha256": r.sha256, "base": _side(r.base),
            "new": _side(r.new), "restricted_to": _num(r.restricted_to),
            "mean_ratio": _ratio(r.mean_ratio), "median_ratio": _ratio(r.median_ratio),
            "logrank_statistic": _num(r.logrank_statistic), "p_value": _num(r.p_value),
            "p_adjusted": _num(r.p_adjusted), "verdict": r.verdict} for r in c.instances],
        "unmatched": [{"instance": i, "instance_sha256": sha, "side": side, "reason": why}
                      for i, sha, side, why in c.unmatched],
        "summary": {"instances": len(c.instances), "geomean_ratio": _ratio(c.geomean),
                    **c.counts, "fail_if_slower": fail_if_slower, "failed": failed},
    }
    return json.dumps(document, indent=2)
