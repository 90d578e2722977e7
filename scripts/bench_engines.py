"""Per-run overhead of the Dask engine beside the local engine, on tiny runs.

Makes the same sequential runs (the bundled uf3-n50, a few hundred flips: ~0.1 ms of solving)
on the local process pool, on a LocalCluster with satspeed's batching, and on the same cluster
with one run per task (no batching), all with --workers workers. Start-up is excluded by
timing a campaign of --runs runs and one of a fifth as many and taking the difference (the
local pool starts its processes at each campaign; the cluster is started once). Prints the
marginal runs/s and the harness overhead per run and worker: wall seconds per run minus the
solving seconds per run (the rows' cpu_s), times the workers. Also times races of 2 walkers.

    python scripts/bench_engines.py [--runs 20000] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import distributed

from satspeed.run.campaign import CampaignOptions, _plan
from satspeed.run.engines import dask as dask_engine
from satspeed.run.engines.dask import DaskPool
from satspeed.run.engines.local import LocalPool
from satspeed.run.plan import Run

INSTANCE = Path(__file__).resolve().parent.parent / "instances" / "uf3-n50-m210-s1-001.cnf"


def plan(runs: int, walkers: int, seed: int) -> list[Run]:
    options = CampaignOptions([INSTANCE], ("probsat",), runs, 1, None, 60.0, seed,
                              Path("unused.csv"), None, True, (walkers,))
    return _plan(options)[0]


def timed(pool: LocalPool | DaskPool, runs: list[Run]) -> tuple[float, float]:
    """Wall seconds for `runs`, and their summed cpu_s."""
    rows: list[dict[str, object]] = []
    start = time.perf_counter()
    pool.run(runs, rows.append)
    wall = time.perf_counter() - start
    assert len(rows) == len(runs)
    return wall, sum(float(str(r["cpu_s"])) for r in rows)


def marginal(label: str, pool: LocalPool | DaskPool, runs: int, workers: int) -> None:
    """Print the runs/s and overhead of `runs` runs beyond a fifth as many."""
    small = max(1, runs // 5)
    wall_small, cpu_small = timed(pool, plan(small, 1, 11))
    wall, cpu = timed(pool, plan(runs, 1, 12))
    extra, extra_wall, extra_cpu = runs - small, wall - wall_small, cpu - cpu_small
    overhead = (extra_wall - extra_cpu / workers) / extra * workers
    print(f"{label:<26} {extra / extra_wall:>10,.0f} runs/s   overhead {overhead * 1e3:7.3f} "
          f"ms per run per worker   (whole campaign of {runs}: {wall:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--races", type=int, default=500)
    args = parser.parse_args()
    n, w = args.runs, args.workers
    local = LocalPool(w, None, 60.0)
    timed(local, plan(50, 1, 99))  # compile or load the kernels once
    marginal("local pool", local, n, w)
    with distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        dask = DaskPool(cluster.scheduler_address, w, None, 60.0)
        timed(dask, plan(50, 1, 99))  # warm the workers' kernels and the client
        marginal("dask, batched tasks", dask, n, w)
        saved = dask_engine.MAX_BATCH
        dask_engine.MAX_BATCH = 1
        try:
            marginal("dask, one run per task", dask, min(n, 2000), w)
        finally:
            dask_engine.MAX_BATCH = saved
        if w >= 2:
            wall, _ = timed(dask, plan(args.races, 2, 4))
            print(f"{'dask, races of 2':<26} {args.races / wall:>10,.1f} races/s")
    if w >= 2:
        wall, _ = timed(local, plan(args.races, 2, 4))
        print(f"{'local, races of 2':<26} {args.races / wall:>10,.1f} races/s")


if __name__ == "__main__":
    main()
