"""The exponential and the shifted exponential (x0 + Exp(rate)): closed-form estimates, and
E[Z_n] = x0 + 1/(n rate), so a speedup linear in n without a shift and bounded by
1 + 1/(x0 rate) with one."""

from __future__ import annotations

import numpy as np
from scipy import stats

from satspeed.predict.models.base import Model, Params
from satspeed.predict.sample import Sample


class Exponential(Model):
    params = ("rate",)
    family = stats.expon

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"loc": self.shift(p), "scale": 1 / p["rate"]}

    def estimate(self, sample: Sample) -> Params:
        return {"rate": len(sample.observed) / float(np.sum(sample.values))}

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        return self.shift(p) + 1.0 / (np.asarray(cores, float) * p["rate"])


class ShiftedExponential(Exponential):
    params = ("shift", "rate")

    def estimate(self, sample: Sample) -> Params:
        """MLE of the rate with the shift at the sample minimum, corrected for the minimum's
        bias (E[min] = shift + 1/(R rate)), which matters for the speedup at many cores."""
        s = sample
        low = float(np.min(s.values))
        rate = len(s.observed) / max(float(np.sum(s.values - low)), 1e-300)
        shift = max(0.0, low - 1 / (len(s.values) * rate))
        return {"shift": shift, "rate": len(s.observed) / float(np.sum(s.values - shift))}
