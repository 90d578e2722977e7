"""Censored maximum-likelihood fits (satspeed.predict.fit, .models, .select): recovery of known
parameters with and without censoring, agreement with scipy's own censored fits and the
closed-form exponential MLE, model choice by AIC, and the parametric-bootstrap goodness of fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from satspeed.predict.fit import Fit, fit, fit_all
from satspeed.predict.models import MODELS, get
from satspeed.predict.sample import Sample
from satspeed.predict.select import (
    AUTO_MODELS,
    GOF_EXCEEDANCES,
    censor_like,
    choose,
    gof_limit,
    gof_pvalue,
    ks_distance,
    sequential_null_cdf,
)

N = 20000
CENSORING = (0.0, 0.1, 0.3)  # fraction of runs cut off at a fixed cutoff
# The true models: scipy distribution and our parameters.
TRUTHS: dict[str, tuple[stats.rv_continuous, dict[str, float]]] = {
    "exp": (stats.expon(scale=100.0), {"rate": 0.01}),
    "shifted-exp": (stats.expon(loc=50.0, scale=100.0), {"shift": 50.0, "rate": 0.01}),
    "lognormal": (stats.lognorm(s=1.2, scale=math.exp(5.0)), {"mu": 5.0, "sigma": 1.2}),
    "shifted-lognormal": (stats.lognorm(s=0.8, loc=30.0, scale=100.0),
                          {"shift": 30.0, "mu": math.log(100.0), "sigma": 0.8}),
    "weibull": (stats.weibull_min(c=0.7, scale=300.0), {"shape": 0.7, "scale": 300.0}),
    "weibull-light": (stats.weibull_min(c=1.8, scale=300.0), {"shape": 1.8, "scale": 300.0}),
}
# Loose statistical tolerances at N = 20000 (several standard errors).
TOLERANCE = {"rate": 0.05, "shift": 0.05, "mu": 0.01, "sigma": 0.05, "shape": 0.05, "scale": 0.05}


def model_of(name: str) -> str:
    return name.removesuffix("-light")


def draw(dist: stats.rv_continuous, size: int, censoring: float, seed: int) -> Sample:
    """`size` draws, right-censored at the (1 - censoring) quantile when censoring > 0."""
    x = dist.rvs(size=size, random_state=np.random.default_rng(seed))
    if not censoring:
        return Sample(x, np.zeros(size, bool))
    cutoff = float(dist.ppf(1 - censoring))
    cut = x > cutoff
    return Sample(np.where(cut, cutoff, x), cut)


_SAMPLES: dict[tuple[str, float], Sample] = {}


def sample_of(name: str, censoring: float) -> Sample:
    key = (name, censoring)
    if key not in _SAMPLES:
        seed = list(TRUTHS).index(name) * 10 + CENSORING.index(censoring)
        _SAMPLES[key] = draw(TRUTHS[name][0], N, censoring, seed=seed)
    return _SAMPLES[key]


def reference_loglik(dist: stats.rv_continuous, sample: Sample) -> float:
    return float(np.sum(dist.logpdf(sample.observed))
                 + np.sum(dist.logsf(sample.values[sample.censored])))


# ---------------------------------------------------------------------------- recovery


@pytest.mark.parametrize("censoring", CENSORING)
@pytest.mark.parametrize("name", list(TRUTHS))
def test_fit_recovers_the_true_parameters(name: str, censoring: float) -> None:
    sample = sample_of(name, censoring)
    assert abs(sample.censored.mean() - censoring) < 0.02
    f = fit(model_of(name), sample)
    truth = TRUTHS[name][1]
    assert set(f.params) == set(truth)
    for key, value in truth.items():
        if key == "mu":  # a log scale: absolute
            assert f.params[key] == pytest.approx(value, abs=TOLERANCE[key] * 5), key
        elif key == "shift" and name == "shifted-lognormal":  # weakly identified: looser
            assert f.params[key] == pytest.approx(value, rel=0.15), key
        else:
            assert f.params[key] == pytest.approx(value, rel=TOLERANCE[key]), key


@pytest.mark.parametrize("censoring", CENSORING)
@pytest.mark.parametrize("name", list(TRUTHS))
def test_loglik_is_the_censored_likelihood(name: str, censoring: float) -> None:
    """Fit.loglik = sum logpdf(solved) + sum logsf(censored), under the fitted parameters."""
    sample = sample_of(name, censoring)
    f = fit(model_of(name), sample)
    fitted = f.family(**get(f.model).scipy_args(f.params))
    assert f.loglik == pytest.approx(reference_loglik(fitted, sample), rel=1e-10)
    assert f.loglik == pytest.approx(get(f.model).loglik(f.params, sample), rel=1e-12)
    assert f.aic == pytest.approx(2 * len(f.params) - 2 * f.loglik)
    # the maximum: at least the likelihood of the truth (not for the shifted exponential,
    # whose shift is the sample minimum corrected for its bias, on purpose: not the MLE)
    if f.model != "shifted-exp":
        assert f.loglik >= reference_loglik(TRUTHS[name][0], sample) - 1e-6


@pytest.mark.parametrize("censoring", CENSORING)
def test_exponential_mle_is_the_closed_form(censoring: float) -> None:
    """rate = solved runs / sum of all values, censored ones included; scipy agrees."""
    sample = sample_of("exp", censoring)
    f = fit("exp", sample)
    closed = (~sample.censored).sum() / sample.values.sum()
    assert f.params["rate"] == pytest.approx(closed, rel=1e-12)
    _, scale = stats.expon.fit(sample.to_scipy(), floc=0)
    assert f.params["rate"] == pytest.approx(1 / scale, rel=1e-4)


@pytest.mark.parametrize("censoring", CENSORING)
@pytest.mark.parametrize("name", ["lognormal", "weibull", "weibull-light"])
def test_censored_mle_equals_scipy(name: str, censoring: float) -> None:
    """Our fit is scipy's `<dist>.fit(CensoredData, floc=0)` to 1e-4, and at least as likely."""
    sample = sample_of(name, censoring)
    model = model_of(name)
    ours = fit(model, sample)
    if model == "lognormal":
        s, loc, scale = stats.lognorm.fit(sample.to_scipy(), floc=0)
        theirs = {"mu": math.log(scale), "sigma": s}
    else:
        c, loc, scale = stats.weibull_min.fit(sample.to_scipy(), floc=0)
        theirs = {"shape": c, "scale": scale}
    assert loc == 0
    for key, value in theirs.items():
        assert ours.params[key] == pytest.approx(value, rel=1e-4), key
    assert ours.loglik >= get(model).loglik(theirs, sample) - 1e-6


def test_a_sample_as_scipy_censored_data() -> None:
    sample = Sample(np.array([3.0, 1.0, 5.0, 5.0]), np.array([False, False, True, True]))
    data = sample.to_scipy()
    assert len(data) == 4
    assert data.num_censored() == 2
    assert sample.observed.tolist() == [3.0, 1.0]


# ---------------------------------------------------------------------------- model choice


def equivalent_to_exp(f: Fit) -> bool:
    """Models that nest the exponential, at the exponential."""
    if f.model == "shifted-exp":
        return f.params["shift"] < 0.01 / f.params["rate"]
    if f.model == "weibull":
        return abs(f.params["shape"] - 1) < 0.02
    return f.model == "exp"


@pytest.mark.parametrize("censoring", [0.0, 0.3])
def test_aic_picks_the_exponential(censoring: float) -> None:
    fits = fit_all(sample_of("exp", censoring))
    assert [f.aic for f in fits] == sorted(f.aic for f in fits)
    assert equivalent_to_exp(fits[0]), fits[0]
    chosen = choose(fits)  # among AUTO_MODELS: the shifted exponential, at shift ~0
    assert chosen.model == "shifted-exp"
    assert equivalent_to_exp(chosen)


@pytest.mark.parametrize("censoring", [0.0, 0.3])
def test_aic_picks_the_lognormal(censoring: float) -> None:
    fits = fit_all(sample_of("lognormal", censoring))
    best = fits[0]
    assert best.model in ("lognormal", "shifted-lognormal")
    assert best.params.get("shift", 0.0) < 0.01 * math.exp(5.0)
    chosen = choose(fits)
    assert chosen.model in ("lognormal", "shifted-lognormal")
    assert chosen.params.get("shift", 0.0) < 0.01 * math.exp(5.0)


@pytest.mark.parametrize("censoring", [0.0, 0.3])
@pytest.mark.parametrize("name", ["weibull", "weibull-light"])
def test_aic_picks_the_weibull(name: str, censoring: float) -> None:
    fits = fit_all(sample_of(name, censoring))
    best = fits[0] if fits[0].model == "weibull" else fits[1]
    assert best.model == "weibull"  # or second to the shifted Weibull, which nests it
    nested = next(f for f in fits if f.model == "shifted-weibull")
    assert nested.params["shape"] == pytest.approx(best.params["shape"], rel=0.1)
    assert nested.params["shift"] < 0.01 * best.params["scale"]
    assert all(f.aic > best.aic + 10 for f in fits if f.model not in ("weibull",
                                                                       "shifted-weibull"))
    assert choose(fits).model in AUTO_MODELS  # never chosen automatically (README)
    assert choose(fits, MODELS).model in ("weibull", "shifted-weibull")  # the most general
    # of them within 10 AIC units: the shifted one, at shift ~0, where both are near


@pytest.mark.parametrize("censoring", [0.0, 0.3])
@pytest.mark.parametrize("name", ["shifted-exp", "shifted-lognormal"])
def test_aic_picks_the_shifted_models(name: str, censoring: float) -> None:
    fits = fit_all(sample_of(name, censoring))
    assert fits[0].model == name
    assert choose(fits).model == name
    assert fits[0].params["shift"] > 0.5 * TRUTHS[name][1]["shift"]


def test_choose_prefers_the_most_general_model_within_the_tolerance() -> None:
    fits = [Fit("shifted-exp", {"shift": 1.0, "rate": 1.0}, -100.0),
            Fit("lognormal", {"mu": 1.0, "sigma": 1.0}, -101.0),
            Fit("shifted-lognormal", {"shift": 1.0, "mu": 1.0, "sigma": 1.0}, -104.0)]
    assert choose(fits).model == "shifted-lognormal"  # 8 AIC units worse: within 10
    fits[2] = Fit("shifted-lognormal", {"shift": 1.0, "mu": 1.0, "sigma": 1.0}, -106.0)
    assert choose(fits).model == "shifted-exp"  # 12 worse: the best wins
    assert choose(fits, ("lognormal",)).model == "lognormal"


# ---------------------------------------------------------------------------- goodness of fit

GOF_N = 300
GOF_SAMPLES = 50


@pytest.mark.parametrize(("name", "censoring"), [
    *((name, 0.0) for name in ("exp", "shifted-exp", "lognormal", "shifted-lognormal",
                               "weibull")),
    ("exp", 0.2), ("lognormal", 0.2), ("weibull", 0.2),
])
def test_gof_p_value_is_not_tiny_for_the_true_family(name: str, censoring: float) -> None:
    """Under the true family the p-value is uniform: the median of three is rarely small."""
    pvalues = []
    for seed in (11, 12, 13):
        sample = draw(TRUTHS[name][0], GOF_N, censoring, seed=seed)
        f = fit(model_of(name), sample)
        pvalues.append(gof_pvalue(f, sample, GOF_SAMPLES, np.random.default_rng(seed)))
    assert all(0 < p <= 1 for p in pvalues)
    assert np.median(pvalues) > 0.05, pvalues


SPREADS = {  # the cutoffs' factors (one cutoff; per-run ones as a CPU-time limit gives)
    "one-cutoff": lambda rng: np.ones(100),
    "per-run-x0.3-1.7": lambda rng: rng.uniform(0.3, 1.7, 100),
    "per-run-lognormal": lambda rng: rng.lognormal(0.0, 0.5, 100),
}


def _null_pvalues(spread: str, datasets: int = 150, samples: int = 30) -> np.ndarray:
    """GoF p-values of lognormal fits to lognormal samples of 100 runs, about 20-25% censored
    at one cutoff or at per-run cutoffs around it (`SPREADS`)."""
    rng = np.random.default_rng(11)
    pvalues = []
    for k in range(datasets):
        y = rng.lognormal(5.0, 1.0, 100)
        cut = math.exp(5.84) * SPREADS[spread](rng)
        sample = Sample(np.minimum(y, cut), y > cut)
        f = fit("lognormal", sample)
        pvalues.append(gof_pvalue(f, sample, samples, np.random.default_rng(k)))
    return np.array(pvalues)


def test_sequential_null_cdf_is_the_simulated_one() -> None:
    """select.sequential_null_cdf's enumeration against a simulation of the rule itself
    (ranks of a uniform observed among B uniforms, scanned in order)."""
    rng = np.random.default_rng(3)
    h, samples = 4, 12
    found = []
    for _ in range(20000):
        observed, sims = rng.random(), rng.random(samples)
        reach = np.flatnonzero(sims >= observed)
        found.append(h / (reach[h - 1] + 1) if len(reach) >= h else (len(reach) + 1)
                     / (samples + 1))
    found = np.array(found)
    for level in (0.1, 0.3, 4 / 9, 0.5, 4 / 6, 0.9):
        exact = sequential_null_cdf(level, h, samples)
        sd = math.sqrt(exact * (1 - exact) / len(found))
        assert abs(np.mean(found <= level + 1e-12) - exact) < 4 * sd, level


@pytest.mark.parametrize("spread", list(SPREADS))
def test_gof_null_p_values_are_uniform_under_censoring(spread: str) -> None:
    """Under the null, P(p <= a) is the exact null probability of the sequential p-value
    (`sequential_null_cdf`: a itself where p can take the value a, as at 0.5 = 10/20), with
    one cutoff and with cutoffs that differ between runs (censoring the simulated runs at the
    largest cutoff, as before, gave P(p <= 0.05) = 0.14 there). Bounds: 3.5 binomial sd."""
    p = _null_pvalues(spread)
    levels = (0.1, 0.25, 0.5, 0.8, 1.0)
    exact = [sequential_null_cdf(level, GOF_EXCEEDANCES, 30) for level in levels]
    for level, e in zip(levels[:-1], exact, strict=False):
        sd = math.sqrt(e * (1 - e) / len(p))
        assert abs(np.mean(p <= level + 1e-12) - e) < 3.5 * sd, (level, np.mean(p <= level))
    found = np.diff([0, *(np.sum(p <= level + 1e-12) for level in levels)])
    assert stats.chisquare(found, np.diff([0.0, *exact]) * len(p)).pvalue > 1e-3


def test_gof_p_value_is_the_sequential_rule_on_every_distance() -> None:
    """The p-value equals Besag and Clifford's rule applied by hand to the distances of all
    the samples, the same draws refitted with no stop: it stops at the GOF_EXCEEDANCES-th
    distance at least the observed (h / L), or takes (k + 1) / (B + 1); a row with no
    solved run does not count. A plausible fit stops early, a wrong one does not."""
    sample = draw(TRUTHS["lognormal"][0], 120, 0.2, seed=8)
    stopped = 0
    for model in ("lognormal", "shifted-lognormal", "exp", "weibull"):
        f = fit(model, sample)
        for seed in range(4):
            rng = np.random.default_rng(seed)
            draws = np.sort(f.rvs(60 * 120, rng).reshape(60, 120))
            sims = censor_like(sample, draws, rng)
            limit = gof_limit(sample)
            every = f.kind.refit_distances(sims.values, sims.censored, limit=limit)
            observed = ks_distance(sample, f, limit)
            reach = np.flatnonzero(every[np.isfinite(every)] >= observed)
            valid = int(np.isfinite(every).sum())
            expected = (GOF_EXCEEDANCES / (reach[GOF_EXCEEDANCES - 1] + 1)
                        if len(reach) >= GOF_EXCEEDANCES else (len(reach) + 1) / (valid + 1))
            stopped += len(reach) >= GOF_EXCEEDANCES
            got = gof_pvalue(f, sample, 60, np.random.default_rng(seed))
            assert got == pytest.approx(expected, rel=1e-12), (model, seed)
    assert 0 < stopped < 16


@pytest.mark.parametrize("name", ["lognormal", "shifted-weibull", "exp"])
def test_refit_stops_after_the_asked_number_of_reaching_distances(name: str) -> None:
    """refit_distances(..., observed, stop) gives the distances of the full refit up to the
    stop-th at least `observed`, NaN after it (kernel and the Python loop alike)."""
    sample = draw(TRUTHS["lognormal"][0], 80, 0.2, seed=9)
    f = fit(name, sample)
    sims = censor_like(sample, f.rvs(30 * 80, np.random.default_rng(1)).reshape(30, 80),
                       np.random.default_rng(2))
    every = f.kind.refit_distances(sims.values, sims.censored)
    observed = float(np.median(every))
    third = np.flatnonzero(every >= observed)[2]
    model = get(name)
    generic = type("NoKernel", (type(model),), {
        "kernel": None, "estimate": lambda self, s: model.estimate(s)})(name)
    for kind in (f.kind, generic):
        some = kind.refit_distances(sims.values, sims.censored, observed, 3)
        assert np.allclose(some[:third + 1], every[:third + 1], rtol=1e-10)
        assert np.isnan(some[third + 1:]).all()


@pytest.mark.parametrize("model", ["exp", "shifted-exp", "weibull"])
def test_gof_p_value_is_small_for_a_wrong_family(model: str) -> None:
    sample = draw(stats.lognorm(s=2.5, scale=100.0), 500, 0.0, seed=3)
    p = gof_pvalue(fit(model, sample), sample, GOF_SAMPLES, np.random.default_rng(5))
    assert 0 < p < 0.05


def test_gof_p_values_are_in_the_unit_interval() -> None:
    uncensored = draw(TRUTHS["lognormal"][0], 100, 0.0, seed=2)
    censored = draw(TRUTHS["lognormal"][0], 100, 0.3, seed=2)
    fits = [(f, uncensored) for f in fit_all(uncensored)]
    fits += [(fit(m, censored), censored) for m in ("exp", "lognormal", "weibull")]
    for f, sample in fits:
        p = gof_pvalue(f, sample, 10, np.random.default_rng(0))
        assert 0 < p <= 1
        assert p in {(k + 1) / (d + 1) for d in range(11) for k in range(d + 1)}


def test_ks_distance_without_censoring_is_the_ks_statistic() -> None:
    sample = draw(TRUTHS["lognormal"][0], 200, 0.0, seed=4)
    f = fit("lognormal", sample)
    expected = stats.kstest(sample.values, f.cdf).statistic
    assert ks_distance(sample, f) == pytest.approx(expected, rel=1e-12)


def test_ks_distance_with_censoring_uses_kaplan_meier() -> None:
    """With one fixed cutoff, Kaplan-Meier below the cutoff is the plain ECDF of all runs."""
    sample = draw(TRUTHS["exp"][0], 200, 0.3, seed=6)
    f = fit("exp", sample)
    obs = np.sort(sample.observed)
    n = len(sample.values)
    right = np.arange(1, len(obs) + 1) / n
    expected = max(np.max(np.abs(right - f.cdf(obs))),
                   np.max(np.abs(right - 1 / n - f.cdf(obs))))
    assert ks_distance(sample, f) == pytest.approx(expected, rel=1e-9)


def test_ks_distance_stops_at_its_limit() -> None:
    """Up to a limit the distance is the largest gap at the solved runs up to it, on both
    sides of the Kaplan-Meier step, with Kaplan-Meier computed by hand: runs 1, 2+ (timed
    out), 3, 4, 5+, 6, 8; survival 6/7 after 1, x 4/5 after 3, x 3/4 after 4, x 1/2 after 6,
    0 after 8. The fit's CDF is a fixed exponential."""
    sample = Sample(np.array([4.0, 1.0, 6.0, 2.0, 8.0, 3.0, 5.0]),
                    np.array([False, False, False, True, False, False, True]))
    f = Fit("exp", {"rate": 0.25}, 0.0)
    after = {1.0: 6 / 7, 3.0: 6 / 7 * 4 / 5, 4.0: 6 / 7 * 4 / 5 * 3 / 4,
             6.0: 6 / 7 * 4 / 5 * 3 / 4 / 2, 8.0: 0.0}
    before = dict(zip(after, [1.0, *list(after.values())[:-1]], strict=True))

    def by_hand(limit: float) -> float:
        return max(max(abs(1 - after[t] - (1 - math.exp(-t / 4))),
                       abs(1 - before[t] - (1 - math.exp(-t / 4))))
                   for t in after if t <= limit)

    for limit in (1.0, 3.5, 4.0, 6.0, math.inf):
        assert ks_distance(sample, f, limit) == pytest.approx(by_hand(limit), rel=1e-12)
    assert ks_distance(sample, f) == pytest.approx(by_hand(math.inf), rel=1e-12)
    assert gof_limit(sample) == 3.5  # the median of the timeouts, 2 and 5
    assert gof_limit(Sample(np.array([1.0, 2.0]), np.array([False, False]))) == math.inf
    early = Sample(np.array([0.5, 0.7, 3.0, 9.0]), np.array([True, True, False, True]))
    assert gof_limit(early) == math.inf  # no run solved by 0.7, the median timeout


def test_censor_like_uses_the_data_cutoffs() -> None:
    sample = Sample(np.array([1.0, 2.0, 10.0, 10.0]), np.array([False, False, True, True]))
    draws = np.array([12.0, 3.0, 5.0, 20.0])
    sim = censor_like(sample, draws, np.random.default_rng(0))
    assert sim.values.tolist() == [10.0, 3.0, 5.0, 10.0]
    assert sim.censored.tolist() == [True, False, False, True]
    uncensored = Sample(np.array([1.0, 2.0]), np.array([False, False]))
    assert not censor_like(uncensored, np.array([1e9, 1e12]),
                           np.random.default_rng(0)).censored.any()
