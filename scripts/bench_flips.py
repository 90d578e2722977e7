"""Flip-rate benchmark: satspeed's numba kernels beside reference C solvers, in one run.

Generates uniform random instances (3-SAT at ratio 4.2 with n = 10^3, 10^5, 10^6; 5-SAT and
7-SAT just below their thresholds), then measures flips per CPU second over a few seeded runs of
up to --flips flips each. JIT compilation and file reading are excluded: the kernels are warmed
first; for the C probSAT, whose CPU time counts from process start, the time of a 0-flip run on
the same instance and seed (reading + initialisation) is subtracted.

    python scripts/bench_flips.py --probsat /path/to/probSAT --walksat /path/to/walksat
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.formula.generate import dimacs_text, uniform_ksat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_solvers import run_probsat, run_walksat

# (label, k, n, ratio)
INSTANCES = [
    ("3-SAT n=1e3", 3, 1_000, 4.2),
    ("3-SAT n=1e5", 3, 100_000, 4.2),
    ("3-SAT n=1e6", 3, 1_000_000, 4.2),
    ("5-SAT n=1e4", 5, 10_000, 20.0),
    ("7-SAT n=5e3", 7, 5_000, 85.0),
]


def write_instance(directory: Path, k: int, n: int, ratio: float) -> Path:
    path = directory / f"bench-k{k}-n{n}.cnf"
    if not path.exists():
        clauses = uniform_ksat(k, n, round(ratio * n), np.random.default_rng([7, k, n]))
        path.write_text(dimacs_text(clauses, [f"flip-rate benchmark k={k} n={n}"], n=n))
    return path


def ours(path: Path, solver: str, seeds: list[int], flips: int) -> float:
    walk = make_walk(read_cnf(path), solver)
    warm_up(walk)
    done = cpu = 0.0
    for seed in seeds:
        result = run_once(walk, seed, max_flips=flips)
        done, cpu = done + result.flips, cpu + result.cpu_s
    return done / cpu


def c_probsat(binary: Path, path: Path, seeds: list[int], flips: int) -> float:
    done = cpu = 0.0
    for seed in seeds:
        setup = run_probsat(binary, path, seed, 0).cpu_s
        run = run_probsat(binary, path, seed, flips)
        done, cpu = done + run.flips, cpu + max(run.cpu_s - setup, 1e-9)
    return done / cpu


def c_walksat(binary: Path, path: Path, seeds: list[int], flips: int) -> float:
    done = cpu = 0.0
    for seed in seeds:
        run = run_walksat(binary, path, seed, flips)
        done, cpu = done + run.flips, cpu + run.cpu_s
    return done / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probsat", type=Path, help="reference C probSAT binary")
    parser.add_argument("--walksat", type=Path, help="reference WalkSAT binary (-seed/-cutoff)")
    parser.add_argument("--flips", type=int, default=3_000_000, help="flips per run")
    parser.add_argument("--seeds", type=int, default=3, help="runs per instance and solver")
    parser.add_argument("--only", default="", help="comma-separated labels prefixes, e.g. 3-SAT")
    parser.add_argument("--dir", type=Path, help="keep generated instances here")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"{'instance':<13} {'solver':<8} {'satspeed':>12} {'reference':>12} {'ratio':>6}")
        for label, k, n, ratio in INSTANCES:
            if args.only and not any(label.startswith(p) for p in args.only.split(",")):
                continue
            path = write_instance(directory, k, n, ratio)
            for solver, binary, reference in (("probsat", args.probsat, c_probsat),
                                              ("walksat", args.walksat, c_walksat)):
                rate = ours(path, solver, seeds, args.flips)
                ref = reference(binary, path, seeds, args.flips) if binary else float("nan")
                print(f"{label:<13} {solver:<8} {rate / 1e6:>10.2f} M {ref / 1e6:>10.2f} M "
                      f"{rate / ref:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
