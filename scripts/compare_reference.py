"""Faithfulness check: flips-to-solution over seeds, satspeed's kernels vs the reference C codes.

For each instance, R seeded runs of our kernel and R seeded runs of the reference binary (each
with its own RNG, so runs differ one by one but must agree in distribution). Prints medians,
means and the two-sample Kolmogorov-Smirnov and Anderson-Darling p-values (scipy.stats): a
faithful kernel gives p-values spread over (0, 1), not clustered near 0.

    python scripts/compare_reference.py --probsat /path/to/probSAT --walksat /path/to/walksat \
        --runs 300 instances/uf3-n100-*.cnf instances/uf5-*.cnf
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import read_cnf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_solvers import run_probsat, run_walksat


def our_flips(path: Path, solver: str, runs: int, max_flips: int) -> np.ndarray:
    walk = make_walk(read_cnf(path), solver)
    warm_up(walk)
    return np.array([run_once(walk, seed, max_flips=max_flips).flips
                     for seed in range(1, runs + 1)])


def reference_flips(binary: Path, solver: str, path: Path, runs: int,
                    max_flips: int) -> np.ndarray:
    run = run_probsat if solver == "probsat" else run_walksat
    # C seeds start far from ours; they are a different stream anyway.
    return np.array([run(binary, path, 10_000 + seed, max_flips).flips
                     for seed in range(1, runs + 1)])


def anderson_pvalue(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Anderson-Darling p-value by permutation (exact for ties, unlike the table)."""
    method = stats.PermutationMethod(n_resamples=999)
    try:
        return stats.anderson_ksamp([a, b], variant="midrank", method=method).pvalue
    except TypeError:  # scipy < 1.17 has no `variant`
        return stats.anderson_ksamp([a, b], method=method).pvalue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="+", type=Path)
    parser.add_argument("--probsat", type=Path, help="reference C probSAT binary")
    parser.add_argument("--walksat", type=Path, help="reference WalkSAT binary (-seed/-cutoff)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--max-flips", type=int, default=100_000_000)
    args = parser.parse_args()
    print(f"{'instance':<28} {'solver':<8} {'median ours':>11} {'median ref':>10} "
          f"{'mean ours':>10} {'mean ref':>10} {'KS p':>6} {'AD p':>6}")
    for path in args.instances:
        for solver, binary in (("probsat", args.probsat), ("walksat", args.walksat)):
            if binary is None:
                continue
            a = our_flips(path, solver, args.runs, args.max_flips)
            b = reference_flips(binary, solver, path, args.runs, args.max_flips)
            ks = stats.ks_2samp(a, b).pvalue
            ad = anderson_pvalue(a, b)
            print(f"{path.name:<28} {solver:<8} {np.median(a):>11.0f} {np.median(b):>10.0f} "
                  f"{a.mean():>10.0f} {b.mean():>10.0f} {ks:>6.3f} {ad:>6.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
