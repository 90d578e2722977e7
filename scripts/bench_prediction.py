"""Prediction accuracy on real instance families: the multi-walk speedup G(n) = E[Y]/E[Z_n]
predicted from 100 or 500 runs vs the truth from all 2000 to 20000 runs of the family.

A family is one instance of ../shared/instances/real/<family>/ (or a generated 5-SAT or 7-SAT
instance) with its solvers and truth runs (FAMILIES). Its runs are made by `satspeed run`, one
campaign per tier (cheap, ccasat, medium, costly, costly7), each to its own CSV in --dir; the
same command resumes, keeping the rows already there. The truth is the exact order-statistics
estimate from all the runs; its noise, the difference between the G of two random halves of
them (about twice the truth's own standard error). Disjoint subsets of --fit-runs runs (after a
fixed random permutation: rows are written in completion order, which favours short runs) are
each fitted with every model of --dists (`auto`: the splice; `model-choice`: the model
`select.choose` picks, alone, as `auto` was before the splice), which predicts G(n), n = 2..384.
The tables give the
mean absolute relative error over n (MARE), the error and the bias at n = 384, and for
--interval-dists the coverage of the bootstrap interval, per family and solver, then averaged
over all pairs and over those whose truth is sharp (--max-noise).

    python scripts/bench_prediction.py                # campaigns (~1 h on 2 cores), then tables
    python scripts/bench_prediction.py --no-run       # only the CSVs already in out/truth
    python scripts/bench_prediction.py --no-run --quick --families uf50-218   # smoke test
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from satspeed.predict.groups import Group, problem, read_groups
from satspeed.predict.observed import observed_expected_min
from satspeed.predict.prediction import PredictOptions, predict_group
from satspeed.predict.sample import Sample
from satspeed.predict.speedup import predicted_speedup

ROOT = Path(__file__).resolve().parent.parent
CORES = (2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384)
CORES_WITH_1 = (1, *CORES)
MODEL_CHOICE = "model-choice"  # the model select.choose picks, alone: `auto` before the splice
REAL = "../shared/instances/real"
PS = ("probsat", "sparrow")
GOALS = "goals: from 500 runs MARE < 10% and MAE(384) < 15%; from 100 runs MARE < 15%"

# generated instances: folder in --dir -> the `satspeed gen` options that make its one file
GENERATED = {
    "gen5": ["-k", "5", "-n", "100", "--ratio", "20.5"],
    "gen7": ["-k", "7", "-n", "60", "--ratio", "85"],
}


@dataclass(frozen=True)
class Family:
    name: str
    path: str  # relative to the repository root; gen5/..., gen7/...: to --dir (GENERATED)
    solvers: tuple[str, ...]
    runs: int  # for the truth
    tier: str  # the campaign, whose CSV is <dir>/<tier>.csv


def _tier(tier: str, solvers: tuple[str, ...], runs: int, paths: list[str]) -> list[Family]:
    """The tier's families, named after their folder (the generated ones' is in GENERATED)."""
    return [Family(path.split("/")[0], path if path.split("/")[0] in GENERATED
                   else f"{REAL}/{path}", solvers, runs, tier) for path in paths]


FAMILIES: tuple[Family, ...] = (
    *_tier("cheap", PS, 20000, [
        "uf50-218/uf50-0123.cnf.xz", "uf100-430/uf100-011.cnf", "uf150-645/uf150-091.cnf",
        "uf250-1065/uf250-068.cnf.xz", "flat50-115/flat50-68.cnf.xz",
        "flat100-239/flat100-3.cnf.xz", "sw100-8/sw100-8-lp2-27.cnf.xz"]),
    *_tier("ccasat", ("ccasat",), 20000, [
        "uf100-430/uf100-011.cnf", "uf150-645/uf150-091.cnf", "uf250-1065/uf250-068.cnf.xz"]),
    *_tier("medium", PS, 8000, [
        "uf200-860/uf200-042.cnf.xz", "ais/ais8.cnf.xz", "planning-bw/huge.cnf.xz",
        "sc-random-k3/unif-k3-r4.25-v360-c1530-S1293537826-039.cnf"]),
    *_tier("costly", PS, 2500, [
        "gen5/uf5-n100-m2050-s7-001.cnf", "flat200-479/flat200-17.cnf",
        "planning-logistics/logistics.b.cnf.xz"]),
    *_tier("costly7", PS, 2000, ["gen7/uf7-n60-m5100-s7-001.cnf"]),
)


@dataclass
class Case:
    """One (family, solver): its runs and the truth from all of them."""

    family: Family
    group: Group
    truth: np.ndarray  # G(n), n in CORES
    noise: np.ndarray  # |G of one half - G of the other| / truth, n in CORES


@dataclass
class Result:
    """The predictions of one model for one case, a row per subset, a column per n."""

    case: Case
    errors: np.ndarray  # predicted / truth - 1 (NaN: the fit failed)
    covered: np.ndarray | None  # 1.0 / 0.0 (NaN: no interval); None without bootstrap
    failures: int = 0


def resolve(family: Family, directory: Path) -> Path:
    if family.path.split("/")[0] in GENERATED:
        return directory / family.path
    return ROOT / family.path


def generate(directory: Path, folder: str) -> None:
    """Make the generated instance of `folder` (the same seed gives the same file)."""
    subprocess.run([sys.executable, "-m", "satspeed", "gen", str(directory / folder),
                    "--family", "uniform", *GENERATED[folder], "--count", "1", "--seed", "7",
                    "--sat-only"], check=True)


def campaign(tier: str, families: list[Family], directory: Path, workers: int) -> None:
    """One `satspeed run` of the tier's instances and solvers, from --dir with relative paths
    (the command of out/truth/go.sh: it resumes, keeping the runs already in the CSV)."""
    for family in families:
        if family.path.split("/")[0] in GENERATED and not resolve(family, directory).exists():
            generate(directory, family.path.split("/")[0])
    paths = list(dict.fromkeys(os.path.relpath(resolve(f, directory), directory)
                               for f in families))
    solvers = list(dict.fromkeys(s for f in families for s in f.solvers))
    runs = {f.runs for f in families}
    assert len(runs) == 1, f"tier {tier}: one number of runs, not {runs}"
    print(f"campaign {tier}: {len(paths)} instances x {','.join(solvers)} x {runs.pop()} runs",
          flush=True)
    subprocess.run([sys.executable, "-m", "satspeed", "run", *paths,
                    *[a for s in solvers for a in ("--solver", s)], "--runs", str(families[0].runs),
                    "-q", "-o", f"{tier}.csv", "--workers", str(workers)],
                   check=True, cwd=directory)


def speedups(sample: Sample) -> np.ndarray:
    """The exact order-statistics estimate of G(n), n in CORES."""
    e, _ = observed_expected_min(sample, CORES_WITH_1)
    return e[0] / e[1:]


def _part(sample: Sample, index: np.ndarray) -> Sample:
    return Sample(sample.values[index], sample.censored[index])


def load_cases(families: list[Family], directory: Path, notes: list[str]) -> list[Case]:
    cases = []
    for tier in dict.fromkeys(f.tier for f in families):
        csv = directory / f"{tier}.csv"
        if not csv.exists():
            notes.append(f"note: {csv} is missing: tier {tier} skipped")
            continue
        wanted = {(Path(f.path).name, s): f for f in families if f.tier == tier
                  for s in f.solvers}
        for group in read_groups(csv, "flips", notes):
            family = wanted.get((Path(group.instance).name, group.solver))
            if group.is_portfolio or family is None:
                continue
            if (reason := problem(group)) is not None:
                notes.append(f"note: {family.name} / {group.solver} skipped: {reason}")
                continue
            sample = group.sample
            half = np.random.default_rng(1).permutation(len(sample.values))
            cut = len(half) // 2
            truth = speedups(sample)
            noise = np.abs(speedups(_part(sample, half[:cut]))
                           - speedups(_part(sample, half[cut:]))) / truth
            cases.append(Case(family, group, truth, noise))
            if len(group.values) < family.runs:
                notes.append(f"note: {family.name} / {group.solver}: {len(group.values)} of "
                             f"{family.runs} runs (campaign unfinished: the truth is biased "
                             "towards short runs)")
            if sample.censored.any():
                notes.append(f"note: {family.name} / {group.solver}: {sample.censored.sum()} "
                             "runs timed out: the truth counts them at their cutoff (a bound)")
    return cases


def print_cases(cases: list[Case]) -> None:
    print(f"\n{'family':<18} {'solver':<7} {'runs':>5} {'G(384)':>7} {'noise':>6} "
          f"{'mean':>6} {'CV':>5} {'min':>7} {'mean':>8}")
    print(f"{'':<18} {'':<7} {'':>5} {'truth':>7} {'384':>6} {'2..384':>6} "
          f"{'':>5} {'flips':>7} {'flips':>8}")
    for c in cases:
        values = np.array(c.group.values)
        print(f"{c.family.name:<18} {c.group.solver:<7} {len(values):>5} {c.truth[-1]:>7.1f} "
              f"{c.noise[-1]:>6.1%} {c.noise.mean():>6.1%} {values.std() / values.mean():>5.2f} "
              f"{values.min():>7.4g} {values.mean():>8.4g}", flush=True)


def subset(group: Group, keep: np.ndarray) -> Group:
    """The group restricted to the runs `keep`, without races."""
    return replace(group, values=[group.values[i] for i in keep],
                   censored=[group.censored[i] for i in keep], races={})


def predict(case: Case, size: int, subsets: int, dist: str, bootstrap: int) -> Result:
    """Predictions from up to `subsets` disjoint subsets of `size` runs."""
    order = np.random.default_rng(0).permutation(len(case.group.values))
    count = min(subsets, len(order) // size)
    errors = np.full((count, len(CORES)), np.nan)
    covered = np.full((count, len(CORES)), np.nan) if bootstrap else None
    failures = 0
    for j in range(count):
        small = subset(case.group, order[j * size:(j + 1) * size])
        options = PredictOptions(measure="flips", cores=CORES_WITH_1,
                                 dist="auto" if dist == MODEL_CHOICE else dist,
                                 bootstrap=bootstrap, gof_samples=0, seed=j)
        try:
            if problem(small) is not None:
                raise ValueError(problem(small))
            with np.errstate(all="ignore"):
                prediction = predict_group(small, options)
        except Exception as error:  # a fit that fails counts as NaN, and is said
            failures += 1
            if failures == 1:
                print(f"  note: {case.family.name} / {case.group.solver} / {dist}: "
                      f"{type(error).__name__}: {error}", flush=True)
            continue
        if dist == MODEL_CHOICE:  # the model `select.choose` picks, alone (before the splice)
            errors[j] = predicted_speedup(prediction.chosen, np.array(CORES)) / case.truth - 1
            continue
        by_cores = {r.cores: r for r in prediction.rows}
        rows = [by_cores[n] for n in CORES]
        errors[j] = np.array([r.predicted_speedup for r in rows]) / case.truth - 1
        if covered is not None:
            low = np.array([r.speedup_low for r in rows])
            high = np.array([r.speedup_high for r in rows])
            covered[j] = np.where(np.isnan(low) | np.isnan(high), np.nan,
                                  (low <= case.truth) & (case.truth <= high))
    return Result(case, errors, covered, failures)


def _mean(x, axis: int | None = None):
    """np.nanmean, NaN without a warning where everything is NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def _min(x) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmin(x))


def _pct(value: float, width: int, sign: str = "") -> str:
    return f"{'-':>{width}}" if np.isnan(value) else f"{value:>{sign}{width}.1%}"


def print_result(r: Result, dist: str) -> None:
    c = r.case
    cover = ""
    if r.covered is not None:
        cover = f" {_pct(_mean(r.covered), 6)} {_pct(_mean(r.covered[:, -1]), 6)}"
    failed = f"  ({r.failures} failed)" if r.failures else ""
    print(f"{c.family.name:<18} {c.group.solver:<7} {dist:<17} "
          f"{_pct(_mean(np.abs(r.errors)), 6)} {_pct(_mean(np.abs(r.errors[:, -1])), 6)} "
          f"{_pct(_mean(r.errors[:, -1]), 7, '+')}{cover}{failed}", flush=True)


def summarize(results: dict[str, list[Result]]) -> dict[str, tuple[float, float]]:
    """Per model, averaged over the (family, solver) pairs; the coverage pooled over pairs,
    subsets and n. Returns the MARE and MAE(384) per model."""
    print(f"\n{'model':<17} {'pairs':>5} {'MARE':>6} {'MAE':>6} {'bias':>7} "
          f"{'cover':>6} {'cover':>6} {'cover':>6}")
    print(f"{'':<17} {'':>5} {'2..384':>6} {'384':>6} {'384':>7} "
          f"{'all':>6} {'384':>6} {'min n':>6}")
    found = {}
    for dist, rs in results.items():
        mare = _mean([_mean(np.abs(r.errors)) for r in rs])
        mae = _mean([_mean(np.abs(r.errors[:, -1])) for r in rs])
        bias = _mean([_mean(r.errors[:, -1]) for r in rs])
        cover = ""
        if rs[0].covered is not None:
            pooled = np.concatenate([r.covered for r in rs])
            per_n = _mean(pooled, axis=0)
            cover = (f" {_pct(_mean(pooled), 6)} {_pct(per_n[-1], 6)} "
                     f"{_pct(_min(per_n), 6)}")
        print(f"{dist:<17} {len(rs):>5} {_pct(mare, 6)} {_pct(mae, 6)} {_pct(bias, 7, '+')}"
              f"{cover}", flush=True)
        found[dist] = (mare, mae)
    return found


def goals(summaries: dict[int, dict[str, tuple[float, float]]], dists: list[str]) -> None:
    print(f"\n{GOALS}")
    for dist in dists:
        parts = []
        if 500 in summaries and dist in summaries[500]:
            mare, mae = summaries[500][dist]
            parts.append(f"500 runs MARE {_pct(mare, 0)} {_ok(mare < 0.10)}, "
                         f"MAE(384) {_pct(mae, 0)} {_ok(mae < 0.15)}")
        else:
            parts.append("500 runs not benchmarked")
        if 100 in summaries and dist in summaries[100]:
            mare, _ = summaries[100][dist]
            parts.append(f"100 runs MARE {_pct(mare, 0)} {_ok(mare < 0.15)}")
        else:
            parts.append("100 runs not benchmarked")
        print(f"  {dist:<17} " + "; ".join(parts), flush=True)


def _ok(met: bool) -> str:
    return "(met)" if met else "(missed)"


def known_dists(names: list[str]) -> list[str]:
    """The names satspeed knows and can load, a note for each other one."""
    from satspeed.predict.models import MODELS, get

    known = []
    for name in names:
        try:
            if name not in ("auto", MODEL_CHOICE):
                if name not in MODELS:
                    raise ValueError("unknown to satspeed.predict.models.MODELS")
                get(name)
        except (ValueError, ImportError, AttributeError) as error:
            print(f"note: model {name} skipped: {error}", flush=True)
            continue
        known.append(name)
    return known


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / "out" / "truth",
                        help="where the tiers' CSVs (and generated instances) are")
    parser.add_argument("--no-run", action="store_true",
                        help="only read the CSVs there, make no runs (a missing one is skipped)")
    parser.add_argument("--families", default=None, help="NAME,NAME: only these families")
    parser.add_argument("--workers", type=int, default=None, help="for the campaigns")
    parser.add_argument("--fit-runs", type=_ints, default=(100, 500), help="runs to predict from")
    parser.add_argument("--subsets", type=_ints, default=(10, 6),
                        help="most disjoint subsets per --fit-runs size")
    parser.add_argument("--dists", default=f"auto,{MODEL_CHOICE},shifted-exp,lognormal,"
                        "shifted-lognormal,"
                        "shifted-weibull", help="models to predict with")
    parser.add_argument("--max-noise", type=float, default=0.15,
                        help="a second summary over the pairs whose truth's halves differ by "
                        "less than this at 384")
    parser.add_argument("--interval-dists", default="auto",
                        help="models whose bootstrap interval is checked (coverage)")
    parser.add_argument("--bootstrap", type=int, default=100, help="resamples of an interval")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 100 runs, 2 subsets, 20 resamples")
    args = parser.parse_args()
    if args.quick:
        args.fit_runs, args.subsets, args.bootstrap = (100,), (2,), 20
    if len(args.subsets) == 1:
        args.subsets *= len(args.fit_runs)
    if len(args.subsets) != len(args.fit_runs):
        parser.error("--subsets: one number, or one per --fit-runs size")
    families = list(FAMILIES)
    if args.families:
        names = set(args.families.split(","))
        if unknown := names - {f.name for f in FAMILIES}:
            parser.error(f"unknown families {sorted(unknown)} (known: "
                         f"{', '.join(dict.fromkeys(f.name for f in FAMILIES))})")
        families = [f for f in FAMILIES if f.name in names]
    dists = known_dists(args.dists.split(","))
    intervals = set(args.interval_dists.split(","))
    args.dir.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        workers = args.workers or len(os.sched_getaffinity(0))
        for tier in dict.fromkeys(f.tier for f in families):
            campaign(tier, [f for f in families if f.tier == tier], args.dir, workers)
    notes: list[str] = []
    cases = load_cases(families, args.dir, notes)
    print_cases(cases)
    for note in notes:
        print(note, flush=True)
    if not cases:
        sys.exit("no runs to benchmark")
    summaries = {}
    for size, subsets in zip(args.fit_runs, args.subsets, strict=True):
        print(f"\nprediction from {size} runs (up to {subsets} disjoint subsets) vs the truth:"
              "\nMARE over n = 2..384, |e| and bias at n = 384, coverage of the "
              f"{args.bootstrap}-resample\ninterval (over all n, at n = 384)")
        print(f"\n{'family':<18} {'solver':<7} {'model':<17} {'MARE':>6} {'|e|384':>6} "
              f"{'bias384':>7} {'cover':>6} {'cov384':>6}")
        results: dict[str, list[Result]] = defaultdict(list)
        for case in cases:
            for dist in dists:
                bootstrap = args.bootstrap if dist in intervals else 0
                result = predict(case, size, subsets, dist, bootstrap)
                if len(result.errors):
                    results[dist].append(result)
                    print_result(result, dist)
        if results:
            summaries[size] = summarize(results)
            sharp = {dist: [r for r in rs if r.case.noise[-1] < args.max_noise]
                     for dist, rs in results.items()}
            print(f"\nthe same over the pairs whose truth is sharp (its halves differ by less "
                  f"than {args.max_noise:.0%} at 384):")
            summarize({dist: rs for dist, rs in sharp.items() if rs})
    goals(summaries, dists)


if __name__ == "__main__":
    main()
