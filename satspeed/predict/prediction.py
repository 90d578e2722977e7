"""`satspeed predict`: from a results CSV to fitted distributions and speedup predictions.

Groups are (instance content, solver, parameters). Sequential runs (walkers = 1) give the
sample that is fitted; rows of real races (walkers = n) give observed race speedups. A group
whose solver is a portfolio label (`probsat*2+sparrow*2`, satspeed.predict.portfolio) holds races of a
mixed portfolio: it is not fitted, it gives the portfolio's observed race column.
"""

from __future__ import annotations

import math
import re
import warnings
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.predict.fit import AUTO_MODELS, Fit, Sample, choose, fit, fit_all, gof_pvalue
from satspeed.predict.portfolio import (
    Allocation,
    Quadrature,
    allocate,
    expected_min_mixed,
    observed_mixed_min,
    parse_label,
    portfolio_label,
    portfolio_par2,
    portfolio_params,
    portfolio_times,
    quadrature,
    split_budget,
)
from satspeed.predict.speedup import (
    bootstrap_speedup,
    expected_min,
    observed_expected_min,
    predicted_speedup,
)
from satspeed.results import read_rows

MEASURES = ("flips", "cpu_s", "wall_s")
DEFAULT_CORES = (1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384)


@dataclass(frozen=True)
class PredictOptions:
    measure: str = "flips"
    cores: tuple[int, ...] = DEFAULT_CORES
    dist: str = "auto"
    bootstrap: int = 100
    gof_samples: int = 100
    seed: int = 0


@dataclass
class Group:
    """All rows of one (instance, solver, params)."""

    instance: str
    sha256: str
    solver: str
    params: str
    values: list[float] = field(default_factory=list)
    censored: list[bool] = field(default_factory=list)
    errors: int = 0
    unmeasured: int = 0  # rows without the measure (an external solver that prints no flips)
    races: dict[int, list[tuple[float, bool]]] = field(default_factory=dict)
    cutoff: float = math.nan  # the largest cutoff of its sequential runs in the measure

    @property
    def label(self) -> str:
        return f"{Path(self.instance).name} / {self.solver} ({self.params})"

    @cached_property
    def is_portfolio(self) -> bool:
        """Races of a mixed portfolio (its solver is a portfolio label)."""
        return parse_label(self.solver) is not None


@dataclass(frozen=True)
class CoreRow:
    """One line of a prediction table."""

    cores: int
    predicted_time: float
    predicted_speedup: float
    speedup_low: float
    speedup_high: float
    observed_speedup: float  # from the sequential runs (order statistics); NaN when n > runs
    observed_is_bound: bool
    race_speedup: float  # from real races of n walkers; NaN when none
    race_runs: int
    race_timeouts: int = 0  # races no walker won: their mean, so the speedup, is a bound

    @property
    def relative_error(self) -> float:
        return relative_error(self.predicted_speedup, self.observed_speedup, self.race_speedup,
                              self.race_runs)


def relative_error(predicted: float, observed: float, race: float, race_runs: int) -> float:
    """(predicted - observed) / observed speedup, against races when there are some."""
    truth = race if race_runs else observed
    return (predicted - truth) / truth


@dataclass(frozen=True)
class Prediction:
    group: Group
    sample: Sample
    fits: list[Fit]  # best AIC first
    chosen: Fit
    rows: list[CoreRow]


def read_groups(path: str | Path, measure: str) -> list[Group]:
    """Group the CSV's rows; error rows are counted, not used. A race's time is its winner's
    flips, its wall seconds, or its CPU seconds per walker (the CSV has their sum)."""
    groups: dict[tuple[str, str, str], Group] = {}
    for number, row in read_rows(path):
        key = (row["instance_sha256"], row["solver"], row["params"])
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(row["instance"], *key)
        if row["status"] == "error":
            group.errors += 1
            continue
        value = float(row[measure])
        if value < 0:  # flips = -1: the solver did not report them
            group.unmeasured += 1
            continue
        if not math.isfinite(value):  # the reader takes 'nan' and 'inf' for numbers
            warnings.warn(f"{path}:{number}: skipped: {measure} '{row[measure]}' is not a "
                          "finite number", stacklevel=2)
            continue
        walkers = int(row["walkers"])
        if walkers > 1 and measure == "cpu_s":
            value /= walkers  # summed over the walkers, who all ran until the first model
        value = max(value, _floor(measure))
        timed_out = row["status"] == "timeout"
        if walkers == 1 and not group.is_portfolio:
            group.values.append(value)
            group.censored.append(timed_out)
            group.cutoff = float(np.fmax(group.cutoff, _cutoff(row, measure)))
        else:
            group.races.setdefault(walkers, []).append((value, timed_out))
    return list(groups.values())


def _cutoff(row: dict[str, str], measure: str) -> float:
    """The run's cutoff in the measure (cutoff_flips for flips, else cutoff_s), NaN if none."""
    try:
        return float(row["cutoff_flips" if measure == "flips" else "cutoff_s"])
    except ValueError:
        return math.nan


def _floor(measure: str) -> float:
    """Runtimes must be positive for the log-scale models: a run solved by its initial
    assignment (0 flips) counts as half a flip; seconds are floored at a microsecond."""
    return 0.5 if measure == "flips" else 1e-6


def problem(group: Group) -> str | None:
    """Why this group cannot be fitted, or None."""
    solved = [v for v, c in zip(group.values, group.censored, strict=True) if not c]
    if group.unmeasured:  # leaving them out would drop censored runs and bias the fit
        return (f"{group.unmeasured} of its runs have no flips (flips = -1: the solver does "
                "not report them, or was killed at the cutoff): predict with --measure cpu_s "
                "or wall_s")
    if not group.values:
        return "no sequential runs (walkers = 1)"
    if not solved:
        return f"no successful run among {len(group.values)} (all timed out)"
    if len(group.values) < 2:
        return "a single run: at least 2 are needed to fit a distribution"
    if len(set(solved)) < 2:
        return "fewer than 2 distinct solved runtimes: nothing to fit"
    return None


def predict_group(group: Group, options: PredictOptions) -> Prediction:
    sample = Sample(np.array(group.values), np.array(group.censored))
    rng = np.random.default_rng([options.seed, _group_seed(group.sha256)])
    fits = fit_all(sample) if options.dist == "auto" else [fit(options.dist, sample)]
    if options.gof_samples:
        fits = [Fit(f.model, f.params, f.loglik,
                    gof_pvalue(f, sample, options.gof_samples, rng)) for f in fits]
    chosen = choose(fits) if options.dist == "auto" else fits[0]
    cores = np.array(options.cores, dtype=float)
    times = expected_min(chosen, cores)
    speedup = predicted_speedup(chosen, cores)
    if options.bootstrap:
        models = AUTO_MODELS if options.dist == "auto" else (options.dist,)
        low, high = bootstrap_speedup(models, sample, cores, options.bootstrap, rng)
    else:
        low = high = np.full(len(cores), np.nan)
    observed, bound = observed_expected_min(sample, np.concatenate([[1], options.cores]))
    rows = []
    for j, n in enumerate(options.cores):
        race = group.races.get(n, [])
        race_mean = float(np.mean([v for v, _ in race])) if race else np.nan
        rows.append(CoreRow(n, float(times[j]), float(speedup[j]), float(low[j]),
                            float(high[j]), float(observed[0] / observed[j + 1]),
                            bool(bound[j + 1]), float(observed[0] / race_mean), len(race),
                            sum(timed_out for _, timed_out in race)))
    return Prediction(group, sample, fits, chosen, rows)


def _group_seed(sha256: str) -> int:
    """The group's part of the bootstrap seed: the hash's first 32 bits, or, for a CSV edited
    by hand whose instance_sha256 is not hexadecimal, a checksum of it (not a traceback)."""
    head = sha256[:8]
    return int(head, 16) if re.fullmatch(r"[0-9a-fA-F]{8}", head) else zlib.crc32(sha256.encode())


def predict_all(path: str | Path, options: PredictOptions
                ) -> tuple[list[Prediction], list[tuple[Group, str]]]:
    """Predictions for every group that can be fitted, and the groups skipped with why."""
    return predict_groups(read_groups(path, options.measure), options)


def predict_groups(groups: list[Group], options: PredictOptions
                   ) -> tuple[list[Prediction], list[tuple[Group, str]]]:
    """As predict_all, for groups already read; mixed-portfolio race groups are left out."""
    done, skipped = [], []
    for group in groups:
        if group.is_portfolio:
            continue
        reason = problem(group)
        if reason is None:
            done.append(predict_group(group, options))
        else:
            skipped.append((group, reason))
    return done, skipped


def parse_cores(text: str | None, max_cores: int | None) -> tuple[int, ...]:
    """'1,2,4' -> (1, 2, 4); --max-cores N -> powers of two up to N (and N)."""
    if text:
        values = sorted({int(v) for v in text.split(",") if v.strip()})
        if not values or values[0] < 1:
            raise ValueError("core counts must be positive integers")
        return tuple(values)
    if max_cores:
        values = sorted({2**i for i in range(max_cores.bit_length()) if 2**i <= max_cores}
                        | {max_cores})
        return tuple(values)
    return DEFAULT_CORES


# ---------------------------------------------------------------------------- portfolios

Members = dict[str, dict[str, Prediction]]  # instance sha256 -> solver -> its fitted group
RaceGroups = dict[tuple[str, str, str], Group]  # (sha256, label, params) -> mixed races


def members_by_instance(predictions: list[Prediction]) -> tuple[Members, list[str]]:
    """The fitted group of each solver on each instance, and a note for each instance where a
    solver has several parameter sets (the one with the most runs is used)."""
    members: Members = {}
    notes = []
    for p in predictions:
        by_solver = members.setdefault(p.group.sha256, {})
        other = by_solver.get(p.group.solver)
        if other is not None:
            kept, dropped = sorted((other, p), key=lambda q: -len(q.sample.values))
            notes.append(f"{Path(p.group.instance).name}: {p.group.solver} has several "
                         f"parameter sets; portfolios use '{kept.group.params}' (most runs), "
                         f"not '{dropped.group.params}'")
            p = kept
        by_solver[p.group.solver] = p
    return members, notes


def race_groups(groups: list[Group]) -> RaceGroups:
    return {(g.sha256, g.solver, g.params): g for g in groups if g.is_portfolio}


def check_solvers(wanted: set[str], present: set[str], csv: str | Path) -> None:
    """A SatspeedError naming the solvers asked for that no fitted group has."""
    absent = sorted(wanted - present)
    if absent:
        listed = ", ".join(sorted(present)) or "none"
        raise SatspeedError(f"--portfolio: no fitted runs of {', '.join(absent)} in {csv} "
                            f"(solvers with fitted runs: {listed})")


@dataclass(frozen=True)
class Configuration:
    """One line of a portfolio table: the mixed portfolio, or one member alone on as many cores.
    Speedups are against the instance's baseline (PortfolioInstance)."""

    counts: dict[str, int]
    predicted_time: float
    predicted_speedup: float
    observed_time: float  # from the sequential runs (order statistics); NaN beyond the runs
    observed_speedup: float
    observed_is_bound: bool
    race_time: float  # mean of real races; NaN when none
    race_speedup: float
    race_runs: int

    @property
    def label(self) -> str:
        return portfolio_label(self.counts)

    @property
    def relative_error(self) -> float:
        return relative_error(self.predicted_speedup, self.observed_speedup, self.race_speedup,
                              self.race_runs)


@dataclass(frozen=True)
class PortfolioInstance:
    """A portfolio on one instance. The baseline is the member with the best predicted
    sequential mean E[Y]; its observed mean is the observed speedups' baseline."""

    instance: str
    sha256: str
    baseline: str
    baseline_time: float
    baseline_observed: float
    rows: list[Configuration]  # the portfolio, then each member alone on the same cores


@dataclass(frozen=True)
class PortfolioPrediction:
    counts: dict[str, int]
    instances: list[PortfolioInstance]
    missing: list[tuple[str, str, str]]  # (instance, sha256, why it is not predicted there)

    @property
    def label(self) -> str:
        return portfolio_label(self.counts)

    @property
    def cores(self) -> int:
        return sum(self.counts.values())


def predict_portfolio(counts: dict[str, int], members: Members, races: RaceGroups
                      ) -> PortfolioPrediction:
    """The portfolio's predicted, observed and raced times on every instance where each of its
    solvers has a fitted group, beside each member's pure multi-walk on as many cores."""
    names = sorted(counts)
    done, missing = [], []
    for sha, by_solver in members.items():
        instance = next(iter(by_solver.values())).group.instance
        absent = [n for n in names if n not in by_solver]
        if absent:
            missing.append((instance, sha, f"no fitted runs of {', '.join(absent)}"))
            continue
        done.append(_portfolio_instance({n: counts[n] for n in names},
                                        [by_solver[n] for n in names], races))
    return PortfolioPrediction(counts, done, missing)


def _portfolio_instance(counts: dict[str, int], preds: list[Prediction], races: RaceGroups
                        ) -> PortfolioInstance:
    means = [float(expected_min(p.chosen, np.array([1.0]))[0]) for p in preds]
    base = int(np.argmin(means))
    observed_base = float(observed_expected_min(preds[base].sample, np.array([1]))[0][0])
    total = sum(counts.values())
    configurations = [dict(counts)]
    if len(counts) > 1:
        configurations += [{name: total} for name in counts]
    rows = []
    for config in configurations:
        used = [p for p in preds if p.group.solver in config]
        ks = [config[p.group.solver] for p in used]
        if len(used) == 1:
            predicted = float(expected_min(used[0].chosen, np.array([float(total)]))[0])
            observed, bound = (float(a[0]) for a in observed_expected_min(used[0].sample,
                                                                          np.array([total])))
        else:
            predicted = expected_min_mixed([p.chosen for p in used], ks)
            observed, bound = observed_mixed_min([p.sample for p in used], ks)
        raced = _race_times(config, used, races)
        race = float(np.mean(raced)) if raced else math.nan
        rows.append(Configuration(config, predicted, means[base] / predicted, observed,
                                  observed_base / observed, bool(bound), race,
                                  observed_base / race, len(raced)))
    g = preds[base].group
    return PortfolioInstance(g.instance, g.sha256, g.solver, means[base], observed_base, rows)


def _race_times(counts: dict[str, int], used: list[Prediction], races: RaceGroups
                ) -> list[float]:
    """Times of the real races of this configuration: rows recorded under its portfolio label
    and members' parameters and, for a single solver, its own races of as many walkers."""
    total = sum(counts.values())
    sha = used[0].group.sha256
    params = portfolio_params({p.group.solver: p.group.params for p in used})
    mixed = races.get((sha, portfolio_label(counts), params))
    rows = list(mixed.races.get(total, [])) if mixed else []
    if len(used) == 1:
        rows += used[0].group.races.get(total, [])
    return [value for value, _ in rows]


# ---------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class AllocationResult:
    """The best split of the cores on one instance, or over a set of instances (their mean)."""

    instance: str  # a file, or 'all N instances'
    sha256: str | None  # None for a set
    instances: tuple[str, ...]  # the sha256 of every instance it covers
    solvers: tuple[str, ...]
    allocation: Allocation
    best_time: float  # E[Z] of the best split (for a set: the mean over its instances)
    pure_time: float  # E[Z] of the best single solver on every core
    cutoffs: tuple[float, ...]  # PAR-2 cutoffs used (none for the mean objective)

    @property
    def best_counts(self) -> dict[str, int]:
        return dict(zip(self.solvers, self.allocation.counts, strict=True))

    @property
    def pure_solver(self) -> str:
        return self.solvers[self.allocation.pure]


@dataclass(frozen=True)
class AllocationReport:
    cores: int
    objective: str  # 'mean' or 'par2'
    instances: list[AllocationResult]
    overall: AllocationResult | None  # the one split for all instances that have every solver
    note: str | None  # why there is no overall split


def allocate_cores(members: Members, cores: int, objective: str,
                   par_cutoff: float | None) -> AllocationReport:
    """The best split of `cores` among the solvers measured on each instance, and the best one
    split for every instance where all of them were measured."""
    models = {sha: _instance_model(by_solver, objective, par_cutoff)
              for sha, by_solver in members.items()}
    results = []
    for sha, by_solver in members.items():
        instance = next(iter(by_solver.values())).group.instance
        results.append(_allocation_result(cores, objective, [models[sha]], sorted(by_solver),
                                          instance, sha, (sha,)))
    solvers = sorted({name for by_solver in members.values() for name in by_solver})
    complete = [sha for sha, by_solver in members.items() if sorted(by_solver) == solvers]
    if not complete:
        return AllocationReport(cores, objective, results, None,
                                f"no instance has fitted runs of every solver "
                                f"({', '.join(solvers)})")
    overall = _allocation_result(cores, objective, [models[sha] for sha in complete], solvers,
                                 f"all {len(complete)} instances", None, tuple(complete))
    return AllocationReport(cores, objective, results, overall, None)


def _instance_model(by_solver: dict[str, Prediction], objective: str,
                    par_cutoff: float | None) -> Quadrature:
    """The quadrature of every solver fitted on an instance (sorted by name), with the PAR-2
    cutoff: --par-cutoff, else the largest cutoff of their runs."""
    preds = [by_solver[name] for name in sorted(by_solver)]
    cutoff = None
    if objective == "par2":
        cutoff = par_cutoff or float(np.fmax.reduce([p.group.cutoff for p in preds]))
        if not math.isfinite(cutoff):
            raise SatspeedError(f"--allocate-objective par2: the runs of "
                                f"{Path(preds[0].group.instance).name} have no cutoff in this "
                                "measure; pass --par-cutoff")
    return quadrature([p.chosen for p in preds], cutoff)


def _allocation_result(cores: int, objective: str, models: list[Quadrature],
                       solvers: list[str], instance: str, sha: str | None,
                       covered: tuple[str, ...]) -> AllocationResult:
    """Allocate the cores over these instances' quadratures (members in `solvers` order),
    minimising the mean objective."""
    score = portfolio_par2 if objective == "par2" else portfolio_times

    def mean_score(splits: np.ndarray) -> np.ndarray:
        return np.mean([score(q, splits) for q in models], axis=0)

    def mean_time(split: np.ndarray) -> float:
        return float(np.mean([portfolio_times(q, split[None, :])[0] for q in models]))

    found = allocate(mean_score, len(solvers), cores, split_budget(models))
    pure = np.eye(len(solvers), dtype=np.int64)[found.pure] * cores
    cutoffs = tuple(q.cutoff for q in models if q.cutoff is not None)
    return AllocationResult(instance, sha, covered, tuple(solvers), found,
                            mean_time(np.array(found.counts)), mean_time(pure), cutoffs)
