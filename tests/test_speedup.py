"""Order statistics of multi-walk runs (satspeed.predict.speedup, .observed): the predicted
E[Z_n] against closed forms and high-precision quadrature, speedups, the observed
(order-statistics) estimator against brute force over all n-subsets, and the bootstrap intervals."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate, special, stats

from satspeed.predict.fit import Fit, fit, fit_all
from satspeed.predict.models.lognormal import lognormal_expected_min
from satspeed.predict.observed import (
    observed_expected_min,
    observed_mixed_min,
    order_statistic_weights,
    restriction,
)
from satspeed.predict.sample import Sample
from satspeed.predict.select import choose
from satspeed.predict.speedup import bootstrap_speedup, expected_min, predicted_speedup

CORES = (1, 2, 3, 48, 384, 10**4, 10**6)
SIGMAS = (0.3, 1.0, 2.5)


def integral_of_sn(log_sf: Callable[[float], float], median: float, width: float,
                   n: float) -> float:
    """High-precision E[min of n] - shift = int_0^inf S(t)^n dt of an unshifted distribution.

    In log time (t = e^u, dt = e^u du) the integrand is smooth and its mass lies within a few
    `width`s of the median of Z_n in log time, where the integral is split so that quad cannot
    miss it (in linear time it does: 32% low for a lognormal with sigma 2.5 at n = 10^6)."""
    m = math.log(median)

    def integrand(u: float) -> float:
        return math.exp(u + n * log_sf(math.exp(u)))

    edges = [m + width * k for k in (-200, -20, -5, 0, 5, 20, 200)]
    return sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-13, limit=500)[0]
               for a, b in itertools.pairwise(edges))


def median_z_of_standard_normal_min(n: float) -> float:
    """m with P(min of n standard normals > m) = 1/2, i.e. Phi(m) = 1 - 2^(-1/n)."""
    return float(special.ndtri(-math.expm1(-math.log(2) / n)))


def reference_lognormal(mu: float, sigma: float, shift: float, n: float) -> float:
    median = math.exp(mu + sigma * median_z_of_standard_normal_min(n))
    return shift + integral_of_sn(lambda t: special.log_ndtr(-(math.log(t) - mu) / sigma),
                                  median, sigma, n)


def reference_weibull(shape: float, scale: float, n: float) -> float:
    median = scale * (math.log(2) / n) ** (1 / shape)
    return integral_of_sn(lambda t: -((t / scale) ** shape), median, 1 / shape, n)


def reference_shifted_exp(shift: float, rate: float, n: float) -> float:
    return shift + integral_of_sn(lambda t: -rate * t, math.log(2) / (n * rate), 1.0, n)


# ---------------------------------------------------------------------------- predicted E[Z_n]


@pytest.mark.parametrize("shift", [0.0, 37.0])
@pytest.mark.parametrize("sigma", SIGMAS)
def test_lognormal_expected_min_matches_quadrature(sigma: float, shift: float) -> None:
    mu = 1.3
    model = "shifted-lognormal" if shift else "lognormal"
    params = {"shift": shift, "mu": mu, "sigma": sigma} if shift else {"mu": mu, "sigma": sigma}
    ours = expected_min(Fit(model, params, 0.0), np.array(CORES, float))
    for n, value in zip(CORES, ours, strict=True):
        reference = reference_lognormal(mu, sigma, shift, n)
        assert value == pytest.approx(reference, rel=1e-6), n
        # the part above the shift too, which the shift would otherwise hide
        assert value - shift == pytest.approx(reference - shift, rel=1e-6), n


@pytest.mark.parametrize("sigma", SIGMAS)
def test_lognormal_n1_is_the_mean(sigma: float) -> None:
    mu, shift = 4.0, 12.5
    f = Fit("shifted-lognormal", {"shift": shift, "mu": mu, "sigma": sigma}, 0.0)
    mean = shift + math.exp(mu + sigma**2 / 2)
    assert expected_min(f, np.array([1.0]))[0] == pytest.approx(mean, rel=1e-10)
    assert mean == pytest.approx(stats.lognorm(s=sigma, loc=shift, scale=math.exp(mu)).mean())


def test_lognormal_expected_min_is_vectorised_over_parameters() -> None:
    mu, sigma, shift = np.array([0.0, 2.0, -1.0]), np.array([0.3, 1.0, 2.5]), np.array([0, 5, 1])
    cores = np.array(CORES, float)
    together = lognormal_expected_min(mu, sigma, shift, cores)
    assert together.shape == (3, len(CORES))
    for i in range(3):
        alone = lognormal_expected_min(mu[i:i + 1], sigma[i:i + 1], shift[i:i + 1], cores)
        np.testing.assert_allclose(together[i], alone[0], rtol=1e-12)


def test_exponential_expected_min_and_speedup() -> None:
    rate = 0.0125
    f = Fit("exp", {"rate": rate}, 0.0)
    cores = np.array(CORES, float)
    np.testing.assert_allclose(expected_min(f, cores), 1 / (cores * rate), rtol=1e-12)
    for n, value in zip(CORES, expected_min(f, cores), strict=True):
        assert value == pytest.approx(reference_shifted_exp(0.0, rate, n), rel=1e-6)
    assert expected_min(f, np.array([1.0]))[0] == pytest.approx(stats.expon(scale=1 / rate).mean())
    np.testing.assert_allclose(predicted_speedup(f, cores), cores, rtol=1e-12)


def test_shifted_exponential_expected_min_and_speedup() -> None:
    shift, rate = 40.0, 0.02
    f = Fit("shifted-exp", {"shift": shift, "rate": rate}, 0.0)
    cores = np.array(CORES, float)
    times = expected_min(f, cores)
    np.testing.assert_allclose(times, shift + 1 / (cores * rate), rtol=1e-12)
    for n, value in zip(CORES, times, strict=True):
        assert value == pytest.approx(reference_shifted_exp(shift, rate, n), rel=1e-6)
    assert times[0] == pytest.approx(stats.expon(loc=shift, scale=1 / rate).mean())
    speedup = predicted_speedup(f, cores)
    np.testing.assert_allclose(speedup, (shift + 1 / rate) / times, rtol=1e-12)
    assert speedup[-1] < 1 + 1 / (shift * rate)  # bounded: G(n) -> 1 + 1/(x0 rate)
    assert speedup[-1] == pytest.approx(1 + 1 / (shift * rate), rel=1e-4)


@pytest.mark.parametrize("shape", [0.5, 0.8, 1.0, 1.7, 3.0])
def test_weibull_expected_min_and_speedup(shape: float) -> None:
    scale = 250.0
    f = Fit("weibull", {"shape": shape, "scale": scale}, 0.0)
    cores = np.array(CORES, float)
    times = expected_min(f, cores)
    closed = scale * math.gamma(1 + 1 / shape) * cores ** (-1 / shape)
    np.testing.assert_allclose(times, closed, rtol=1e-12)
    for n, value in zip(CORES, times, strict=True):
        assert value == pytest.approx(reference_weibull(shape, scale, n), rel=1e-6), n
    assert times[0] == pytest.approx(stats.weibull_min(c=shape, scale=scale).mean(), rel=1e-12)
    np.testing.assert_allclose(predicted_speedup(f, cores), cores ** (1 / shape), rtol=1e-12)


@pytest.mark.parametrize("sigma", SIGMAS)
def test_lognormal_speedup_grows_ever_slower(sigma: float) -> None:
    """Increasing, and in the end sub-linear: G(n)/n decreases. (Not below n everywhere: a
    heavy right tail makes it super-linear at first, e.g. G(2) = 2.09 for sigma = 1.)"""
    f = Fit("lognormal", {"mu": 3.0, "sigma": sigma}, 0.0)
    cores = np.array(CORES, float)
    speedup = predicted_speedup(f, cores)
    assert speedup[0] == pytest.approx(1.0, rel=1e-12)
    assert np.all(np.diff(speedup) > 0)
    assert np.all(np.diff(speedup[3:] / cores[3:]) < 0)
    shifted = Fit("shifted-lognormal", {"shift": 1.0, "mu": 3.0, "sigma": sigma}, 0.0)
    bounded = predicted_speedup(shifted, cores)  # a shift bounds it by E[Y] / shift
    assert np.all(bounded < 1 + math.exp(3.0 + sigma**2 / 2))
    times = expected_min(f, cores)
    np.testing.assert_allclose(speedup, times[0] / times, rtol=1e-12)


def test_expected_min_rejects_an_unknown_model() -> None:
    with pytest.raises(ValueError, match="unknown model 'gamma'"):  # the registry says so
        expected_min(Fit("gamma", {"a": 1.0}, 0.0), np.array([1.0]))


# ---------------------------------------------------------------------------- observed


def brute_force_min(values: np.ndarray, n: int) -> float:
    """Mean over all n-subsets of the runs of their minimum."""
    mins = [min(c) for c in itertools.combinations(values.tolist(), n)]
    return sum(mins) / len(mins)


SMALL = [  # (values, censored): ties among solved runs, between solved and censored runs
    ([5.0, 3.0, 3.0, 8.0, 1.0, 3.0, 12.0, 12.0], [False] * 6 + [True, True]),
    ([2.0, 2.0, 2.0, 2.0, 7.0], [False] * 5),
    ([4.0, 9.0, 1.5, 9.0, 9.0, 6.0, 4.0, 9.0, 2.5], [False, True, False, True, True, False,
                                                     False, False, False]),
    ([10.0, 10.0, 10.0], [True, True, True]),
    ([1.0], [False]),
]


@pytest.mark.parametrize(("values", "censored"), SMALL)
def test_observed_expected_min_is_the_mean_over_all_subsets(values: list[float],
                                                            censored: list[bool]) -> None:
    sample = Sample(np.array(values), np.array(censored))
    runs, timeouts = len(values), sum(censored)
    cores = np.arange(1, runs + 3)
    estimate, bound = observed_expected_min(sample, cores)
    for n, value, is_bound in zip(cores, estimate, bound, strict=True):
        if n > runs:
            assert math.isnan(value)
        else:
            assert value == pytest.approx(brute_force_min(sample.values, int(n)), rel=1e-12)
        assert is_bound == (n <= timeouts)
    assert estimate[0] == pytest.approx(np.mean(values))


def test_bound_flag_is_exactly_when_a_censored_run_can_be_the_minimum() -> None:
    """With one cutoff above every solved run, a subset's minimum is censored only if the
    subset is all timeouts: possible exactly for n <= number of timeouts."""
    values = np.array([3.0, 1.0, 4.0, 20.0, 20.0, 20.0, 2.0])
    censored = values == 20.0
    _, bound = observed_expected_min(Sample(values, censored), np.arange(1, 8))
    for n in range(1, 8):
        can_be_censored = any(all(censored[list(c)])
                              for c in itertools.combinations(range(7), n))
        assert bound[n - 1] == can_be_censored


MIXED_CUTOFFS = [  # (values, censored) with cutoffs that differ between runs
    ([10.0, 20.0, 30.0, 1000.0, 15.0], [False, False, False, False, True]),  # the case
    ([4.0, 7.0, 7.0, 2.0, 9.0, 3.0, 5.0], [True, False, True, False, False, True, False]),
    ([6.0, 6.0, 1.0, 8.0, 8.0, 2.0], [False, True, False, True, False, False]),
    ([3.0, 1.0, 2.0], [True, True, True]),
]


def _censored_minimum(values: np.ndarray, censored: np.ndarray, subset: tuple[int, ...]) -> bool:
    """Whether the subset's minimum is a censored run (at equal values a solved run is the
    minimum: its exact time is that value, and the censored run's is above it)."""
    low = min(values[i] for i in subset)
    return not any(values[i] == low and not censored[i] for i in subset)


@pytest.mark.parametrize(("values", "censored"), MIXED_CUTOFFS)
def test_bound_flag_with_mixed_cutoffs_against_enumeration(values: list[float],
                                                          censored: list[bool]) -> None:
    x, c = np.array(values), np.array(censored)
    runs = len(x)
    _, bound = observed_expected_min(Sample(x, c), np.arange(1, runs + 1))
    for n in range(1, runs + 1):
        expected = any(_censored_minimum(x, c, s)
                       for s in itertools.combinations(range(runs), n))
        assert bound[n - 1] == expected, n
    if censored == MIXED_CUTOFFS[0][1]:  # solved [10, 20, 30, 1000], one timeout at 15
        assert bound.tolist() == [True, True, True, True, False]


@pytest.mark.parametrize(("values", "censored"), MIXED_CUTOFFS)
def test_restricted_estimate_is_exact_under_censoring(values: list[float],
                                                     censored: list[bool]) -> None:
    """E[min(Z_n, tau)] for tau the smallest censored value: the mean over all n-subsets of
    min(x, tau), which censoring does not bias (a run censored at c >= tau exceeds tau)."""
    x, c = np.array(values), np.array(censored)
    tau = restriction(Sample(x, c))
    assert tau == x[c].min()
    estimate, bound = observed_expected_min(Sample(x, c), np.arange(1, len(x) + 1), limit=tau)
    assert not bound.any()
    for n in range(1, len(x) + 1):
        subsets = list(itertools.combinations(np.minimum(x, tau), n))
        assert estimate[n - 1] == pytest.approx(np.mean([min(s) for s in subsets]), rel=1e-12)
    with pytest.raises(ValueError):
        observed_expected_min(Sample(x, c), np.array([1]), limit=tau * 1.01)
    assert restriction(Sample(x, np.zeros(len(x), bool))) is None


def test_mixed_bound_flag_against_enumeration() -> None:
    """A portfolio of 2 + 1 walkers drawn from two members with mixed cutoffs: the flag is set
    exactly when some draw has a censored run as its minimum."""
    a = Sample(np.array([5.0, 2.0, 9.0, 4.0]), np.array([False, True, False, False]))
    b = Sample(np.array([3.0, 1.0, 6.0]), np.array([False, False, True]))
    for ka, kb in [(2, 1), (1, 1), (3, 1), (1, 2), (2, 2), (4, 3), (0, 3)]:
        expected = False
        for da in itertools.combinations(range(4), ka):
            for db in itertools.combinations(range(3), kb):
                vals = np.concatenate([a.values[list(da)], b.values[list(db)]])
                cens = np.concatenate([a.censored[list(da)], b.censored[list(db)]])
                expected |= _censored_minimum(vals, cens, tuple(range(len(vals))))
        _, bound = observed_mixed_min([a, b], [ka, kb])
        assert bound == expected, (ka, kb)


def test_mixed_restricted_estimate_against_enumeration() -> None:
    """E[min(Z, tau)] of 2 + 1 walkers drawn from two members with censored runs: the mean over
    every draw of min(values, tau), tau the smallest censored value of either."""
    a = Sample(np.array([5.0, 2.5, 9.0, 4.0]), np.array([False, True, False, False]))
    b = Sample(np.array([3.0, 1.0, 6.0]), np.array([False, False, True]))
    tau = restriction(a, b)
    assert tau == 2.5
    draws = [min(min(np.minimum(a.values[list(da)], tau)), min(np.minimum(b.values[list(db)],
                                                                          tau)))
             for da in itertools.combinations(range(4), 2)
             for db in itertools.combinations(range(3), 1)]
    value, bound = observed_mixed_min([a, b], [2, 1], limit=tau)
    assert value == pytest.approx(np.mean(draws), rel=1e-12) and not bound


@pytest.mark.parametrize("runs", [1, 2, 5, 17, 60])
def test_order_statistic_weights_are_the_exact_binomial_ratios(runs: int) -> None:
    for n in range(1, runs + 1):
        w = order_statistic_weights(runs, n)
        exact = [Fraction(math.comb(runs - i, n - 1), math.comb(runs, n))
                 for i in range(1, runs + 1)]
        np.testing.assert_allclose(w, [float(e) for e in exact], rtol=1e-9, atol=1e-300)
        assert sum(exact) == 1
        assert w.sum() == pytest.approx(1.0, rel=1e-12)
        assert np.all(w >= 0)


@pytest.mark.parametrize(("runs", "n"), [(1000, 1), (1000, 2), (1000, 384), (1000, 1000),
                                         (10**5, 3), (10**5, 10**4)])
def test_order_statistic_weights_sum_to_one_at_scale(runs: int, n: int) -> None:
    w = order_statistic_weights(runs, n)
    assert w.sum() == pytest.approx(1.0, rel=1e-9)
    assert np.all(np.diff(w) <= 1e-300)  # the smallest runs weigh most
    assert np.all(w[runs - n + 1:] == 0)  # the n - 1 largest are never a minimum


def test_observed_matches_predicted_on_a_large_exponential_sample() -> None:
    x = np.random.default_rng(1).exponential(100.0, 20000)
    estimate, bound = observed_expected_min(Sample(x, np.zeros(len(x), bool)),
                                            np.array([1, 2, 8, 64]))
    np.testing.assert_allclose(estimate, 100.0 / np.array([1, 2, 8, 64]), rtol=0.05)
    assert not bound.any()


# ---------------------------------------------------------------------------- bootstrap


def lognormal_runs(size: int, seed: int, censoring: float = 0.0) -> Sample:
    x = np.random.default_rng(seed).lognormal(5.0, 1.0, size)
    if not censoring:
        return Sample(x, np.zeros(size, bool))
    cutoff = float(np.quantile(x, 1 - censoring))
    return Sample(np.minimum(x, cutoff), x >= cutoff)


@pytest.mark.parametrize("censoring", [0.0, 0.1])
def test_bootstrap_interval_is_ordered_and_contains_the_estimate(censoring: float) -> None:
    sample = lognormal_runs(150, seed=3, censoring=censoring)
    cores = np.array([1, 2, 4, 16, 64, 384], float)
    models = ("shifted-exp", "lognormal", "shifted-lognormal")
    chosen = choose(fit_all(sample), models)
    point = predicted_speedup(chosen, cores)
    low, high = bootstrap_speedup(models, sample, cores, 20, np.random.default_rng(0))
    assert low.shape == high.shape == cores.shape
    assert np.all(np.isfinite(low)) and np.all(np.isfinite(high))
    assert np.all(low <= high)
    assert np.all(low <= point * (1 + 1e-12)) and np.all(point <= high * (1 + 1e-12))
    assert low[0] == pytest.approx(1.0) and high[0] == pytest.approx(1.0)
    assert np.all(np.diff(low) >= 0) and np.all(np.diff(high) >= 0)


@pytest.mark.parametrize("model", ["lognormal", "weibull", "shifted-exp"])
def test_bootstrap_of_one_model(model: str) -> None:
    sample = lognormal_runs(150, seed=4)
    cores = np.array([1, 8, 100], float)
    point = predicted_speedup(fit(model, sample), cores)
    low, high = bootstrap_speedup((model,), sample, cores, 30, np.random.default_rng(1))
    assert np.all(low <= high)
    assert np.all(low <= point * (1 + 1e-12)) and np.all(point <= high * (1 + 1e-12))


def test_bootstrap_of_the_exponential_is_exactly_linear() -> None:
    cores = np.array([1, 2, 48, 384], float)
    low, high = bootstrap_speedup(("exp",), lognormal_runs(50, seed=5), cores, 10,
                                  np.random.default_rng(2))
    np.testing.assert_allclose(low, cores, rtol=1e-12)
    np.testing.assert_allclose(high, cores, rtol=1e-12)


def test_bootstrap_without_usable_resamples_is_nan() -> None:
    sample = Sample(np.array([5.0, 5.0, 9.0]), np.array([False, False, True]))
    low, high = bootstrap_speedup(("exp",), sample, np.array([1.0, 2.0]), 5,
                                  np.random.default_rng(0))
    assert np.isnan(low).all() and np.isnan(high).all()
