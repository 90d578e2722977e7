"""The splice (`--dist auto`): the Kaplan-Meier body, the fitted left tails, E[Z_n] against
quadrature of its own definition, brute force and closed forms, draws, the smoothed bootstrap;
and the shifted Weibull it fits."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, stats

from satspeed.predict import splice
from satspeed.predict.fit import Fit, fit, fit_all
from satspeed.predict.models.mle import normal_censored, splice_replicates, weibull_profile
from satspeed.predict.sample import Sample, kaplan_meier
from satspeed.predict.select import censor_like


def weibull_sample(size: int, seed: int, shift: float = 200.0, shape: float = 0.8,
                   scale: float = 3000.0) -> np.ndarray:
    return shift + scale * np.random.default_rng(seed).weibull(shape, size)


def mixed_cutoffs(values: np.ndarray, seed: int) -> Sample:
    """Each run censored at its own cutoff (spread x0.3-1.7 around the median)."""
    cut = np.median(values) * np.random.default_rng(seed).uniform(0.3, 1.7, len(values))
    return Sample(np.minimum(values, cut), values > cut)


def test_kaplan_meier_is_scipys_with_ties_and_mixed_cutoffs() -> None:
    values = np.round(weibull_sample(300, 1, scale=50.0))  # integer flips: many ties
    sample = mixed_cutoffs(values, 2)
    times, survival = kaplan_meier(sample)
    assert np.all(np.diff(times) > 0)
    reference = stats.ecdf(sample.to_scipy()).sf
    np.testing.assert_allclose(survival, reference.evaluate(times), rtol=1e-12, atol=1e-15)


def test_without_tails_the_splice_is_the_runs_own_distribution() -> None:
    """A run of time 0 leaves no tail to fit: E[Z_n] is then the integral of the empirical
    S(t)^n, the mean of the minimum of n runs drawn with replacement (brute force)."""
    values = np.array([0.0, 3.0, 4.0, 10.0, 4.0, 7.0])
    s = splice.fit_splice(Sample(values, np.zeros(6, bool)), [])
    assert s.tails == () and s.below == 0.0
    for n in (1, 2, 3):
        brute = np.mean([min(c) for c in itertools.product(values, repeat=n)])
        assert splice.expected_min(s, np.array([float(n)]))[0] == pytest.approx(brute)


def _definition(s: splice.Splice, n: int, limit: float = math.inf) -> float:
    """E[min(Z_n, limit)] written out from the splice's definition, by adaptive quadrature:
    per tail, int S(t)^n dt with S = 1 - below F(t)/F(cut) below the cut, the Kaplan-Meier
    steps above, the beyond fits' conditional tails past the last run (Akaike-weighted);
    weighted by the tails' weights."""
    last = float(s.times[-1])
    total = 0.0
    for tail, weight in zip(s.tails, s.weights, strict=True):
        top = tail.cdf(np.array([s.cut]))[0]

        def head(t: float, tail: Fit = tail, top: float = top) -> float:
            return (1 - s.below * tail.cdf(np.array([t]))[0] / top) ** n

        end = min(s.cut, limit)
        x0 = tail.shift
        part = x0 + integrate.quad(lambda u, head=head, x0=x0: math.exp(u)
                                   * head(x0 + math.exp(u)),
                                   -80, math.log(end - x0), limit=500, epsabs=0,
                                   epsrel=1e-11)[0]
        knots = np.minimum(s.times, limit)
        part += float(np.sum(s.survival[:-1] ** n * np.diff(knots)))
        for f, w in zip(s.beyond, s.beyond_weights, strict=True):
            if limit <= last:
                break
            at_last = f.logsf(np.array([last]))[0]

            def past(t: float, f: Fit = f, at_last: float = at_last) -> float:
                return (s.survival[-1] * math.exp(f.logsf(np.array([t]))[0] - at_last)) ** n

            part += w * integrate.quad(past, last, limit, limit=500, epsrel=1e-11)[0]
        total += weight * part
    return total


@pytest.mark.parametrize("censored", [False, True])
def test_expected_min_is_the_integral_of_its_definition(censored: bool) -> None:
    values = weibull_sample(400, 3)
    sample = mixed_cutoffs(values, 4) if censored else Sample(values, np.zeros(400, bool))
    if censored:  # the slowest run timed out: the full fits supply the tail past it
        sample.censored[np.argmax(sample.values)] = True
    s = splice.fit_splice(sample, [f.model for f in fit_all(sample)])
    assert len(s.tails) == 2 and s.weights.sum() == pytest.approx(1.0)
    assert len(s.beyond) == (6 if censored else 0)
    if censored:
        aic = np.array([f.aic for f in s.beyond])
        np.testing.assert_allclose(s.beyond_weights, np.exp(-(aic - aic.min()) / 2)
                                   / np.exp(-(aic - aic.min()) / 2).sum())
    cores = np.array([1.0, 2.0, 16.0, 384.0])
    got = splice.expected_min(s, cores)
    for n, value in zip(cores, got, strict=True):
        assert value == pytest.approx(_definition(s, int(n)), rel=1e-8)
    tau = float(np.quantile(sample.values, 0.6))
    restricted = splice.expected_min(s, cores, limit=tau)
    for n, value in zip(cores, restricted, strict=True):
        assert value == pytest.approx(_definition(s, int(n), tau), rel=1e-8)


def test_the_cut_is_the_tail_fraction_quantile_of_the_solved_runs() -> None:
    values = weibull_sample(200, 5)
    sample = mixed_cutoffs(values, 6)
    solved = np.sort(sample.observed)
    m = max(splice.TAIL_MIN_RUNS, round(splice.TAIL_FRACTION * len(solved)))
    assert splice.cut_of(sample) == solved[m - 1]
    few = Sample(values[:12], np.zeros(12, bool))  # at least TAIL_MIN_RUNS below the cut
    assert splice.cut_of(few) == np.sort(values[:12])[splice.TAIL_MIN_RUNS - 1]


@pytest.mark.parametrize(("shift", "shape"), [(200.0, 0.8), (100.0, 1.0), (500.0, 2.0)])
def test_from_many_runs_the_splice_finds_the_closed_form(shift: float, shape: float) -> None:
    """20,000 draws of a shifted Weibull: E[Z_n] = x0 + scale Gamma(1 + 1/k) n^(-1/k), within
    the sampling error of so many runs (1.5%), also with 20% censored at one cutoff."""
    values = weibull_sample(20_000, 7, shift, shape, 1000.0)
    cores = np.array([1.0, 2.0, 16.0, 64.0, 384.0])
    exact = shift + 1000.0 * math.gamma(1 + 1 / shape) * cores ** (-1 / shape)
    cut = np.quantile(values, 0.8)
    for sample in (Sample(values, np.zeros(len(values), bool)),
                   Sample(np.minimum(values, cut), values > cut)):
        s = splice.fit_splice(sample, ["shifted-weibull"])
        np.testing.assert_allclose(splice.expected_min(s, cores), exact, rtol=0.015)


def test_draws_follow_the_splice_and_reach_below_the_fastest_run() -> None:
    sample = Sample(weibull_sample(300, 8), np.zeros(300, bool))
    s = splice.fit_splice(sample, [])
    draws = splice.draw(s, 200_000, np.random.default_rng(9))
    assert draws.min() < sample.values.min()
    assert np.mean(draws <= s.cut) == pytest.approx(s.below, abs=0.005)
    e = splice.expected_min(s, np.array([1.0, 2.0]))
    assert draws.mean() == pytest.approx(e[0], rel=0.02)
    assert np.minimum(draws[::2], draws[1::2]).mean() == pytest.approx(e[1], rel=0.02)
    above = draws[draws > s.cut]  # only run times above the cut, as often as the runs have them
    assert set(np.unique(above)) <= set(sample.values)


def test_bootstrap_interval_holds_the_estimate_and_is_reproducible() -> None:
    sample = mixed_cutoffs(weibull_sample(150, 10), 11)
    right = fit_all(sample)
    s = splice.fit_splice(sample, [f.model for f in right])
    cores = np.array([1.0, 4.0, 64.0])
    low, high = splice.bootstrap_speedup(sample, s, right, cores, 30,
                                         np.random.default_rng(12))
    g = splice.speedup(s, cores)
    assert low[0] == pytest.approx(1.0) and high[0] == pytest.approx(1.0)
    assert np.all(low[1:] < g[1:]) and np.all(g[1:] < high[1:])
    again = splice.bootstrap_speedup(sample, s, right, cores, 30, np.random.default_rng(12))
    np.testing.assert_array_equal(low, again[0])


def test_bootstrap_interval_is_the_union_of_the_splices_and_each_tails() -> None:
    """The interval is the union of the splice's estimate times exp(-+1.96 sd) and, for each
    tail of weight >= UNION_WEIGHT, G(n) with that tail alone times exp(-+1.96 sd_tail), the
    sds those of log G(n) over the replicates, each replicate refitted by `fit_splice` and
    predicted by `speedup` here, in Python, with all its tails or that one alone. On a
    Weibull of shape 0.8 (100 runs) the tails disagree at many cores, and the union is wider
    there than the splice's own interval."""
    rng = np.random.default_rng(5)
    sample = Sample(rng.weibull(0.8, 100) * 3000.0, np.zeros(100, bool))
    fits = fit_all(sample)
    s = splice.fit_splice(sample, [f.model for f in fits])
    assert len(s.tails) == 2 and min(s.weights) >= splice.UNION_WEIGHT
    cores = np.array([1.0, 16.0, 384.0])
    low, high = splice.bootstrap_speedup(sample, s, fits, cores, 40, np.random.default_rng(6))
    # the same replicate samples, drawn as `replicates` draws them (no timeouts here)
    found = splice.replicates(sample, s, fits, cores, 40, np.random.default_rng(6))
    by_hand: dict[str, list[np.ndarray]] = {m: [] for m in splice.TAIL_MODELS}
    check = []
    draws = splice.draw(s, 40 * 100, np.random.default_rng(6)).reshape(40, 100)
    rng = np.random.default_rng(6)
    splice.draw(s, 40 * 100, rng)  # the stream as `_replicates` leaves it after its draws
    usable = [f for f in fits if splice._usable(f)]
    weights = splice.akaike_weights(usable)
    high_q = float(np.quantile(sample.observed, splice.RIGHT_QUANTILE))
    picked = rng.choice(len(usable), size=40, p=weights)
    for i, f in enumerate(usable):
        mine = (draws > high_q) & (picked == i)[:, None]
        if mine.any():
            at = math.exp(float(f.logsf(np.array([high_q]))[0]))
            draws[mine] = f.isf(rng.random(int(mine.sum())) * at)
    weighty = [f.model for f, w in zip(usable, weights, strict=True) if w >= 0.01]
    for row in draws:
        one = splice.fit_splice(Sample(np.sort(row), np.zeros(100, bool)), weighty)
        check.append(splice.speedup(one, cores, nodes=splice.REPLICATE_NODES))
        for tail in one.tails:
            alone = replace(one, tails=(tail,), weights=np.ones(1))
            by_hand[tail.model].append(splice.speedup(alone, cores,
                                                      nodes=splice.REPLICATE_NODES))
    np.testing.assert_allclose(found, np.array(check), rtol=1e-9)
    g = splice.speedup(s, cores)
    z = stats.norm.ppf(0.975)
    sd = np.std(np.log(found), axis=0, ddof=1)
    lows, highs = [g * np.exp(-z * sd)], [g * np.exp(z * sd)]
    for tail in s.tails:
        own = splice.speedup(replace(s, tails=(tail,), weights=np.ones(1)), cores,
                             nodes=splice.REPLICATE_NODES)
        sd_tail = np.std(np.log(by_hand[tail.model]), axis=0, ddof=1)
        lows.append(own * np.exp(-z * sd_tail))
        highs.append(own * np.exp(z * sd_tail))
    np.testing.assert_allclose(low, np.min(lows, axis=0), rtol=1e-6)
    np.testing.assert_allclose(high, np.max(highs, axis=0), rtol=1e-6)
    assert high[-1] > 1.2 * highs[0][-1]  # a tail's own interval reaches further


def test_bootstrap_interval_takes_in_each_weighty_model_past_the_last_run() -> None:
    """Where the last run timed out, the full fits that extend the runs past it widen the
    interval to their own too (each alone, weight >= UNION_WEIGHT), from the replicates'
    G(n) with that fit alone (checked against `fit_splice` one by one in
    test_replicate_kernel_is_the_splice_fitted_to_each_sample)."""
    rng = np.random.default_rng(8)
    y = rng.lognormal(8.0, 1.5, 100)
    cut = float(np.quantile(y, 0.8))
    sample = Sample(np.minimum(y, cut), y > cut)
    fits = fit_all(sample)
    s = splice.fit_splice(sample, [f.model for f in fits])
    weighty = [f for f, w in zip(s.beyond, s.beyond_weights, strict=True)
               if w >= splice.UNION_WEIGHT]
    assert len(weighty) >= 2
    cores = np.array([1.0, 2.0, 64.0])
    low, high = splice.bootstrap_speedup(sample, s, fits, cores, 40, np.random.default_rng(9))
    found, tails, pasts, refitted = splice._replicates(sample, s, fits, cores, 40,
                                                       np.random.default_rng(9))
    z = stats.norm.ppf(0.975)
    g = splice.speedup(s, cores)
    sd = np.std(np.log(found), axis=0, ddof=1)
    lows, highs = [g * np.exp(-z * sd)], [g * np.exp(z * sd)]
    one_weight = np.ones(1)
    alone = [(tails[:, splice.TAIL_MODELS.index(t.model)],
              replace(s, tails=(t,), weights=one_weight))
             for t, w in zip(s.tails, s.weights, strict=True) if w >= splice.UNION_WEIGHT]
    alone += [(pasts[:, refitted.index(f.model)],
               replace(s, beyond=(f,), beyond_weights=one_weight)) for f in weighty]
    for found_alone, one in alone:
        found_alone = found_alone[np.isfinite(found_alone).all(axis=1)]
        own = splice.speedup(one, cores, nodes=splice.REPLICATE_NODES)
        sd = np.std(np.log(found_alone), axis=0, ddof=1)
        lows.append(own * np.exp(-z * sd))
        highs.append(own * np.exp(z * sd))
    np.testing.assert_allclose(low, np.min(lows, axis=0), rtol=1e-12)
    np.testing.assert_allclose(high, np.max(highs, axis=0), rtol=1e-12)
    past_only = [h for h, (_, one) in zip(highs[1:], alone, strict=True) if one.beyond != s.beyond]
    assert max(h[1] for h in past_only) > highs[0][1]  # a full fit's own reaches further at 2


def test_replicate_kernel_is_the_splice_fitted_to_each_sample() -> None:
    """`mle.splice_replicates` (all the bootstrap samples in one call) gives, for each
    sample, the speedups of `fit_splice` and `speedup` applied to it one by one: its cut,
    tails, weights, the full fits past a last run that timed out (refitted), or none; a
    sample with fewer than 2 distinct solved runs is not fitted, and one with a run of time 0
    has no tail (the runs alone)."""
    sample = mixed_cutoffs(weibull_sample(120, 21), 22)
    fits = fit_all(sample)
    s = splice.fit_splice(sample, [f.model for f in fits])
    rng = np.random.default_rng(23)
    boot = censor_like(sample, splice.draw(s, 12 * 120, rng).reshape(12, 120), rng)
    values, censored = boot.values.copy(), boot.censored.copy()
    values[0, 5], censored[0, 5] = 0.0, False  # no tail can be fitted
    censored[1] = True
    censored[1, :2] = False
    values[1, :2] = 7.0  # one distinct solved run only
    assert censored[2:, np.argmax(values[2:], axis=1)].any()  # some end on a timeout
    models = ("shifted-lognormal", "lognormal", "shifted-weibull")
    cores = np.array([1.0, 2.0, 16.0, 384.0])
    times, alone, alone_past, ok = splice_replicates(
        values, censored, splice.kernel_kinds(splice.TAIL_MODELS),
        splice.kernel_kinds(models), splice.TAIL_FRACTION, splice.TAIL_MIN_RUNS, 1e-10,
        cores, 101)
    assert ok.tolist() == [True, False] + [True] * 10
    for row in np.flatnonzero(ok):
        b = Sample(values[row], censored[row])
        top = b.values == b.values.max()
        one = splice.fit_splice(b, models)
        assert bool(one.beyond) == (row != 0 and bool(b.censored[top].any()))  # 0: no fit
        assert bool(one.tails) == (row != 0)
        np.testing.assert_allclose(times[row], splice.expected_min(one, cores, nodes=101),
                                   rtol=1e-12)
        for found, names, field, weights in (  # each tail alone, each full fit alone
                (alone, splice.TAIL_MODELS, "tails", "weights"),
                (alone_past, models, "beyond", "beyond_weights")):
            fitted = {f.model: f for f in getattr(one, field)}
            for k, model in enumerate(names):
                if model not in fitted:
                    assert np.isnan(found[row, k]).all()
                    continue
                single = replace(one, **{field: (fitted[model],), weights: np.ones(1)})
                np.testing.assert_allclose(found[row, k],
                                           splice.expected_min(single, cores, nodes=101),
                                           rtol=1e-12)
    assert np.isfinite(alone_past).any()  # some rows ended on a timeout


def test_weibull_profile_is_scipys_censored_mle() -> None:
    values = weibull_sample(500, 13, shift=0.0)
    sample = mixed_cutoffs(values, 14)
    k, scale = weibull_profile(sample.values, sample.censored, 1.0)
    shape_ref, _, scale_ref = stats.weibull_min.fit(sample.to_scipy(), floc=0)
    assert k == pytest.approx(shape_ref, rel=1e-4)
    assert scale == pytest.approx(scale_ref, rel=1e-4)


def test_shifted_weibull_anchors_its_shift_at_the_fastest_run() -> None:
    """x0 = min - E[min of R runs - x0] under the fitted (k, scale), which for k = 1 is the
    shifted exponential's bias-corrected shift."""
    values = weibull_sample(2000, 15, shift=300.0, shape=1.0, scale=1000.0)
    sample = Sample(values, np.zeros(len(values), bool))
    f = fit("shifted-weibull", sample)
    p = f.params
    expected_gap = p["scale"] * math.gamma(1 + 1 / p["shape"]) * len(values) ** (-1 / p["shape"])
    assert p["shift"] == pytest.approx(values.min() - expected_gap, rel=1e-6)
    assert p["shape"] == pytest.approx(1.0, abs=0.05)
    exp = fit("shifted-exp", sample)
    assert p["shift"] == pytest.approx(exp.params["shift"], rel=0.01)


def test_normal_censored_with_several_cutoffs_is_scipys_mle() -> None:
    rng = np.random.default_rng(16)
    y = rng.normal(5.0, 1.3, 400)
    cut = rng.choice([4.0, 5.5, 6.5], 400)
    censored = y > cut
    y = np.minimum(y, cut)
    mu, sigma, loglik = normal_censored(y, censored, math.nan, math.nan)

    def likelihood(m: float, s: float) -> float:
        return float(stats.norm.logpdf(y[~censored], m, s).sum()
                     + stats.norm.logsf(y[censored], m, s).sum())

    assert loglik == pytest.approx(likelihood(mu, sigma), rel=1e-12)
    ref = stats.norm.fit(stats.CensoredData(uncensored=y[~censored], right=y[censored]))
    assert loglik >= likelihood(*ref) - 1e-9  # as high as scipy's (here a little higher)
    assert mu == pytest.approx(ref[0], rel=1e-4) and sigma == pytest.approx(ref[1], rel=1e-4)
