"""A group's runtimes as the fits see them: values, and which are right-censored (timeouts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


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
