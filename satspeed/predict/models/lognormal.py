"""The lognormal and the shifted lognormal (x0 + exp(N(mu, sigma^2))).

Estimates: a censored normal fit of log(t - x0) (closed form without censoring, Newton's
method with it), the shift by profile likelihood over [0, fastest run). E[Z_n] has no closed
form: E[Z_n] = x0 + e^mu E[exp(sigma M_n)], M_n the minimum of n standard normals, integrated
on a fine grid (stable for n from 1 to 10^7 and beyond) and vectorised over parameter sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special, stats

from satspeed.predict.models.base import Model, Params
from satspeed.predict.simpson import simpson_weights

_Z_STEP = 0.004


def lognormal_expected_min(mu: np.ndarray, sigma: np.ndarray, shift: np.ndarray,
                           cores: np.ndarray) -> np.ndarray:
    """E[Z_n] for lognormal(mu, sigma) + shift; parameters of shape (B,), result (B, len(n))."""
    mu, sigma, shift = (np.atleast_1d(np.asarray(a, float)) for a in (mu, sigma, shift))
    top = float(np.max(sigma)) + 12.0
    count = math.ceil((top + 16.0) / _Z_STEP) | 1  # odd, for Simpson
    z = -16.0 + _Z_STEP * np.arange(count)
    log_w = np.log(simpson_weights(count, _Z_STEP))
    log_phi = -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    log_tail = special.log_ndtr(-z)
    out = np.empty((len(mu), len(cores)))
    for j, n in enumerate(np.asarray(cores, float)):
        log_density = math.log(n) + log_phi + (n - 1) * log_tail + log_w
        terms = log_density[None, :] + sigma[:, None] * z[None, :]
        top = np.max(terms, axis=1, keepdims=True)
        out[:, j] = top[:, 0] + np.log(np.sum(np.exp(terms - top), axis=1))
    return shift[:, None] + np.exp(mu[:, None] + out)



class Lognormal(Model):
    params = ("mu", "sigma")
    family = stats.lognorm
    kernel = 1
    kernel_names = ("mu", "sigma")

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"s": p["sigma"], "loc": self.shift(p), "scale": math.exp(p["mu"])}

    def _z(self, p: Params, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """scipy's standardised log time, and where x is above the shift."""
        u = (x - self.shift(p)) / math.exp(p["mu"])
        above = u > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.where(above, u, 1.0)) / p["sigma"], above

    def logsf(self, p: Params, x: np.ndarray) -> np.ndarray:
        z, above = self._z(p, x)
        return np.where(above, special.log_ndtr(-z), 0.0)

    def ppf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return np.exp(p["sigma"] * special.ndtri(q)) * math.exp(p["mu"]) + self.shift(p)

    def isf(self, p: Params, q: np.ndarray) -> np.ndarray:
        return np.exp(p["sigma"] * -special.ndtri(q)) * math.exp(p["mu"]) + self.shift(p)

    def rvs(self, p: Params, size: int, rng: np.random.Generator) -> np.ndarray:
        return (np.exp(p["sigma"] * rng.standard_normal(size)) * math.exp(p["mu"])
                + self.shift(p))

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        return self.expected_min_many([p], cores)[0]

    def expected_min_many(self, params: Sequence[Params], cores: np.ndarray) -> np.ndarray:
        """One vectorised integral for all of them."""
        mu, sigma, shift = (np.array([p.get(k, 0.0) for p in params])
                            for k in ("mu", "sigma", "shift"))
        return lognormal_expected_min(mu, sigma, shift, np.asarray(cores, float))

    def log_width(self, p: Params) -> float | None:
        return p["sigma"]


class ShiftedLognormal(Lognormal):
    """Estimated by profile likelihood over the shift in [0, min) (`mle.shifted_lognormal`):
    for each shift the lognormal part is the fast censored fit. The shift is 0 when no inner
    maximum beats it."""

    params = ("shift", "mu", "sigma")
