"""Flip-rate benchmark: satspeed's numba kernels beside reference C solvers, side by side.

Generates uniform random instances (3-SAT at ratio 4.2 with n = 10^3 ... 10^6, 5-SAT n = 500
at ratio 20, 7-SAT n = 100 at ratio 85, and the larger 5-SAT and 7-SAT of before), then
measures flips per CPU second of each kernel and of the C codes of its algorithm, over a few
seeded runs of up to --flips flips each. Each (kernel, reference) pair is measured --repeat
times, kernel and reference interleaved, and the ratio kernel / reference of the flip rates
(above 1: the kernel is faster) is given as the median and the range of the repeats.

JIT compilation and file reading are excluded: the kernels are warmed first; the C codes'
CPU time, taken from the kernel's accounting of the child process, counts from process start,
so that of a 1-flip run on the same instance and seed (reading + initialisation) is
subtracted. The reference binaries are built by the user, outside the repository, from the
public sources (scripts/reference_solvers.py says which and how each is called):

    python scripts/bench_flips.py --probsat probSAT --yalsat yalsat --ubcsat ubcsat \\
        --ccanr CCAnr-capped --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.formula.generate import dimacs_text, uniform_ksat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_solvers import (
    RefRun,
    run_ccanr,
    run_probsat,
    run_ubcsat,
    run_walksat,
    run_yalsat,
)

# (label, k, n, ratio)
INSTANCES = [
    ("3-SAT n=1e3", 3, 1_000, 4.2),
    ("3-SAT n=1e4", 3, 10_000, 4.2),
    ("3-SAT n=1e5", 3, 100_000, 4.2),
    ("3-SAT n=1e6", 3, 1_000_000, 4.2),
    ("5-SAT n=500", 5, 500, 20.0),
    ("7-SAT n=100", 7, 100, 85.0),
    ("5-SAT n=1e4", 5, 10_000, 20.0),
    ("7-SAT n=5e3", 7, 5_000, 85.0),
]
Runner = Callable[[Path, Path, int, int], RefRun]
# (our solver, the reference's name, its option here, how to run it)
PAIRS: list[tuple[str, str, str, Runner]] = [
    ("probsat", "C probSAT", "probsat", run_probsat),
    ("probsat", "yalsat", "yalsat", run_yalsat),
    ("walksat", "Kautz walksat", "walksat", run_walksat),
    ("walksat", "UBCSAT walksat", "ubcsat",
     partial(run_ubcsat, algorithm=("walksat", "-wp", "0.567"))),  # our noise
    ("sparrow", "UBCSAT sparrow", "ubcsat",
     partial(run_ubcsat, algorithm=("sparrow", "-v", "sat11"))),
    ("ccanr", "CCAnr", "ccanr", run_ccanr),
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


def reference(run: Runner, binary: Path, path: Path, seeds: list[int], flips: int) -> float:
    """Flips per CPU second of a C code: each run's CPU less that of a 1-flip run."""
    done = cpu = 0.0
    for seed in seeds:
        setup = run(binary, path, seed, 1)
        result = run(binary, path, seed, flips)
        done += result.flips - setup.flips
        cpu += max(result.cpu_s - setup.cpu_s, 1e-9)
    return done / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probsat", type=Path, help="the C probSAT (SC13_v2)")
    parser.add_argument("--yalsat", type=Path, help="Biere's yalsat")
    parser.add_argument("--walksat", type=Path, help="Kautz's WalkSAT (-seed/-cutoff)")
    parser.add_argument("--ubcsat", type=Path, help="UBCSAT 1.2 beta (walksat, sparrow)")
    parser.add_argument("--ccanr", type=Path, help="CCAnr with a step limit (reference_solvers)")
    parser.add_argument("--flips", type=int, default=3_000_000, help="flips per run")
    parser.add_argument("--seeds", type=int, default=3, help="runs per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats per pair")
    parser.add_argument("--only", default="", help="comma-separated label prefixes, e.g. 3-SAT")
    parser.add_argument("--solvers", default="", help="comma-separated: only these kernels")
    parser.add_argument("--dir", type=Path, help="keep generated instances here")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with tempfile.TemporaryDirectory() as tmp:
        directory = args.dir or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        print(f"{'instance':<12} {'kernel':<8} {'reference':<15} {'kernel':>8} {'C':>8} "
              f"{'ratio':>6} {'range':>11}")
        for label, k, n, ratio in INSTANCES:
            if args.only and not any(label.startswith(p) for p in args.only.split(",")):
                continue
            path = write_instance(directory, k, n, ratio)
            for solver, name, option, run in PAIRS:
                binary = getattr(args, option)
                if binary is None or (args.solvers and solver not in args.solvers.split(",")):
                    continue
                rates, refs = [], []
                for _ in range(args.repeat):  # interleaved: kernel, C, kernel, C, ...
                    rates.append(ours(path, solver, seeds, args.flips))
                    refs.append(reference(run, binary, path, seeds, args.flips))
                ratios = [a / b for a, b in zip(rates, refs, strict=True)]
                print(f"{label:<12} {solver:<8} {name:<15} "
                      f"{statistics.median(rates) / 1e6:>6.2f} M "
                      f"{statistics.median(refs) / 1e6:>6.2f} M "
                      f"{statistics.median(ratios):>6.2f} "
                      f"{min(ratios):>5.2f}-{max(ratios):<5.2f}", flush=True)


if __name__ == "__main__":
    main()
