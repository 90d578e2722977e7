"""`satspeed predict`: from a results CSV to fitted distributions and speedup predictions.

Groups are (instance content, solver, parameters). Sequential runs (walkers = 1) give the
sample that is fitted; rows of real races (walkers = n) give observed race speedups.
"""

from __future__ import annotations

import math
import re
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from satspeed.fit import AUTO_MODELS, Fit, Sample, choose, fit, fit_all, gof_pvalue
from satspeed.results import read_rows
from satspeed.speedup import (
    bootstrap_speedup,
    expected_min,
    observed_expected_min,
    predicted_speedup,
)

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
    races: dict[int, list[tuple[float, bool]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{Path(self.instance).name} / {self.solver} ({self.params})"


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

    @property
    def relative_error(self) -> float:
        """(predicted - observed) / observed, against races when present."""
        truth = self.race_speedup if self.race_runs else self.observed_speedup
        return (self.predicted_speedup - truth) / truth


@dataclass(frozen=True)
class Prediction:
    group: Group
    sample: Sample
    fits: list[Fit]  # best AIC first
    chosen: Fit
    rows: list[CoreRow]


def read_groups(path: str | Path, measure: str) -> list[Group]:
    """Group the CSV's rows; error rows are counted, not used."""
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
        if not math.isfinite(value):  # the reader takes 'nan' and 'inf' for numbers
            warnings.warn(f"{path}:{number}: skipped: {measure} '{row[measure]}' is not a "
                          "finite number", stacklevel=2)
            continue
        value = max(value, _floor(measure))
        timed_out = row["status"] == "timeout"
        walkers = int(row["walkers"])
        if walkers == 1:
            group.values.append(value)
            group.censored.append(timed_out)
        else:
            group.races.setdefault(walkers, []).append((value, timed_out))
    return list(groups.values())


def _floor(measure: str) -> float:
    """Runtimes must be positive for the log-scale models: a run solved by its initial
    assignment (0 flips) counts as half a flip; seconds are floored at a microsecond."""
    return 0.5 if measure == "flips" else 1e-6


def problem(group: Group) -> str | None:
    """Why this group cannot be fitted, or None."""
    solved = [v for v, c in zip(group.values, group.censored, strict=True) if not c]
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
                            bool(bound[j + 1]), float(observed[0] / race_mean), len(race)))
    return Prediction(group, sample, fits, chosen, rows)


def _group_seed(sha256: str) -> int:
    """The group's part of the bootstrap seed: the hash's first 32 bits, or, for a CSV edited
    by hand whose instance_sha256 is not hexadecimal, a checksum of it (not a traceback)."""
    head = sha256[:8]
    return int(head, 16) if re.fullmatch(r"[0-9a-fA-F]{8}", head) else zlib.crc32(sha256.encode())


def predict_all(path: str | Path, options: PredictOptions
                ) -> tuple[list[Prediction], list[tuple[Group, str]]]:
    """Predictions for every group that can be fitted, and the groups skipped with why."""
    done, skipped = [], []
    for group in read_groups(path, options.measure):
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

