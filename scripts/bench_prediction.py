"""Prediction accuracy: speedup predicted from 100 runs vs observed from 2000 runs.

For each solver and bundled uniform random 3-SAT instance, make 2000 sequential runs with
`satspeed run` (resumable: the CSVs are kept in --dir), then predict from 10 disjoint subsets of
100 of them (taken in seed order: seeds are random, so subsets are unbiased, unlike the first
rows written, which favour short runs), and compare with the speedup observed on all 2000
through the exact order-statistics estimator, at n = 2..384. Prints the mean absolute relative
error per instance and overall, at the largest n (the paper's figure is about 20%), and two
noise floors: the empirical estimate from the same 100 runs, and two halves of the 2000.

    python scripts/bench_prediction.py --dir out/accuracy
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from satspeed.predict.groups import read_groups
from satspeed.predict.observed import observed_expected_min
from satspeed.predict.prediction import PredictOptions, predict_group
from satspeed.predict.sample import Sample

ROOT = Path(__file__).resolve().parent.parent
CORES = (2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384)


def campaign(solver: str, runs: int, directory: Path, workers: int) -> Path:
    out = directory / f"{solver}-{runs}.csv"
    instances = sorted((ROOT / "instances").glob("uf3-*.cnf"))
    subprocess.run([sys.executable, "-m", "satspeed", "run", *map(str, instances),
                    "--solver", solver, "--runs", str(runs), "--workers", str(workers),
                    "-q", "-o", str(out)], check=True)
    return out


def subset(group, order: np.ndarray, start: int, size: int):
    """The group restricted to runs order[start:start + size]."""
    keep = order[start:start + size]
    return replace(group, values=[group.values[i] for i in keep],
                   censored=[group.censored[i] for i in keep], races={})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "out" / "accuracy")
    parser.add_argument("--runs", type=int, default=2000, help="runs for the observed speedup")
    parser.add_argument("--fit-runs", type=int, default=100, help="runs to predict from")
    parser.add_argument("--subsets", type=int, default=10,
                        help="disjoint subsets of --fit-runs runs to predict from, averaged")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--solvers", default="probsat,walksat")
    parser.add_argument("--measure", default="flips", choices=["flips", "cpu_s", "wall_s"])
    parser.add_argument("--dist", default="auto", help="model to predict with (default auto)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    workers = args.workers or len(os.sched_getaffinity(0))
    options = PredictOptions(measure=args.measure, cores=CORES, dist=args.dist, bootstrap=0,
                             gof_samples=0)
    print(f"{'solver':<8} {'instance':<26} " + " ".join(f"{n:>6}" for n in CORES)
          + "   MARE   bias  models chosen")
    errors, signed, floor, halves = [], [], [], []
    for solver in args.solvers.split(","):
        csv = campaign(solver, args.runs, args.dir, workers)
        seeds_by_group = _seeds(csv)
        for group in read_groups(csv, args.measure):
            full = Sample(np.array(group.values), np.array(group.censored))
            observed, _ = observed_expected_min(full, (1, *CORES))
            truth = observed[0] / observed[1:]
            order = np.argsort(seeds_by_group[group.sha256])  # seeds are random: no bias
            mine, chosen = [], []
            for k in range(min(args.subsets, len(order) // args.fit_runs)):
                small = subset(group, order, k * args.fit_runs, args.fit_runs)
                prediction = predict_group(small, options)
                chosen.append(prediction.chosen.model)
                predicted = np.array([r.predicted_speedup for r in prediction.rows])
                mine.append((predicted - truth) / truth)
                few = Sample(np.array(small.values), np.array(small.censored))
                emp, _ = observed_expected_min(few, (1, *CORES))
                floor.append(np.abs(emp[0] / emp[1:] - truth) / truth)
            half = len(order) // 2
            a, _ = observed_expected_min(_part(full, order[:half]), (1, *CORES))
            b, _ = observed_expected_min(_part(full, order[half:]), (1, *CORES))
            halves.append(np.abs(a[0] / a[1:] - b[0] / b[1:]) / (b[0] / b[1:]))
            mean_abs = np.mean(np.abs(mine), axis=0)
            errors.append(mean_abs)
            signed.append(np.mean(mine, axis=0))
            models = ",".join(f"{m}:{chosen.count(m)}" for m in sorted(set(chosen)))
            print(f"{solver:<8} {Path(group.instance).name:<26} "
                  + " ".join(f"{e:>6.1%}" for e in mean_abs)
                  + f"  {mean_abs.mean():>5.1%} {np.mean(signed[-1]):>+6.1%}  {models}",
                  flush=True)
    errors, floor, halves = np.array(errors), np.array(floor), np.array(halves)
    print(f"\nprediction from {args.fit_runs} runs vs observed on {args.runs} "
          f"({len(errors)} instance/solver pairs, {args.subsets} subsets each):")
    print(f"  mean absolute relative error, n = 2..384: {errors.mean():.1%}; "
          f"at n = 384: {errors[:, -1].mean():.1%}; mean signed error {np.mean(signed):+.1%}")
    print(f"  noise floor, empirical order statistics of the same {args.fit_runs} runs "
          f"(n <= {args.fit_runs}): {np.nanmean(floor):.1%}")
    print(f"  noise of the reference itself, two halves of {args.runs} runs: "
          f"{halves.mean():.1%} (at n = 384: {halves[:, -1].mean():.1%})")


def _part(sample: Sample, index: np.ndarray) -> Sample:
    return Sample(sample.values[index], sample.censored[index])


def _seeds(csv: Path) -> dict[str, list[int]]:
    """Seeds of the sequential runs per instance, in the order read_groups sees them."""
    from satspeed.results import read_rows

    seeds: dict[str, list[int]] = {}
    for _, row in read_rows(csv):
        if row["walkers"] == "1" and row["status"] != "error":
            seeds.setdefault(row["instance_sha256"], []).append(int(row["seed"]))
    return seeds


if __name__ == "__main__":
    main()
