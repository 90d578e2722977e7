"""Which fit a group's portfolios and allocation use (`chosen`), and whether a fit is
plausible at all. (The multi-walk itself is predicted by the splice: satspeed.predict.splice.)

Model choice: among AUTO_MODELS, the most general model within 10 AIC units of the best.
Goodness of fit: a parametric bootstrap of the Kolmogorov-Smirnov distance between the
Kaplan-Meier estimate and the fitted CDF, refitting each simulated sample (so the p-value
accounts for the estimated parameters), with the same censoring as the data.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import stats

from satspeed.predict.fit import Fit
from satspeed.predict.models.mle import ks_gap
from satspeed.predict.sample import Sample

# What `chosen` is chosen from (see `choose`). Exponential and Weibull are fitted and
# reported too, but not chosen automatically: both put mass down to zero time, so their speedup
# grows without bound (n, or n^(1/k) for a Weibull shape k < 1); on random 3-SAT, allowing them
# doubled the error at 384 cores (scripts/bench_prediction.py; README).
AUTO_MODELS = ("shifted-exp", "lognormal", "shifted-lognormal")


def choose(fits: list[Fit], models: tuple[str, ...] = AUTO_MODELS,
           tolerance: float = 10.0) -> Fit:
    """The model to predict with: among `models`, those within `tolerance` AIC units of the
    best have substantial support (Burnham & Anderson); of these, take the most general (most
    parameters), which extrapolates the left tail with the fewest assumptions."""
    candidates = [f for f in fits if f.model in models]
    best = min(f.aic for f in candidates)
    near = [f for f in candidates if f.aic <= best + tolerance]
    return max(near, key=lambda f: (len(f.params), -f.aic))


def ks_distance(sample: Sample, f: Fit, limit: float = math.inf) -> float:
    """Largest gap between the Kaplan-Meier CDF and the fitted CDF at the solved runs up to
    `limit` (with no censoring, Kaplan-Meier is the empirical CDF and this, with no limit, is
    the KS statistic)."""
    return ks_gap(sample.values, sample.censored, f.cdf(np.sort(sample.observed)), limit)


def gof_limit(sample: Sample) -> float:
    """Where the goodness-of-fit distance stops: at the median of the cutoffs the timeouts
    showed (no limit without a timeout). The simulated samples are censored as the data were,
    at cutoffs drawn from their reverse Kaplan-Meier estimate, which is sure where many runs
    are at risk and a guess near and past the largest timeout (runs solved there say only
    that their cutoff lay above); the distance taken there makes null p-values too small or
    too large by how that guess falls. With one cutoff for all runs the limit is that cutoff,
    which no solved run passes: the distance is the whole one. Under the null, with cutoffs
    spread x0.3-1.7 (scripts/bench_gof_null.py), P(p <= 0.05) was 0.061 with no limit,
    0.021 at the largest timeout, 0.034 at the 0.9 quantile of the timeouts, 0.051 at their
    median; with per-run cutoffs x0.8-1.2 it was 0.065 with no limit, 0.049 at the median.
    Where no run was solved by then (half the timeouts came first), there is no limit: a
    distance over no run would make every fit look perfect."""
    if not sample.censored.any():
        return math.inf
    limit = float(np.median(sample.values[sample.censored]))
    return limit if np.any(sample.observed <= limit) else math.inf


Censoring = tuple[np.ndarray, np.ndarray]  # cutoffs, and the CDF of the cutoff there


def censoring(sample: Sample) -> Censoring:
    """The distribution of the runs' cutoffs, estimated by the reverse Kaplan-Meier: a timeout
    observes its run's cutoff, a solved run says only that its cutoff lay above its time. With
    one cutoff for all runs it is that cutoff, whatever the mix otherwise (a CPU-time limit
    measured in flips gives every run its own). The mass left beyond the last timeout (runs
    solved above it) goes to the largest time seen: no run showed anything beyond it. (With
    that mass at infinity instead, null p-values came out too large: P(p <= 0.05) = 0.02 over
    400 samples with cutoffs spread x0.3-1.7; with it at the largest time, 0.068.)"""
    if not sample.censored.any():
        return np.array([]), np.array([])
    data = stats.CensoredData(uncensored=sample.values[sample.censored],
                              right=sample.values[~sample.censored])
    cdf = stats.ecdf(data).cdf
    times, probabilities = cdf.quantiles, cdf.probabilities
    if probabilities[-1] < 1:
        times = np.append(times, sample.values.max())
        probabilities = np.append(probabilities, 1.0)
    jumps = np.diff(probabilities, prepend=0.0) > 0  # the steps (a draw never lands
    return times[jumps], probabilities[jumps]  # between them: the same cutoffs, faster)


def censor_like(sample: Sample, draws: np.ndarray, rng: np.random.Generator,
                cutoffs: Censoring | None = None) -> Sample:
    """Censor simulated runtimes (of any shape: one sample, or one per row) the way the data
    were: each simulated run gets a cutoff drawn from the data's cutoff distribution
    (`censoring`, computed here unless given)."""
    times, cdf = censoring(sample) if cutoffs is None else cutoffs
    if not len(times):  # nothing timed out: no cutoff (and no draws: the same streams)
        return Sample(draws, np.zeros(draws.shape, bool))
    return Sample(*_censor_at(draws, rng.random(draws.shape), times, cdf))


def sorted_rows(sample: Sample) -> Sample:
    """Each row's runs in increasing order (a row is a sample: its fits and statistics do not
    depend on the order, up to rounding). For the bootstrap kernels, which sort each row's
    runs several times: numba's quicksort takes 20 us for 475 runs in random order (it
    mispredicts its branches) and 2.4 us for sorted ones; numpy's argsort orders a row in
    9 us."""
    order = np.argsort(sample.values, axis=-1)
    return Sample(np.take_along_axis(sample.values, order, -1),
                  np.take_along_axis(sample.censored, order, -1))


@njit(cache=True)
def _censor_at(draws: np.ndarray, u: np.ndarray, times: np.ndarray, cdf: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each draw censored at the cutoff times[k], k the first with cdf[k] > u (or the last:
    it is 1 up to rounding): the values and which are censored. (A kernel: 50,000 draws
    over 24 cutoff steps take 1.4 ms with numpy's searchsorted and where, 0.65 ms here
    with a bisection for every draw, less once the draws below the smallest cutoff, which
    no cutoff censors, skip it.)"""
    flat, uniform = draws.ravel(), u.ravel()
    values = np.empty(flat.size)
    censored = np.empty(flat.size, np.bool_)
    last = len(times) - 1
    for i in range(flat.size):
        if flat[i] <= times[0]:  # below every cutoff: solved, whichever it drew
            censored[i] = False
            values[i] = flat[i]
            continue
        low, high = 0, last  # bisection for the first k with cdf[k] > u (or the last)
        while low < high:
            mid = (low + high) // 2
            if cdf[mid] > uniform[i]:
                high = mid
            else:
                low = mid + 1
        cut = times[low]
        censored[i] = flat[i] > cut
        values[i] = cut if censored[i] else flat[i]
    return values.reshape(draws.shape), censored.reshape(draws.shape)


GOF_EXCEEDANCES = 10  # the sequential p-value stops at this many simulated distances at least
# the observed one (Besag & Clifford's h): a fit that is plausible (p above ~0.1) needs only
# 10/p of the samples; near small p, where a decision is taken, all of them are drawn


def gof_pvalue(f: Fit, sample: Sample, samples: int, rng: np.random.Generator,
               cutoffs: Censoring | None = None) -> float:
    """Sequential parametric-bootstrap p-value of the KS distance (Besag & Clifford,
    Biometrika 1991): up to `samples` simulated samples of the fit, censored as the data were
    (`censor_like`, with the data's `cutoffs` if given), refitted one after the other
    (`refit_distances`, one kernel call) until GOF_EXCEEDANCES of their distances reach the
    observed one; the p-value is then h / (samples refitted), otherwise (k + 1) / (samples +
    1) with k such distances. Both are exact (P(p <= a) <= a under the null, with equality
    where p can take the value a). Samples with no solved run do not count. All `samples`
    are drawn whatever the stop, so the generator's later draws do not depend on it."""
    limit = gof_limit(sample)
    observed = ks_distance(sample, f, limit)
    runs = len(sample.values)
    draws = np.sort(f.rvs(samples * runs, rng).reshape(samples, runs))  # in order, so the
    sims = censor_like(sample, draws, rng, cutoffs)  # kernel's sorts are quick (`sorted_rows`;
    # the cutoffs are drawn independently of the runs, so which run gets which is immaterial)
    distances = f.kind.refit_distances(sims.values, sims.censored, observed,
                                       GOF_EXCEEDANCES, limit)
    done = distances[np.isfinite(distances)]
    reached = int(np.sum(done >= observed))
    if reached >= GOF_EXCEEDANCES:
        return reached / len(done)
    return float(reached + 1) / (len(done) + 1)


def sequential_null_cdf(level: float, h: int = GOF_EXCEEDANCES, samples: int = 100) -> float:
    """P(p <= level) under the null (a continuous statistic) for `gof_pvalue`'s sequential
    p-value with h and B = `samples` (h / L at the h-th simulated statistic at least the
    observed, (k + 1) / (B + 1) if only k < h of B reach it), by enumeration: the number k
    of the B simulated statistics that reach the observed is uniform on 0..B (the observed
    one's rank is uniform), and given k their positions are a uniform k-subset, so the h-th
    lies at L with probability C(L - 1, h - 1) C(B - L, k - h) / C(B, k)."""
    total = 0.0
    for k in range(samples + 1):
        if k < h:
            total += (k + 1) / (samples + 1) <= level + 1e-12
            continue
        total += sum(math.comb(at - 1, h - 1) * math.comb(samples - at, k - h)
                     for at in range(h, samples - (k - h) + 1)
                     if h / at <= level + 1e-12) / math.comb(samples, k)
    return total / (samples + 1)
