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


def observed_expected_min(sample: Sample, cores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unbiased estimate of E[Z_n] from R sequential runs (NaN for n > R), and whether it is
    only a lower bound (n <= number of timeouts: a censored value can be the minimum)."""
    x = np.sort(sample.values)
    runs, timeouts = len(x), int(np.sum(sample.censored))
    values = np.array([float(order_statistic_weights(runs, int(n)) @ x) if n <= runs
                       else np.nan for n in cores])
    return values, np.asarray(cores) <= timeouts


def _log_comb(n: np.ndarray, k: int) -> np.ndarray:
    """log C(n, k), -inf where n < k."""
    n = np.asarray(n, float)
    ok = n >= k
    safe = np.where(ok, n, k)
    value = special.gammaln(safe + 1) - special.gammaln(k + 1) - special.gammaln(safe - k + 1)
    return np.where(ok, value, -np.inf)


def observed_mixed_min(samples: Sequence[Sample], counts: Sequence[int]) -> tuple[float, bool]:
    """Unbiased estimate of E[Z] for counts[i] walkers drawn without replacement from the runs
    of samples[i] (NaN when a count exceeds the runs), and whether it is only a lower bound
    (every member's count is at most its timeouts: the minimum can be a censored run)."""
    used = [(s, k) for s, k in zip(samples, counts, strict=True) if k > 0]
    if any(k > len(s.values) for s, k in used):
        return math.nan, False
    t = np.unique(np.concatenate([s.values for s, _ in used]))
    left = np.concatenate([[0.0], t[:-1]])  # S_Z is constant on [left, t)
    log_sz = np.zeros(len(t))
    for s, k in used:
        x = np.sort(s.values)
        above = len(x) - np.searchsorted(x, left, side="right")
        log_sz += _log_comb(above, k) - _log_comb(np.array(len(x)), k)
    bound = all(k <= int(np.sum(s.censored)) for s, k in used)
    return float(np.sum((t - left) * np.exp(log_sz))), bound
