"""The default predictor (`--dist auto`): the runs' own distribution, with a fitted left tail.

E[Z_n] = int_0^inf S(t)^n dt needs S near the fastest runs once n is large (the speedup at
many cores is set by the left tail: if F(t) ~ c (t - x0)^a there, E[Z_n] - x0 ~ n^(-1/a)),
and S elsewhere for small n. The splice takes each part from where it is known best:

- above the cut t_q (the runs' `TAIL_FRACTION` quantile): the Kaplan-Meier estimate, which is
  the runs themselves (exact, timeouts handled; for small n the speedup is the runs' own);
- below it: the shape of parametric left tails, fitted by censored maximum likelihood to the
  runs with everything above t_q censored there (so the body cannot pull the tail), scaled to
  the Kaplan-Meier mass below t_q. Two tails, a shifted Weibull (a power-law left tail of
  fitted index) and a shifted lognormal, are averaged with Akaike weights;
- past the last run, when it timed out: the tails of the full fits (every model fitted to all
  the runs), averaged with Akaike weights, so that the model uncertainty of an extrapolated
  mean enters the estimate and, through draws from a model picked by weight, the interval.

Measured on 24 real (instance, solver) pairs against 2,500-20,000-run truths (scripts/
bench_prediction.py), from 500 runs: mean error 8.5% over n = 2..384 and 14.5% at 384,
against 13.4% and 16.8% for the model `select.choose` picks; with the cut at the 0.1, 0.2 or
0.3 quantile alike at 500 runs, 0.3 best at 100 runs (README).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from satspeed.predict.fit import Fit
from satspeed.predict.models import get
from satspeed.predict.models.mle import akaike_weights as mle_akaike_weights
from satspeed.predict.models.mle import (
    fit_splice_kernel,
    splice_cut,
    splice_expected_min,
    splice_replicates,
)
from satspeed.predict.sample import Sample
from satspeed.predict.select import censor_like, censoring, sorted_rows

TAIL_FRACTION = 0.3  # the cut t_q: this quantile of the solved runs ...
TAIL_MIN_RUNS = 10  # ... but at least this many solved runs below it
TAIL_MODELS = ("shifted-weibull", "shifted-lognormal")
RIGHT_QUANTILE = 0.9  # the bootstrap draws above this quantile of the runs from the model
UNION_WEIGHT = 0.05  # a model of at least this Akaike weight widens the interval to its own
ONE = np.ones(1)  # the weight of a model alone
_NODES = 2001  # Simpson nodes in log time (odd): E[Z_n] to 1e-10 of adaptive quadrature
REPLICATE_NODES = 101  # in the bootstrap replicates: G(n) to 1.2e-5 of 2001 nodes' (2,000
# replicates of the 20 groups of scripts/bench_predict_time.py; 7e-7 at 201, 4e-8 at 401),
# far inside the interval's Monte Carlo error (its ends move ~1% with the seed)
_DEPTH = 1e-10  # below this fraction of the tail's mass at the cut, S(t)^n is 1 (deeper,
# t - x0 nears the rounding of x0 itself, and the CDF there is noise: 1e-6 errors at 1e-14)


@dataclass(frozen=True)
class Splice:
    """A fitted splice: tails (fitted to the runs censored at `cut`) with their Akaike
    `weights`, the Kaplan-Meier mass `below` the cut, the run times from the cut on (`times`)
    with the Kaplan-Meier survival just after each, and the fits used past the last run with
    their Akaike weights (none when the last run was solved)."""

    tails: tuple[Fit, ...]
    weights: np.ndarray
    cut: float
    below: float
    times: np.ndarray
    survival: np.ndarray
    beyond: tuple[Fit, ...]
    beyond_weights: np.ndarray


def cut_of(sample: Sample) -> float:
    """t_q: the TAIL_FRACTION quantile of the solved runs (at least TAIL_MIN_RUNS of them)."""
    return float(splice_cut(sample.values, sample.censored, TAIL_FRACTION, TAIL_MIN_RUNS))


def fit_splice(sample: Sample, beyond: Sequence[str]) -> Splice:
    """Fit the splice to a sample (at least one solved run): `mle.fit_splice_kernel`, which
    fits the tails, and, only when the last run timed out, the models named in `beyond` to
    all the runs, whose tails (Akaike-weighted) extend it past the last run. Where no tail
    can be fitted (a run of time 0, say), the splice is the Kaplan-Meier estimate all the
    way down."""
    cut, below, times, survival, tails, past = fit_splice_kernel(
        sample.values, sample.censored, kernel_kinds(TAIL_MODELS), kernel_kinds(beyond),
        TAIL_FRACTION, TAIL_MIN_RUNS)
    return Splice(_fits(TAIL_MODELS, tails), tails[3], float(cut), float(below), times,
                  survival, _fits(beyond, past), past[3])


def _fits(models: Sequence[str], found: tuple[np.ndarray, ...]) -> tuple[Fit, ...]:
    """The fits `mle._weighted_fits` found (indices into `models`, rows, log-likelihoods)."""
    used, rows, loglik = found[:3]
    return tuple(Fit(models[i], get(models[i]).from_kernel(*row[1:]), float(ll))
                 for i, row, ll in zip(used, rows, loglik, strict=True))


def akaike_weights(fits: Sequence[Fit]) -> np.ndarray:
    """exp(-AIC/2), normalised (Burnham & Anderson): `mle.akaike_weights`."""
    return mle_akaike_weights(np.array([f.aic for f in fits], float))


def _usable(tail: Fit) -> bool:
    """A fit with a finite likelihood and parameters."""
    return math.isfinite(tail.loglik) and all(math.isfinite(v) for v in tail.params.values())


def expected_min(s: Splice, cores: np.ndarray, limit: float | None = None,
                 nodes: int = _NODES) -> np.ndarray:
    """E[Z_n] (or, with `limit`, E[min(Z_n, limit)]) for each n in `cores`: the Akaike-weighted
    mean over the tails of the integral of S(t)^n (`mle.splice_expected_min`): below the cut
    S(t) = 1 - below F(t) / F(cut), F the tail's CDF (in log(t - x0), from where S^n is 1 to
    `_DEPTH`); the Kaplan-Meier steps above; past the last run, when it timed out, the
    `beyond` fits' tails conditioned on it, to their 1e-16 quantile (in log t)."""
    return splice_expected_min(
        s.cut, s.below, s.times, s.survival, kernel_rows(s.tails), s.weights,
        kernel_rows(s.beyond), s.beyond_weights, np.asarray(cores, float),
        math.inf if limit is None else float(limit), _DEPTH, nodes)


def kernel_rows(fits: Sequence[Fit]) -> np.ndarray:
    """Fits as the kernels take them: rows (family, shift, a, b) (`Model.kernel`)."""
    rows = np.empty((len(fits), 4))
    for i, f in enumerate(fits):
        rows[i] = (f.kind.kernel, *f.kind.kernel_params(f.params))
    return rows


def kernel_kinds(models: Sequence[str]) -> np.ndarray:
    """Models as `mle.splice_replicates` fits them: rows (family, shifted, parameters)."""
    kinds = [get(m) for m in models]
    return np.array([(k.kernel, k.shifted, len(k.params)) for k in kinds],
                    float).reshape(len(kinds), 3)


def draw(s: Splice, size: int, rng: np.random.Generator) -> np.ndarray:
    """Runtimes drawn from the splice (for the smoothed bootstrap): below the cut from a tail
    picked by its weight (so a draw can fall below the fastest run, which resampling the runs
    never does), above it from the Kaplan-Meier steps, past the last run from `beyond`."""
    u = rng.random(size)
    out = np.empty(size)
    low = u < s.below  # never with no tails (below is 0)
    pick = rng.choice(len(s.tails), size=int(low.sum()), p=s.weights) if low.any() else low
    for i, tail in enumerate(s.tails):
        mine = np.flatnonzero(low)[pick == i]
        top = float(tail.cdf(np.array([s.cut]))[0])
        out[mine] = tail.ppf(u[mine] / s.below * top)
    high = ~low
    jumps = 1.0 - s.survival
    index = np.searchsorted(jumps, u[high], side="left")
    past = index >= len(s.times)
    values = s.times[np.minimum(index, len(s.times) - 1)]
    if past.any() and s.beyond:  # the mass past the last run (it timed out): from a tail
        last = float(s.times[-1])  # picked by its weight
        rest = (1.0 - u[high][past]) / s.survival[-1]  # in (0, 1]
        which = rng.choice(len(s.beyond), size=len(rest), p=s.beyond_weights)
        drawn = np.empty(len(rest))
        for i, f in enumerate(s.beyond):
            mine = which == i
            at_last = math.exp(float(f.logsf(np.array([last]))[0]))
            drawn[mine] = f.isf(rest[mine] * at_last)
        values[past] = drawn
    out[high] = values
    return out


def speedup(s: Splice, cores: np.ndarray, nodes: int = _NODES) -> np.ndarray:
    """G(n) = E[Z_1] / E[Z_n] for each n in `cores`."""
    times = expected_min(s, np.concatenate([[1.0], np.asarray(cores, float)]), nodes=nodes)
    return times[0] / times[1:]


def bootstrap_speedup(sample: Sample, s: Splice, fits: Sequence[Fit], cores: np.ndarray,
                      resamples: int, rng: np.random.Generator, level: float = 0.95,
                      estimate: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Interval of G(n): the union of the splice's interval and of the interval of each
    model the splice averages with an Akaike weight of at least `UNION_WEIGHT` (G(n) with
    that tail alone below the cut, or that full fit alone past a last run that timed out),
    each the estimate times exp(-+z sd), sd the standard deviation of log G(n) over the
    smoothed bootstrap of `replicates` (the same replicates, with that model alone).
    Percentiles of the replicates instead would count the estimate's bias at many cores
    twice (the replicates are centred on the estimate plus its bias). The models' own
    intervals carry the model uncertainty that averaging their E[Z_n] hides: the larger
    E[Z_n] sets the average, so a tail that predicts a far larger speedup can hardly raise
    it (at 384 cores from 100 runs of a Weibull of shape 0.8, the interval covered the truth
    in 72% of samples without them, 86% with them: the README, scripts/bench_coverage.py).
    `estimate`: G(n) of `s` at `cores` where the caller has it (`speedup` otherwise)."""
    found, tails, pasts, refitted = _replicates(sample, s, fits, cores, resamples, rng)
    if len(found) < 2:
        nan = np.full(len(cores), np.nan)
        return nan, nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    if estimate is None:
        estimate = speedup(s, cores)
    spread = np.std(np.log(found), axis=0, ddof=1)
    low, high = estimate * np.exp(-z * spread), estimate * np.exp(z * spread)
    alone = [(tails[:, TAIL_MODELS.index(t.model)], replace(s, tails=(t,), weights=ONE))
             for t, w in zip(s.tails, s.weights, strict=True)
             if w >= UNION_WEIGHT and len(s.tails) > 1]
    alone += [(pasts[:, refitted.index(f.model)], replace(s, beyond=(f,), beyond_weights=ONE))
              for f, w in zip(s.beyond, s.beyond_weights, strict=True)
              if w >= UNION_WEIGHT and len(s.beyond) > 1 and f.model in refitted]
    for found_alone, one in alone:
        found_alone = found_alone[np.isfinite(found_alone).all(axis=1)]
        if len(found_alone) < 2:
            continue
        own = speedup(one, cores, nodes=REPLICATE_NODES)  # to 1.2e-5: ample for an end
        spread = np.std(np.log(found_alone), axis=0, ddof=1)
        low = np.minimum(low, own * np.exp(-z * spread))
        high = np.maximum(high, own * np.exp(z * spread))
    return low, high


def replicates(sample: Sample, s: Splice, fits: Sequence[Fit], cores: np.ndarray,
               resamples: int, rng: np.random.Generator, smooth_right: bool = True
               ) -> np.ndarray:
    """G(n) of `resamples` bootstrap samples smoothed at both ends: as many runs as the data,
    drawn from the fitted splice (`draw`), those above the runs' `RIGHT_QUANTILE` taken
    instead from the tail of one of the full `fits` (one per sample), picked by its Akaike
    weight (unless not `smooth_right`), censored as the data were (`censor_like`), each
    fitted again (its full fits too, where its last run timed out: `mle.splice_replicates`,
    one kernel call for all). Resampling the runs can put no run below the fastest (on which
    the speedup at many cores rests) nor above the slowest (on which the mean of a heavy
    right tail rests), and never shows how uncertain the model of an extrapolated tail is.
    Shape (replicates that could be fitted, len(cores))."""
    return _replicates(sample, s, fits, cores, resamples, rng, smooth_right)[0]


def _replicates(sample: Sample, s: Splice, fits: Sequence[Fit], cores: np.ndarray,
                resamples: int, rng: np.random.Generator, smooth_right: bool = True
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """`replicates`; each replicate's G(n) with each of TAIL_MODELS alone below the cut,
    shape (replicates, len(TAIL_MODELS), len(cores)); with each of the models refitted past
    a last run that timed out alone there, shape (replicates, models, len(cores)) (NaN
    where not fitted); and those models' names."""
    runs = len(sample.values)
    usable = [f for f in fits if _usable(f)]
    weights = akaike_weights(usable)
    weighty = [f.model for f, w in zip(usable, weights, strict=True)
               if w >= 0.01]  # refitted past a timed-out last run (the rest count for little)
    draws = draw(s, resamples * runs, rng).reshape(resamples, runs)
    if smooth_right and usable:
        high = float(np.quantile(sample.observed, RIGHT_QUANTILE))
        over = draws > high
        picked = rng.choice(len(usable), size=resamples, p=weights)
        for i, f in enumerate(usable):
            mine = over & (picked == i)[:, None]
            if mine.any():
                at_high = math.exp(float(f.logsf(np.array([high]))[0]))
                draws[mine] = f.isf(rng.random(int(mine.sum())) * at_high)
    boot = sorted_rows(censor_like(sample, draws, rng, censoring(sample)))
    times, tails, pasts, ok = splice_replicates(
        boot.values, boot.censored, kernel_kinds(TAIL_MODELS), kernel_kinds(weighty),
        TAIL_FRACTION, TAIL_MIN_RUNS, _DEPTH,
        np.concatenate([[1.0], np.asarray(cores, float)]), REPLICATE_NODES)
    tails, pasts = tails[ok], pasts[ok]
    return (times[ok, :1] / times[ok, 1:], tails[:, :, :1] / tails[:, :, 1:],
            pasts[:, :, :1] / pasts[:, :, 1:], weighty)
