"""The censored maximum-likelihood fits as numba kernels: the censored normal (of log times),
the shifted lognormal's profile over the shift, the Weibull's profile over the shape, the
shifted Weibull's anchored shift, and the models' log-likelihoods and CDFs in closed form.

Why numba: the goodness-of-fit and interval bootstraps refit every model to hundreds of
simulated samples per group. As plain numpy each fit was dozens of calls on 500-element
arrays and spent most of its time in call overhead (the shifted lognormal 2.3 ms, a scipy
logpdf + logsf 250 us); here one fit is one call (scripts/bench_predict_time.py: the time of
`satspeed predict` before and after). The algorithms are those the models' docstrings
describe, step for step: the shift searches are ports of scipy's bounded Brent minimiser
(`optimize.minimize_scalar(method="bounded")`) and of its `brentq`, so the iterates are
scipy's up to rounding (tests compare the fits with scipy's censored fits). Everything lives
in this one file: numba's cache notices changes to a kernel's own file only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SQRT2 = math.sqrt(2.0)
_SQRT_EPS = math.sqrt(2.2e-16)
_GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
_NEWTON_DONE = 1e-6  # a full Newton step this short leaves an error of its square (1e-12,
# Newton's quadratic convergence): the fits stop there rather than take one more step to see
# it (measured: the shifted Weibull's fit in 0.63 of the time, the censored normal 3.1 steps
# per shift instead of 3.7; the fits move by less than 3e-9)


@njit(cache=True)
def log_ndtr(x: float) -> float:
    """log Phi(x), the log of the standard normal CDF, accurate in both tails (as
    scipy.special.log_ndtr: erfc down to x = -37, the asymptotic series below)."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x / _SQRT2))
    if x > -37.0:
        return math.log(0.5 * math.erfc(-x / _SQRT2))
    x2 = x * x
    series = 1.0 - 1.0 / x2 + 3.0 / x2**2 - 15.0 / x2**3 + 105.0 / x2**4 - 945.0 / x2**5
    return -0.5 * x2 - math.log(-x) - HALF_LOG_2PI + math.log(series)


@njit(cache=True)
def kaplan_meier_kernel(values: np.ndarray, censored: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate (the nonparametric MLE of the survival function): distinct
    times and the survival just after each (satspeed.predict.sample.kaplan_meier)."""
    n = len(values)
    order = np.concatenate((np.flatnonzero(~censored), np.flatnonzero(censored)))
    order = order[np.argsort(values[order], kind="mergesort")]  # stable: solved first at ties
    times = np.empty(n)
    survival = np.empty(n)
    current = 1.0
    distinct = 0
    for i in range(n):
        j = order[i]
        if not censored[j]:
            current *= 1.0 - 1.0 / (n - i)
        if i + 1 < n and values[order[i + 1]] == values[j]:
            continue  # not the last run at this time
        times[distinct] = values[j]
        survival[distinct] = current
        distinct += 1
    return times[:distinct], survival[:distinct]


@njit(cache=True)
def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and their counts."""
    v = np.sort(values)
    keep = np.ones(len(v), np.bool_)
    for i in range(1, len(v)):
        keep[i] = v[i] != v[i - 1]
    starts = np.flatnonzero(keep)
    counts = np.diff(np.append(starts, len(v))).astype(np.float64)
    return v[starts], counts


@njit(cache=True)
def _censored_loglik(mu: float, sigma: float, yc: np.ndarray, count: np.ndarray) -> float:
    total = 0.0
    for j in range(len(yc)):
        total += count[j] * log_ndtr((mu - yc[j]) / sigma)
    return total


@njit(cache=True)
def _loglik_at(mu: float, tau: float, d: int, centre: float, spread: float,
               yc: np.ndarray, count: np.ndarray) -> float:
    if not -300 < tau < 300:  # a step too far (sigma^2 would under- or overflow)
        return -math.inf
    sigma = math.exp(tau)
    gap = (centre - mu) / sigma
    s_zo2 = spread / sigma**2 + d * gap**2
    return -d * (tau + HALF_LOG_2PI) - 0.5 * s_zo2 + _censored_loglik(mu, sigma, yc, count)


@njit(cache=True)
def normal_censored(y: np.ndarray, cens: np.ndarray, start_mu: float, start_sigma: float
                    ) -> tuple[float, float, float]:
    """MLE (mu, sigma) of a normal sample right-censored where `cens`, and its
    log-likelihood (of y, without the Jacobian of any transform): closed form without
    censoring, otherwise Newton's method on (mu, log sigma) with the analytic gradient and
    Hessian, halving steps until the likelihood rises. The solved runs enter through their
    mean and centred sum of squares, the censored ones as distinct values with counts. A
    finite (start_mu, start_sigma) is where to start (the solution at a nearby shift), NaN
    where there is none. (No default arguments in this file: numba's cache misses a call
    that omits a NaN default, as NaN != NaN, and compiles it again, 1.8 s, every time.)"""
    yc, count = _distinct(y[cens])
    return _normal_fit(y[~cens], yc, count, start_mu, start_sigma)


@njit(cache=True)
def _normal_fit(yo: np.ndarray, yc: np.ndarray, count: np.ndarray, start_mu: float,
                start_sigma: float) -> tuple[float, float, float]:
    """`normal_censored` of the solved values `yo` and the censored ones as distinct values
    `yc` with their counts."""
    d = len(yo)
    if not len(yc):  # uncensored: the closed form
        mu = np.mean(yo)
        sigma = max(np.std(yo), 1e-12)
        return mu, sigma, -d * (math.log(sigma) + HALF_LOG_2PI + 0.5)
    centre = np.mean(yo) if d else 0.0
    spread = 0.0
    for v in yo:
        spread += (v - centre) ** 2
    if math.isnan(start_mu):  # the mean and standard deviation of all the values
        runs = d + np.sum(count)
        mu = (np.sum(yo) + np.sum(count * yc)) / runs
        var = (np.sum((yo - mu) ** 2) + np.sum(count * (yc - mu) ** 2)) / runs
        tau = math.log(max(math.sqrt(var), 1e-6))
    else:
        mu, tau = start_mu, math.log(start_sigma)
    current = _loglik_at(mu, tau, d, centre, spread, yc, count)
    for _ in range(100):
        sigma = math.exp(tau)
        gap = (centre - mu) / sigma
        s_zo, s_zo2 = d * gap, spread / sigma**2 + d * gap**2
        s_h = s_hz = s_hp = s_zhp = s_z2hp = 0.0
        for j in range(len(yc)):
            z = (yc[j] - mu) / sigma
            h = math.exp(-0.5 * z * z - HALF_LOG_2PI - log_ndtr(-z))  # the hazard
            hp = h * (h - z)  # its derivative in z
            s_h += count[j] * h
            s_hz += count[j] * h * z
            s_hp += count[j] * hp
            s_zhp += count[j] * z * hp
            s_z2hp += count[j] * z * z * hp
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
        trial = current
        while scale > 1e-10:
            trial = _loglik_at(mu + scale * s_m, tau + scale * s_t, d, centre, spread, yc,
                               count)
            if trial >= current:
                break
            scale /= 2
        mu, tau = mu + scale * s_m, tau + scale * s_t
        gain, current = trial - current, trial
        moved = scale * max(abs(s_m), abs(s_t))
        if gain < 1e-12 * max(1.0, abs(current)) and moved < 1e-10:
            break
        if moved < 1e-12 or (scale == 1.0 and moved < _NEWTON_DONE):
            break
    return mu, math.exp(tau), current


@njit(cache=True)
def _shifted_negative(vo: np.ndarray, vc: np.ndarray, count: np.ndarray, low: float,
                      fraction: float, last: np.ndarray) -> float:
    """Minus the profile log-likelihood of the shifted lognormal at shift fraction * low, of
    the solved runs `vo` and the censored as distinct values `vc` with counts; `last` holds
    the previous solution (mu, sigma, and 1 once set), where Newton starts."""
    shift = fraction * low
    logs = np.log(vo - shift)
    if last[2] > 0 and len(vc):
        mu, sigma, ll = _normal_fit(logs, np.log(vc - shift), count, last[0], last[1])
    else:
        mu, sigma, ll = _normal_fit(logs, np.log(vc - shift), count, math.nan, math.nan)
    last[0], last[1], last[2] = mu, sigma, 1.0
    return -(ll - np.sum(logs))


@njit(cache=True)
def shifted_lognormal(values: np.ndarray, cens: np.ndarray) -> tuple[float, float, float]:
    """(shift, mu, sigma): profile likelihood over the shift in [0, min), by scipy's bounded
    Brent search (xatol 1e-5 on the fraction of the minimum); shift 0 when no inner
    maximum beats it."""
    low = np.min(values)
    if low <= 0:
        mu, sigma, _ = normal_censored(np.log(values), cens, math.nan, math.nan)
        return 0.0, mu, sigma
    vo = values[~cens]
    vc, count = _distinct(values[cens])  # once: the shift keeps them distinct
    last = np.zeros(3)
    a, b, xatol, maxfun = 0.0, 1 - 1e-6, 1e-5, 500
    fulc = a + _GOLDEN * (b - a)
    nfc, xf = fulc, fulc
    rat = e = 0.0
    x = xf
    fx = _shifted_negative(vo, vc, count, low, x, last)
    num = 1
    ffulc = fnfc = fx
    xm = 0.5 * (a + b)
    tol1 = _SQRT_EPS * abs(xf) + xatol / 3.0
    tol2 = 2.0 * tol1
    while abs(xf - xm) > (tol2 - 0.5 * (b - a)):
        golden = True
        if abs(e) > tol1:  # a parabolic fit
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            r = e
            e = rat
            if abs(p) < abs(0.5 * q * r) and p > q * (a - xf) and p < q * (b - xf):
                rat = (p + 0.0) / q
                x = xf + rat
                if (x - a) < tol2 or (b - x) < tol2:
                    si = np.sign(xm - xf) + ((xm - xf) == 0)
                    rat = tol1 * si
            else:
                golden = True
        if golden:
            e = a - xf if xf >= xm else b - xf
            rat = _GOLDEN * e
        si = np.sign(rat) + (rat == 0)
        x = xf + si * max(abs(rat), tol1)
        fu = _shifted_negative(vo, vc, count, low, x, last)
        num += 1
        if fu <= fx:
            if x >= xf:
                a = xf
            else:
                b = xf
            fulc, ffulc = nfc, fnfc
            nfc, fnfc = xf, fx
            xf, fx = x, fu
        else:
            if x < xf:
                a = x
            else:
                b = x
            if fu <= fnfc or nfc == xf:
                fulc, ffulc = nfc, fnfc
                nfc, fnfc = x, fu
            elif fu <= ffulc or fulc in (xf, nfc):
                fulc, ffulc = x, fu
        xm = 0.5 * (a + b)
        tol1 = _SQRT_EPS * abs(xf) + xatol / 3.0
        tol2 = 2.0 * tol1
        if num >= maxfun:
            break
    shift = xf * low if fx < _shifted_negative(vo, vc, count, low, 0.0, last) else 0.0
    mu, sigma, _ = _normal_fit(np.log(vo - shift), np.log(vc - shift), count, math.nan,
                               math.nan)
    return shift, mu, sigma


@njit(cache=True)
def weibull_profile(u: np.ndarray, cens: np.ndarray, start: float) -> tuple[float, float]:
    """Censored Weibull MLE (shape k, scale) of u > 0 by Newton's method on the profile
    log-likelihood in log k (the scale is closed form for a given k, and the profile is
    concave in k, so a safeguarded Newton step converges in a few iterations).
    `start` is the shape to start from (the solution at a nearby shift, in the root search)."""
    uc, count = _distinct(u[cens])
    return _weibull_fit(u[~cens], uc, count, start)


@njit(cache=True)
def _weibull_fit(uo: np.ndarray, uc: np.ndarray, count: np.ndarray, start: float
                 ) -> tuple[float, float]:
    """`weibull_profile` of the solved values `uo` and the censored ones as distinct values
    `uc` with their counts (a splice's tail sample has most of its runs censored at one)."""
    top = max(np.max(uo) if len(uo) else -math.inf, np.max(uc) if len(uc) else -math.inf)
    lo, lc = np.log(uo / top), np.log(uc / top)
    d = len(uo)
    sum_obs = np.sum(lo)
    log_k = math.log(start)
    for _ in range(60):
        k = math.exp(log_k)
        s0 = s1 = s2 = 0.0
        for i in range(len(lo)):
            xk = math.exp(k * lo[i])
            s0 += xk
            s1 += xk * lo[i]
            s2 += xk * lo[i] ** 2
        for i in range(len(lc)):
            xk = count[i] * math.exp(k * lc[i])
            s0 += xk
            s1 += xk * lc[i]
            s2 += xk * lc[i] ** 2
        # derivatives of l(k) = d log k - d log(s0 / d) + (k - 1) sum_obs - d
        g = d / k - d * s1 / s0 + sum_obs
        h = -d / k**2 - d * (s2 * s0 - s1 * s1) / s0**2
        g_log, h_log = g * k, h * k * k + g * k  # in log k
        step = -g_log / h_log if h_log < 0 else math.copysign(0.5, g_log)
        step = max(-1.0, min(1.0, step))
        log_k = min(4.0, max(-5.0, log_k + step))
        if h_log < 0 and abs(step) < _NEWTON_DONE:  # converged: s0 at the new shape from
            new_k = math.exp(log_k)  # its Taylor series (to 1e-18), not another pass
            change = new_k - k
            return new_k, ((s0 + change * (s1 + 0.5 * change * s2)) / d) ** (1 / new_k) * top
    k = math.exp(log_k)
    s0 = np.sum(np.exp(k * lo)) + np.sum(count * np.exp(k * lc))
    return k, (s0 / d) ** (1 / k) * top


@njit(cache=True)
def _anchored(vo: np.ndarray, vc: np.ndarray, count: np.ndarray, low: float, x0: float,
              last: np.ndarray) -> tuple[float, float, float]:
    """min - E[min of R draws - x0] under the Weibull fitted to the runs less x0 (solved
    `vo`, censored as distinct `vc` with counts), with that fit's (k, scale); Newton starts
    at the shape in `last` and leaves its own there."""
    k, scale = _weibull_fit(vo - x0, vc - x0, count, last[0])
    last[0] = k
    runs = len(vo) + np.sum(count)
    return low - scale * math.gamma(1 + 1 / k) * runs ** (-1 / k), k, scale


@njit(cache=True)
def shifted_weibull(values: np.ndarray, cens: np.ndarray) -> tuple[float, float, float, bool]:
    """(shift, shape, scale, shifted): the shift x0 solves x0 = anchored(x0) on [0, min),
    by scipy's brentq (xtol min * 1e-7); not `shifted` where there is no root."""
    low = np.min(values)
    vo = values[~cens]
    vc, count = _distinct(values[cens])  # once: the shift keeps them distinct
    last = np.ones(1)
    start, k, scale = _anchored(vo, vc, count, low, 0.0, last)
    if low <= 0 or not start > 0 or np.all(values == low):
        return 0.0, k, scale, False
    xpre, xcur = 0.0, low * (1 - 1e-9)
    xtol, rtol = low * 1e-7, 4 * 2.220446049250313e-16
    fpre = xpre - _anchored(vo, vc, count, low, xpre, last)[0]
    fcur = xcur - _anchored(vo, vc, count, low, xcur, last)[0]
    root = math.nan
    if fpre == 0:
        root = xpre
    elif fcur == 0:
        root = xcur
    elif (fpre < 0) == (fcur < 0) or math.isnan(fpre) or math.isnan(fcur):
        return 0.0, k, scale, False  # no root (absurd runtimes such as 1e308 next to 0.5)
    else:
        xblk = fblk = spre = scur = 0.0
        for _ in range(100):
            if fpre != 0 and fcur != 0 and (fpre < 0) != (fcur < 0):
                xblk, fblk = xpre, fpre
                spre = scur = xcur - xpre
            if abs(fblk) < abs(fcur):
                xpre, xcur, xblk = xcur, xblk, xcur
                fpre, fcur, fblk = fcur, fblk, fcur
            delta = (xtol + rtol * abs(xcur)) / 2
            sbis = (xblk - xcur) / 2
            if fcur == 0 or abs(sbis) < delta:
                break
            if abs(spre) > delta and abs(fcur) < abs(fpre):
                if xpre == xblk:  # interpolate
                    stry = -fcur * (xcur - xpre) / (fcur - fpre)
                else:  # extrapolate
                    dpre = (fpre - fcur) / (xpre - xcur)
                    dblk = (fblk - fcur) / (xblk - xcur)
                    stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
                if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):
                    spre, scur = scur, stry  # a good short step
                else:
                    spre, scur = sbis, sbis  # bisect
            else:
                spre, scur = sbis, sbis
            xpre, fpre = xcur, fcur
            xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
            fcur = xcur - _anchored(vo, vc, count, low, xcur, last)[0]
            if math.isnan(fcur):
                return 0.0, k, scale, False
        root = xcur
    _, k, scale = _anchored(vo, vc, count, low, root, last)
    return root, k, scale, True


@njit(cache=True)
def lognormal_loglik(values: np.ndarray, cens: np.ndarray, shift: float, mu: float,
                     sigma: float) -> float:
    """Censored log-likelihood of x0 + lognormal(mu, sigma) (-inf where not finite)."""
    total = 0.0
    for i in range(len(values)):
        t = values[i] - shift
        if t <= 0:
            if not cens[i]:
                return -math.inf
            continue  # below the shift the survival is 1
        z = (math.log(t) - mu) / sigma
        if cens[i]:
            total += log_ndtr(-z)
        else:
            total += -math.log(t) - math.log(sigma) - HALF_LOG_2PI - 0.5 * z * z
    return total if math.isfinite(total) else -math.inf


@njit(cache=True)
def weibull_loglik(values: np.ndarray, cens: np.ndarray, shift: float, shape: float,
                   scale: float) -> float:
    """Censored log-likelihood of x0 + Weibull(shape, scale) (-inf where not finite)."""
    total = 0.0
    for i in range(len(values)):
        u = (values[i] - shift) / scale
        if cens[i]:
            if u > 0:
                total -= u**shape
        elif u < 0:
            return -math.inf
        else:
            total += math.log(shape / scale) + (shape - 1) * math.log(u) - u**shape
    return total if math.isfinite(total) else -math.inf


@njit(cache=True)
def exponential_loglik(values: np.ndarray, cens: np.ndarray, shift: float, rate: float
                       ) -> float:
    """Censored log-likelihood of x0 + Exp(rate) (-inf where not finite)."""
    total = 0.0
    for i in range(len(values)):
        t = values[i] - shift
        if cens[i]:
            if t > 0:
                total -= rate * t
        elif t < 0:
            return -math.inf
        else:
            total += math.log(rate) - rate * t
    return total if math.isfinite(total) else -math.inf


@njit(cache=True)
def _unit(values: np.ndarray) -> float:
    """A power of two at most the largest value (1 for values that are not positive finite):
    the values over it are below 2, so their sums cannot overflow."""
    top = np.max(values)
    return math.ldexp(1.0, math.frexp(top)[1] - 1) if 0 < top < math.inf else 1.0


@njit(cache=True)
def exponential_fit(values: np.ndarray, cens: np.ndarray, shifted: bool
                    ) -> tuple[float, float]:
    """(shift, rate): the censored MLE of the rate; shifted, the shift at the sample minimum
    corrected for the minimum's bias (E[min] = shift + 1/(R rate)), which matters for the
    speedup at many cores. Sums in units of a power of two near the largest value (exact, and
    none can overflow however large a value the CSV holds, e.g. cpu_s = 1e308)."""
    unit = _unit(values)
    scaled = values / unit
    solved = 0
    for c in cens:
        solved += not c
    if not shifted:
        return 0.0, solved / np.sum(scaled) / unit
    low = np.min(scaled)
    excess = max(np.sum(scaled - low), 1e-300)  # = solved / rate, in units
    shift = max(0.0, low - excess / (solved * len(values)))
    rate = solved / max(np.sum(scaled - shift), 1e-300)
    return shift * unit, rate / unit


@njit(cache=True)
def lognormal_cdf(x: np.ndarray, shift: float, mu: float, sigma: float) -> np.ndarray:
    """P(Y <= x) for x0 + lognormal(mu, sigma), as scipy.stats.lognorm computes it."""
    out = np.zeros(len(x))
    scale = math.exp(mu)
    for i in range(len(x)):
        u = (x[i] - shift) / scale
        if u > 0:
            out[i] = 0.5 * math.erfc(-(math.log(u) / sigma) / _SQRT2)
        elif math.isnan(u):
            out[i] = math.nan
    return out


@njit(cache=True)
def weibull_cdf(x: np.ndarray, shift: float, shape: float, scale: float) -> np.ndarray:
    """P(Y <= x) for x0 + Weibull(shape, scale), as scipy.stats.weibull_min computes it."""
    out = np.zeros(len(x))
    for i in range(len(x)):
        u = (x[i] - shift) / scale
        if u > 0 or math.isnan(u):
            out[i] = -math.expm1(-(u**shape))
    return out


@njit(cache=True)
def exponential_cdf(x: np.ndarray, shift: float, rate: float) -> np.ndarray:
    """P(Y <= x) for x0 + Exp(rate), as scipy.stats.expon computes it."""
    out = np.zeros(len(x))
    scale = 1 / rate if rate > 0 else math.inf
    for i in range(len(x)):
        u = (x[i] - shift) / scale
        if u > 0 or math.isnan(u):
            out[i] = -math.expm1(-u)
    return out


@njit(cache=True)
def model_cdf(family: int, x: np.ndarray, shift: float, a: float, b: float) -> np.ndarray:
    """The CDF of a model at x: `family` 0 the exponential (a the rate), 1 the lognormal
    (mu, sigma), 2 the Weibull (shape, scale), each shifted by `shift`."""
    if family == 0:
        return exponential_cdf(x, shift, a)
    if family == 1:
        return lognormal_cdf(x, shift, a, b)
    return weibull_cdf(x, shift, a, b)


@njit(cache=True)
def ks_gap(values: np.ndarray, cens: np.ndarray, model: np.ndarray,
           limit: float = math.inf) -> float:
    """Largest gap between the Kaplan-Meier CDF and `model`, the fitted CDF at the sorted
    solved runs (at each, on both sides of the Kaplan-Meier step there), over the solved runs
    up to `limit`."""
    return _sorted_gap(np.sort(values[~cens]), np.sort(values[cens]), model, limit)


@njit(cache=True)
def _sorted_gap(solved: np.ndarray, censored: np.ndarray, model: np.ndarray,
                limit: float = math.inf) -> float:
    """`ks_gap` of the solved and the censored values, each sorted, with the Kaplan-Meier
    steps of `kaplan_meier_kernel` (runs censored at a time are at risk there), over the
    solved runs up to `limit`."""
    at_risk = len(solved) + len(censored)
    before = 1.0  # survival just before the current time
    best = 0.0
    i = j = 0
    while i < len(solved) and solved[i] <= limit:
        t = solved[i]
        while j < len(censored) and censored[j] < t:
            at_risk -= 1
            j += 1
        after, k = before, i
        while k < len(solved) and solved[k] == t:
            after *= 1.0 - 1.0 / (at_risk - (k - i))
            k += 1
        for q in range(i, k):
            best = max(best, abs(1.0 - after - model[q]), abs(1.0 - before - model[q]))
        at_risk -= k - i
        before, i = after, k
    return best


@njit(cache=True)
def refit_ks(family: int, shifted: bool, values: np.ndarray, cens: np.ndarray,
             observed: float, stop: int, limit: float = math.inf) -> np.ndarray:
    """For each row of (values, cens), a sample: the model refitted to it and the KS gap
    between the two up to `limit` (`ks_gap`); NaN for a sample with no solved run, and for
    the rows after the `stop`-th gap at least `observed` (stop 0: all rows). `family`: 0 the
    exponential, 1 the lognormal, 2 the Weibull (shifted or not): a model's `kernel`."""
    out = np.full(len(values), math.nan)
    reached = 0
    for b in range(len(values)):
        v, c = values[b], cens[b]
        if np.all(c):
            continue
        shift, a, b_ = fit_family(family, shifted, v, c)
        solved = np.sort(v[~c])
        out[b] = _sorted_gap(solved, np.sort(v[c]), model_cdf(family, solved, shift, a, b_),
                             limit)
        reached += out[b] >= observed
        if reached == stop > 0:
            break
    return out


# -- a model by its kernel number (0 exponential, 1 lognormal, 2 Weibull; `Model.kernel`),
# with (shift, a, b) as `Model.kernel_params` gives them: fits, likelihoods, tails ---------

@njit(cache=True)
def fit_family(family: int, shifted: bool, v: np.ndarray, c: np.ndarray
               ) -> tuple[float, float, float]:
    """(shift, a, b): the model's `estimate`, as the models call these kernels."""
    if family == 0:
        shift, rate = exponential_fit(v, c, shifted)
        return shift, rate, 0.0
    if family == 1:
        if shifted:
            return shifted_lognormal(v, c)
        mu, sigma, _ = normal_censored(np.log(v), c, math.nan, math.nan)
        return 0.0, mu, sigma
    if shifted:
        shift, k, scale, _ = shifted_weibull(v, c)
        return shift, k, scale
    k, scale = weibull_profile(v, c, 1.0)
    return 0.0, k, scale


@njit(cache=True)
def loglik_family(family: int, v: np.ndarray, c: np.ndarray, shift: float, a: float,
                  b: float) -> float:
    """The model's censored log-likelihood (-inf where not finite)."""
    if family == 0:
        return exponential_loglik(v, c, shift, a)
    if family == 1:
        return lognormal_loglik(v, c, shift, a, b)
    return weibull_loglik(v, c, shift, a, b)


@njit(cache=True)
def normal_quantile_log(log_q: float) -> float:
    """The z with log Phi(z) = log_q (scipy's ndtri of exp(log_q), also where exp(log_q)
    underflows): Newton's method on the concave log_ndtr, whose iterates approach the root
    from below after the first step, from the tail's asymptote."""
    z = -math.sqrt(-2.0 * log_q) if log_q < -0.6931471805599453 else 0.0
    for _ in range(100):
        log_phi = log_ndtr(z)
        step = (log_phi - log_q) / math.exp(-0.5 * z * z - HALF_LOG_2PI - log_phi)
        z -= step
        if abs(step) <= 1e-15 * max(1.0, abs(z)):
            break
    return z


@njit(cache=True)
def logsf_family(family: int, x: float, shift: float, a: float, b: float) -> float:
    """log P(Y > x), 0 below the shift, as the models' logsf."""
    if family == 0:
        scale = 1 / a if a > 0 else math.inf
        return -max((x - shift) / scale, 0.0)
    if family == 1:
        u = (x - shift) / math.exp(a)
        return log_ndtr(-(math.log(u) / b)) if u > 0 else 0.0
    return -(max((x - shift) / b, 0.0) ** a)


@njit(cache=True)
def ppf_family_log(family: int, log_q: float, shift: float, a: float, b: float) -> float:
    """The x with log P(Y <= x) = log_q (the models' ppf at exp(log_q))."""
    if family == 0:
        scale = 1 / a if a > 0 else math.inf
        return -math.log1p(-math.exp(log_q)) * scale + shift
    if family == 1:
        return math.exp(b * normal_quantile_log(log_q)) * math.exp(a) + shift
    return (-math.log1p(-math.exp(log_q))) ** (1.0 / a) * b + shift


@njit(cache=True)
def isf_family_log(family: int, log_q: float, shift: float, a: float, b: float) -> float:
    """The x with log P(Y > x) = log_q (the models' isf at exp(log_q))."""
    if family == 0:
        scale = 1 / a if a > 0 else math.inf
        return -log_q * scale + shift
    if family == 1:
        return math.exp(b * -normal_quantile_log(log_q)) * math.exp(a) + shift
    return (-log_q) ** (1.0 / a) * b + shift


# -- the splice (satspeed.predict.splice): its cut, E[Z_n], and whole bootstrap replicates --

@njit(cache=True)
def splice_cut(values: np.ndarray, cens: np.ndarray, fraction: float, min_runs: int
               ) -> float:
    """t_q: the `fraction` quantile of the solved runs (at least `min_runs` of them)."""
    solved = np.sort(values[~cens])
    m = min(len(solved), max(min_runs, int(np.rint(fraction * len(solved)))))
    return solved[m - 1]


_EXACT_POWER = 4096  # up to this n, S^n by repeated squaring (4x faster than pow or exp;
# relative error n ulp from S's own rounding, 5e-13 at most); beyond, exp(n log S)


@njit(cache=True)
def _power(s: float, log_s: float, n: float) -> float:
    """s^n (log_s = log s, exact where s is near 1)."""
    if n <= _EXACT_POWER and n == int(n):
        return s ** int(n)
    return math.exp(n * log_s)


@njit(cache=True)
def _add_simpson(step: float, t: np.ndarray, log_s: np.ndarray, cores: np.ndarray,
                 weight: float, out: np.ndarray) -> None:
    """out[j] += weight * int t s^n du (n = cores[j]) by Simpson's rule, t = exp(u) on nodes
    u `step` apart, log_s = log s."""
    count = len(t)
    s = np.exp(log_s)
    for j in range(len(cores)):
        total = 0.0
        for i in range(count):
            w = 1.0 if i == 0 or i == count - 1 else (4.0 if i % 2 else 2.0)
            total += w * t[i] * _power(s[i], log_s[i], cores[j])
        out[j] += weight * step / 3.0 * total


@njit(cache=True)
def _head(cut: float, below: float, family: int, x0: float, a: float, b: float,
          cores: np.ndarray, limit: float, depth: float, nodes: int, out: np.ndarray,
          weight: float) -> None:
    """Adds weight * int_0^min(cut, limit) S(t)^n dt to out, S(t) = 1 - below F(t) / F(cut)
    with F a tail's CDF, in log(t - x0) from where S^n is 1 to `depth` of the tail's mass."""
    end = min(cut, limit)
    top = model_cdf(family, np.array([cut]), x0, a, b)[0]
    if end <= x0 or not top > 0:  # the tail puts nothing below the cut: S is 1 up to it
        out += weight * end
        return
    start = max(ppf_family_log(family, math.log(depth) + math.log(top), x0, a, b) - x0,
                abs(x0) * 1e-9, (end - x0) * 1e-300)
    u = np.linspace(math.log(min(start, (end - x0) / 2)), math.log(end - x0), nodes)
    t = np.exp(u)
    log_s = np.log1p(-below * np.minimum(model_cdf(family, x0 + t, x0, a, b) / top, 1.0))
    out += weight * (x0 + t[0])
    _add_simpson(u[1] - u[0], t, log_s, cores, weight, out)


@njit(cache=True)
def _past(last: float, tail_mass: float, family: int, shift: float, a: float, b: float,
          cores: np.ndarray, limit: float, nodes: int, out: np.ndarray, weight: float
          ) -> None:
    """Adds weight * int_last^limit (S(T) S_f(t) / S_f(T))^n dt to out, f a full fit, in
    log(t) up to S_f's 1e-16 quantile."""
    at_last = logsf_family(family, last, shift, a, b)
    end = min(isf_family_log(family, math.log(1e-16) + at_last, shift, a, b), limit)
    if not end > last:
        return
    u = np.linspace(math.log(last), math.log(end), nodes)
    t = np.exp(u)
    log_s = np.empty(nodes)
    for i in range(nodes):
        log_s[i] = math.log(tail_mass) + logsf_family(family, t[i], shift, a, b) - at_last
    _add_simpson(u[1] - u[0], t, log_s, cores, weight, out)


@njit(cache=True)
def splice_expected_min(cut: float, below: float, times: np.ndarray, survival: np.ndarray,
                        tails: np.ndarray, tail_weights: np.ndarray, past: np.ndarray,
                        past_weights: np.ndarray, cores: np.ndarray, limit: float,
                        depth: float, nodes: int) -> np.ndarray:
    """E[min(Z_n, limit)] of a splice for each n in `cores` (`limit` inf: E[Z_n]): the
    tails' heads below the cut (rows family, shift, a, b; Akaike `tail_weights`; none: S is 1
    up to the cut), the Kaplan-Meier steps from the cut on (`times`, `survival`), and past
    the last run the full fits' tails (rows of `past`, `past_weights`): `_splice_parts`,
    each model's part weighted."""
    steps, pasts, heads = _splice_parts(cut, below, times, survival, tails, past, cores,
                                        limit, depth, nodes)
    return (steps + _weighted(pasts, past_weights, 0.0)
            + _weighted(heads, tail_weights, min(cut, limit)))


@njit(cache=True)
def _splice_parts(cut: float, below: float, times: np.ndarray, survival: np.ndarray,
                  tails: np.ndarray, past: np.ndarray, cores: np.ndarray, limit: float,
                  depth: float, nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of `splice_expected_min`, each integrated once: over the Kaplan-Meier
    steps; past the last run with each full fit alone (none where the last run was solved
    or `limit` comes first); below the cut with each tail alone."""
    steps = _steps(times, survival, cores, limit)
    last, tail_mass = times[-1], survival[-1]
    pasts = np.zeros((len(past) if tail_mass > 0 and limit > last else 0, len(cores)))
    for m in range(len(pasts)):
        _past(last, tail_mass, int(past[m, 0]), past[m, 1], past[m, 2], past[m, 3], cores,
              limit, nodes, pasts[m], 1.0)
    heads = np.zeros((len(tails), len(cores)))
    for j in range(len(tails)):
        _head(cut, below, int(tails[j, 0]), tails[j, 1], tails[j, 2], tails[j, 3], cores,
              limit, depth, nodes, heads[j], 1.0)
    return steps, pasts, heads


@njit(cache=True)
def _weighted(parts: np.ndarray, weights: np.ndarray, none: float) -> np.ndarray:
    """The weighted sum of the rows of `parts` (`none` everywhere where there are none)."""
    if not len(parts):
        return np.full(parts.shape[1], none)
    out = np.zeros(parts.shape[1])
    for i in range(len(parts)):
        out += weights[i] * parts[i]
    return out


@njit(cache=True)
def _steps(times: np.ndarray, survival: np.ndarray, cores: np.ndarray, limit: float
           ) -> np.ndarray:
    """int S(t)^n dt over the Kaplan-Meier steps, from the cut to the last run."""
    out = np.zeros(len(cores))
    clipped = np.minimum(times, limit)
    log_s = np.log(survival)
    for j in range(len(cores)):
        total = 0.0
        for i in range(len(times) - 1):
            power = _power(survival[i], log_s[i], cores[j])
            total += power * (clipped[i + 1] - clipped[i])
            if power * (clipped[-1] - clipped[i + 1]) <= 1e-17 * total:
                break  # the steps left add less (S only falls): at many cores, most of them
        out[j] = total
    return out


@njit(cache=True)
def akaike_weights(aic: np.ndarray) -> np.ndarray:
    """exp(-AIC/2), normalised (Burnham & Anderson)."""
    if not len(aic):
        return aic
    weights = np.exp(-(aic - np.min(aic)) / 2)
    return weights / np.sum(weights)


@njit(cache=True)
def _weighted_fits(kinds: np.ndarray, v: np.ndarray, c: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each model of `kinds` (rows family, shifted, number of parameters) fitted to (v, c);
    of the usable ones (finite likelihood and parameters): their indices in `kinds`, rows
    (family, shift, a, b), log-likelihoods and Akaike weights."""
    used = np.empty(len(kinds), np.int64)
    rows = np.empty((len(kinds), 4))
    loglik = np.empty(len(kinds))
    aic = np.empty(len(kinds))
    k = 0
    for i in range(len(kinds)):
        family = int(kinds[i, 0])
        shift, a, b = fit_family(family, kinds[i, 1] > 0, v, c)
        ll = loglik_family(family, v, c, shift, a, b)
        if not (math.isfinite(ll) and math.isfinite(shift) and math.isfinite(a)
                and math.isfinite(b)):
            continue
        used[k] = i
        rows[k, 0], rows[k, 1], rows[k, 2], rows[k, 3] = family, shift, a, b
        loglik[k] = ll
        aic[k] = 2 * kinds[i, 2] - 2 * ll
        k += 1
    return used[:k], rows[:k], loglik[:k], akaike_weights(aic[:k])


@njit(cache=True)
def fit_splice_kernel(v: np.ndarray, c: np.ndarray, tail_kinds: np.ndarray,
                      past_kinds: np.ndarray, fraction: float, min_runs: int
                      ) -> tuple[float, float, np.ndarray, np.ndarray, tuple, tuple]:
    """A sample's splice (satspeed.predict.splice.fit_splice): the cut, the tails of
    `tail_kinds` fitted to the runs censored there (`_weighted_fits`: indices, rows,
    log-likelihoods, weights; none fitted: the cut is the fastest run), the Kaplan-Meier mass
    below the cut, the Kaplan-Meier steps from it on, and, where the last run timed out, the
    models of `past_kinds` fitted to all the runs (`_weighted_fits` again; else none)."""
    cut = splice_cut(v, c, fraction, min_runs)
    tails = _weighted_fits(tail_kinds, np.minimum(v, cut), c | (v > cut))
    if not len(tails[0]):
        cut = np.min(v)
    times, survival = kaplan_meier_kernel(v, c)
    at = np.searchsorted(times, cut)
    below = 1.0 - survival[at] if len(tails[0]) else 0.0
    past = _weighted_fits(past_kinds if survival[-1] > 0 else past_kinds[:0], v, c)
    return cut, below, times[at:], survival[at:], tails, past


@njit(cache=True)
def splice_replicates(values: np.ndarray, cens: np.ndarray, tail_kinds: np.ndarray,
                      past_kinds: np.ndarray, fraction: float, min_runs: int, depth: float,
                      cores: np.ndarray, nodes: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each row of (values, cens), a bootstrap sample: its splice fitted
    (`fit_splice_kernel`) and E[Z_n] for each n in `cores`; returns those; E[Z_n] with each
    of `tail_kinds` alone below the cut (weight 1), shape (rows, tails, cores); E[Z_n] with
    each of `past_kinds` alone past the last run, shape (rows, past kinds, cores) (NaN where
    that model was not fitted or not needed); and which rows could be fitted (two distinct
    solved runs at least). The splice's E[Z_n] is the weighted mean of those alone, so each
    part is integrated once."""
    out = np.full((len(values), len(cores)), math.nan)
    alone = np.full((len(values), len(tail_kinds), len(cores)), math.nan)
    alone_past = np.full((len(values), len(past_kinds), len(cores)), math.nan)
    ok = np.zeros(len(values), np.bool_)
    for r in range(len(values)):
        v, c = values[r], cens[r]
        solved = v[~c]
        if not len(solved) or np.min(solved) == np.max(solved):  # < 2 distinct solved runs
            continue
        cut, below, times, survival, tails, past = fit_splice_kernel(
            v, c, tail_kinds, past_kinds, fraction, min_runs)
        steps, pasts, heads = _splice_parts(cut, below, times, survival, tails[1], past[1],
                                            cores, math.inf, depth, nodes)
        past_mean = _weighted(pasts, past[3], 0.0)
        head_mean = _weighted(heads, tails[3], cut)
        out[r] = steps + past_mean + head_mean
        for j in range(len(heads)):
            alone[r, tails[0][j]] = steps + past_mean + heads[j]
        for m in range(len(pasts)):
            alone_past[r, past[0][m]] = steps + pasts[m] + head_mean
        ok[r] = True
    return out, alone, alone_past, ok
