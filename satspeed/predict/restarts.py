"""Restarts (`predict --restarts`): the best fixed cutoff, from the runs and from a fit.

A solver restarted from scratch, with fresh randomness, every t flips (or seconds) takes on
average E[T_t] = E[min(Y, t)] / F(t) (Luby, Sinclair & Zuckerman 1993: each try costs
E[min(Y, t)] and succeeds with probability F(t)); the best fixed cutoff t* minimises it, and
restarts help only where the runtime has a heavy right tail: for an exponential E[T_t] = E[Y]
for every t, and for a shifted exponential E[T_t] > E[Y]. Luby's universal strategy (cutoffs
u (1, 1, 2, 1, 1, 2, 4, ...)) needs no distribution and is within a log factor of the best.
n walkers that each restart at t finish at the first success of any:
E = int_0^t S(u)^n du / (1 - S(t)^n).

From the runs, S is the Kaplan-Meier estimate: E[T_t] is exact there for t up to the largest
run time, and between two solved times it grows (its numerator does, its denominator not),
so t* is a solved time. From a fit, S is the model's, and t* is found on a grid in log t.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from satspeed.predict.fit import Fit
from satspeed.predict.sample import Sample
from satspeed.predict.splice import kaplan_meier

_GRID = 4001  # points of the fit's grid in log t
_LUBY_TERMS = 1 << 16  # Luby cutoffs evaluated at most (the mass left after them is reported)


@dataclass(frozen=True)
class Restarts:
    """The best fixed cutoff of one source (the runs, or a fitted model)."""

    source: str  # "runs" or the model's name
    mean: float  # E[Y], no restarts
    cutoff: float  # t*; inf where no cutoff beats running on (restarts cannot help)
    time: float  # E[T_t*]
    valid_to: float  # the largest t the estimate speaks for
    luby_unit: float  # the best unit of Luby's strategy (NaN from a fit)
    luby_time: float  # its expected time

    @property
    def gain(self) -> float:
        """E[Y] / E[T_t*]: 1 where restarts cannot help."""
        return self.mean / self.time


def luby_sequence(count: int) -> np.ndarray:
    """The first `count` terms of Luby's sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, ..."""
    out = np.empty(count, dtype=np.int64)
    for index in range(count):
        i = index + 1
        while True:
            k = i.bit_length()
            if i == (1 << k) - 1:  # t_i = 2^(k-1) where i = 2^k - 1
                out[index] = 1 << (k - 1)
                break
            i -= (1 << (k - 1)) - 1  # else t_i = t_(i - 2^(k-1) + 1)
    return out


class RunsDistribution:
    """The Kaplan-Meier S of a sample as functions of t: S(t), int_0^t S(u)^n du."""

    def __init__(self, sample: Sample) -> None:
        self.sample = sample
        self.times, self.survival = kaplan_meier(sample)
        self.last = float(self.times[-1])

    def sf(self, t: np.ndarray) -> np.ndarray:
        """S(t) (held at S(last) past the last run)."""
        at = np.searchsorted(self.times, t, side="right") - 1
        return np.where(at < 0, 1.0, self.survival[np.maximum(at, 0)])

    def partial(self, t: np.ndarray, n: float = 1.0) -> np.ndarray:
        """int_0^t S(u)^n du: 1 up to the fastest run, then the steps."""
        knots = np.r_[0.0, self.times]
        levels = np.r_[1.0, self.survival] ** n
        cumulative = np.r_[0.0, np.cumsum(levels[:-1] * np.diff(knots))]
        at = np.searchsorted(knots, t, side="right") - 1
        return cumulative[at] + levels[at] * (t - knots[at])


MIN_SOLVED = 10  # the runs' estimate speaks for cutoffs with at least this many runs solved
MIN_FRACTION = 0.05  # ... and this fraction of them (below, E[T_t] ~ R x(1) is mostly noise)


def from_runs(runs: RunsDistribution, mean: float | None = None) -> Restarts:
    """t* over the solved run times where at least MIN_SOLVED runs and MIN_FRACTION of them
    have solved (where E[T_t] is smallest); Luby's best unit over the same times. Minimising a
    noisy curve favours its low points: with few runs, t* and its gain are optimistic. E[Y]
    is the runs' mean, or `mean` where given (needed where the slowest run timed out: the
    runs then show only a lower bound of it)."""
    solved, cost = runs_curve(runs)
    mean = _mean_of_runs(runs) if mean is None else mean
    best = int(np.argmin(cost))
    cutoff, time = float(solved[best]), float(cost[best])
    if not time < mean:
        cutoff, time = math.inf, mean
    units = solved[runs.sf(solved) < 1.0]
    luby_times = luby_time(runs.sf, runs.partial, units)
    pick = int(np.argmin(luby_times))
    return Restarts("runs", mean, cutoff, time, runs.last, float(units[pick]),
                    float(luby_times[pick]))


def runs_curve(runs: RunsDistribution) -> tuple[np.ndarray, np.ndarray]:
    """E[T_t] from the runs at each solved time t with at least MIN_SOLVED runs and
    MIN_FRACTION of them solved by then."""
    solved = np.sort(runs.sample.observed)
    need = max(MIN_SOLVED, math.ceil(MIN_FRACTION * len(runs.sample.values)))
    solved = np.unique(solved[min(need, len(solved)) - 1:])
    return solved, runs.partial(solved) / (1.0 - runs.sf(solved))


def _mean_of_runs(runs: RunsDistribution) -> float:
    """E[Y] from the runs: the area under S up to the last run (a bound where it timed out)."""
    return float(runs.partial(np.array([runs.last]))[0])


def from_fit(f: Fit, low: float, high: float) -> Restarts:
    """t* of a fitted model on a grid in log t over [low, high] (the runs' range, widened)."""
    grid, cost = fit_curve(f, low, high)
    mean = float(f.kind.expected_min(f.params, np.array([1.0]))[0])
    best = int(np.argmin(cost))
    cutoff, time = float(grid[best]), float(cost[best])
    if not time < mean * (1 - 1e-6):  # the grid's rounding: an exponential's E[T_t] is E[Y]
        cutoff, time = math.inf, mean
    return Restarts(f.model, mean, cutoff, time, high, math.nan, math.nan)


def fit_curve(f: Fit, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    """E[T_t] of a fitted model on a grid in log t over [low, high] (inf where F(t) = 0)."""
    grid = np.geomspace(max(low, f.shift + 1e-12 * max(1.0, abs(f.shift))), high, _GRID)
    sf = np.exp(f.logsf(grid))
    partial = _partial_of_fit(f, grid, sf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return grid, np.where(sf < 1.0, partial / (1.0 - sf), np.inf)


def _partial_of_fit(f: Fit, grid: np.ndarray, sf: np.ndarray) -> np.ndarray:
    """int_0^t S(u) du at each grid point: 1 up to the first (S is 1 to within 1e-12 below
    it, past the shift), then the trapezoid rule in t (the grid is fine in log t)."""
    steps = np.diff(grid) * (sf[1:] + sf[:-1]) / 2
    return grid[0] + np.r_[0.0, np.cumsum(steps)]


def luby_time(sf: Callable[[np.ndarray], np.ndarray],
              partial: Callable[[np.ndarray], np.ndarray], units: np.ndarray) -> np.ndarray:
    """Expected time of Luby's strategy for each unit u: sum over tries i of P(every earlier
    try failed) E[min(Y, u t_i)], exactly, until the chance left is below 1e-12 (or after
    _LUBY_TERMS tries, where it is counted as one more failed try of the largest cutoff)."""
    units = np.asarray(units, float)
    left = np.ones(len(units))
    total = np.zeros(len(units))
    for term in luby_sequence(_LUBY_TERMS):
        cut = units * term
        total += left * partial(cut)
        left *= sf(cut)
        if np.max(left) < 1e-12:
            break
    return np.where(left < 1e-12, total, np.inf)


def restarted_walkers(sf: Callable[[np.ndarray], np.ndarray],
                      partial: Callable[[np.ndarray, float], np.ndarray], cutoff: float,
                      cores: np.ndarray) -> np.ndarray:
    """E[time] of n walkers each restarting at `cutoff`: int_0^t S^n / (1 - S(t)^n)."""
    cores = np.asarray(cores, float)
    s_t = float(sf(np.array([cutoff]))[0])
    head = np.array([float(partial(np.array([cutoff]), n)[0]) for n in cores])
    return head / (1.0 - s_t**cores)


@dataclass(frozen=True)
class RestartReport:
    """A group's restarts: the best fixed cutoff from its runs and from its chosen fit, and
    E[time] of n walkers each restarting at the runs' t* (NaN where t* is infinite)."""

    runs: Restarts
    fit: Restarts
    cores: tuple[int, ...]
    walkers: np.ndarray


def fit_range(sample: Sample) -> tuple[float, float]:
    """Where a fit's t* is sought: the runs' range, widened tenfold each way."""
    return float(np.min(sample.values)) / 10, float(np.max(sample.values)) * 10


def report(sample: Sample, chosen: Fit, cores: tuple[int, ...], mean: float) -> RestartReport:
    """Restarts from the runs and from `chosen` over `fit_range`; `mean` is the predicted
    E[Y], used instead of the runs' own where the slowest run timed out."""
    distribution = RunsDistribution(sample)
    censored_last = bool(sample.censored[np.argmax(sample.values)])
    runs = from_runs(distribution, mean if censored_last else None)
    fitted = from_fit(chosen, *fit_range(sample))
    if math.isfinite(runs.cutoff):
        walkers = restarted_walkers(distribution.sf, distribution.partial, runs.cutoff,
                                    np.array(cores, float))
    else:
        walkers = np.full(len(cores), math.nan)
    return RestartReport(runs, fitted, tuple(cores), walkers)
