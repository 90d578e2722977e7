"""The Weibull (shape k, scale): estimated by profile likelihood over k (the scale is closed
form for a given k); E[Z_n] = scale Gamma(1 + 1/k) n^(-1/k), so G(n) = n^(1/k), super-linear
for k < 1 (heavy tails)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from satspeed.predict.models.base import Model, Params
from satspeed.predict.sample import Sample


class Weibull(Model):
    params = ("shape", "scale")
    family = stats.weibull_min

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"c": p["shape"], "scale": p["scale"]}

    def estimate(self, sample: Sample) -> Params:
        """Profile likelihood: for a shape k the scale is closed form (`weibull_profile`)."""
        k, scale = weibull_profile(sample.values, sample.censored)
        return {"shape": k, "scale": scale}

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        k = p["shape"]
        return p["scale"] * math.gamma(1 + 1 / k) * np.asarray(cores, float) ** (-1 / k)

    def log_width(self, p: Params) -> float | None:
        return 1 / p["shape"]


def weibull_profile(u: np.ndarray, censored: np.ndarray, start: float = 1.0
                    ) -> tuple[float, float]:
    """Censored Weibull MLE (shape k, scale) of u > 0 by Newton's method on the profile
    log-likelihood in log k (the scale is closed form for a given k, and the profile is
    concave in k, so a safeguarded Newton step converges in a few iterations, where a bounded
    scalar search took ~10x as long; these fits run in every bootstrap resample).
    `start` is the shape to start from (the solution at a nearby shift, in the root search)."""
    top = float(np.max(u))
    x = u / top
    logs = np.log(x)
    d = int(np.count_nonzero(~censored))
    sum_obs = float(np.sum(logs[~censored]))
    log_k = math.log(start)
    for _ in range(60):
        k = math.exp(log_k)
        xk = x**k
        s0, s1, s2 = float(np.sum(xk)), float(np.sum(xk * logs)), float(np.sum(xk * logs**2))
        # derivatives of l(k) = d log k - d log(s0 / d) + (k - 1) sum_obs - d
        g = d / k - d * s1 / s0 + sum_obs
        h = -d / k**2 - d * (s2 * s0 - s1 * s1) / s0**2
        g_log, h_log = g * k, h * k * k + g * k  # in log k
        step = -g_log / h_log if h_log < 0 else math.copysign(0.5, g_log)
        step = max(-1.0, min(1.0, step))
        log_k = min(4.0, max(-5.0, log_k + step))
        if abs(step) < 1e-10:
            break
    k = math.exp(log_k)
    scale = (float(np.sum(x**k)) / d) ** (1 / k) * top
    return k, scale


class ShiftedWeibull(Model):
    """x0 + Weibull(k, scale): near its shift F(t) ~ ((t - x0) / scale)^k, the left-tail index
    that sets the speedup at many cores, E[Z_n] = x0 + scale Gamma(1 + 1/k) n^(-1/k), sub- or
    super-linear, and for k = 1 the shifted exponential.

    The likelihood is unbounded as x0 nears the fastest run when k < 1 (Smith 1985), so the
    shift is anchored at the sample minimum instead, as for the shifted exponential: x0 solves
    x0 = min - E[min of R draws - x0] = min - scale Gamma(1 + 1/k) R^(-1/k), with (k, scale)
    the censored MLE of the runs less x0 (a root search over x0 in [0, min))."""

    params = ("shift", "shape", "scale")
    family = stats.weibull_min

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"c": p["shape"], "loc": p["shift"], "scale": p["scale"]}

    def estimate(self, sample: Sample) -> Params:
        values, censored, runs = sample.values, sample.censored, len(sample.values)
        low = float(np.min(values))
        last = [1.0]  # the shape at the previous shift tried: Newton starts there

        def anchored(x0: float) -> tuple[float, float, float]:
            k, scale = weibull_profile(values - x0, censored, last[0])
            last[0] = k
            return low - scale * math.gamma(1 + 1 / k) * runs ** (-1 / k), k, scale

        start, k, scale = anchored(0.0)
        unshifted = {"shift": 0.0, "shape": k, "scale": scale}
        if low <= 0 or not start > 0 or np.all(values == low):
            return unshifted
        try:
            x0 = optimize.brentq(lambda x: x - anchored(x)[0], 0.0, low * (1 - 1e-9),
                                 xtol=low * 1e-7)
        except ValueError:  # no root (absurd runtimes such as 1e308 next to 0.5): unshifted
            return unshifted
        _, k, scale = anchored(x0)
        return {"shift": x0, "shape": k, "scale": scale}

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        k = p["shape"]
        n = np.asarray(cores, float)
        return p["shift"] + p["scale"] * math.gamma(1 + 1 / k) * n ** (-1 / k)

    def log_width(self, p: Params) -> float | None:
        return 1 / p["shape"]
