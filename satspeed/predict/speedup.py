"""Order statistics of multi-walk runs: predicted and observed E[Z_n] and speedup.

Z_n = min(Y_1..Y_n) is the time of n independent walkers racing; G(n) = E[Y] / E[Z_n].
Predictions use closed forms where they exist (exponential: E[Z_n] = 1/(n rate); shifted:
shift + 1/(n rate); Weibull: scale Gamma(1 + 1/k) n^(-1/k)); for the lognormal family
E[Z_n] = shift + e^mu E[exp(sigma M_n)], M_n the minimum of n standard normals, integrated on
a fine grid in log space (stable for n from 1 to 10^7 and beyond).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from satspeed.predict.fit import Fit, Sample, choose, fit

_Z_STEP = 0.004


def _simpson_weights(count: int) -> np.ndarray:
    w = np.ones(count)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return w * _Z_STEP / 3.0


def lognormal_expected_min(mu: np.ndarray, sigma: np.ndarray, shift: np.ndarray,
                           cores: np.ndarray) -> np.ndarray:
    """E[Z_n] for lognormal(mu, sigma) + shift; parameters of shape (B,), result (B, len(n))."""
    mu, sigma, shift = (np.atleast_1d(np.asarray(a, float)) for a in (mu, sigma, shift))
    top = float(np.max(sigma)) + 12.0
    count = math.ceil((top + 16.0) / _Z_STEP) | 1  # odd, for Simpson
    z = -16.0 + _Z_STEP * np.arange(count)
    log_w = np.log(_simpson_weights(count))
    log_phi = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    log_tail = special.log_ndtr(-z)
    out = np.empty((len(mu), len(cores)))
    for j, n in enumerate(np.asarray(cores, float)):
        log_density = math.log(n) + log_phi + (n - 1) * log_tail + log_w
        terms = log_density[None, :] + sigma[:, None] * z[None, :]
        top = np.max(terms, axis=1, keepdims=True)
        out[:, j] = top[:, 0] + np.log(np.sum(np.exp(terms - top), axis=1))
    return shift[:, None] + np.exp(mu[:, None] + out)


def expected_min(f: Fit, cores: np.ndarray) -> np.ndarray:
    """Predicted E[Z_n] for each n in `cores` under the fitted model."""
    n = np.asarray(cores, float)
    p = f.params
    if f.model == "exp":
        return 1.0 / (n * p["rate"])
    if f.model == "shifted-exp":
        return p["shift"] + 1.0 / (n * p["rate"])
    if f.model == "weibull":
        return p["scale"] * math.gamma(1 + 1 / p["shape"]) * n ** (-1 / p["shape"])
    if f.model in ("lognormal", "shifted-lognormal"):
        return lognormal_expected_min(np.array([p["mu"]]), np.array([p["sigma"]]),
                                      np.array([p.get("shift", 0.0)]), n)[0]
    raise ValueError(f"no E[Z_n] for model {f.model!r}")


def predicted_speedup(f: Fit, cores: np.ndarray) -> np.ndarray:
    """G(n) = E[Z_1] / E[Z_n]."""
    times = expected_min(f, np.concatenate([[1.0], np.asarray(cores, float)]))
    return times[0] / times[1:]


def bootstrap_speedup(models: tuple[str, ...], sample: Sample, cores: np.ndarray,
                      resamples: int, rng: np.random.Generator, level: float = 0.95
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of G(n): resample the runs, fit again (choosing among `models` the
    same way each time, so the interval also covers the model choice), predict."""
    size = len(sample.values)
    fits = []
    for _ in range(resamples):
        pick = rng.integers(0, size, size)
        boot = Sample(sample.values[pick], sample.censored[pick])
        if len(np.unique(boot.observed)) >= 2:
            fits.append(choose([fit(m, boot) for m in models], models))
    if not fits:
        nan = np.full(len(cores), np.nan)
        return nan, nan
    n = np.concatenate([[1.0], np.asarray(cores, float)])
    times = np.empty((len(fits), len(n)))
    lognormal = [i for i, b in enumerate(fits) if b.model in ("lognormal", "shifted-lognormal")]
    if lognormal:  # one vectorised integral for all of them
        times[lognormal] = lognormal_expected_min(
            *(np.array([fits[i].params.get(k, 0.0) for i in lognormal])
              for k in ("mu", "sigma", "shift")), n)
    for i, b in enumerate(fits):
        if b.model not in ("lognormal", "shifted-lognormal"):
            times[i] = expected_min(b, n)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(times[:, :1] / times[:, 1:], [tail, 100 - tail], axis=0)
    return low, high


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
