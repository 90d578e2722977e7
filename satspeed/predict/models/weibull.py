"""The Weibull (shape k, scale): estimated by profile likelihood over k (the scale is closed
form for a given k); E[Z_n] = scale Gamma(1 + 1/k) n^(-1/k), so G(n) = n^(1/k), super-linear
for k < 1 (heavy tails)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from satspeed.predict.models.base import Model, Params


class Weibull(Model):
    params = ("shape", "scale")
    family = stats.weibull_min
    kernel = 2
    kernel_names = ("shape", "scale")

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"c": p["shape"], "loc": self.shift(p), "scale": p["scale"]}

    def _u(self, p: Params, x: np.ndarray) -> np.ndarray:
        """scipy's standardised time, 0 below the shift."""
        return np.maximum((x - self.shift(p)) / p["scale"], 0.0)

    def logsf(self, p: Params, x: np.ndarray) -> np.ndarray:
        return -(self._u(p, x) ** p["shape"])

    def ppf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return (-np.log1p(-q)) ** (1.0 / p["shape"]) * p["scale"] + self.shift(p)

    def isf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return (-np.log(q)) ** (1 / p["shape"]) * p["scale"] + self.shift(p)

    def rvs(self, p: Params, size: int, rng: np.random.Generator) -> np.ndarray:
        return self.ppf(p, rng.uniform(size=size))

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        k = p["shape"]
        return (self.shift(p)
                + p["scale"] * math.gamma(1 + 1 / k) * np.asarray(cores, float) ** (-1 / k))

    def log_width(self, p: Params) -> float | None:
        return 1 / p["shape"]


class ShiftedWeibull(Weibull):
    """x0 + Weibull(k, scale): near its shift F(t) ~ ((t - x0) / scale)^k, the left-tail index
    that sets the speedup at many cores, E[Z_n] = x0 + scale Gamma(1 + 1/k) n^(-1/k), sub- or
    super-linear, and for k = 1 the shifted exponential.

    The likelihood is unbounded as x0 nears the fastest run when k < 1 (Smith 1985), so the
    shift is anchored at the sample minimum instead, as for the shifted exponential: x0 solves
    x0 = min - E[min of R draws - x0] = min - scale Gamma(1 + 1/k) R^(-1/k), with (k, scale)
    the censored MLE of the runs less x0 (a root search over x0 in [0, min))."""

    params = ("shift", "shape", "scale")
