"""A group's runtimes as the fits see them: values, and which are right-censored (timeouts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from satspeed.predict.models.mle import kaplan_meier_kernel


@dataclass(frozen=True)
class Sample:
    """Runtimes of one group: values, and which of them are right-censored (timeouts)."""

    values: np.ndarray
    censored: np.ndarray

    @property
    def observed(self) -> np.ndarray:
        return self.values[~self.censored]

    def to_scipy(self) -> stats.CensoredData:
        return stats.CensoredData(uncensored=self.observed, right=self.values[self.censored])


def kaplan_meier(sample: Sample) -> tuple[np.ndarray, np.ndarray]:
    """Distinct run times and the Kaplan-Meier survival just after each (runs solved at a time
    leave before those censored there). Equal to scipy.stats.ecdf's (a test checks); a numba
    kernel, 16 us on 500 runs against 372 for scipy's and 58 for the same in numpy, which the
    bootstraps pay for every resample."""
    return kaplan_meier_kernel(sample.values, sample.censored)
