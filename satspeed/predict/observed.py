"""Estimates from the runs themselves, without a model: E[Z] of a multi-walk or a mixed
portfolio of walkers drawn without replacement from the sequential runs (exact, unbiased, no
resampling noise; bounds where a censored run can be the minimum).

Single solver, R runs sorted x_(1) <= ... <= x_(R): E[min of n] = sum_i x_(i) C(R-i, n-1)/C(R, n).
Mixed: k_i runs from each member's R_i give S_i^(k)(t) = C(#{x > t}, k) / C(R_i, k), and E[min]
is the integral of their product, a finite sum over the pooled run times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

from satspeed.predict.sample import Sample


def order_statistic_weights(runs: int, n: int) -> np.ndarray:
    """w_i = C(R - i, n - 1) / C(R, n), i = 1..R: E[min of n of R] = sum w_i x_(i)."""
    i = np.arange(1, runs + 1)
    valid = runs - i >= n - 1
    k = np.where(valid, runs - i, n - 1)
    log_w = (special.gammaln(k + 1) - special.gammaln(n) - special.gammaln(k - n + 2)
             - special.gammaln(runs + 1) + special.gammaln(n + 1) + special.gammaln(runs - n + 1))
    return np.where(valid, np.exp(log_w), 0.0)


def restriction(*samples: Sample, races: Sequence[tuple[float, bool]] = ()) -> float | None:
    """The time to which means are restricted where runs time out: the smallest value at which
    any run (or race) was censored, so that min(Y, limit) is known exactly for every run; None
    when nothing was censored (then no restriction is needed)."""
    cut = [float(np.min(s.values[s.censored])) for s in samples if s.censored.any()]
    cut += [value for value, censored in races if censored]
    return min(cut) if cut else None


def _after(sample: Sample, time: float) -> int:
    """How many runs come after a censored value `time` in the order where, at equal values,
    solved runs come first: solved runs above it, censored runs at or above it."""
    return int(np.sum(np.where(sample.censored, sample.values >= time, sample.values > time)))


def run_order(sample: Sample) -> np.ndarray:
    """The runs sorted by value, solved before censored at equal values."""
    return np.lexsort((sample.censored, sample.values))


def observed_expected_min(sample: Sample, cores: np.ndarray, limit: float | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased estimate of E[Z_n] from R sequential runs (NaN for n > R), and whether it is
    only a lower bound: a censored run can be the minimum of some n of the runs (it is, after
    its rank in the order of `run_order`, followed by at least n - 1 others).

    With `limit` (at most every censored value, see `restriction`): the estimate of the
    restricted mean E[min(Z_n, limit)], which censored runs do not bias: exact for every n."""
    order = run_order(sample)
    x, censored = sample.values[order], sample.censored[order]
    runs = len(x)
    if limit is not None:
        if censored.any() and limit > x[censored].min():
            raise ValueError("the restriction must not exceed any censored value")
        x, censored = np.minimum(x, limit), np.zeros(runs, bool)
    values = np.array([float(order_statistic_weights(runs, int(n)) @ x) if n <= runs
                       else np.nan for n in cores])
    first = int(np.argmax(censored)) + 1 if censored.any() else runs + 1  # 1-based rank
    return values, np.asarray(cores) <= runs - first + 1


def _log_comb(n: np.ndarray, k: int) -> np.ndarray:
    """log C(n, k), -inf where n < k."""
    n = np.asarray(n, float)
    ok = n >= k
    safe = np.where(ok, n, k)
    value = special.gammaln(safe + 1) - special.gammaln(k + 1) - special.gammaln(safe - k + 1)
    return np.where(ok, value, -np.inf)


def observed_mixed_min(samples: Sequence[Sample], counts: Sequence[int],
                       limit: float | None = None) -> tuple[float, bool]:
    """Unbiased estimate of E[Z] for counts[i] walkers drawn without replacement from the runs
    of samples[i] (NaN when a count exceeds the runs), and whether it is only a lower bound
    (some draw can have a censored run as its minimum); with `limit`, of E[min(Z, limit)]."""
    used = [(s, k) for s, k in zip(samples, counts, strict=True) if k > 0]
    if any(k > len(s.values) for s, k in used):
        return math.nan, False
    bound = limit is None and _mixed_bound(used)
    if limit is not None:
        used = [(Sample(np.minimum(s.values, limit), np.zeros(len(s.values), bool)), k)
                for s, k in used]
    t = np.unique(np.concatenate([s.values for s, _ in used]))
    left = np.concatenate([[0.0], t[:-1]])  # S_Z is constant on [left, t)
    log_sz = np.zeros(len(t))
    for s, k in used:
        x = np.sort(s.values)
        above = len(x) - np.searchsorted(x, left, side="right")
        log_sz += _log_comb(above, k) - _log_comb(np.array(len(x)), k)
    return float(np.sum((t - left) * np.exp(log_sz))), bound


def _mixed_bound(used: Sequence[tuple[Sample, int]]) -> bool:
    """Whether a censored run of some member can be the minimum of a draw: it is followed (in
    `run_order`) by at least k - 1 runs of its own member and k_j runs of every other member."""
    for m, (s, k) in enumerate(used):
        for time in s.values[s.censored]:
            if _after(s, time) >= k and all(_after(o, time) >= kj  # _after counts itself
                                                 for j, (o, kj) in enumerate(used) if j != m):
                return True
    return False
