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
from satspeed.predict.sample import Sample

_TINY = 1e-300  # the least total excess over the shift (all runtimes equal)


def _unit(values: np.ndarray) -> float:
    """A power of two at most the largest value (1 for values that are not positive finite):
    the values over it are below 2, so their sums cannot overflow."""
    top = float(np.max(values))
    return math.ldexp(1.0, math.frexp(top)[1] - 1) if 0 < top < math.inf else 1.0


class Exponential(Model):
    params = ("rate",)
    family = stats.expon

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"loc": self.shift(p), "scale": 1 / p["rate"] if p["rate"] > 0 else math.inf}

    def estimate(self, sample: Sample) -> Params:
        unit = _unit(sample.values)
        return {"rate": len(sample.observed) / float(np.sum(sample.values / unit)) / unit}

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", divide="ignore"):  # a tiny rate: inf
            return self.shift(p) + 1.0 / (np.asarray(cores, float) * p["rate"])


class ShiftedExponential(Exponential):
    params = ("shift", "rate")

    def estimate(self, sample: Sample) -> Params:
        """MLE of the rate with the shift at the sample minimum, corrected for the minimum's
        bias (E[min] = shift + 1/(R rate)), which matters for the speedup at many cores."""
        unit = _unit(sample.values)
        values, solved = sample.values / unit, len(sample.observed)
        low = float(np.min(values))
        excess = max(float(np.sum(values - low)), _TINY)  # = solved / rate, in units
        shift = max(0.0, low - excess / (solved * len(values)))
        rate = solved / max(float(np.sum(values - shift)), _TINY)
        return {"shift": shift * unit, "rate": rate / unit}
