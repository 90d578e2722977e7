"""The Dask engine on a real LocalCluster (worker processes): the same rows as the local engine
for the same seeds, races whose winner stops the losers, and a killed dask worker that loses or
duplicates no row."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from test_races import HOPELESS, plan, sequential_flips
from test_run import WAIT, bundled, rows_of, satspeed_run

from satspeed.restart import Restart
from satspeed.run.engines.dask import DaskPool
from satspeed.run.engines.local import LocalPool
from satspeed.run.plan import Run

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local:
        yield local


def run_on(pool: DaskPool | LocalPool, runs: list[Run]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    thread = threading.Thread(target=pool.run, args=(runs, rows.append), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the engine hung"
    return rows


def outcome(rows: list[dict[str, object]]) -> dict[tuple[object, ...], tuple[object, object]]:
    return {(r["instance_sha256"], r["walkers"], r["seed"]): (r["status"], r["flips"])
            for r in rows}


def test_dask_rows_equal_local_rows(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    runs = plan(tmp_path, [bundled("uf3-n50-"), bundled("uf3-n100-")], runs=20,
                walkers=(1, 2))
    on_dask = run_on(DaskPool(cluster.scheduler_address, 2, None, 30.0), runs)
    on_local = run_on(LocalPool(2, None, 30.0), runs)
    assert len(on_dask) == len(on_local) == len(runs)
    dask_outcome, local_outcome = outcome(on_dask), outcome(on_local)
    sequential = {k: v for k, v in local_outcome.items() if k[1] == 1}
    assert sequential and {k: dask_outcome[k] for k in sequential} == sequential
    by_seed = {r.seed: r for r in runs}
    for row in on_dask:
        if row["walkers"] == 2:  # a race's flips are those of one of its walkers
            assert row["status"] == "sat"
            assert row["flips"] in sequential_flips(by_seed[int(str(row["seed"]))])


def test_dask_restarted_rows_equal_local_rows(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    runs = plan(tmp_path, [bundled("uf3-n100-")], runs=12, walkers=(1, 2),
                restart=Restart("luby", 30))
    on_dask = run_on(DaskPool(cluster.scheduler_address, 2, None, 30.0), runs)
    on_local = run_on(LocalPool(2, None, 30.0), runs)
    assert len(on_dask) == len(on_local) == len(runs) == 24
    assert {r["restart"] for r in on_dask} == {"luby:30"}
    key = ("instance_sha256", "walkers", "seed", "status", "flips", "restarts")
    sequential = sorted(tuple(r[k] for k in key) for r in on_local if r["walkers"] == 1)
    assert sequential == sorted(tuple(r[k] for k in key) for r in on_dask if r["walkers"] == 1)
    assert sum(int(str(r[5])) for r in sequential) > 0  # some runs did restart
    assert all(r["status"] == "sat" for r in on_dask)


def test_dask_race_stops_its_losers(tmp_path: Path, cluster) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "hopeless.toml"
    spec.write_text(HOPELESS)
    runs = plan(tmp_path, [bundled("uf3-n250-")], solvers=(), runs=2,
                portfolios=({"probsat": 1, str(spec): 1},))
    rows = run_on(DaskPool(cluster.scheduler_address, 2, None, 60.0), runs)
    assert [r["status"] for r in rows] == ["sat", "sat"]
    assert all(float(str(r["cpu_s"])) < 30 for r in rows)  # the loser did not run to 60 s


def test_killed_dask_worker_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    runs = plan(tmp_path, [bundled("uf3-n200-"), bundled("uf3-n250-")], runs=150)
    rows: list[dict[str, object]] = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local, \
            distributed.Client(local) as client:
        pool = DaskPool(local.scheduler_address, 2, None, 30.0)
        thread = threading.Thread(target=pool.run, args=(runs, rows.append), daemon=True)
        thread.start()
        deadline = time.monotonic() + WAIT
        while len(rows) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        at_kill = len(rows)
        thread.join(WAIT)
        assert not thread.is_alive(), "the engine hung"
    assert 20 <= at_kill < len(rows) == len(runs)
    assert sorted(int(str(r["seed"])) for r in rows) == sorted(r.seed for r in runs)
    assert all(r["status"] == "sat" for r in rows)


def test_engine_dask_from_the_command_line(tmp_path: Path) -> None:
    """`--engine dask` without a scheduler starts a LocalCluster; resuming works as locally."""
    args = [bundled("uf3-n50-"), "--engine", "dask", "--workers", 2, "--runs", 5,
            "--walkers", "1,2", "-o", "r.csv", "-q"]
    proc = satspeed_run(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows, warned = rows_of(tmp_path / "r.csv")
    assert warned == [] and len(rows) == 10
    assert sorted(r["walkers"] for r in rows) == ["1"] * 5 + ["2"] * 5
    again = satspeed_run(*args, cwd=tmp_path)
    assert again.returncode == 0 and "10 of 10 runs already" in again.stderr


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    proc = satspeed_run(bundled("uf3-n50-"), "--engine", "dask", "--scheduler",
                        "tcp://127.0.0.1:9", "--runs", 1, "-o", "r.csv", cwd=tmp_path)
    assert proc.returncode == 1
    assert "cannot reach the dask scheduler tcp://127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr
