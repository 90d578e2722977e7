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
from satspeed.predict.models.mle import (
    exponential_fit,
    exponential_loglik,
)
from satspeed.predict.sample import Sample


class Exponential(Model):
    params = ("rate",)
    family = stats.expon
    kernel = 0

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"loc": self.shift(p), "scale": self._scale(p)}

    def kernel_params(self, p: Params) -> tuple[float, float, float]:
        return self.shift(p), p["rate"], 0.0

    def _scale(self, p: Params) -> float:
        return 1 / p["rate"] if p["rate"] > 0 else math.inf

    def estimate(self, sample: Sample) -> Params:
        """The censored MLE (`mle.exponential_fit`; with a shift, at the sample minimum less
        the minimum's bias)."""
        shift, rate = exponential_fit(sample.values, sample.censored, self.shifted)
        return {"shift": shift, "rate": rate} if self.shifted else {"rate": rate}

    def loglik(self, p: Params, sample: Sample) -> float:
        return exponential_loglik(sample.values, sample.censored, self.shift(p), p["rate"])

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
