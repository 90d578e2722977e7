"""The numba kernels of the fits (satspeed.predict.models.mle) against scipy: log Phi, the
models' closed-form distributions and draws, the shift searches (ports of scipy's bounded
Brent minimiser and brentq, checked against those run on the same profile), and the
goodness-of-fit kernel against the same loop in Python."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from satspeed.predict.fit import fit
from satspeed.predict.models import MODELS, get
from satspeed.predict.models.mle import (
    isf_family_log,
    log_ndtr,
    logsf_family,
    normal_censored,
    normal_quantile_log,
    ppf_family_log,
    weibull_profile,
)
from satspeed.predict.sample import Sample
from satspeed.predict.select import ks_distance


def censored_sample(seed: int, size: int = 80, shift: float = 40.0) -> Sample:
    """Shifted lognormal runs, each censored at its own cutoff (about 15% of them)."""
    rng = np.random.default_rng(seed)
    y = shift + rng.lognormal(4.0, 0.9, size)
    cut = np.quantile(y, 0.85) * rng.uniform(0.7, 1.5, size)
    return Sample(np.minimum(y, cut), y > cut)


def test_log_ndtr_is_scipys_in_both_tails() -> None:
    x = np.concatenate([np.linspace(-1000, 40, 20001), [-37.0, -36.99, 6.0, 6.01, 0.0]])
    ours = np.array([log_ndtr(v) for v in x])
    assert np.allclose(ours, special.log_ndtr(x), rtol=1e-12, atol=1e-200)


def test_normal_quantile_is_scipys_ndtri_and_goes_past_underflow() -> None:
    q = np.concatenate([np.geomspace(1e-300, 0.5, 400), np.linspace(0.5, 0.999, 50)])
    ours = np.array([normal_quantile_log(math.log(v)) for v in q])
    assert np.allclose(ours, special.ndtri(q), rtol=1e-12, atol=1e-14)
    for log_q in (-1e3, -1e5, -7e5):  # q itself underflows: log Phi(z) = log_q
        z = normal_quantile_log(log_q)
        assert special.log_ndtr(z) == pytest.approx(log_q, rel=1e-12)


@pytest.mark.parametrize("name", MODELS)
def test_closed_forms_are_scipys(name: str) -> None:
    """cdf, logsf, ppf, isf and the draws of each model (overriding scipy for speed) equal
    scipy's family with the same arguments, below the shift too, and the draws the same
    stream."""
    model = get(name)
    f = fit(name, censored_sample(1))
    family = f.family(**model.scipy_args(f.params))
    x = np.concatenate([[0.0, f.shift * 0.5, f.shift], np.geomspace(1, 1e4, 200)])
    q = np.concatenate([np.geomspace(1e-12, 0.5, 100), 1 - np.geomspace(1e-12, 0.5, 100)])
    assert np.allclose(model.cdf(f.params, x), family.cdf(x), rtol=1e-12, atol=1e-300)
    assert np.allclose(model.logsf(f.params, x), family.logsf(x), rtol=1e-12, atol=1e-300)
    assert np.allclose(model.ppf(f.params, q), family.ppf(q), rtol=1e-12)
    assert np.allclose(model.isf(f.params, q), family.isf(q), rtol=1e-12)
    # the scalar kernels of the splice's integrals (for small q, where they are used)
    kernel = (model.kernel, *model.kernel_params(f.params))
    small = q[q <= 0.5]
    assert np.allclose([logsf_family(kernel[0], v, *kernel[1:]) for v in x], family.logsf(x),
                       rtol=1e-12, atol=1e-300)
    assert np.allclose([ppf_family_log(kernel[0], math.log(v), *kernel[1:]) for v in small],
                       family.ppf(small), rtol=1e-12)
    assert np.allclose([isf_family_log(kernel[0], math.log(v), *kernel[1:]) for v in small],
                       family.isf(small), rtol=1e-12)
    deep = -800.0  # exp(-800) underflows: the kernel's quantile is where logsf is -800
    at = isf_family_log(kernel[0], deep, *kernel[1:])
    assert logsf_family(kernel[0], at, *kernel[1:]) == pytest.approx(deep, rel=1e-9)
    ours = model.rvs(f.params, 1000, np.random.default_rng(3))
    theirs = family.rvs(size=1000, random_state=np.random.default_rng(3))
    assert np.allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_shifted_lognormal_is_scipys_bounded_search(seed: int) -> None:
    """The profile over the shift, built from scipy's censored normal fit at each shift and
    minimised by scipy's bounded search, gives our shift (to its xatol) and likelihood."""
    sample = censored_sample(seed)
    low = float(np.min(sample.values))

    def negative(fraction: float) -> float:
        logs = np.log(sample.values - fraction * low)
        data = stats.CensoredData(uncensored=logs[~sample.censored],
                                  right=logs[sample.censored])
        mu, sigma = stats.norm.fit(data)
        ll = (np.sum(stats.norm.logpdf(logs[~sample.censored], mu, sigma))
              + np.sum(stats.norm.logsf(logs[sample.censored], mu, sigma)))
        return -(ll - np.sum(logs[~sample.censored]))

    res = optimize.minimize_scalar(negative, bounds=(0.0, 1 - 1e-6), method="bounded",
                                   options={"xatol": 1e-5})
    ours = fit("shifted-lognormal", sample)
    assert ours.params["shift"] == pytest.approx(res.x * low, abs=2e-4 * low)
    assert ours.loglik >= -res.fun - 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_shifted_weibull_shift_is_the_anchored_fixed_point(seed: int) -> None:
    """x0 = min - scale Gamma(1 + 1/k) R^(-1/k), (k, scale) scipy's censored Weibull fit of
    the runs less x0: our root, checked with scipy's fit at it."""
    sample = censored_sample(seed)
    f = fit("shifted-weibull", sample)
    x0, low, runs = f.params["shift"], float(np.min(sample.values)), len(sample.values)
    u = sample.values - x0
    c, _, scale = stats.weibull_min.fit(
        stats.CensoredData(uncensored=u[~sample.censored], right=u[sample.censored]), floc=0)
    anchored = low - scale * math.gamma(1 + 1 / c) * runs ** (-1 / c)
    assert 0 < x0 < low
    assert x0 == pytest.approx(anchored, abs=1e-3 * low)
    k, ours_scale = weibull_profile(u, sample.censored, 1.0)
    assert (k, ours_scale) == pytest.approx((c, scale), rel=1e-4)


def test_normal_censored_is_scipys() -> None:
    sample = censored_sample(7)
    y = np.log(sample.values)
    mu, sigma, _ = normal_censored(y, sample.censored, math.nan, math.nan)
    theirs = stats.norm.fit(stats.CensoredData(uncensored=y[~sample.censored],
                                               right=y[sample.censored]))
    assert (mu, sigma) == pytest.approx(theirs, rel=1e-4)


@pytest.mark.parametrize("name", MODELS)
def test_refit_kernel_is_the_python_loop(name: str) -> None:
    """The goodness-of-fit kernel (each row refitted, its KS gap) equals each row fitted and
    its KS distance taken one by one, and the base class's loop for a model without a
    kernel (scipy's CDF); a row with no solved run gives NaN."""
    rows = [censored_sample(s, size=60) for s in range(5)]
    values = np.array([r.values for r in rows])
    censored = np.array([r.censored for r in rows])
    censored[2] = True
    model = get(name)
    ours = model.refit_distances(values, censored)
    reference = np.full(len(rows), np.nan)
    for b, (v, c) in enumerate(zip(values, censored, strict=True)):
        if not c.all():
            reference[b] = ks_distance(Sample(v, c), fit(name, Sample(v, c)))
    generic = type("NoKernel", (type(model),), {  # the Python loop, scipy's CDF
        "kernel": None, "estimate": lambda self, sample: model.estimate(sample)})(name)
    in_python = generic.refit_distances(values, censored)
    for other in (reference, in_python):
        assert np.isnan(ours[2]) and np.isnan(other[2])
        assert np.allclose(np.delete(ours, 2), np.delete(other, 2), rtol=1e-10)
