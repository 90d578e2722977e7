"""Mixed portfolios (satspeed.predict.portfolio and `predict --portfolio/--allocate`): labels and
parsing, the predicted E[Z] against closed forms and adaptive quadrature, the observed
estimator against brute force, the core allocation on a case with a known optimum, and the
command line end to end."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from scipy import integrate, special

from satspeed.cli import main
from satspeed.errors import SatspeedError
from satspeed.labels import parse_label, parse_portfolio, portfolio_label, portfolio_params
from satspeed.predict.allocate import allocate, allocate_cores, compositions, split_count
from satspeed.predict.export.figures import write_allocation_plots
from satspeed.predict.fit import Fit
from satspeed.predict.groups import read_groups
from satspeed.predict.models import get
from satspeed.predict.observed import observed_expected_min, observed_mixed_min
from satspeed.predict.portfolio import members_by_instance
from satspeed.predict.prediction import PredictOptions, predict_groups
from satspeed.predict.quadrature import (
    expected_min_mixed,
    portfolio_par2,
    portfolio_restricted,
    portfolio_times,
    quadrature,
)
from satspeed.predict.sample import Sample
from satspeed.predict.speedup import expected_min
from satspeed.results import ResultsWriter


def exp_fit(rate: float, shift: float = 0.0) -> Fit:
    if shift:
        return Fit("shifted-exp", {"shift": shift, "rate": rate}, 0.0)
    return Fit("exp", {"rate": rate}, 0.0)


# ---------------------------------------------------------------------------- labels


def test_parse_portfolio() -> None:
    assert parse_portfolio("probsat=8,sparrow=8") == {"probsat": 8, "sparrow": 8}
    assert parse_portfolio(" sparrow = 3 , probsat=1 ") == {"sparrow": 3, "probsat": 1}
    assert parse_portfolio("my-spec.v2=16") == {"my-spec.v2": 16}


@pytest.mark.parametrize("text, words", [
    ("probsat=0", "positive integer"), ("probsat", "NAME=COUNT"), ("", "empty"),
    ("probsat=8,probsat=2", "given twice"), ("=3", "NAME=COUNT"), ("probsat=-1", "positive"),
    ("probsat=2.5", "positive integer"), ("prob sat=2", "not a solver name"),
    ("probsat=8,,sparrow=2", "NAME=COUNT"), ("probsat=", "NAME=COUNT"),
    ("a*b=2", "not a solver name")])
def test_bad_portfolios(text: str, words: str) -> None:
    with pytest.raises(SatspeedError) as caught:
        parse_portfolio(text)
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_labels() -> None:
    assert portfolio_label({"sparrow": 2, "probsat": 2}) == "probsat*2+sparrow*2"
    assert portfolio_label({"sparrow": 0, "probsat": 5}) == "probsat*5"
    assert parse_label("probsat*2+sparrow*2") == {"probsat": 2, "sparrow": 2}
    assert parse_label("probsat*16") == {"probsat": 16}
    for plain in ("probsat", "probsat*0", "probsat*2+probsat*2", "a+b", "my-spec.v2"):
        assert parse_label(plain) is None
    with pytest.raises(ValueError):
        portfolio_label({"probsat": 0})
    assert portfolio_params({"sparrow": "ps=0.4", "probsat": "cb=2.06,eps=0.9"}) == \
        "probsat:cb=2.06,eps=0.9;sparrow:ps=0.4"


# ---------------------------------------------------------------------------- predicted


def test_exponential_members_closed_form() -> None:
    rates = [0.01, 0.003, 0.2]
    fits = [exp_fit(r) for r in rates]
    q = quadrature(fits)
    splits = np.array([[3, 5, 1], [1, 0, 0], [0, 64, 0], [10, 10, 10], [0, 0, 1000]])
    expected = 1 / (splits @ np.array(rates))
    np.testing.assert_allclose(portfolio_times(q, splits), expected, rtol=1e-9)


def shifted_exp_closed_form(shifts: list[float], rates: list[float], counts: list[int]
                            ) -> float:
    """int_0^inf exp(-sum_i k_i rate_i (t - s_i)^+) dt, piece by piece between the shifts."""
    members = sorted((s, k * r) for s, r, k in zip(shifts, rates, counts, strict=True) if k)
    total, slope, offset = members[0][0], 0.0, 0.0  # log S_Z(t) = -(slope t - offset)
    ends = [s for s, _ in members[1:]] + [math.inf]
    for (s, a), end in zip(members, ends, strict=True):
        slope, offset = slope + a, offset + a * s
        top = 0.0 if end == math.inf else math.exp(-(slope * end - offset))
        total += (math.exp(-(slope * s - offset)) - top) / slope
    return total


@pytest.mark.parametrize("counts", [[1, 1, 1], [8, 4, 2], [0, 3, 1], [16, 0, 0], [1, 50, 300]])
def test_shifted_exponential_members_closed_form(counts: list[int]) -> None:
    shifts, rates = [5.0, 40.0, 100.0], [0.01, 0.05, 1.0]
    fits = [exp_fit(r, s) for r, s in zip(rates, shifts, strict=True)]
    assert expected_min_mixed(fits, counts) == pytest.approx(
        shifted_exp_closed_form(shifts, rates, counts), rel=1e-9)


MODELS = [exp_fit(0.002), exp_fit(0.002, 300.0),
          Fit("lognormal", {"mu": 6.0, "sigma": 0.3}, 0.0),
          Fit("lognormal", {"mu": 6.0, "sigma": 2.0}, 0.0),
          Fit("shifted-lognormal", {"shift": 200.0, "mu": 6.0, "sigma": 1.0}, 0.0),
          Fit("weibull", {"shape": 0.5, "scale": 400.0}, 0.0),
          Fit("weibull", {"shape": 2.0, "scale": 400.0}, 0.0)]


@pytest.mark.parametrize("f", MODELS, ids=lambda f: f"{f.model}-{f.params}")
def test_a_single_member_is_the_pure_multi_walk(f: Fit) -> None:
    cores = np.array([1, 2, 16, 384, 10**5])
    np.testing.assert_allclose(portfolio_times(quadrature([f]), cores[:, None]),
                               expected_min(f, cores), rtol=1e-7)


def test_mixed_lognormal_and_shifted_exp_against_adaptive_quadrature() -> None:
    fits = [Fit("shifted-lognormal", {"shift": 50.0, "mu": 5.0, "sigma": 0.8}, 0.0),
            exp_fit(0.001, 120.0), Fit("weibull", {"shape": 0.7, "scale": 900.0}, 0.0)]
    log_sf = [  # the same three, written out
        lambda t: special.log_ndtr(-(math.log(t - 50) - 5) / 0.8) if t > 50 else 0.0,
        lambda t: -0.001 * max(t - 120, 0.0),
        lambda t: -((t / 900) ** 0.7)]
    for counts in ([3, 2, 1], [1, 7, 0], [0, 1, 5]):
        def integrand(t: float, counts: list[int] = counts) -> float:
            return math.exp(sum(k * f(t) for f, k in zip(log_sf, counts, strict=True) if k))
        edges = [0, 50, 120, 300, 1e3, 1e4, 1e5, 1e7]
        reference = sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-12, limit=400)[0]
                        for a, b in itertools.pairwise(edges))
        assert expected_min_mixed(fits, counts) == pytest.approx(reference, rel=1e-8)


def test_par2_closed_form() -> None:
    rates, cutoff = np.array([0.01, 0.002]), 150.0
    q = quadrature([exp_fit(r) for r in rates], cutoff)
    splits = np.array([[1, 0], [2, 3], [0, 1]])
    total = splits @ rates
    # E[Z; Z <= c] + 2c P(Z > c) for Z ~ Exp(total): (1 - e^-tc)/t - c e^-tc + 2c e^-tc
    expected = (1 - np.exp(-total * cutoff)) / total + cutoff * np.exp(-total * cutoff)
    np.testing.assert_allclose(portfolio_par2(q, splits), expected, rtol=1e-9)
    np.testing.assert_allclose(portfolio_times(q, splits), 1 / total, rtol=1e-9)
    late = quadrature([exp_fit(0.01, 500.0)], cutoff)  # the cutoff before the shift
    assert portfolio_par2(late, np.array([[4]]))[0] == pytest.approx(2 * cutoff)  # all fail


def test_par2_against_monte_carlo() -> None:
    """PAR-2 of a mixed lognormal/shifted-exponential portfolio: a run past the cutoff counts
    twice the cutoff, by simulation of 400,000 races."""
    fits = [Fit("lognormal", {"mu": 4.0, "sigma": 1.2}, 0.0), exp_fit(0.004, 30.0)]
    cutoff, counts = 60.0, [3, 2]
    rng = np.random.default_rng(5)
    draws = [f.rvs((400_000, k), rng).min(axis=1) for f, k in zip(fits, counts, strict=True)]
    z = np.minimum(*draws)
    par2 = np.where(z <= cutoff, z, 2 * cutoff)
    predicted = portfolio_par2(quadrature(fits, cutoff), np.array([counts]))[0]
    assert predicted == pytest.approx(par2.mean(), rel=4 * par2.std() / par2.mean() / 632)
    assert 0.05 < np.mean(z > cutoff) < 0.5  # the cutoff matters here


@pytest.mark.parametrize("tau", [20.0, 80.0, 700.0])
def test_restricted_means_closed_forms(tau: float) -> None:
    """E[min(Z_n, tau)] = int_0^tau S(t)^n dt, from n = 1 to 384: shifted exponential
    x0 + (1 - e^(-n rate (tau - x0))) / (n rate) past its shift (tau before it); Weibull
    a^(-1/k) Gamma(1 + 1/k) P(1/k, a tau^k) with a = n / scale^k (P: regularized gamma)."""
    n = np.array([1, 2, 16, 384])
    shift, rate = 50.0, 0.01
    q = quadrature([exp_fit(rate, shift)], tau)
    gap = max(tau - shift, 0.0)
    expected = min(tau, shift) + (1 - np.exp(-n * rate * gap)) / (n * rate)
    np.testing.assert_allclose(portfolio_restricted(q, n[:, None]), expected, rtol=1e-7)
    k, scale = 0.8, 300.0
    weibull = Fit("weibull", {"shape": k, "scale": scale}, 0.0)
    a = n / scale**k
    expected = a ** (-1 / k) * special.gamma(1 + 1 / k) * special.gammainc(1 / k, a * tau**k)
    np.testing.assert_allclose(portfolio_restricted(quadrature([weibull], tau), n[:, None]),
                               expected, rtol=1e-6)


# ---------------------------------------------------------------------------- observed


def brute_force(samples: list[np.ndarray], counts: list[int]) -> float:
    """Mean over every choice of counts[i] runs from each sample of the minimum."""
    choices = [list(itertools.combinations(s, k)) for s, k in zip(samples, counts,
                                                                   strict=True) if k]
    minima = [min(itertools.chain.from_iterable(pick)) for pick in itertools.product(*choices)]
    return float(np.mean(minima))


@pytest.mark.parametrize("counts", [[2, 2], [1, 3], [0, 2], [3, 0], [5, 4], [1, 1]])
def test_observed_mixed_min_is_the_mean_over_all_draws(counts: list[int]) -> None:
    a = np.array([7.0, 3.0, 12.0, 3.0, 30.0])  # with a tie inside and across the samples
    b = np.array([5.0, 3.0, 9.0, 40.0])
    value, bound = observed_mixed_min([Sample(a, np.zeros(5, bool)),
                                       Sample(b, np.zeros(4, bool))], counts)
    assert value == pytest.approx(brute_force([a, b], counts), rel=1e-12)
    assert not bound


def test_observed_mixed_min_of_one_member_is_the_order_statistics_estimate() -> None:
    rng = np.random.default_rng(3)
    sample = Sample(rng.lognormal(5, 1, 60), rng.random(60) < 0.1)
    observed, bounds = observed_expected_min(sample, np.array([1, 2, 7, 60]))
    for n, value, bound in zip([1, 2, 7, 60], observed, bounds, strict=True):
        assert observed_mixed_min([sample], [n]) == (pytest.approx(value, rel=1e-10), bound)


def test_observed_mixed_min_limits() -> None:
    a = Sample(np.array([1.0, 2.0, 9.0, 9.0]), np.array([False, False, True, True]))
    b = Sample(np.array([4.0, 9.0]), np.array([False, True]))
    assert math.isnan(observed_mixed_min([a, b], [5, 1])[0])  # more walkers than runs
    assert observed_mixed_min([a, b], [2, 1])[1]  # every draw can be all timeouts
    assert not observed_mixed_min([a, b], [3, 1])[1]


# ---------------------------------------------------------------------------- allocation


def test_compositions() -> None:
    for total, members in [(5, 1), (7, 2), (6, 3), (4, 4)]:
        splits = compositions(total, members)
        assert len(splits) == split_count(total, members)
        assert (splits.sum(axis=1) == total).all() and (splits >= 0).all()
        assert len({tuple(s) for s in splits}) == len(splits)


def test_allocation_finds_the_mix_that_beats_both_pure_solvers() -> None:
    """A (shift 10, then fast) and B (exponential, mean 100): B's walkers may finish before
    10, A's finish soon after it; on 16 cores the best split mixes them."""
    shifts, rates, total = [10.0, 0.0], [1.0, 0.01], 16
    fits = [exp_fit(rates[0], shifts[0]), exp_fit(rates[1])]
    exact = {k: shifted_exp_closed_form(shifts, rates, [k, total - k]) for k in range(17)}
    best = min(exact, key=exact.__getitem__)
    assert 0 < best < total and exact[best] < min(exact[0], exact[total])
    q = quadrature(fits)

    def objective(splits: np.ndarray) -> np.ndarray:
        return portfolio_times(q, splits)

    found = allocate(objective, 2, total)
    assert found.search == "exhaustive"
    assert found.counts == (best, total - best)
    assert found.value == pytest.approx(exact[best], rel=1e-9)
    assert found.pure == 1 and found.pure_value == pytest.approx(exact[0], rel=1e-9)
    assert found.gain == pytest.approx(exact[0] / exact[best], rel=1e-9) and found.gain > 1
    assert found.profile.shape == (2, total + 1)
    assert found.profile[0, best] == pytest.approx(found.value)
    assert found.profile[0] == pytest.approx([exact[k] for k in range(total + 1)], rel=1e-9)
    local = allocate(objective, 2, total, max_splits=0)
    assert local.search == "local" and local.counts == found.counts and local.profile is None


def test_local_search_matches_the_exhaustive_one_on_three_solvers() -> None:
    fits = [exp_fit(1.0, 10.0), exp_fit(0.01), Fit("lognormal", {"mu": 3.5, "sigma": 1.2}, 0)]
    q = quadrature(fits, cutoff=60.0)
    for score in (portfolio_times, portfolio_par2):
        def objective(splits: np.ndarray, score=score) -> np.ndarray:
            return score(q, splits)

        every = allocate(objective, 3, 40)
        local = allocate(objective, 3, 40, max_splits=0)
        assert local.value == pytest.approx(every.value, rel=1e-3)
        assert every.value <= local.value * (1 + 1e-12)


# ---------------------------------------------------------------------------- command line

PARAMS = {"probsat": "caching=0,cb=2.06,eps=0.9,fct=poly", "sparrow": "ps=0.4"}
CUTOFF_S = 5.0
A, B, C = "a" * 64, "b" * 64, "c" * 64


def row(sha: str, solver: str, seed: int, cpu: float, walkers: int = 1,
        params: str | None = None) -> dict[str, object]:
    """A run of `cpu` seconds; a race's row holds its walkers' CPU seconds, summed."""
    timed_out = cpu >= CUTOFF_S
    cpu = min(cpu, CUTOFF_S)
    return {"instance": f"bench/{sha[:3]}.cnf", "instance_sha256": sha, "solver": solver,
            "params": params or PARAMS.get(solver, ""), "walkers": walkers, "seed": seed,
            "status": "timeout" if timed_out else "sat", "flips": round(cpu * 1e5),
            "cpu_s": f"{cpu * walkers:.6f}", "wall_s": f"{cpu:.6f}", "cutoff_flips": "",
            "cutoff_s": CUTOFF_S, "host": "h", "started_at": "2026-01-01T00:00:00.000Z",
            "satspeed_version": "0.1.0", "message": None}


def mixed_race_rows() -> list[dict[str, object]]:
    rng = np.random.default_rng(11)
    label = portfolio_label({"sparrow": 2, "probsat": 2})
    params = portfolio_params(PARAMS)
    times = np.minimum((0.25 + rng.lognormal(-4, 0.5, (12, 2))).min(axis=1),
                       rng.exponential(4.0, (12, 2)).min(axis=1))
    return [row(A, label, 500 + i, t, walkers=4, params=params) for i, t in enumerate(times)]


def campaign_rows() -> list[dict[str, object]]:
    """Instances A and B: probsat a shifted lognormal (never below 0.25 s, rarely much above),
    sparrow exponential with mean 4 s (timeouts at 5 s): on enough cores a few probsat walkers
    beside sparrow ones beat both; instance C: probsat only; races of the mixed portfolio
    probsat*2+sparrow*2 on A."""
    rng = np.random.default_rng(7)
    rows = []
    for sha in (A, B, C):
        rows += [row(sha, "probsat", i, t)
                 for i, t in enumerate(0.25 + rng.lognormal(-4, 0.5, 40))]
        if sha != C:
            rows += [row(sha, "sparrow", i, t) for i, t in enumerate(rng.exponential(4.0, 60))]
    return rows + mixed_race_rows()


def invoke(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


FAST = ("--cores", "1,4", "--bootstrap", 0, "--gof-samples", 0)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("portfolio") / "runs.csv"
    with ResultsWriter(path) as writer:
        for r in campaign_rows():
            writer.write(r)
    return path


@pytest.fixture(scope="module")
def document(campaign: Path) -> dict:
    result = invoke("predict", campaign, *FAST, "--portfolio", "probsat=2,sparrow=2",
                    "--allocate", 8, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == ("satspeed: note: --portfolio/--allocate compare solvers "
                                     "whose flips differ in cost: measuring cpu_s (choose "
                                     "with --measure)")
    return json.loads(result.stdout)


def _chosen_mean(group: dict, cores: int = 1) -> float:
    """E[Z_n] (E[Y] for n = 1) under a JSON group's chosen model."""
    chosen = next(f for f in group["fits"] if f["model"] == group["chosen"])
    return get(chosen["model"]).expected_min(chosen["params"], np.array([float(cores)]))[0]


def test_portfolio_json(document: dict, campaign: Path) -> None:
    assert document["schema"] == 6 and document["measure"] == "cpu_s"
    assert document["skipped"] == []  # the race group is neither fitted nor skipped
    assert len(document["groups"]) == 5
    (race,) = document["portfolio_races"]
    assert race["solver"] == "probsat*2+sparrow*2" and race["walkers"] == 4
    assert race["runs"] == 12
    (pf,) = document["portfolios"]
    assert pf["label"] == "probsat*2+sparrow*2" and pf["cores"] == 4
    assert pf["counts"] == {"probsat": 2, "sparrow": 2}
    assert [m["instance_sha256"] for m in pf["missing"]] == [C]
    assert "no fitted runs of sparrow" in pf["missing"][0]["reason"]
    items = {i["instance_sha256"]: i for i in pf["instances"]}
    assert set(items) == {A, B}
    groups = {(g.sha256, g.solver): g for g in read_groups(campaign, "cpu_s")}
    for sha, item in items.items():
        rows = item["configurations"]
        assert [r["label"] for r in rows] == ["probsat*2+sparrow*2", "probsat*4", "sparrow*4"]
        assert all(r["cores"] == 4 for r in rows)
        fitted = {g["solver"]: g for g in document["groups"] if g["instance_sha256"] == sha}
        means = {s: float(_chosen_mean(g)) for s, g in fitted.items()}  # portfolios use the
        # chosen model of every member (the splice predicts single-solver multi-walks only)
        assert item["baseline_solver"] == min(means, key=means.__getitem__)
        assert item["baseline_predicted_time"] == pytest.approx(min(means.values()))
        mixed = rows[0]
        assert mixed["predicted_speedup"] == pytest.approx(
            item["baseline_predicted_time"] / mixed["predicted_time"])
        samples = [Sample(np.array(groups[sha, s].values), np.array(groups[sha, s].censored))
                   for s in ("probsat", "sparrow")]
        assert mixed["observed_time"] == pytest.approx(observed_mixed_min(samples, [2, 2])[0])
        for r, s in zip(rows[1:], ("probsat", "sparrow"), strict=True):  # the pure ones
            assert r["predicted_speedup"] == pytest.approx(
                _chosen_mean(fitted[s], r["cores"]) ** -1 * item["baseline_predicted_time"])
            assert r["race_runs"] == 0
    raced = items[A]["configurations"][0]
    times = [float(r["cpu_s"]) / 4 for r in mixed_race_rows()]  # per walker
    assert raced["race_runs"] == 12 and raced["race_time"] == pytest.approx(np.mean(times))
    # sparrow's runs time out at 5 s: like is compared with like, restricted to tau = 5 s
    assert items[A]["restricted_to"] == 5.0
    base = np.mean(np.minimum(groups[A, "probsat"].values, 5.0))  # probsat: the baseline
    assert raced["race_restricted_speedup"] == pytest.approx(
        base / np.mean(np.minimum(times, 5.0)))
    assert raced["relative_error"] == pytest.approx(
        (raced["predicted_restricted_speedup"] - raced["race_restricted_speedup"])
        / raced["race_restricted_speedup"])
    assert items[B]["configurations"][0]["race_runs"] == 0


def test_allocation_json(document: dict) -> None:
    allocation = document["allocation"]
    assert allocation["cores"] == 8 and allocation["objective"] == "mean"
    assert allocation["note"] is None
    per = {a["instance_sha256"]: a for a in allocation["instances"]}
    assert per[C]["solvers"] == ["probsat"] and per[C]["best"]["counts"] == {"probsat": 8}
    assert per[C]["gain"] == pytest.approx(1.0)
    for a in [*per.values(), allocation["overall"]]:
        assert sum(a["best"]["counts"].values()) == 8
        assert a["gain"] >= 1 - 1e-12
        assert a["gain"] == pytest.approx(a["best_pure"]["objective"] / a["best"]["objective"])
        assert a["best"]["predicted_time"] == pytest.approx(a["best"]["objective"])
        assert a["search"] == "exhaustive" and a["cutoffs"] == []
    overall = allocation["overall"]
    assert overall["instance_sha256"] is None and sorted(overall["instances"]) == [A, B]
    assert overall["solvers"] == ["probsat", "sparrow"]
    assert min(overall["best"]["counts"].values()) > 0 and overall["gain"] > 1.05  # a mix wins
    assert overall["best"]["objective"] == pytest.approx(np.mean(
        [per[s]["best"]["objective"] for s in (A, B)]), rel=0.5)  # a mean of the same scale


def test_par2_allocation_tables(campaign: Path) -> None:
    result = invoke("predict", campaign, *FAST, "--allocate", 6, "--allocate-objective",
                    "par2", "--portfolio", "probsat=1,sparrow=3", "--measure", "cpu_s")
    assert result.exit_code == 0, result.output
    assert not result.stderr  # --measure given: no note
    words = " ".join(result.stdout.split())
    assert "portfolio probsat*1+sparrow*3 on 4 cores" in words
    assert "best split of 6 cores: mean PAR-2 (cpu_s)" in words
    assert "all 2 instances" in words and "not predicted probsat*1+sparrow*3 on ccc.cnf" in words
    assert "portfolio races aaa.cnf / probsat*2+sparrow*2" in words
    doc = json.loads(invoke("predict", campaign, *FAST, "--allocate", 6,
                            "--allocate-objective", "par2", "--par-cutoff", 2.5,
                            "--json").stdout)
    for a in doc["allocation"]["instances"]:
        assert a["cutoffs"] == [2.5] and a["best"]["objective"] <= 5.0 + 1e-9


def test_allocation_plots(campaign: Path, tmp_path: Path) -> None:
    """What --plot adds with --allocate (the CLI path is that of test_predict's plots)."""
    options = PredictOptions("cpu_s", (1,), "auto", 0, 0, 0)
    members, _ = members_by_instance(predict_groups(read_groups(campaign, "cpu_s"),
                                                    options)[0])
    written = write_allocation_plots(allocate_cores(members, 6, "mean", None), tmp_path, "cpu_s")
    assert {p.name for p in written} == {f"allocation.{name}.{ext}" for ext in ("png", "svg")
                                         for name in ("all", f"aaa.cnf.{A[:8]}",
                                                      f"bbb.cnf.{B[:8]}")}  # not C: one solver
    assert (tmp_path / "allocation.all.png").read_bytes().startswith(b"\x89PNG")


def test_races_of_a_mixed_portfolio_are_not_skipped_groups(campaign: Path) -> None:
    result = invoke("predict", campaign, *FAST, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["measure"] == "flips" and not result.stderr
    assert doc["skipped"] == [] and doc["portfolios"] == [] and doc["allocation"] is None
    assert len(doc["portfolio_races"]) == 1


def test_flips_across_solvers_is_a_warning(campaign: Path) -> None:
    result = invoke("predict", campaign, *FAST, "--portfolio", "probsat=2,sparrow=2",
                    "--measure", "flips", "--json")
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("satspeed: warning: --measure flips") and "probsat, sparrow" in line
    assert json.loads(result.stdout)["measure"] == "flips"


def test_an_unknown_portfolio_solver(campaign: Path) -> None:
    result = invoke("predict", campaign, *FAST, "--portfolio", "probsat=2,sparow=2")
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert line.startswith("satspeed: error: --portfolio: no fitted runs of sparow")
    assert "(solvers with fitted runs: probsat, sparrow)" in line


@pytest.mark.parametrize("text", ["probsat=0", "probsat", "probsat=1,probsat=2", ""])
def test_a_bad_portfolio_option(campaign: Path, text: str) -> None:
    result = invoke("predict", campaign, "--portfolio", text)
    assert result.exit_code == 2
    assert "--portfolio" in result.stderr and "Traceback" not in result.stderr


def test_par2_without_a_cutoff(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    with ResultsWriter(path) as writer:
        for r in campaign_rows()[:40]:
            writer.write({**r, "cutoff_s": ""})
    result = invoke("predict", path, *FAST, "--allocate", 4, "--allocate-objective", "par2")
    assert result.exit_code == 1
    assert "pass --par-cutoff" in result.stderr.strip().splitlines()[-1]
