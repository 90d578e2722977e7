"""Races (`satspeed run --walkers`, `--portfolio`) on the local engine: the rows, the winner's
flips checked against its walkers' own sequential runs, losers stopped with no process left
behind, timeouts, a walker whose process dies, the warning for more walkers than cores."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from crashy_worker import CrashyPool
from test_run import UNSAT, WAIT, bundled, rows_of, satspeed_run

from satspeed.run.builtin import make_walk, run_once
from satspeed.run.campaign import CampaignOptions, _plan
from satspeed.run.engines.local import LocalPool
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.plan import Run, derive_seed
from satspeed.run.specs import find_spec, load_spec

# probSAT with cb = 0 is a pure random walk: on uf3-n250 it practically never finds a model,
# so a race it is in only ends when another walker wins (or at the cutoff).
HOPELESS = 'kernel = "probsat"\n[params]\ncb = 0.0\n'


def sequential_flips(run: Run) -> list[int | None]:
    """Each walker's flips to a model when run alone with its race seed (None: no model
    within 10^6 flips)."""
    formula = read_cnf(run.instance)
    found: list[int | None] = []
    for index, spec in enumerate(run.specs):
        result = run_once(make_walk(formula, spec), run.walker_seed(index), max_flips=10**6)
        found.append(result.flips if result.status == "sat" else None)
    return found


def plan(tmp_path: Path, paths: list[Path], **given: object) -> list[Run]:
    options = CampaignOptions(paths, ("probsat",), 3, 4, None, 30.0, 0, tmp_path / "r.csv",
                              None, True)
    runs, _ = _plan(CampaignOptions(**{**options.__dict__, **given}))
    return runs


def race(pool: LocalPool, runs: list[Run]) -> list[dict[str, object]]:
    """Run `runs` on the pool in a thread (a hang fails the test), then check no worker
    process is left."""
    rows: list[dict[str, object]] = []
    thread = threading.Thread(target=pool.run, args=(runs, rows.append), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the pool hung"
    assert multiprocessing.active_children() == []
    return rows


def test_walkers_campaign_rows(tmp_path: Path) -> None:
    paths = [bundled("uf3-n50-"), bundled("uf3-n100-")]
    proc = satspeed_run(*paths, "--walkers", "1,2,3", "--runs", 6, "--workers", 3,
                        "-o", "r.csv", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows, warned = rows_of(tmp_path / "r.csv")
    assert warned == []
    assert sorted(int(r["walkers"]) for r in rows) == [1] * 12 + [2] * 12 + [3] * 12
    expected = {(p.name, k, derive_seed(0, read_cnf(p).sha256, "probsat", params, i, k))
                for p in paths for k in (1, 2, 3) for i in range(6)
                for params in ["caching=0,cb=2.06,eps=0.9,fct=poly"]}
    assert {(Path(r["instance"]).name, int(r["walkers"]), int(r["seed"])) for r in rows} \
        == expected
    assert all(r["status"] == "sat" and int(r["flips"]) > 0 for r in rows)
    # resuming makes nothing again
    again = satspeed_run(*paths, "--walkers", "1,2,3", "--runs", 6, "--workers", 3,
                         "-o", "r.csv", "-q", cwd=tmp_path)
    assert again.returncode == 0 and "36 of 36 runs already" in again.stderr
    assert len(rows_of(tmp_path / "r.csv")[0]) == 36


def test_a_race_records_one_of_its_walkers_flips(tmp_path: Path) -> None:
    """The winner's flips are those its seed gives in a sequential run."""
    runs = [r for r in plan(tmp_path, [bundled("uf3-n100-")], walkers=(4,))]
    rows = race(LocalPool(4, None, 30.0), runs)
    assert len(rows) == len(runs) == 3
    by_seed = {int(str(r["seed"])): r for r in rows}
    for run in runs:
        row = by_seed[run.seed]
        assert row["walkers"] == 4 and row["status"] == "sat"
        assert int(str(row["flips"])) in sequential_flips(run)


def test_the_winner_stops_the_losers(tmp_path: Path) -> None:
    """A probSAT walker wins in milliseconds; its hopeless partner is stopped at once (the
    cutoff of 60 CPU seconds is never reached) and no process is left."""
    spec = tmp_path / "hopeless.toml"
    spec.write_text(HOPELESS)
    runs = plan(tmp_path, [bundled("uf3-n250-")], solvers=(), walkers=(1,),
                portfolios=({"probsat": 1, str(spec): 1},))
    runs = [r for r in runs if r.walkers == 2]
    assert runs and all(r.solver == "hopeless*1+probsat*1" for r in runs)
    rows = race(LocalPool(2, None, 60.0), runs)
    assert [r["status"] for r in rows] == ["sat"] * len(runs)
    for row, run in zip(sorted(rows, key=lambda r: int(str(r["seed"]))),
                        sorted(runs, key=lambda r: r.seed), strict=True):
        flips = sequential_flips(run)
        assert flips[0] is None  # the hopeless walker (sorted first by name)
        assert int(str(row["flips"])) == flips[1]
        assert float(str(row["cpu_s"])) < 30  # the loser did not run to its cutoff


def test_a_race_nobody_wins_is_a_timeout(tmp_path: Path) -> None:
    unsat = tmp_path / "unsat.cnf"
    unsat.write_text(UNSAT)
    runs = plan(tmp_path, [unsat], walkers=(2,))
    rows = race(LocalPool(2, 500, None), runs)
    assert [(r["status"], r["flips"], r["walkers"]) for r in rows] == [("timeout", 500, 2)] * 3


def test_a_walker_that_kills_its_worker(tmp_path: Path) -> None:
    """A race whose walker kills its process is run again; when it kills it again, the race is
    an error row; the other races complete."""
    runs = plan(tmp_path, [bundled("uf3-n50-")], walkers=(2,))
    deadly = runs[1].walker_seed(1)
    pool = CrashyPool(2, None, 30.0, {deadly})
    rows = race(pool, runs)
    assert sorted(int(str(r["seed"])) for r in rows) == sorted(r.seed for r in runs)
    errors = [r for r in rows if r["status"] == "error"]
    assert [int(str(r["seed"])) for r in errors] == [runs[1].seed]
    assert "worker process died (signal 9)" in str(errors[0]["message"])
    assert pool.started == 4


def test_more_walkers_than_cores_warns(tmp_path: Path) -> None:
    cores = len(__import__("os").sched_getaffinity(0))
    proc = satspeed_run(bundled("uf3-n50-"), "--walkers", cores + 1, "--runs", 2,
                        "--workers", 1, "-o", "r.csv", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"races of {cores + 1} walkers on {cores} cores" in proc.stderr
    assert f"using {cores + 1} worker processes" in proc.stderr
    assert [r["walkers"] for r in rows_of(tmp_path / "r.csv")[0]] == [str(cores + 1)] * 2


@pytest.mark.parametrize("text", ["0", "1,x", "", "-2"])
def test_bad_walkers_option(tmp_path: Path, text: str) -> None:
    proc = satspeed_run(bundled("uf3-n50-"), "--walkers", text, cwd=tmp_path)
    assert proc.returncode == 2 and "Invalid value for '--walkers'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_spec_files_name_their_solver(tmp_path: Path) -> None:
    spec = tmp_path / "hopeless.toml"
    spec.write_text(HOPELESS)
    loaded = load_spec(spec)
    assert (loaded.name, loaded.kernel, loaded.given) == ("hopeless", "probsat", {"cb": 0.0})
    assert find_spec(str(spec)) == loaded
