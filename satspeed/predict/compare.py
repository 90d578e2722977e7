"""Two sets of sequential runs compared instance by instance (`satspeed compare`).

Groups are matched by instance content (instance_sha256). Per instance: the ratio NEW/BASE of
the mean runtimes (means restricted to tau, the smallest censored value of either side, where
runs timed out: E[min(T, tau)] is exact under censoring, as in `satspeed predict`) and of the
Kaplan-Meier medians, each with a percentile bootstrap interval (each side resampled on its
own), and the log-rank test that the two runtime distributions differ. Across instances: the
geometric mean of the mean ratios, with a two-level bootstrap interval (instances resampled,
and within each its own resampled ratio), and faster / slower / unchanged counts at `alpha`
after the Benjamini-Hochberg correction over the instances.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from satspeed.errors import SatspeedError
from satspeed.labels import parse_params
from satspeed.predict.groups import Group
from satspeed.predict.observed import restriction, run_order
from satspeed.predict.sample import Sample

CORRECTION = "benjamini-hochberg"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Selector:
    """Which groups one side takes: a solver name (None: any) and parameters that must hold
    (a subset of the group's `key=value` pairs; None: any)."""

    solver: str | None = None
    params: dict[str, str] | None = None

    def matches(self, group: Group) -> bool:
        if self.solver is not None and group.solver != self.solver:
            return False
        wanted = self.params or {}
        if "restart" not in wanted and group.restart:  # restarted runs: by restart=... only
            return False
        have = {**parse_params(group.params), "restart": group.restart}
        return all(k in have and _same_value(have[k], v) for k, v in wanted.items())

    def __str__(self) -> str:
        text = self.solver or "*"
        if self.params is not None:
            text += ":" + ",".join(f"{k}={v}" for k, v in self.params.items())
        return text


def parse_selector(text: str) -> Selector:
    """`SOLVER` or `SOLVER:key=value,...`; ValueError when it is not that."""
    solver, _, params = text.partition(":")
    if not solver.strip() or (":" in text and not params.strip()):
        raise ValueError(f"expected SOLVER or SOLVER:key=value,..., not {text!r}")
    for part in filter(None, (p.strip() for p in params.split(","))):
        key, equals, _ = part.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"expected key=value, not {part!r}")
    return Selector(solver.strip(), parse_params(params) if params.strip() else None)


def _same_value(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return a == b


def select(groups: Iterable[Group], selector: Selector, source: str) -> dict[str, Group]:
    """The side's group of sequential runs on each instance, by sha256. Two groups of one
    instance that the selector both takes are an error naming them (say which with
    SOLVER:PARAMS); so is a selector that takes nothing."""
    chosen: dict[str, Group] = {}
    candidates = [g for g in groups if (g.values or g.unmeasured) and not g.is_portfolio]
    for g in candidates:
        if not selector.matches(g):
            continue
        other = chosen.get(g.sha256)
        if other is not None:
            raise SatspeedError(
                f"{source}: {g.instance} has runs of '{other.solver}:{other.params}' and "
                f"'{g.solver}:{g.params}': choose one with --base/--new SOLVER[:PARAMS]")
        chosen[g.sha256] = g
    if not chosen:
        present = sorted({f"{g.solver}:{g.params}" for g in candidates})
        raise SatspeedError(f"{source}: no sequential runs of '{selector}' (present: "
                            f"{', '.join(present) or 'none'})")
    return chosen


@dataclass(frozen=True)
class Estimate:
    """A ratio NEW/BASE and its bootstrap interval (None: undefined)."""

    value: float | None
    low: float | None
    high: float | None


@dataclass
class SideSummary:
    runs: int
    timeouts: int
    mean: float  # restricted to tau where tau is set
    median: float | None  # Kaplan-Meier; None when it never falls to 1/2


@dataclass
class InstanceComparison:
    instance: str
    sha256: str
    base: SideSummary
    new: SideSummary
    restricted_to: float | None
    mean_ratio: Estimate
    median_ratio: Estimate
    logrank_statistic: float
    p_value: float
    p_adjusted: float = math.nan
    verdict: str = "same"  # faster | slower | same
    log_ratio_replicates: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


@dataclass
class Comparison:
    measure: str
    alpha: float
    bootstrap: int
    seed: int
    instances: list[InstanceComparison]
    unmatched: list[tuple[str, str, str, str]]  # instance, sha256, side, reason
    geomean: Estimate
    counts: dict[str, int]
    correction: str = CORRECTION
    confidence: float = CONFIDENCE


def km_median(sample: Sample) -> float | None:
    """The Kaplan-Meier median (scipy.stats.ecdf): the first time where the estimated
    survival falls to 1/2 or below; None when it never does (over half censored early)."""
    sf = stats.ecdf(sample.to_scipy()).sf
    below = np.flatnonzero(sf.probabilities <= 0.5)
    return float(sf.quantiles[below[0]]) if below.size else None


def km_medians(values: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """The Kaplan-Meier median of each row of (B, n) arrays (NaN where undefined), as
    km_median for one: sorted with solved runs before censored ones at equal times, the
    survival is the running product of 1 - 1/(at risk) over the solved runs."""
    order = np.lexsort((censored, values), axis=-1)
    x = np.take_along_axis(values, order, axis=-1)
    c = np.take_along_axis(censored, order, axis=-1)
    n = values.shape[-1]
    at_risk = n - np.arange(n)
    survival = np.cumprod(np.where(c, 1.0, 1.0 - 1.0 / at_risk), axis=-1)
    hit = survival <= 0.5
    first = np.argmax(hit, axis=-1)
    chosen = np.take_along_axis(x, first[..., None], axis=-1)[..., 0]
    return np.where(hit.any(axis=-1), chosen, np.nan)


def logrank(base: Sample, new: Sample) -> tuple[float, float]:
    """scipy.stats.logrank of NEW against BASE: (z statistic, two-sided p-value)."""
    result = stats.logrank(new.to_scipy(), base.to_scipy())
    return float(result.statistic), float(result.pvalue)


def _interval(replicates: np.ndarray) -> tuple[float | None, float | None]:
    """The percentile interval; None where a replicate is undefined (NaN)."""
    if replicates.size == 0 or not np.all(np.isfinite(replicates)):
        return None, None
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(replicates, [tail, 1 - tail])
    return float(low), float(high)


def _resample(sample: Sample, rng: np.random.Generator, times: int
              ) -> tuple[np.ndarray, np.ndarray]:
    idx = rng.integers(len(sample.values), size=(times, len(sample.values)))
    return sample.values[idx], sample.censored[idx]


def _canonical(sample: Sample) -> Sample:
    """The runs sorted (by value, solved first), so that resamples do not depend on row order."""
    order = run_order(sample)
    return Sample(sample.values[order], sample.censored[order])


def compare_instance(base: Group, new: Group, bootstrap: int, rng: np.random.Generator
                     ) -> InstanceComparison:
    """One instance: summaries, restricted-mean and median ratios with intervals, log-rank."""
    b, n = _canonical(base.sample), _canonical(new.sample)
    tau = restriction(b, n)
    limit = math.inf if tau is None else tau
    means = [float(np.mean(np.minimum(s.values, limit))) for s in (b, n)]
    medians = [km_median(b), km_median(n)]
    median_ratio = (medians[1] / medians[0] if None not in medians else None)
    replicates = []
    for s in (b, n):
        values, censored = _resample(s, rng, bootstrap)
        replicates.append((np.minimum(values, limit).mean(axis=1), km_medians(values, censored)))
    mean_reps = replicates[1][0] / replicates[0][0]
    median_reps = replicates[1][1] / replicates[0][1]
    median_interval = _interval(median_reps) if median_ratio is not None else (None, None)
    statistic, p = logrank(b, n)
    return InstanceComparison(
        base.instance, base.sha256,
        SideSummary(len(b.values), int(b.censored.sum()), means[0], medians[0]),
        SideSummary(len(n.values), int(n.censored.sum()), means[1], medians[1]),
        tau, Estimate(means[1] / means[0], *_interval(mean_reps)),
        Estimate(median_ratio, *median_interval),
        statistic, p, log_ratio_replicates=np.log(mean_reps))


def _problem(group: Group) -> str | None:
    if group.unmeasured:
        return (f"{group.unmeasured} of its runs have no flips (the solver does not report "
                "them): compare with --measure cpu_s or wall_s")
    if len(group.values) < 2:
        return f"{len(group.values)} sequential run: at least 2 are needed"
    return None


def compare(base: dict[str, Group], new: dict[str, Group], measure: str, alpha: float = 0.05,
            bootstrap: int = 1000, seed: int = 0) -> Comparison:
    """Compare the groups of both sides on every instance they share (by sha256), in order of
    instance path; the bootstrap of each instance has its own seed from `seed` and its sha256."""
    unmatched = [(g.instance, sha, side, f"no runs in {other}")
                 for side, mine, theirs, other in (("base", base, new, "new"),
                                                   ("new", new, base, "base"))
                 for sha, g in mine.items() if sha not in theirs]
    results = []
    for sha, b in sorted(base.items(), key=lambda item: (item[1].instance, item[0])):
        if sha not in new:
            continue
        why = [(side, r) for side, g in (("base", b), ("new", new[sha]))
               if (r := _problem(g)) is not None]
        if why:
            unmatched += [(b.instance, sha, side, reason) for side, reason in why]
            continue
        results.append(compare_instance(b, new[sha], bootstrap, _rng(seed, sha)))
    if not results:
        raise SatspeedError("no instance has comparable sequential runs on both sides "
                            "(matched by instance_sha256)")
    _judge(results, alpha)
    counts = {v: sum(r.verdict == v for r in results) for v in ("faster", "slower", "same")}
    return Comparison(measure, alpha, bootstrap, seed, results, unmatched,
                      geometric_mean(results, bootstrap, _rng(seed, "")), counts)


def _rng(seed: int, key: str) -> np.random.Generator:
    """A generator per instance (and one for the summary), so that results do not depend on
    the order of the rows in the CSV."""
    digest = hashlib.sha256(key.encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _judge(results: list[InstanceComparison], alpha: float) -> None:
    """Benjamini-Hochberg adjusted p-values over the instances (scipy), and each verdict."""
    p = np.array([r.p_value for r in results])
    finite = np.isfinite(p)
    adjusted = np.full(len(p), np.nan)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p[finite], method="bh")
    for r, q in zip(results, adjusted, strict=True):
        r.p_adjusted = float(q)
        ratio = r.mean_ratio.value
        if math.isfinite(q) and q < alpha and ratio != 1:
            r.verdict = "faster" if ratio < 1 else "slower"


def geometric_mean(results: list[InstanceComparison], bootstrap: int,
                   rng: np.random.Generator) -> Estimate:
    """exp(mean log ratio) over instances; its interval resamples the instances and, for each
    one drawn, takes that replicate's own resampled ratio (so one instance still has one)."""
    logs = np.array([math.log(r.mean_ratio.value) for r in results])
    point = float(np.exp(logs.mean()))
    if bootstrap == 0:
        return Estimate(point, None, None)
    table = np.stack([r.log_ratio_replicates for r in results])  # (instances, B)
    pick = rng.integers(len(results), size=(bootstrap, len(results)))
    replicates = np.exp(table[pick, np.arange(bootstrap)[:, None]].mean(axis=1))
    return Estimate(point, *_interval(replicates))


def slower_than(comparison: Comparison, percent: float) -> bool:
    """Whether the whole interval of the geometric-mean ratio lies above 1 + percent/100."""
    low = comparison.geomean.low
    return low is not None and low > 1 + percent / 100
