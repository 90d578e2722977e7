"""Start-up time of `satspeed --help`, and of the first row of `satspeed run`, for one or more
checkouts side by side (interleaved, repeated).

    git worktree add /tmp/before <rev>
    python scripts/bench_startup.py /tmp/before . --repeat 21

The first row: `satspeed run` of one bundled instance (one run, one worker) from its start
until the results CSV holds the run's row (polled every 2 ms), on a warm cache (a first run
of each checkout, not counted, compiles or loads its kernels). Prints the median and the
range of each; each checkout runs with PYTHONPATH set to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INSTANCE = "instances/uf3-n100-m420-s1-001.cnf"


def environment(checkout: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.path.abspath(checkout),
            "SATSPEED_NO_MACHINE_WARNINGS": "1"}


def help_time(checkout: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "satspeed", "--help"], cwd=checkout,
                   env=environment(checkout), capture_output=True, check=True)
    return time.perf_counter() - start


def first_row_time(checkout: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "r.csv"
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "satspeed", "run", INSTANCE, "--runs", "1", "--workers",
             "1", "--quiet", "-o", str(csv)], cwd=checkout, env=environment(checkout),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and not _has_row(csv):
            time.sleep(0.002)
        found = time.perf_counter() - start
        if process.wait() != 0 or not _has_row(csv):
            raise SystemExit(f"{checkout}: satspeed run failed")
        return found


def _has_row(csv: Path) -> bool:
    try:
        return csv.read_text().count("\n") >= 2
    except FileNotFoundError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    measures = {"--help": help_time, "first row": first_row_time}
    for checkout in args.checkouts:
        first_row_time(checkout)  # warm the kernels' cache
    times = {(m, c): [] for m in measures for c in args.checkouts}
    for _ in range(args.repeat):
        for name, measure in measures.items():
            for checkout in args.checkouts:
                times[name, checkout].append(measure(checkout))
    for (name, checkout), values in times.items():
        print(f"{name:<10} {checkout:<30} median {statistics.median(values):.3f} s "
              f"[{min(values):.3f}-{max(values):.3f}] over {len(values)}")


if __name__ == "__main__":
    main()
