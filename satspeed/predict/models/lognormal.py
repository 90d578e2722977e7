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
from scipy import optimize, special, stats

from satspeed.predict.models.base import Model, Params
from satspeed.predict.sample import Sample
from satspeed.predict.simpson import simpson_weights

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _normal_censored(y: np.ndarray, cens: np.ndarray, start: tuple[float, float] | None = None
                     ) -> tuple[float, float, float]:
    """MLE (mu, sigma) of a normal sample right-censored where `cens`, and its log-likelihood
    (of y, without the Jacobian of any transform): closed form without censoring, otherwise
    Newton's method on (mu, log sigma) with the analytic gradient and Hessian, halving steps
    until the likelihood rises (a few iterations of plain numpy: these fits run thousands of
    times in the bootstraps). `start` is a (mu, sigma) to start from (the solution at a nearby
    shift, in the profile search: halves its Newton iterations)."""
    yo = y[~cens]
    if not cens.any():  # uncensored: the closed form
        mu, sigma = float(np.mean(yo)), max(float(np.std(yo)), 1e-12)
        return mu, sigma, -len(yo) * (math.log(sigma) + _HALF_LOG_2PI + 0.5)
    d = len(yo)
    # sufficient statistics: the solved runs through their mean and centred sum of squares,
    # the censored ones as distinct values with counts (one, for a common cutoff), so each
    # Newton step costs a few operations on the distinct cutoffs only
    centre = float(np.mean(yo)) if d else 0.0
    spread = float(np.sum((yo - centre) ** 2))
    yc, count = np.unique(y[cens], return_counts=True)

    def sum_squares(mu: float, sigma: float) -> tuple[float, float]:
        """sum(zo) and sum(zo^2) at (mu, sigma)."""
        gap = (centre - mu) / sigma
        return d * gap, spread / sigma**2 + d * gap**2

    if len(yc) == 1:  # one cutoff (the common case): plain floats, no array overhead
        cut, many = float(yc[0]), float(count[0])

        def censored_loglik(mu: float, sigma: float) -> float:
            return many * float(special.log_ndtr((mu - cut) / sigma))

        def censored_terms(mu: float, sigma: float) -> tuple[float, ...]:
            z = (cut - mu) / sigma
            h = math.exp(-0.5 * z * z - _HALF_LOG_2PI - float(special.log_ndtr(-z)))
            hp = h * (h - z)
            return many * h, many * h * z, many * hp, many * z * hp, many * z * z * hp
    else:
        def censored_loglik(mu: float, sigma: float) -> float:
            return float(special.log_ndtr((mu - yc) / sigma) @ count)

        def censored_terms(mu: float, sigma: float) -> tuple[float, ...]:
            z = (yc - mu) / sigma
            h = np.exp(-0.5 * z**2 - _HALF_LOG_2PI - special.log_ndtr(-z))  # hazard
            hp = h * (h - z)  # its derivative in z
            return (float(h @ count), float((h * z) @ count), float(hp @ count),
                    float((z * hp) @ count), float((z**2 * hp) @ count))

    def loglik_at(mu: float, tau: float) -> float:
        if not -300 < tau < 300:  # a step too far (sigma^2 would under- or overflow)
            return -math.inf
        sigma = math.exp(tau)
        return (-d * (tau + _HALF_LOG_2PI) - 0.5 * sum_squares(mu, sigma)[1]
                + censored_loglik(mu, sigma))

    if start is None:
        mu, tau = float(np.mean(y)), math.log(max(float(np.std(y)), 1e-6))
    else:
        mu, tau = start[0], math.log(start[1])
    current = loglik_at(mu, tau)
    for _ in range(100):
        sigma = math.exp(tau)
        s_zo, s_zo2 = sum_squares(mu, sigma)
        s_h, s_hz, s_hp, s_zhp, s_z2hp = censored_terms(mu, sigma)
        g_m, g_t = (s_zo + s_h) / sigma, -d + s_zo2 + s_hz
        h_mm = (-d - s_hp) / sigma**2
        h_mt = (-2 * s_zo - s_zhp - s_h) / sigma
        h_tt = -2 * s_zo2 - s_z2hp - s_hz
        det = h_mm * h_tt - h_mt * h_mt  # the Newton step -H^-1 g of the 2x2 Hessian
        if det != 0 and math.isfinite(det):
            s_m, s_t = -(h_tt * g_m - h_mt * g_t) / det, -(h_mm * g_t - h_mt * g_m) / det
        else:
            s_m, s_t = g_m * 1e-3, g_t * 1e-3
        if s_m * g_m + s_t * g_t <= 0:  # not an ascent direction: fall back to the gradient
            big = max(1.0, abs(g_m), abs(g_t))
            s_m, s_t = g_m / big, g_t / big
        scale = 1.0
        while scale > 1e-10:
            trial = loglik_at(mu + scale * s_m, tau + scale * s_t)
            if trial >= current:
                break
            scale /= 2
        mu, tau = mu + scale * s_m, tau + scale * s_t
        gain, current = trial - current, trial
        moved = scale * max(abs(s_m), abs(s_t))
        if gain < 1e-12 * max(1.0, abs(current)) and moved < 1e-10:
            break
        if moved < 1e-12:
            break
    return float(mu), math.exp(tau), float(current)


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

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"s": p["sigma"], "loc": self.shift(p), "scale": math.exp(p["mu"])}

    def estimate(self, sample: Sample) -> Params:
        mu, sigma, _ = _normal_censored(np.log(sample.values), sample.censored)
        return {"mu": mu, "sigma": sigma}

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
    params = ("shift", "mu", "sigma")

    def estimate(self, sample: Sample) -> Params:
        """Profile likelihood over the shift in [0, min): for each shift the lognormal part is
        the fast censored fit above. Falls back to shift 0 when no inner maximum beats it."""
        s = sample
        low = float(np.min(s.values))
        if low <= 0:
            return {"shift": 0.0, **super().estimate(s)}

        last: list[tuple[float, float]] = []  # the previous solution, to start from

        def negative(fraction: float) -> float:
            shifted = s.values - fraction * low
            mu, sigma, ll = _normal_censored(np.log(shifted), s.censored,
                                             last[-1] if last and s.censored.any() else None)
            last.append((mu, sigma))
            return -(ll - float(np.sum(np.log(shifted[~s.censored]))))

        res = optimize.minimize_scalar(negative, bounds=(0.0, 1 - 1e-6), method="bounded",
                                       options={"xatol": 1e-5})
        shift = float(res.x) * low if res.fun < negative(0.0) else 0.0
        mu, sigma, _ = _normal_censored(np.log(s.values - shift), s.censored)
        return {"shift": shift, "mu": mu, "sigma": sigma}
