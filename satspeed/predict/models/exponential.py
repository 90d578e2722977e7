"""The exponential and the shifted exponential (x0 + Exp(rate)): closed-form estimates, and
E[Z_n] = x0 + 1/(n rate), so a speedup linear in n without a shift and bounded by
1 + 1/(x0 rate) with one.

The estimates sum the runtimes in units of a power of two near the largest one (exact, and
no sum can overflow however large a value the CSV holds, e.g. cpu_s = 1e308); what does not
fit in a float afterwards is inf, never an exception."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from satspeed.predict.models.base import Model, Params


class Exponential(Model):
    """Estimated by `mle.exponential_fit`: the censored MLE of the rate; with a shift, the
    shift at the sample minimum less the minimum's bias."""

    params = ("rate",)
    family = stats.expon
    kernel = 0
    kernel_names = ("rate",)

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"loc": self.shift(p), "scale": self._scale(p)}

    def _scale(self, p: Params) -> float:
        return 1 / p["rate"] if p["rate"] > 0 else math.inf

    def logsf(self, p: Params, x: np.ndarray) -> np.ndarray:
        return -np.maximum((x - self.shift(p)) / self._scale(p), 0.0)

    def ppf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return -np.log1p(-q) * self._scale(p) + self.shift(p)

    def isf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return -np.log(q) * self._scale(p) + self.shift(p)

    def rvs(self, p: Params, size: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_exponential(size) * self._scale(p) + self.shift(p)

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", divide="ignore"):  # a tiny rate: inf
            return self.shift(p) + 1.0 / (np.asarray(cores, float) * p["rate"])


class ShiftedExponential(Exponential):
    params = ("shift", "rate")
