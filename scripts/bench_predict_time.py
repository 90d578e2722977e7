"""Wall time of `satspeed predict` at its defaults on a synthetic campaign, for one or more
checkouts side by side (interleaved, repeated): G groups x R runs, about 5% censored (each
run with its own cutoff, as a CPU-seconds timeout measured in flips gives).

    git worktree add /tmp/before <rev>
    python scripts/bench_predict_time.py /tmp/before . --groups 20 --runs 500 --repeat 3

Prints the median and the range of each, and rows per second; each checkout runs with
PYTHONPATH set to it. The CSV is written once, in a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

COLUMNS = ("instance", "instance_sha256", "solver", "params", "walkers", "seed", "status",
           "flips", "cpu_s", "wall_s", "cutoff_flips", "cutoff_s", "host", "started_at",
           "satspeed_version", "message")  # format 1 of the results CSV (results.COLUMNS)
PARAMS = "caching=0,cb=2.06,eps=0.9,fct=poly"  # as satspeed run writes probsat's (quoted)


def write_campaign(path: Path, groups: int, runs: int) -> None:
    """Lognormal-ish groups of varied shape, each run censored at its own cutoff (~5%)."""
    rng = np.random.default_rng(15)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for g in range(groups):
            sha = f"{g:064x}"
            shift, sigma = rng.uniform(50, 500), rng.uniform(0.6, 1.4)
            flips = shift + rng.lognormal(8.0, sigma, runs)
            cutoff = np.quantile(flips, 0.95) * rng.uniform(0.7, 1.5, runs)
            for seed, (f, c) in enumerate(zip(flips, cutoff, strict=True)):
                timed_out = f > c
                value = round(min(f, c))
                out.writerow((f"bench/g{g}.cnf", sha, "probsat", PARAMS, 1, seed,
                              "timeout" if timed_out else "sat", value, f"{value * 1e-7:.6f}",
                              f"{value * 1.1e-7:.6f}", round(c), 60.0, "h",
                              "2026-01-01T00:00:00.000Z", "0.1.0", ""))


def once(checkout: str, path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout),
           "SATSPEED_NO_MACHINE_WARNINGS": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "satspeed", "predict", str(path), "--json"],
                   cwd=checkout, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+")
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "campaign.csv"
        write_campaign(path, args.groups, args.runs)
        times: dict[str, list[float]] = {c: [] for c in args.checkouts}
        for _ in range(args.repeat):
            for checkout in args.checkouts:
                times[checkout].append(once(checkout, path))
    rows = args.groups * args.runs
    for checkout, values in times.items():
        median = statistics.median(values)
        print(f"{checkout:<30} median {median:.1f} s [{min(values):.1f}-{max(values):.1f}] "
              f"over {len(values)}; {rows / median:.0f} rows/s")


if __name__ == "__main__":
    main()
