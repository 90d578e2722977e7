"""Wall time of a precision-driven campaign (`run --precision`) for one or more checkouts
side by side (interleaved, repeated), and whether they made the same rows and decisions.

    git worktree add /tmp/before <rev>
    python scripts/bench_rounds.py /tmp/before . --max-runs 1600 --repeat 2

Each checkout runs with PYTHONPATH set to it, first once on a tiny campaign (to load or
compile its numba kernels), then the campaign on the bundled instances, into a fresh CSV in a
temporary folder. Prints each run's wall time, the median and range per checkout, and checks
that all wrote the same rows (instance, seed, status, flips) and the same sidecar `groups`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def campaign(checkout: str, csv_path: Path, args: argparse.Namespace, *paths: Path) -> float:
    """Run the precision campaign in `checkout`; its wall seconds."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout),
           "SATSPEED_NO_MACHINE_WARNINGS": "1"}
    command = [sys.executable, "-m", "satspeed", "run", *map(str, paths), "--precision",
               str(args.precision), "--at-cores", str(args.cores), "--min-runs",
               str(args.min_runs), "--max-runs", str(args.max_runs), "--timeout", "60",
               "--workers", str(args.workers), "-q", "-o", str(csv_path)]
    start = time.perf_counter()
    subprocess.run(command, cwd=checkout, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def outcome(csv_path: Path) -> tuple[list[tuple[str, ...]], object]:
    """The rows that matter and the sidecar's groups."""
    with csv_path.open(newline="") as handle:
        rows = sorted((r["instance_sha256"], r["seed"], r["status"], r["flips"])
                      for r in csv.DictReader(handle))
    meta = json.loads(Path(f"{csv_path}.meta.json").read_text())
    return rows, meta["sessions"][-1]["rounds"]["groups"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkouts", nargs="+")
    parser.add_argument("--precision", type=float, default=0.10)
    parser.add_argument("--cores", type=int, default=384)
    parser.add_argument("--min-runs", type=int, default=50)
    parser.add_argument("--max-runs", type=int, default=1600)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    instances = sorted((ROOT / "instances").glob("*.cnf"))
    times: dict[str, list[float]] = {c: [] for c in args.checkouts}
    seen = []
    with tempfile.TemporaryDirectory() as tmp:
        for checkout in args.checkouts:  # load (or compile) each checkout's kernels
            campaign(checkout, Path(tmp) / "warm.csv", args, instances[0])
            (Path(tmp) / "warm.csv").unlink()
            Path(tmp, "warm.csv.meta.json").unlink()
        for rep in range(args.repeat):
            for number, checkout in enumerate(args.checkouts):
                path = Path(tmp) / f"c{number}-{rep}.csv"
                times[checkout].append(campaign(checkout, path, args, *instances))
                seen.append(outcome(path))
                print(f"{checkout}: repeat {rep + 1}: {times[checkout][-1]:.1f} s, "
                      f"{len(seen[-1][0])} rows", flush=True)
    for checkout, wall in times.items():
        print(f"{checkout}: median {statistics.median(wall):.1f} s "
              f"[{min(wall):.1f}-{max(wall):.1f}]")
    same = all(s == seen[0] for s in seen)
    print("same rows and decisions in every run" if same else "ROWS OR DECISIONS DIFFER")


if __name__ == "__main__":
    main()
