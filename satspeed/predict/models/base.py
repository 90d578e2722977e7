"""What a runtime distribution is to satspeed (the interface of every model in this folder).

A model names its parameters, maps them to a scipy.stats family (which gives the density, the
survival function and draws), estimates them from a censored sample (maximum likelihood:
logpdf of the solved runs plus logsf of the timed-out ones), and gives E[Z_n], the expected
minimum of n draws, on which every speedup rests. The base class does the rest.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from scipy import stats

from satspeed.predict.models.mle import (
    fit_family,
    ks_gap,
    loglik_family,
    model_cdf,
    refit_ks,
)
from satspeed.predict.sample import Sample

Params = dict[str, float]


class Model(ABC):
    """One runtime distribution; instances are made by the registry (`models.get`), which
    gives them their name."""

    params: ClassVar[tuple[str, ...]]  # parameter names, in the order fits list them
    kernel: ClassVar[int | None] = None  # its family in the kernels of mle.py (`fit_family`,
    # `model_cdf`, `refit_ks`, ...); None: scipy's functions, and a goodness of fit in Python
    kernel_names: ClassVar[tuple[str, ...]] = ()  # its parameters (a, b) in those kernels,
    # which take (shift, a, b): see `kernel_params`
    family: ClassVar[stats.rv_continuous]  # not frozen: freezing costs milliseconds, which
    # the bootstraps would pay thousands of times

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<model {self.name}>"

    @abstractmethod
    def scipy_args(self, p: Params) -> dict[str, float]:
        """Our parameters as the family's scipy.stats arguments (shape, loc, scale)."""

    def estimate(self, sample: Sample) -> Params:
        """The (censored) maximum-likelihood parameters; needs at least one solved run. A
        model with a `kernel` is fitted by `mle.fit_family`; any other says how."""
        if self.kernel is None:
            raise NotImplementedError
        return self.from_kernel(*fit_family(self.kernel, self.shifted, sample.values,
                                            sample.censored))

    @abstractmethod
    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        """E[Z_n] = E[min of n draws] for each n in `cores`."""

    def expected_min_many(self, params: Sequence[Params], cores: np.ndarray) -> np.ndarray:
        """E[Z_n] for many parameter sets at once: shape (len(params), len(cores))."""
        return np.array([self.expected_min(p, cores) for p in params])

    def shift(self, p: Params) -> float:
        """Below this time the model puts no probability (0 for an unshifted model)."""
        return p.get("shift", 0.0)

    def log_width(self, p: Params) -> float | None:
        """The spread of the distribution in log time (a lognormal's sigma), when it has one:
        how finely a quadrature in log time must step (None: no constraint)."""
        return None

    @property
    def shifted(self) -> bool:
        return "shift" in self.params

    def kernel_params(self, p: Params) -> tuple[float, float, float]:
        """(shift, a, b): the parameters as the kernels take them (b 0 where unused)."""
        a, b = (*(p[name] for name in self.kernel_names), 0.0, 0.0)[:2]
        return self.shift(p), a, b

    def from_kernel(self, shift: float, a: float, b: float) -> Params:
        """The parameters from the kernels' (shift, a, b)."""
        found = dict(zip(self.kernel_names, (a, b), strict=False))
        return {"shift": shift, **found} if self.shifted else found

    # The distribution itself: scipy's by default. The models override these with the same
    # closed forms as scipy's (so the same numbers, and the same draws from the same stream):
    # a scipy.stats call costs ~100 us in argument checks, which the bootstraps would pay
    # hundreds of thousands of times.

    def cdf(self, p: Params, x: np.ndarray) -> np.ndarray:
        """P(Y <= x)."""
        if self.kernel is None:
            return self.family.cdf(x, **self.scipy_args(p))
        return model_cdf(self.kernel, np.atleast_1d(x), *self.kernel_params(p)
                         ).reshape(np.shape(x))

    def logsf(self, p: Params, x: np.ndarray) -> np.ndarray:
        """log P(Y > x)."""
        return self.family.logsf(x, **self.scipy_args(p))

    def ppf(self, p: Params, q: np.ndarray) -> np.ndarray:
        """The quantile: the x with P(Y <= x) = q."""
        return self.family.ppf(q, **self.scipy_args(p))

    def isf(self, p: Params, q: np.ndarray) -> np.ndarray:
        """The x with P(Y > x) = q."""
        return self.family.isf(q, **self.scipy_args(p))

    def rvs(self, p: Params, size: int, rng: np.random.Generator) -> np.ndarray:
        """`size` draws."""
        return self.family.rvs(size=size, random_state=rng, **self.scipy_args(p))

    def refit_distances(self, values: np.ndarray, censored: np.ndarray,
                        observed: float = math.inf, stop: int = 0,
                        limit: float = math.inf) -> np.ndarray:
        """For each row of (values, censored), a simulated sample: this model estimated from
        it, and the KS gap between the two up to `limit` (`mle.ks_gap`); NaN where no run was
        solved, and in the rows after the `stop`-th gap at least `observed` (0: every row is
        refitted).
        The goodness-of-fit bootstrap's inner loop: one numba kernel, `mle.refit_ks`, for a
        model with a `kernel`; in Python for any other."""
        if self.kernel is not None:
            return refit_ks(self.kernel, self.shifted, values, censored, observed, stop,
                            limit)
        out = np.full(len(values), np.nan)
        reached = 0
        for b, (v, c) in enumerate(zip(values, censored, strict=True)):
            if not c.all():
                obs = np.sort(v[~c])
                out[b] = ks_gap(v, c, self.cdf(self.estimate(Sample(v, c)), obs), limit)
                reached += out[b] >= observed
                if reached == stop > 0:
                    break
        return out

    def loglik(self, p: Params, sample: Sample) -> float:
        """Censored log-likelihood: logpdf of the solved runs plus logsf of the timed-out ones
        (`mle.loglik_family` for a model with a kernel, scipy's otherwise; a test checks the
        kernels against scipy's)."""
        if self.kernel is not None:
            return loglik_family(self.kernel, sample.values, sample.censored,
                                 *self.kernel_params(p))
        args = self.scipy_args(p)
        with np.errstate(divide="ignore"):
            total = (np.sum(self.family.logpdf(sample.observed, **args))
                     + np.sum(self.family.logsf(sample.values[sample.censored], **args)))
        return float(total) if np.isfinite(total) else -math.inf
