"""Censored maximum-likelihood fits of runtime distributions, model choice, goodness of fit.

A sample is a `scipy.stats.CensoredData`: solved runs are observations, timed-out runs are
right-censored at the value they reached. Every model is a scipy.stats distribution; its
log-likelihood is sum(logpdf) over solved runs + sum(logsf) over censored ones.

Models: exponential, shifted exponential, lognormal, shifted lognormal, Weibull. The
exponential ones have closed-form estimates; the others are maximised numerically from
closed-form starting points. `--dist auto` chooses by AIC among AUTO_MODELS. Goodness of fit
is a parametric bootstrap of the Kolmogorov-Smirnov distance between the Kaplan-Meier estimate
and the fitted CDF, refitting each simulated sample (so the p-value accounts for the estimated
parameters), with the same censoring as the data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from satspeed.names import MODELS

# What `--dist auto` chooses from (see `choose`). Exponential and Weibull are fitted and
# reported too, but not chosen automatically: both put mass down to zero time, so their speedup
# grows without bound (n, or n^(1/k) for a Weibull shape k < 1); on random 3-SAT, allowing them
# doubled the error at 384 cores (scripts/bench_prediction.py; README).
AUTO_MODELS = ("shifted-exp", "lognormal", "shifted-lognormal")


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


_FAMILIES = {"exp": stats.expon, "shifted-exp": stats.expon, "lognormal": stats.lognorm,
             "shifted-lognormal": stats.lognorm, "weibull": stats.weibull_min}


def scipy_args(model: str, p: dict[str, float]) -> dict[str, float]:
    """Our parameters as scipy.stats arguments (shape, loc, scale) of the model's family."""
    if model in ("exp", "shifted-exp"):
        return {"loc": p.get("shift", 0.0), "scale": 1 / p["rate"]}
    if model in ("lognormal", "shifted-lognormal"):
        return {"s": p["sigma"], "loc": p.get("shift", 0.0), "scale": math.exp(p["mu"])}
    if model == "weibull":
        return {"c": p["shape"], "scale": p["scale"]}
    raise ValueError(f"unknown model {model!r}")


@dataclass(frozen=True)
class Fit:
    """A fitted model: name, parameters, log-likelihood, AIC, goodness-of-fit p-value.

    Its distribution is the scipy.stats family called with `scipy_args` (not frozen: freezing
    costs milliseconds, which the bootstraps would pay thousands of times)."""

    model: str
    params: dict[str, float]
    loglik: float
    gof_pvalue: float | None = None

    @property
    def aic(self) -> float:
        return 2 * len(self.params) - 2 * self.loglik

    @property
    def family(self) -> stats.rv_continuous:
        return _FAMILIES[self.model]

    @property
    def shift(self) -> float:
        """Below this time the model puts no probability (0 for the unshifted models)."""
        return self.params.get("shift", 0.0)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return self.family.cdf(x, **scipy_args(self.model, self.params))

    def logsf(self, x: np.ndarray) -> np.ndarray:
        """log P(Y > x): 0 below the shift."""
        return self.family.logsf(x, **scipy_args(self.model, self.params))

    def ppf(self, q: float) -> float:
        return float(self.family.ppf(q, **scipy_args(self.model, self.params)))

    def isf(self, q: float) -> float:
        return float(self.family.isf(q, **scipy_args(self.model, self.params)))

    def rvs(self, size: int, rng: np.random.Generator) -> np.ndarray:
        return self.family.rvs(size=size, random_state=rng,
                               **scipy_args(self.model, self.params))


def loglik(model: str, params: dict[str, float], sample: Sample) -> float:
    """Censored log-likelihood: logpdf of the solved runs plus logsf of the timed-out ones."""
    family, args = _FAMILIES[model], scipy_args(model, params)
    with np.errstate(divide="ignore"):
        total = (np.sum(family.logpdf(sample.observed, **args))
                 + np.sum(family.logsf(sample.values[sample.censored], **args)))
    return float(total) if np.isfinite(total) else -math.inf


def _exp(s: Sample) -> dict[str, float]:
    return {"rate": len(s.observed) / float(np.sum(s.values))}


def _shifted_exp(s: Sample) -> dict[str, float]:
    """MLE of the rate with the shift at the sample minimum, corrected for the minimum's bias
    (E[min] = shift + 1/(R rate)), which matters for the speedup at many cores."""
    low = float(np.min(s.values))
    rate = len(s.observed) / max(float(np.sum(s.values - low)), 1e-300)
    shift = max(0.0, low - 1 / (len(s.values) * rate))
    return {"shift": shift, "rate": len(s.observed) / float(np.sum(s.values - shift))}


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _normal_censored(y: np.ndarray, cens: np.ndarray) -> tuple[float, float, float]:
    """MLE (mu, sigma) of a normal sample right-censored where `cens`, and its log-likelihood
    (of y, without the Jacobian of any transform): closed form without censoring, otherwise
    Newton's method on (mu, log sigma) with the analytic gradient and Hessian, halving steps
    until the likelihood rises (a few iterations of plain numpy: these fits run thousands of
    times in the bootstraps)."""
    yo, yc = y[~cens], y[cens]
    if not len(yc):  # uncensored: the closed form
        mu, sigma = float(np.mean(yo)), max(float(np.std(yo)), 1e-12)
        return mu, sigma, -len(yo) * (math.log(sigma) + _HALF_LOG_2PI + 0.5)
    d = len(yo)

    def loglik_at(mu: float, tau: float) -> float:
        sigma = math.exp(tau)
        zo, zc = (yo - mu) / sigma, (yc - mu) / sigma
        return float(-d * (tau + _HALF_LOG_2PI) - 0.5 * np.sum(zo**2)
                     + np.sum(special.log_ndtr(-zc)))

    mu, tau = float(np.mean(y)), math.log(max(float(np.std(y)), 1e-6))
    current = loglik_at(mu, tau)
    for _ in range(100):
        sigma = math.exp(tau)
        zo, zc = (yo - mu) / sigma, (yc - mu) / sigma
        h = np.exp(-0.5 * zc**2 - _HALF_LOG_2PI - special.log_ndtr(-zc))  # hazard
        hp = h * (h - zc)  # its derivative in z
        grad = np.array([(np.sum(zo) + np.sum(h)) / sigma,
                         -d + np.sum(zo**2) + np.sum(h * zc)])
        h_mm = (-d - np.sum(hp)) / sigma**2
        h_mt = (-2 * np.sum(zo) - np.sum(zc * hp) - np.sum(h)) / sigma
        h_tt = -2 * np.sum(zo**2) - np.sum(zc**2 * hp) - np.sum(h * zc)
        hess = np.array([[h_mm, h_mt], [h_mt, h_tt]])
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = grad * 1e-3
        if step @ grad <= 0:  # not an ascent direction: fall back to the gradient
            step = grad / max(1.0, float(np.max(np.abs(grad))))
        scale = 1.0
        while scale > 1e-10:
            trial = loglik_at(mu + scale * step[0], tau + scale * step[1])
            if trial >= current:
                break
            scale /= 2
        mu, tau = mu + scale * step[0], tau + scale * step[1]
        gain, current = trial - current, trial
        if gain < 1e-12 * max(1.0, abs(current)) and abs(scale * step).max() < 1e-10:
            break
        if abs(scale * step).max() < 1e-12:
            break
    return float(mu), math.exp(tau), float(current)


def _lognormal(s: Sample) -> dict[str, float]:
    mu, sigma, _ = _normal_censored(np.log(s.values), s.censored)
    return {"mu": mu, "sigma": sigma}


def _shifted_lognormal(s: Sample) -> dict[str, float]:
    """Profile likelihood over the shift in [0, min): for each shift the lognormal part is the
    fast censored fit above. Falls back to shift 0 when no inner maximum beats it."""
    low = float(np.min(s.values))
    if low <= 0:
        return {"shift": 0.0, **_lognormal(s)}

    def negative(fraction: float) -> float:
        shifted = s.values - fraction * low
        _, _, ll = _normal_censored(np.log(shifted), s.censored)
        return -(ll - float(np.sum(np.log(shifted[~s.censored]))))

    res = optimize.minimize_scalar(negative, bounds=(0.0, 1 - 1e-6), method="bounded",
                                   options={"xatol": 1e-5})
    shift = float(res.x) * low if res.fun < negative(0.0) else 0.0
    mu, sigma, _ = _normal_censored(np.log(s.values - shift), s.censored)
    return {"shift": shift, "mu": mu, "sigma": sigma}


def _weibull(s: Sample) -> dict[str, float]:
    """Profile likelihood: for a shape k the scale is closed-form, so maximise over k only."""
    x, d = s.values / np.max(s.values), len(s.observed)
    obs_logs = np.log(s.observed / np.max(s.values))

    def negative(log_k: float) -> float:
        k = math.exp(log_k)
        sk = float(np.sum(x**k))
        return -(d * math.log(k) - d * math.log(sk / d) + (k - 1) * float(np.sum(obs_logs)) - d)

    res = optimize.minimize_scalar(negative, bounds=(-6.0, 4.0), method="bounded",
                                   options={"xatol": 1e-12})
    k = math.exp(res.x)
    scale = (float(np.sum(x**k)) / d) ** (1 / k) * float(np.max(s.values))
    return {"shape": k, "scale": scale}


_ESTIMATORS: dict[str, Callable[[Sample], dict[str, float]]] = {
    "exp": _exp, "shifted-exp": _shifted_exp, "lognormal": _lognormal,
    "shifted-lognormal": _shifted_lognormal, "weibull": _weibull,
}


def fit(model: str, sample: Sample) -> Fit:
    """Fit one model to a censored sample (needs at least one solved run)."""
    params = _ESTIMATORS[model](sample)
    return Fit(model, params, loglik(model, params, sample))


def choose(fits: list[Fit], models: tuple[str, ...] = AUTO_MODELS,
           tolerance: float = 10.0) -> Fit:
    """The model to predict with: among `models`, those within `tolerance` AIC units of the
    best have substantial support (Burnham & Anderson); of these, take the most general (most
    parameters), which extrapolates the left tail with the fewest assumptions."""
    candidates = [f for f in fits if f.model in models]
    best = min(f.aic for f in candidates)
    near = [f for f in candidates if f.aic <= best + tolerance]
    return max(near, key=lambda f: (len(f.params), -f.aic))


def fit_all(sample: Sample, models: tuple[str, ...] = MODELS) -> list[Fit]:
    """Every model's fit, best AIC first."""
    return sorted((fit(m, sample) for m in models), key=lambda f: f.aic)


def ks_distance(sample: Sample, f: Fit) -> float:
    """Largest gap between the Kaplan-Meier CDF and the fitted CDF, up to the last solved run
    (with no censoring, Kaplan-Meier is the empirical CDF and this is the KS statistic)."""
    obs = np.sort(sample.observed)
    if sample.censored.any():
        km = stats.ecdf(sample.to_scipy()).cdf
        right = km.evaluate(obs)
        left = km.evaluate(np.nextafter(obs, -np.inf))
    else:
        right = np.searchsorted(obs, obs, side="right") / len(obs)
        left = np.searchsorted(obs, obs, side="left") / len(obs)
    model = f.cdf(obs)
    return float(max(np.max(np.abs(right - model)), np.max(np.abs(left - model))))


def censor_like(sample: Sample, draws: np.ndarray) -> Sample:
    """Censor simulated runtimes the way the data were: a timed-out run's value is its cutoff;
    the other runs are censored at the largest cutoff seen (not at all if none timed out)."""
    limit = np.max(sample.values[sample.censored]) if sample.censored.any() else np.inf
    cut = np.where(sample.censored, sample.values, limit)
    censored = draws > cut
    return Sample(np.where(censored, cut, draws), censored)


def gof_pvalue(f: Fit, sample: Sample, samples: int, rng: np.random.Generator) -> float:
    """Parametric-bootstrap p-value of the KS distance, refitting every simulated sample."""
    observed = ks_distance(sample, f)
    exceed = 0
    done = 0
    for _ in range(samples):
        sim = censor_like(sample, f.rvs(len(sample.values), rng))
        if not len(sim.observed):
            continue
        done += 1
        exceed += ks_distance(sim, fit(f.model, sim)) >= observed
    return (exceed + 1) / (done + 1)
