"""Predicted multi-walk times and speedups from a fitted model, with bootstrap intervals.

Z_n = min(Y_1..Y_n) is the time of n independent walkers racing; G(n) = E[Y] / E[Z_n]. Each
model gives its own E[Z_n] (closed forms where they exist; satspeed.predict.models).
"""

from __future__ import annotations

import numpy as np

from satspeed.predict.fit import Fit, fit
from satspeed.predict.models import get
from satspeed.predict.sample import Sample
from satspeed.predict.select import choose


def expected_min(f: Fit, cores: np.ndarray) -> np.ndarray:
    """Predicted E[Z_n] for each n in `cores` under the fitted model."""
    return f.kind.expected_min(f.params, np.asarray(cores, float))


def predicted_speedup(f: Fit, cores: np.ndarray) -> np.ndarray:
    """G(n) = E[Z_1] / E[Z_n]."""
    times = expected_min(f, np.concatenate([[1.0], np.asarray(cores, float)]))
    return times[0] / times[1:]


def bootstrap_speedup(models: tuple[str, ...], sample: Sample, cores: np.ndarray,
                      resamples: int, rng: np.random.Generator, level: float = 0.95
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of G(n): resample the runs, fit again (choosing among `models` the
    same way each time, so the interval also covers the model choice), predict."""
    size = len(sample.values)
    fits = []
    for _ in range(resamples):
        pick = rng.integers(0, size, size)
        boot = Sample(sample.values[pick], sample.censored[pick])
        if len(np.unique(boot.observed)) >= 2:
            fits.append(choose([fit(m, boot) for m in models], models))
    if not fits:
        nan = np.full(len(cores), np.nan)
        return nan, nan
    n = np.concatenate([[1.0], np.asarray(cores, float)])
    times = np.empty((len(fits), len(n)))
    for name in {b.model for b in fits}:  # one call per model: some vectorise (lognormal)
        rows = [i for i, b in enumerate(fits) if b.model == name]
        times[rows] = get(name).expected_min_many([fits[i].params for i in rows], n)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(times[:, :1] / times[:, 1:], [tail, 100 - tail], axis=0)
    return low, high
