"""Censored maximum-likelihood fits: a `Fit` is a registered model (satspeed.predict.models)
with its estimated parameters, log-likelihood, AIC and goodness-of-fit p-value.

A sample is a `Sample`: solved runs are observations, timed-out runs are right-censored at
the value they reached; the fits use both (DESIGN.md), never dropping the censored runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy import stats

from satspeed.predict.models import MODELS, get
from satspeed.predict.models.base import Model
from satspeed.predict.sample import Sample

Quantile = TypeVar("Quantile", float, np.ndarray)


@dataclass(frozen=True)
class Fit:
    """A fitted model: its name, parameters, log-likelihood, goodness-of-fit p-value.

    Its distribution is the model's scipy.stats family called with the model's `scipy_args`."""

    model: str
    params: dict[str, float]
    loglik: float
    gof_pvalue: float | None = None

    @property
    def kind(self) -> Model:
        return get(self.model)

    @property
    def aic(self) -> float:
        return 2 * len(self.params) - 2 * self.loglik

    @property
    def family(self) -> stats.rv_continuous:
        return self.kind.family

    @property
    def shift(self) -> float:
        """Below this time the model puts no probability (0 for the unshifted models)."""
        return self.kind.shift(self.params)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return self.kind.cdf(self.params, np.asarray(x, float))

    def logsf(self, x: np.ndarray) -> np.ndarray:
        """log P(Y > x): 0 below the shift."""
        return self.kind.logsf(self.params, np.asarray(x, float))

    def ppf(self, q: Quantile) -> Quantile:
        """The quantile at q (a float for a float, an array for an array)."""
        out = self.kind.ppf(self.params, np.asarray(q, float))
        return float(out) if np.ndim(q) == 0 else out

    def isf(self, q: Quantile) -> Quantile:
        """The x with P(Y > x) = q (a float for a float, an array for an array)."""
        out = self.kind.isf(self.params, np.asarray(q, float))
        return float(out) if np.ndim(q) == 0 else out

    def rvs(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return self.kind.rvs(self.params, size, rng)


def fit(model: str, sample: Sample) -> Fit:
    """Fit one model to a censored sample (needs at least one solved run)."""
    kind = get(model)
    params = kind.estimate(sample)
    return Fit(model, params, kind.loglik(params, sample))


def fit_all(sample: Sample, models: tuple[str, ...] = MODELS) -> list[Fit]:
    """Every model's fit, best AIC first."""
    return sorted((fit(m, sample) for m in models), key=lambda f: f.aic)
