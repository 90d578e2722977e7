"""The best split of N cores among the solvers measured (`--allocate`): on each instance and
one split for the whole instance set, minimising the mean predicted time or the PAR-2 score.

Search: every split when there are few enough (stars and bars), otherwise a pattern search
over core transfers (the objectives are convex in the counts).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.predict.portfolio import Members
from satspeed.predict.prediction import Prediction
from satspeed.predict.quadrature import Quadrature, portfolio_par2, portfolio_times, quadrature

MAX_SPLITS = 200_000  # search every split up to this many, else a local search
MAX_WORK = 5 * 10**8  # and up to this many splits x quadrature nodes (a few seconds)


def split_count(total: int, members: int) -> int:
    """Number of ways to give `total` cores to `members` solvers (k_i >= 0)."""
    return math.comb(total + members - 1, members - 1)


def split_budget(quadratures: Sequence[Quadrature]) -> int:
    """How many splits an exhaustive search may evaluate on the instances of these quadratures."""
    return min(MAX_SPLITS, MAX_WORK // max(1, sum(len(q.nodes) for q in quadratures)))


def compositions(total: int, members: int) -> np.ndarray:
    """Every split (k_1..k_members), k_i >= 0, sum = total, one per row (stars and bars)."""
    combos = list(itertools.combinations(range(total + members - 1), members - 1))
    bars = np.array(combos, dtype=np.int64).reshape(len(combos), members - 1)
    edges = np.hstack([np.full((len(bars), 1), -1), bars,
                       np.full((len(bars), 1), total + members - 1)])
    return np.diff(edges, axis=1) - 1


@dataclass(frozen=True)
class Allocation:
    """The best split of the cores found, against the best pure multi-walk."""

    counts: tuple[int, ...]
    value: float  # its objective
    pure: int  # index of the best single solver given every core
    pure_value: float
    search: str  # 'exhaustive' or 'local'
    profile: np.ndarray | None  # (members, total + 1): best objective with k_i = j cores

    @property
    def gain(self) -> float:
        """How many times better than the best pure multi-walk (>= 1)."""
        return self.pure_value / self.value


Objective = Callable[[np.ndarray], np.ndarray]  # splits (rows) -> objective values


def allocate(objective: Objective, members: int, total: int,
             max_splits: int = MAX_SPLITS) -> Allocation:
    """Minimise `objective` over the splits of `total` cores among `members` solvers: every
    split when there are at most `max_splits`, else `_local_search`."""
    pure_values = objective(total * np.eye(members, dtype=np.int64))
    pure = int(np.argmin(pure_values))
    pure_value = float(pure_values[pure])
    if split_count(total, members) <= max_splits:
        splits = compositions(total, members)
        values = objective(splits)
        best = int(np.argmin(values))
        counts, value = tuple(int(k) for k in splits[best]), float(values[best])
        search, profile = "exhaustive", _profile(splits, values, total)
    else:
        counts, value = _local_search(objective, members, total, pure, pure_value)
        search, profile = "local", None
    if value >= pure_value * (1 - 1e-12):  # a pure split, up to rounding: report it exactly
        counts, value = tuple(total * (i == pure) for i in range(members)), pure_value
    return Allocation(counts, value, pure, pure_value, search, profile)


def _profile(splits: np.ndarray, values: np.ndarray, total: int) -> np.ndarray:
    """profile[i, j]: the best value among the splits that give solver i j cores."""
    profile = np.full((splits.shape[1], total + 1), np.inf)
    for i in range(splits.shape[1]):
        np.minimum.at(profile[i], splits[:, i], values)
    return profile


def _local_search(objective: Objective, members: int, total: int, pure: int,
                  pure_value: float) -> tuple[tuple[int, ...], float]:
    """Pattern search: from the better of the best pure split and the even split, move `step`
    cores from one solver to another while that improves, halving `step` down to 1. (The
    objectives are convex in the counts, so this ends at or next to the optimum.)"""
    even = np.full(members, total // members, dtype=np.int64)
    even[: total % members] += 1
    start = np.eye(members, dtype=np.int64)[pure] * total
    even_value = float(objective(even[None, :])[0])
    counts, value = (even, even_value) if even_value < pure_value else (start, pure_value)
    moves = np.array([np.eye(members, dtype=np.int64)[j] - np.eye(members, dtype=np.int64)[i]
                      for i in range(members) for j in range(members) if i != j])
    step = 1 << max(0, (total // 2).bit_length() - 1)
    while step >= 1:
        trial = counts + step * moves
        trial = trial[(trial >= 0).all(axis=1)]
        values = objective(trial) if len(trial) else np.array([])
        if len(values) and values.min() < value:
            best = int(np.argmin(values))
            counts, value = trial[best], float(values[best])
        else:
            step //= 2
    return tuple(int(k) for k in counts), value


# ---------------------------------------------------------------------- per instance, and the set


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
