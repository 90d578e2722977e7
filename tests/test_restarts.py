"""Restarts (`predict --restarts`): E[T_t] = E[min(Y, t)] / F(t) against closed forms, brute
force and hand computation; Luby's sequence and strategy; walkers that restart; the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from satspeed.cli import main
from satspeed.predict import restarts
from satspeed.predict.fit import Fit
from satspeed.predict.sample import Sample
from satspeed.results import ResultsWriter


def two_point(count: int = 20) -> Sample:
    """Half the runs take 10, half 1000: restarting at 10 costs 10 / 0.5 = 20 on average."""
    return Sample(np.array([10.0, 1000.0] * (count // 2)), np.zeros(count, bool))


def test_luby_sequence() -> None:
    assert restarts.luby_sequence(15).tolist() == [1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]
    seq = restarts.luby_sequence(2**10 - 1)
    assert seq[-1] == 2**9 and seq.sum() == 10 * 2**9  # the first 2^k - 1 sum to k 2^(k-1)


def test_two_point_mixture_by_hand() -> None:
    r = restarts.from_runs(restarts.RunsDistribution(two_point()))
    assert r.cutoff == 10.0 and r.time == pytest.approx(20.0)
    assert r.mean == pytest.approx(505.0) and r.gain == pytest.approx(505.0 / 20.0)
    # Luby with unit 10: try i costs 10 if it is a short run (1/2), else its cutoff 10 t_i
    # (cutoffs below 1000), and the tries before it all failed (1/2 each)
    seq = restarts.luby_sequence(60)
    by_hand = sum(0.5**i * (0.5 * 10 + 0.5 * min(10.0 * t, 1000.0)) for i, t in enumerate(seq))
    got = restarts.luby_time(restarts.RunsDistribution(two_point()).sf,
                             restarts.RunsDistribution(two_point()).partial, np.array([10.0]))
    assert got[0] == pytest.approx(by_hand, rel=1e-9)
    assert r.luby_unit == 10.0 and r.luby_time == pytest.approx(by_hand, rel=1e-9)


def test_walkers_that_restart_by_hand() -> None:
    """Two walkers restarting at 10: a round succeeds unless both drew long runs (1/4)."""
    runs = restarts.RunsDistribution(two_point())
    got = restarts.restarted_walkers(runs.sf, runs.partial, 10.0, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(got, [10 / 0.5, 10 / 0.75, 10 / 0.875])


def test_runs_estimate_is_the_brute_force_minimum() -> None:
    """E[T_t] = mean(min(y, t)) / mean(y <= t) at each eligible solved time, minimised."""
    y = np.round(np.random.default_rng(1).lognormal(5.0, 1.8, 300))
    r = restarts.from_runs(restarts.RunsDistribution(Sample(y, np.zeros(len(y), bool))))
    solved = np.sort(y)
    eligible = np.unique(solved[max(restarts.MIN_SOLVED,
                                    math.ceil(restarts.MIN_FRACTION * len(y))) - 1:])
    brute = [np.mean(np.minimum(y, t)) / np.mean(y <= t) for t in eligible]
    assert r.time == pytest.approx(min(brute), rel=1e-12)
    assert r.cutoff == eligible[int(np.argmin(brute))]
    assert r.mean == pytest.approx(y.mean()) and r.gain > 2  # a heavy tail: restarts help


@pytest.mark.parametrize("model", ["exp", "shifted-exp"])
def test_restarts_never_help_an_exponential(model: str) -> None:
    """E[T_t] = E[Y] for every t (memoryless), and more with a shift: t* = infinity, gain 1."""
    params = {"rate": 1e-3} if model == "exp" else {"shift": 100.0, "rate": 1e-3}
    r = restarts.from_fit(Fit(model, params, 0.0), 1.0, 1e5)
    assert math.isinf(r.cutoff) and r.gain == pytest.approx(1.0)


def test_fitted_cutoff_of_a_lognormal_against_quadrature() -> None:
    f = Fit("lognormal", {"mu": 5.0, "sigma": 2.0}, 0.0)
    r = restarts.from_fit(f, 1.0, 1e6)
    from scipy import integrate, optimize, stats

    def cost(log_t: float) -> float:
        t = math.exp(log_t)
        head = integrate.quad(lambda u: stats.lognorm.sf(u, 2.0, scale=math.exp(5.0)), 0, t,
                              limit=200)[0]
        return head / stats.lognorm.cdf(t, 2.0, scale=math.exp(5.0))

    best = optimize.minimize_scalar(cost, bounds=(0.0, 10.0), method="bounded")
    assert r.time == pytest.approx(best.fun, rel=1e-3)
    assert math.log(r.cutoff) == pytest.approx(best.x, abs=0.05)
    assert r.mean == pytest.approx(math.exp(5.0 + 2.0), rel=1e-6)


def test_predict_restarts_end_to_end(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    path = tmp_path / "runs.csv"
    with ResultsWriter(path) as writer:
        for seed, flips in enumerate(rng.lognormal(6.0, 1.8, 120)):
            value = round(flips) + 1
            writer.write({
                "instance": "bench/a.cnf", "instance_sha256": "a" * 64, "solver": "probsat",
                "params": "cb=2.06", "walkers": 1, "seed": seed, "status": "sat",
                "flips": value, "cpu_s": f"{value * 1e-6:.6f}", "wall_s": f"{value * 1e-6:.6f}",
                "cutoff_flips": 10**9, "cutoff_s": 60.0, "host": "h",
                "started_at": "2026-01-01T00:00:00.000Z", "satspeed_version": "0.1.0",
                "message": None})
    runner = CliRunner()
    args = ["predict", str(path), "--cores", "1,2,8", "--bootstrap", "0", "--gof-samples", "0",
            "--restarts"]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.stdout)["groups"]
    block = group["restarts"]
    assert set(block) == {"runs", "fit", "walkers", "strategies"}
    assert block["fit"]["source"] == group["chosen"]
    assert block["runs"]["gain"] > 1 and block["runs"]["cutoff"] is not None
    assert [w["cores"] for w in block["walkers"]] == [1, 2, 8]
    assert block["walkers"][0]["time"] == pytest.approx(block["runs"]["time"])
    tables = runner.invoke(main, [*args, "--plot", str(tmp_path / "figs")])
    assert tables.exit_code == 0 and "Luby E[T]" in tables.stdout
    drawn = sorted(".".join(p.name.split(".")[-2:]) for p in (tmp_path / "figs").iterdir())
    assert drawn == ["restarts.png", "restarts.svg", "rtd.png", "rtd.svg", "speedup.png",
                     "speedup.svg"]
    no_flag = runner.invoke(main, [*args[:-1], "--json"])
    assert json.loads(no_flag.stdout)["groups"][0]["restarts"] is None
