"""Start-up time of `satspeed --help`, two checkouts side by side (interleaved, repeated).

    git worktree add /tmp/before <rev>
    python scripts/bench_startup.py /tmp/before . --repeat 21

Prints the median and the range of each; each checkout runs with PYTHONPATH set to it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def once(checkout: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(checkout)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "satspeed", "--help"], cwd=checkout, env=env,
                   capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+")
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    times: dict[str, list[float]] = {c: [] for c in args.checkouts}
    for _ in range(args.repeat):
        for checkout in args.checkouts:
            times[checkout].append(once(checkout))
    for checkout, values in times.items():
        print(f"{checkout:<30} median {statistics.median(values):.3f} s "
              f"[{min(values):.3f}-{max(values):.3f}] over {len(values)}")


if __name__ == "__main__":
    main()
