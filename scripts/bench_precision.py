"""Precision-driven campaigns against a fixed number of runs: runs spent, and honest intervals.

Part 1, simulated (exact truth): for each distribution, --datasets samples drawn run by run;
each is judged as `run --precision P --at-cores N` judges (satspeed.precision.judge, on the
round sizes min_runs, 2 min_runs, ... max_runs) until the 95% interval of the predicted
speedup is within +-P, or the cap. Prints the runs each needed (median, range), how often it
hit the cap, and how often the stopped prediction is off the true speedup by more than P, of
all samples and of those that stopped at the precision (a claim: it must be honest under this
optional stopping, about 5% or less), with the claims of all distributions pooled and the
Clopper-Pearson 95% upper bound of their miss rate.

Part 2, real campaigns: `satspeed run --precision P --at-cores N` on the bundled instances and
some of ../shared/instances/real/, against a fixed --fixed runs each: total runs and CPU
seconds, and where a truth of --truth-runs independent runs (another base seed) is affordable,
the error of each against it (the truth's own noise: its two halves' difference at N).

    python scripts/bench_precision.py --datasets 40 --truth-runs 10000
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from satspeed_cli import REAL, satspeed
from scipy import integrate, stats

from satspeed.precision import Target, judge, round_sizes, stops
from satspeed.predict.groups import Group, group_rows
from satspeed.predict.observed import observed_expected_min
from satspeed.predict.sample import Sample
from satspeed.results import read_rows

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTIONS = {  # name -> scipy frozen distribution of the runtime
    "lognormal s=1": stats.lognorm(1.0, scale=1000.0),
    "lognormal s=1.5": stats.lognorm(1.5, scale=1000.0),
    "shifted exp": stats.expon(loc=300.0, scale=1000.0),
    "shifted logn s=1": stats.lognorm(1.0, loc=300.0, scale=1000.0),
    "shifted wb k=1.5": stats.weibull_min(1.5, loc=300.0, scale=1000.0),
    "weibull k=0.8": stats.weibull_min(0.8, scale=1000.0),
    "weibull k=1.5": stats.weibull_min(1.5, scale=1000.0),
}
REAL_CASES = ("uf100-430/uf100-011.cnf", "flat50-115/flat50-17.cnf.xz",
              "sw100-8/sw100-8-lp0-7.cnf.xz", "planning-bw/anomaly.cnf.xz")


def true_speedup(dist: stats.rv_continuous, n: int) -> float:
    """E[Y] / E[Z_n], E[Z_n] = int_0^1 Q(1 - w^(1/n)) dw (stable for any n)."""
    def quantile_min(w: float) -> float:
        return float(dist.isf(w ** (1.0 / n)))

    head, _ = integrate.quad(quantile_min, 0.0, 1.0, limit=400, points=[1e-6, 1e-3, 0.1])
    return float(dist.mean()) / head


def simulate(args: argparse.Namespace) -> None:
    target = Target(args.precision, args.cores, args.min_runs, args.max_runs, seed=0)
    sizes = round_sizes(args.min_runs, args.max_runs)
    print(f"simulated: ±{args.precision:.0%} at {args.cores} cores, rounds {sizes}, "
          f"{args.datasets} samples each")
    print(f"{'distribution':16} {'G true':>7} {'runs: median':>12} {'range':>10} "
          f"{'capped':>6} {'|err|>P':>7} {'of claims':>9} {'med |err|':>9}")
    claims, claims_off = 0, 0
    for d, (name, dist) in enumerate(DISTRIBUTIONS.items()):
        if args.only and name not in args.only:
            continue
        truth = true_speedup(dist, args.cores)
        needed, off, capped, errors, off_claimed = [], 0, 0, [], 0
        for k in range(args.datasets):
            rng = np.random.default_rng([args.seed, d, k])
            y = dist.rvs(size=args.max_runs, random_state=rng)
            before = None
            for size in sizes:
                group = Group("sim", f"{d:08x}{k:056x}", "sim", "", values=list(y[:size]),
                              censored=[False] * size)
                j = judge(group, size, target)
                stopped = stops(before, j, target)
                if stopped or size == sizes[-1]:
                    break
                before = j
            needed.append(size)
            capped += not stopped
            err = abs(j.speedup - truth) / truth
            errors.append(err)
            off += err > args.precision
            off_claimed += stopped and err > args.precision
        claims += args.datasets - capped
        claims_off += off_claimed
        print(f"{name:16} {truth:7.1f} {int(np.median(needed)):12d} "
              f"{min(needed):>4}-{max(needed):<5} {capped:6d} {off:4d}/{args.datasets:<2} "
              f"{off_claimed:4d}/{args.datasets - capped:<4} {100 * np.median(errors):8.1f}%",
              flush=True)
    upper = stats.beta.ppf(0.975, claims_off + 1, claims - claims_off) if claims else 1.0
    print(f"claims of ±{args.precision:.0%} off by more: {claims_off} of {claims} "
          f"({claims_off / max(claims, 1):.1%}; 95% upper bound {upper:.1%})")


def groups_of(csv: Path) -> dict[str, tuple[Group, float]]:
    """Each instance's group of sequential runs in the CSV (as `predict` reads them), and
    their CPU seconds, by instance sha256."""
    rows = list(read_rows(csv))
    cpu: dict[str, float] = {}
    for _, r in rows:
        if r["walkers"] == "1":
            cpu[r["instance_sha256"]] = cpu.get(r["instance_sha256"], 0.0) + float(r["cpu_s"])
    return {g.sha256: (g, cpu.get(g.sha256, 0.0))
            for g in group_rows(rows, "flips", str(csv)) if g.values}


def real(args: argparse.Namespace) -> None:
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted((ROOT / "instances").glob("*.cnf")) + [REAL / c for c in REAL_CASES]
    flags = ("--at-cores", args.cores, "--min-runs", args.min_runs, "--max-runs",
             args.max_runs, "--timeout", 60, "-q")
    satspeed("run", *paths, "--precision", args.precision, *flags, "-o", out / "precision.csv")
    satspeed("run", *paths, "--runs", args.fixed, "--timeout", 60, "-q", "-o",
             out / "fixed.csv")
    meta = json.loads((out / "precision.csv.meta.json").read_text())
    groups = meta["sessions"][-1]["rounds"]["groups"]
    print(f"\nreal: ±{args.precision:.0%} at {args.cores} cores against {args.fixed} runs each;"
          f" truth: {args.truth_runs} runs (halves' difference)")
    print(f"{'instance':26} {'runs':>5} {'stop':>4} {'G':>6} {'err':>6} {'CI':>4} "
          f"{'fixed err':>9} {'truth':>6} {'noise':>6}")
    totals = {"precision": [0, 0.0], "fixed": [0, 0.0]}
    off, judged = [0, 0], [0, 0]  # [capped, stopped at the precision]
    made = {kind: groups_of(out / f"{kind}.csv") for kind in totals}
    target = Target(args.precision, args.cores)
    for g in groups:
        name, sha = Path(g["instance"]).name, g["instance_sha256"]
        for kind, (group, cpu) in ((kind, made[kind][sha]) for kind in totals):
            totals[kind][0] += len(group.values)
            totals[kind][1] += cpu
        fixed = made["fixed"][sha][0]
        truth_text = noise_text = err_text = fixed_text = ci = "-"
        cheap = float(np.mean(fixed.values)) * args.truth_runs <= args.truth_flips
        if cheap:
            csv = out / f"truth-{name.split('.')[0]}.csv"
            satspeed("run", g["instance"], "--runs", args.truth_runs, "--seed", 1000,
                     "--timeout", 60, "-q", "-o", csv)
            truth_sample = groups_of(csv)[sha][0].sample
            cores = np.array([1.0, args.cores])
            half = len(truth_sample.values) // 2
            speedups = []
            for part in (truth_sample, Sample(truth_sample.values[:half],
                                              truth_sample.censored[:half]),
                         Sample(truth_sample.values[half:], truth_sample.censored[half:])):
                times, _ = observed_expected_min(part, cores)
                speedups.append(times[0] / times[1])
            truth = speedups[0]
            err = (g["speedup"] - truth) / truth
            fixed_g = judge(fixed, len(fixed.values), target).speedup
            truth_text, noise_text = f"{truth:6.1f}", f"{abs(speedups[1] / speedups[2] - 1):6.1%}"
            err_text, fixed_text = f"{err:+6.1%}", f"{(fixed_g - truth) / truth:+9.1%}"
            ci = "yes" if g["speedup_low"] <= truth <= g["speedup_high"] else "NO"
            claimed = g["stopped_by"] == "precision"
            judged[claimed] += 1
            off[claimed] += abs(err) > args.precision
        print(f"{name[:26]:26} {g['runs']:5d} {g['stopped_by'][:4]:>4} {g['speedup']:6.1f} "
              f"{err_text:>6} {ci:>4} {fixed_text:>9} {truth_text:>6} {noise_text:>6}",
              flush=True)
    for kind, (runs, cpu) in totals.items():
        print(f"{kind:9}: {runs:7d} runs, {cpu:8.1f} CPU s")
    print(f"error beyond ±{args.precision:.0%}, of the instances with a truth: {off[1]} of "
          f"{judged[1]} stopped at the precision, {off[0]} of {judged[0]} capped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--precision", type=float, default=0.10)
    parser.add_argument("--cores", type=int, default=384)
    parser.add_argument("--min-runs", type=int, default=50)
    parser.add_argument("--max-runs", type=int, default=5000)
    parser.add_argument("--datasets", type=int, default=40)
    parser.add_argument("--fixed", type=int, default=500)
    parser.add_argument("--truth-runs", type=int, default=10_000)
    parser.add_argument("--truth-flips", type=float, default=3e8,
                        help="a truth is made where its runs take at most this many flips")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("out/bench_precision"))
    parser.add_argument("--skip", choices=["simulated", "real"], default=None)
    parser.add_argument("--only", nargs="*", default=None, metavar="DISTRIBUTION",
                        help="simulate only these (names as printed)")
    args = parser.parse_args()
    if args.skip != "simulated":
        simulate(args)
    if args.skip != "real":
        real(args)


if __name__ == "__main__":
    main()
