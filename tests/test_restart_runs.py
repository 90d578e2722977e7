"""Restarted runs (`run --restart`, `solve --restart`): the strategies, a restarted run as the
concatenation of independent tries, determinism, chunks, cutoffs over all tries, verified
models, the CSV's columns, resume, races, refusals; and `predict --restarts` beside them
(E[time] of a strategy against brute force, Monte Carlo and a closed form)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_kernels import random_formula, to_formula

from satspeed.cli import main
from satspeed.predict import restarts
from satspeed.predict.fit import Fit
from satspeed.predict.sample import Sample
from satspeed.restart import Restart, attempt_seed, luby_sequence, luby_term, parse_restart
from satspeed.results import COLUMNS, read_rows
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.plan import derive_seed

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instances" / "uf3-n100-m420-s1-001.cnf"
WAIT = 300
SOLVERS = ("probsat", "walksat", "sparrow", "ccanr")


def satisfies(clauses: list[list[int]], model: np.ndarray) -> bool:
    """Every clause has a true literal (checked here, not by the formula's own method)."""
    return all(any((lit > 0) == bool(model[abs(lit) - 1]) for lit in c) for c in clauses)


def by_hand(walk, seed: int, restart: Restart, max_flips: int = 10**9) -> tuple[int, int]:
    """(flips, restarts) of a restarted run, made as independent runs without restarts: try k
    from attempt_seed(seed, k), run to its cutoff, until one solves."""
    flips = 0
    for attempt in range(1, 10**6):
        cut = min(int(restart.cutoff(attempt)), max_flips - flips)
        result = run_once(walk, attempt_seed(seed, attempt), max_flips=cut)
        flips += result.flips
        if result.status == "sat" or flips >= max_flips:
            return flips, attempt - 1
    raise AssertionError("no try solved")


# the strategies


def test_strategy_text_and_cutoffs() -> None:
    assert parse_restart("fixed:500") == Restart("fixed", 500)
    assert parse_restart("luby:32").text == "luby:32"
    assert [Restart("luby", 10).cutoff(i) for i in range(1, 8)] == [10, 10, 20, 10, 10, 20, 40]
    assert [Restart("fixed", 7).cutoff(i) for i in (1, 2, 99)] == [7, 7, 7]
    for bad in ("fixed:0", "luby:-3", "luby", "geometric:2", "fixed:1.5", ""):
        with pytest.raises(ValueError):
            parse_restart(bad)


def test_luby_terms_from_the_definition() -> None:
    """t_i = 2^(k-1) if i = 2^k - 1, else t_(i - 2^(k-1) + 1), written out recursively."""
    def t(i: int) -> int:
        k = 1
        while (1 << k) - 1 < i:
            k += 1
        return 1 << (k - 1) if i == (1 << k) - 1 else t(i - (1 << (k - 1)) + 1)

    assert [luby_term(i) for i in range(1, 300)] == [t(i) for i in range(1, 300)]
    assert luby_sequence(299).tolist() == [t(i) for i in range(1, 300)]


def test_attempt_seeds() -> None:
    assert attempt_seed(12345, 1) == 12345
    seeds = {attempt_seed(12345, k) for k in range(1, 1000)}
    assert len(seeds) == 999 and all(0 <= s < 2**64 for s in seeds)


# restarted runs of the kernels


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("restart", [Restart("fixed", 25), Restart("luby", 4)])
def test_a_restarted_run_is_its_tries_one_after_another(solver: str, restart: Restart) -> None:
    n, clauses = random_formula(40, 168, (3,), 2)
    formula = to_formula(n, clauses)
    walk = make_walk(formula, solver)
    restarted = 0
    for seed in range(6):
        result = run_once(walk, seed, restart=restart)
        assert result.status == "sat" and satisfies(clauses, result.model)
        assert (result.flips, result.restarts) == by_hand(walk, seed, restart)
        restarted += result.restarts
    assert restarted > 0  # some tries failed: the test means something


@pytest.mark.parametrize("solver", SOLVERS)
def test_restarted_runs_are_deterministic_and_resumable_in_chunks(solver: str) -> None:
    n, clauses = random_formula(60, 252, (3,), 3)
    formula = to_formula(n, clauses)
    restart = Restart("luby", 16)
    for seed in (1, 2, 3):
        whole = run_once(make_walk(formula, solver), seed, restart=restart)
        again = run_once(make_walk(formula, solver), seed, restart=restart)
        chunked = run_once(make_walk(formula, solver), seed, restart=restart, chunk=7)
        assert whole.restarts > 0  # the test means something: some tries failed
        for other in (again, chunked):
            assert (other.flips, other.restarts) == (whole.flips, whole.restarts)
            assert np.array_equal(other.model, whole.model)


def test_the_flip_cutoff_counts_all_tries() -> None:
    n, clauses = random_formula(60, 252, (3,), 3)
    walk = make_walk(to_formula(n, clauses), "probsat")
    restart = Restart("fixed", 5)  # far too short to solve: every try fails
    result = run_once(walk, 9, max_flips=1003, restart=restart)
    assert result.status == "timeout" and result.flips == 1003
    assert result.restarts == 200  # 200 tries of 5 flips, then 3 flips of the 201st
    assert (result.flips, result.restarts) == by_hand(walk, 9, restart, max_flips=1003)


# the campaign


def satspeed(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=WAIT)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_run_with_restarts_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    made = satspeed("run", INSTANCE, "--runs", 12, "--restart-cutoff", 300, "--walkers", "1,2",
                    "--seed", 5, "-o", out, "-q", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    rows = csv_rows(out)
    assert list(rows[0]) == list(COLUMNS) and len(rows) == 24
    assert {r["restart"] for r in rows} == {"fixed:300"}
    formula_clauses = to_clauses(INSTANCE)
    sha = rows[0]["instance_sha256"]
    seeds = set()
    for r in rows:
        walkers = int(r["walkers"])
        seeds.add(int(r["seed"]))
        assert r["status"] == "sat" and int(r["restarts"]) >= 0
        if walkers == 1:  # the row is the run made here again, try by try
            walk = make_walk(read_formula(INSTANCE), "probsat")
            result = run_once(walk, int(r["seed"]), restart=Restart("fixed", 300))
            assert (int(r["flips"]), int(r["restarts"])) == (result.flips, result.restarts)
            assert satisfies(formula_clauses, result.model)
            assert int(r["flips"]) <= 300 * (int(r["restarts"]) + 1)
    expected = {derive_seed(5, sha, "probsat", rows[0]["params"], i, k, "fixed:300")
                for i in range(12) for k in (1, 2)}
    assert seeds == expected
    # the runs without restarts have other seeds: they share no first try with these
    assert not seeds & {derive_seed(5, sha, "probsat", rows[0]["params"], i) for i in range(12)}
    # resume: nothing made again; more runs: only the new ones
    again = satspeed("run", INSTANCE, "--runs", 15, "--restart", "fixed:300", "--walkers",
                     "1,2", "--seed", 5, "-o", out, cwd=tmp_path)
    assert again.returncode == 0 and "resuming: 24 of 30 runs already" in again.stderr
    assert len(csv_rows(out)) == 30
    # runs without restarts go to the same file as their own group
    plain_run = satspeed("run", INSTANCE, "--runs", 3, "--seed", 5, "-o", out, "-q",
                         cwd=tmp_path)
    assert plain_run.returncode == 0
    rows = csv_rows(out)
    assert len(rows) == 33 and sum(r["restart"] == "" and r["restarts"] == "" for r in rows) == 3
    assert len({(r["seed"], r["restart"]) for r in rows}) == 33


def to_clauses(path: Path) -> list[list[int]]:
    return read_formula(path).clauses()


def read_formula(path: Path):  # type: ignore[no-untyped-def]
    from satspeed.run.formula.cnf import read_cnf

    return read_cnf(path)


def test_restarts_are_refused_where_they_cannot_be_made(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"  # a file of the first format: no restart columns
    old.write_text(",".join(COLUMNS[:16]) + "\n")
    refused = satspeed("run", INSTANCE, "--runs", 2, "--restart", "luby:10", "-o", old,
                       cwd=tmp_path)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert f"{old}: written in an older format" in refused.stderr
    assert old.read_text() == ",".join(COLUMNS[:16]) + "\n"
    external = satspeed("run", INSTANCE, "--runs", 2, "--restart", "luby:10", "--solver",
                        ROOT / "solvers" / "satspeed-solve.toml", "-o", tmp_path / "x.csv",
                        cwd=tmp_path)
    assert external.returncode == 1 and "external solver" in external.stderr
    for bad in (["--restart", "luby:0"], ["--restart", "every:3"],
                ["--restart", "fixed:9", "--restart-cutoff", "9"]):
        result = CliRunner().invoke(main, ["run", str(INSTANCE), *bad])
        assert result.exit_code == 2, result.output


def test_solve_with_restarts() -> None:
    result = CliRunner().invoke(main, ["solve", str(INSTANCE), "--seed", "3",
                                       "--restart", "luby:20"])
    assert result.exit_code == 10, result.output
    lines = result.output.splitlines()
    walk = make_walk(read_formula(INSTANCE), "probsat")
    expected = run_once(walk, 3, restart=Restart("luby", 20))
    assert f"c flips {expected.flips}" in lines
    assert f"c restarts {expected.restarts}" in lines and expected.restarts > 0
    values = [int(x) for line in lines if line.startswith("v ") for x in line.split()[1:]]
    model = np.zeros(len(values) - 1, np.uint8)
    for lit in values[:-1]:
        model[abs(lit) - 1] = lit > 0
    assert satisfies(to_clauses(INSTANCE), model)


# predicting a strategy


def test_strategy_time_against_brute_force_and_monte_carlo() -> None:
    rng = np.random.default_rng(4)
    y = np.round(rng.lognormal(5.0, 1.6, 80)) + 1
    runs = restarts.RunsDistribution(Sample(y, np.zeros(len(y), bool)))
    for t in (np.sort(y)[10], np.sort(y)[40], 150.0):  # at a run time and between
        brute = np.mean(np.minimum(y, t)) / np.mean(y <= t)
        assert restarts.strategy_time(runs.sf, runs.partial, Restart("fixed", t)) == \
            pytest.approx(brute, rel=1e-12)
    # Luby on the empirical distribution: tries drawn from the runs, simulated
    unit = float(np.sort(y)[5])
    exact = restarts.strategy_time(runs.sf, runs.partial, Restart("luby", unit))
    seq = luby_sequence(4096) * unit
    draws = rng.choice(y, size=(20_000, 400))
    cuts = seq[:400]
    done = draws <= cuts
    first = np.argmax(done, axis=1)
    assert done.any(axis=1).all()
    spent = np.cumsum(np.minimum(draws, cuts), axis=1)
    before = np.where(first > 0, spent[np.arange(len(first)), first - 1], 0.0)
    totals = before + draws[np.arange(len(first)), first]
    mc, se = totals.mean(), totals.std() / np.sqrt(len(totals))
    assert abs(exact - mc) < 4 * se


def test_an_exponential_fit_gains_nothing_from_any_strategy() -> None:
    """Memoryless: every restart strategy's expected time is E[Y] = 1 / rate."""
    f = Fit("exp", {"rate": 1 / 500.0}, 0.0)
    dist = restarts.FitDistribution(f, 1.0, 50_000.0)
    for strategy in (Restart("fixed", 100), Restart("fixed", 2000), Restart("luby", 30),
                     Restart("luby", 700)):
        assert restarts.strategy_time(dist.sf, dist.partial, strategy) == \
            pytest.approx(500.0, rel=1e-3)
    r = restarts.from_fit(f, 1.0, 50_000.0)
    assert r.luby_time == pytest.approx(500.0, rel=1e-3)


def test_predict_shows_restarted_runs_beside_their_prediction(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    for extra in ([], ["--restart-cutoff", "400"], ["--restart", "luby:100"]):
        made = satspeed("run", INSTANCE, "--runs", 60, "-o", out, "-q", *extra, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    result = CliRunner().invoke(main, ["predict", str(out), "--restarts", "--luby-unit", "50",
                                       "--cores", "1,4", "--json", "--bootstrap", "30",
                                       "--gof-samples", "0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == 6
    groups = {g["restart"]: g for g in doc["groups"]}
    assert set(groups) == {"", "fixed:400", "luby:100"}
    assert groups["fixed:400"]["restarts"] is None  # a restarted group is not restarted again
    strategies = {s["strategy"]: s for s in groups[""]["restarts"]["strategies"]}
    assert set(strategies) == {"fixed:400", "luby:100", "luby:50"}
    rows = [r for _, r in read_rows(out)]
    plain = np.array([float(r["flips"]) for r in rows if not r["restart"]])
    plain = np.maximum(plain, 0.5)
    fixed = strategies["fixed:400"]
    brute = np.mean(np.minimum(plain, 400)) / np.mean(plain <= 400)
    assert fixed["predicted"] == pytest.approx(brute, rel=1e-9)
    assert fixed["predicted_low"] <= fixed["predicted"] <= fixed["predicted_high"]
    seen = np.array([float(r["flips"]) for r in rows if r["restart"] == "fixed:400"])
    assert fixed["runs"] == 60 and fixed["observed"] == pytest.approx(seen.mean())
    assert fixed["relative_error"] == pytest.approx((brute - seen.mean()) / seen.mean())
    assert strategies["luby:50"]["runs"] == 0 and strategies["luby:50"]["observed"] is None
    table = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, ["predict", str(out), "--restarts", "--cores", "1,4", "--bootstrap", "20",
               "--gof-samples", "0"])
    assert table.exit_code == 0
    assert "fixed:400" in table.output and "luby:100" in table.output
    assert max(map(len, table.output.splitlines())) <= 80
    needs = CliRunner().invoke(main, ["predict", str(out), "--luby-unit", "5"])
    assert needs.exit_code == 2 and "--restarts" in needs.output
