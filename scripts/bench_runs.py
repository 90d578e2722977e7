"""Campaign throughput: runs/s of `satspeed run` beside one solver process per run.

`satspeed run` with 1 and 2 workers on the bundled uf3-n50 (runs of a few hundred flips) and
uf3-n200 instances (milliseconds a run): whole command, and without start-up from the CSV's
`started_at`. Then a bash loop starting `satspeed solve` (and, with --probsat, the C probSAT)
once per run. Last, median cpu_s per instance with 1 vs 2 workers (same seeds, same flips).
Timings are noisy on shared machines: compare the ratios; --repeat repeats the campaigns.

    python scripts/bench_runs.py --probsat /path/to/probSAT [--repeat 3]
    python scripts/bench_runs.py --profile 2    # cProfile of the parent of a 2-worker campaign
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

INSTANCES = Path(__file__).resolve().parent.parent / "instances"


@dataclass
class Campaign:
    """One `satspeed run` command and the rows it wrote."""

    label: str
    workers: int
    wall: float  # seconds, the whole command
    startup: float  # launch -> first row's started_at
    rows: list[dict[str, str]]  # sorted by started_at
    starts: list[float]  # their started_at (epoch seconds)

    @property
    def rate(self) -> float:
        return len(self.rows) / self.wall

    @property
    def rate_span(self) -> float:
        """Rows over the first -> last started_at span (the first row includes kernel loading)."""
        return (len(self.rows) - 1) / max(self.starts[-1] - self.starts[0], 1e-3)

    @property
    def rate_steady(self) -> float:
        """As rate_span, from the first run after the workers loaded (the first `workers` rows
        are stamped before each worker loads its kernels)."""
        w = self.workers
        return (len(self.rows) - w - 1) / max(self.starts[-1] - self.starts[w], 1e-3)

    @property
    def busy(self) -> float:
        """Share of the workers' steady time spent inside timed runs (sum of wall_s)."""
        solving = sum(float(r["wall_s"]) for r in self.rows[self.workers:])
        return solving / (self.workers * max(self.starts[-1] - self.starts[self.workers], 1e-3))

    @property
    def max_gap(self) -> float:
        """Longest time in which no run started, after the workers loaded: with runs of tens of
        microseconds, a stall of every worker (waiting for the parent)."""
        steady = self.starts[self.workers:]
        return max(b - a for a, b in itertools.pairwise(steady))


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def campaign(label: str, files: list[Path], runs: int, workers: int, directory: Path
             ) -> Campaign:
    out = directory / f"runs-{label}-w{workers}.csv"
    for stale in (out, Path(f"{out}.meta.json")):
        stale.unlink(missing_ok=True)  # a fresh CSV, or the command would resume
    command = [sys.executable, "-m", "satspeed", "run", *map(str, files), "--runs", str(runs),
               "--workers", str(workers), "-q", "-o", str(out)]
    launched, t0 = time.time(), time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - t0
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != runs * len(files):
        sys.exit(f"{shlex.join(command)}: {len(rows)} rows, expected {runs * len(files)}")
    rows.sort(key=lambda r: r["started_at"])
    starts = [epoch(r["started_at"]) for r in rows]
    return Campaign(label, workers, wall, starts[0] - launched, rows, starts)


def shell_loop(command: list[str], files: list[Path], runs: int) -> float:
    """Runs per second of `command` started once per run from a bash loop, output discarded;
    its FILE and SEED arguments take the files in turn and seeds 1..runs."""
    words = {"FILE": '"${files[s % ${#files[@]}]}"', "SEED": "$s"}
    body = " ".join(words.get(word, shlex.quote(word)) for word in command)
    script = (f"files=({' '.join(shlex.quote(str(f)) for f in files)}); "
              f"for ((s = 1; s <= {runs}; s++)); do {body} >/dev/null; "
              "rc=$?; if ((rc != 0 && rc != 10)); then exit $rc; fi; done")
    t0 = time.perf_counter()
    subprocess.run(["bash", "-c", script], check=True)
    return runs / (time.perf_counter() - t0)


def cpu_comparison(one: Campaign, two: Campaign) -> list[tuple[str, int, bool, float, float,
                                                                float]]:
    """Per instance: runs, same flips per seed?, median cpu_s with 1 and 2 workers, and the
    median over seeds of the paired ratio cpu_s(2 workers) / cpu_s(1 worker)."""
    result = []
    for name in sorted({r["instance"] for r in one.rows}):
        a = {r["seed"]: r for r in one.rows if r["instance"] == name}
        b = {r["seed"]: r for r in two.rows if r["instance"] == name}
        same = a.keys() == b.keys() and all(a[s]["flips"] == b[s]["flips"] for s in a)
        cpu_a = [float(a[s]["cpu_s"]) for s in a]
        cpu_b = [float(b[s]["cpu_s"]) for s in a]
        paired = statistics.median(y / x for x, y in zip(cpu_a, cpu_b, strict=True) if x > 0)
        result.append((Path(name).name, len(a), same, statistics.median(cpu_a),
                       statistics.median(cpu_b), paired))
    return result


def profile_parent(workers: int, runs: int, directory: Path) -> None:
    """cProfile of the parent process of one campaign on the uf3-n50 instances (in-process)."""
    import cProfile
    import pstats

    from satspeed.run.campaign import CampaignOptions, run_campaign

    out = directory / "profile.csv"
    files = sorted(INSTANCES.glob("uf3-n50-*.cnf"))
    options = CampaignOptions(files, "probsat", runs, workers, None, 60.0, 0, out, None, True)
    profiler = cProfile.Profile()
    profiler.runcall(run_campaign, options, ["satspeed", "run"])
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(15)
    stats.print_callees(r"\(receive\)|\(on_row\)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="runs per uf3-n50 instance")
    parser.add_argument("--big-runs", type=int, default=300, help="runs per uf3-n200 instance")
    parser.add_argument("--solve-runs", type=int, default=50,
                        help="`satspeed solve` processes in the shell loop")
    parser.add_argument("--probsat", type=Path, help="reference C probSAT binary")
    parser.add_argument("--probsat-runs", type=int, default=1000,
                        help="C probSAT processes in the shell loop")
    parser.add_argument("--repeat", type=int, default=1, help="times to repeat the campaigns")
    parser.add_argument("--dir", type=Path, help="keep the CSVs here")
    parser.add_argument("--profile", type=int, metavar="WORKERS",
                        help="only profile the parent of a campaign with WORKERS workers")
    args = parser.parse_args()
    small = sorted(INSTANCES.glob("uf3-n50-*.cnf"))
    big = sorted(INSTANCES.glob("uf3-n200-*.cnf"))
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        if args.profile:
            profile_parent(args.profile, args.runs, directory)
            return
        print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs; "
              f"satspeed run -q, {args.runs} runs x {len(small)} uf3-n50, "
              f"{args.big_runs} runs x {len(big)} uf3-n200")
        print(f"{'campaign':<14} {'rows':>5} {'wall s':>7} {'runs/s':>7} {'start s':>7} "
              f"{'first-last/s':>12} {'steady/s':>9} {'busy':>5} {'max gap ms':>10}")
        results: dict[tuple[str, int], list[Campaign]] = {}
        for _ in range(args.repeat):
            for label, files, runs in (("n50", small, args.runs), ("n200", big, args.big_runs)):
                for workers in (1, 2):
                    c = campaign(label, files, runs, workers, directory)
                    results.setdefault((label, workers), []).append(c)
                    print(f"{label + f' w{workers}':<14} {len(c.rows):>5} {c.wall:>7.2f} "
                          f"{c.rate:>7.0f} {c.startup:>7.2f} {c.rate_span:>12.0f} "
                          f"{c.rate_steady:>9.0f} {c.busy:>5.0%} {c.max_gap * 1e3:>10.0f}",
                          flush=True)

        def median(label: str, workers: int, rate: str) -> float:
            return statistics.median(getattr(c, rate) for c in results[label, workers])

        print("\nspeed-up of 2 workers over 1 (median over repeats)")
        for label in ("n50", "n200"):
            print(f"  {label:<5} " + "  ".join(
                f"{rate}: {median(label, 2, rate) / median(label, 1, rate):.2f}"
                for rate in ("rate", "rate_span", "rate_steady")))

        w2, w2_steady = median("n50", 2, "rate"), median("n50", 2, "rate_steady")
        print("\none process per run from a bash loop (uf3-n50), beside satspeed run n50 w2")
        print(f"{'way':<28} {'runs':>5} {'runs/s':>8} {'w2 whole/it':>12} {'w2 steady/it':>13}")
        naive = [("satspeed solve", [sys.executable, "-m", "satspeed", "solve", "FILE",
                                     "--seed", "SEED"], args.solve_runs)]
        if args.probsat:
            naive.append(("C probSAT --runs 1", [str(args.probsat), "--runs", "1", "FILE",
                                                 "SEED"], args.probsat_runs))
        for name, command, runs in naive:
            rate = shell_loop(command, small, runs)
            print(f"{name:<28} {runs:>5} {rate:>8.1f} {w2 / rate:>12.1f} "
                  f"{w2_steady / rate:>13.1f}", flush=True)

        print("\nCPU seconds, 1 vs 2 workers (same seeds): medians of cpu_s, their ratio, and the "
              "median paired ratio per seed")
        print(f"{'instance':<26} {'runs':>5} {'flips=':>6} {'cpu w1 us':>10} {'cpu w2 us':>10} "
              f"{'w2/w1':>6}  paired w2/w1, each repeat")
        for label in ("n50", "n200"):
            tables = [cpu_comparison(one, two)
                      for one, two in zip(results[label, 1], results[label, 2], strict=True)]
            for i, (name, n, _, a, b, _) in enumerate(tables[0]):
                same = all(table[i][2] for table in tables)
                print(f"{name:<26} {n:>5} {'yes' if same else 'NO':>6} {a * 1e6:>10.0f} "
                      f"{b * 1e6:>10.0f} {b / a:>6.2f}  "
                      + " ".join(f"{table[i][5]:.2f}" for table in tables))

if __name__ == "__main__":
    main()
