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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from satspeed.predict.fit import Fit
from satspeed.predict.sample import Sample, kaplan_meier
from satspeed.restart import Restart, luby_sequence

_GRID = 4001  # points of the fit's grid in log t
_LUBY_TERMS = 1 << 16  # Luby cutoffs evaluated at most (the mass left after them is reported)
_LUBY_STRIDE = 20  # a fit's Luby units: every 20th point of its grid (200 units)
_BEYOND = 1000.0  # a fit's integral is tabulated to 1000 x its t* range


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


def from_fit(f: Fit, low: float, high: float, dist: FitDistribution | None = None
             ) -> Restarts:
    """t* of a fitted model on a grid in log t over [low, high] (the runs' range, widened);
    Luby's best unit on every _LUBY_STRIDE-th point of that grid (`dist`: the model's
    FitDistribution over the same range, if made already)."""
    grid, cost = fit_curve(f, low, high)
    mean = float(f.kind.expected_min(f.params, np.array([1.0]))[0])
    best = int(np.argmin(cost))
    cutoff, time = float(grid[best]), float(cost[best])
    if not time < mean * (1 - 1e-6):  # the grid's rounding: an exponential's E[T_t] is E[Y]
        cutoff, time = math.inf, mean
    dist = dist if dist is not None else FitDistribution(f, low, high)
    units = grid[::_LUBY_STRIDE][dist.sf(grid[::_LUBY_STRIDE]) < 1.0]
    luby = luby_time(dist.sf, dist.partial, units) if len(units) else np.array([math.inf])
    pick = int(np.argmin(luby))
    unit = float(units[pick]) if len(units) and math.isfinite(luby[pick]) else math.nan
    return Restarts(f.model, mean, cutoff, time, high, unit, float(luby[pick]))


class FitDistribution:
    """A fitted model's S(t) and int_0^t S(u) du as functions of t, the integral on a grid
    in log t over [low, high x _BEYOND] (linear in t past it, where S is held: Luby's
    cutoffs grow past any range)."""

    def __init__(self, f: Fit, low: float, high: float) -> None:
        self.fit = f
        self.grid = np.geomspace(max(low, f.shift + 1e-12 * max(1.0, abs(f.shift))),
                                 high * _BEYOND, 2 * _GRID)
        self.cumulative = _partial_of_fit(f, self.grid, self.sf(self.grid))

    def sf(self, t: np.ndarray) -> np.ndarray:
        return np.exp(self.fit.logsf(np.asarray(t, float)))

    def partial(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        top, last = self.grid[-1], self.cumulative[-1]
        inside = np.interp(t, self.grid, self.cumulative)
        below = np.minimum(t, self.grid[0])  # S is 1 below the grid's first point
        out = np.where(t < self.grid[0], below, inside)
        return np.where(t > top, last + (t - top) * self.sf(np.array([top]))[0], out)


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


def strategy_time(sf: Callable[[np.ndarray], np.ndarray],
                  partial: Callable[[np.ndarray], np.ndarray], restart: Restart) -> float:
    """Expected time of a restart strategy, exactly, for the distribution S (`sf`, `partial`):
    E[min(Y, t)] / F(t) for fixed:t, `luby_time` for luby:u."""
    if restart.kind == "luby":
        return float(luby_time(sf, partial, np.array([restart.unit]))[0])
    t = np.array([float(restart.unit)])
    solved = 1.0 - float(sf(t)[0])
    return float(partial(t)[0]) / solved if solved > 0 else math.inf


def beyond_runs(runs: RunsDistribution, restart: Restart) -> float:
    """The chance that the strategy reaches a try whose cutoff exceeds the last run, where
    the runs cannot speak for it (the Kaplan-Meier S is held past it)."""
    if restart.kind == "fixed":  # every try has the same cutoff
        return 1.0 if restart.unit > runs.last else 0.0
    left = 1.0
    for attempt in range(1, _LUBY_TERMS + 1):
        cut = restart.cutoff(attempt)
        if cut > runs.last:
            return left
        left *= float(runs.sf(np.array([float(cut)]))[0])
        if left <= 1e-12:
            break
    return 0.0


@dataclass(frozen=True)
class StrategyPrediction:
    """A restart strategy's expected time predicted from the runs without restarts (with a
    95% bootstrap interval) and from the chosen fit, beside the restarted runs of it that the
    CSV holds, if any (their mean, a 95% t interval; a lower bound where some timed out)."""

    strategy: str
    predicted: float
    predicted_low: float
    predicted_high: float
    fitted: float
    beyond: float  # the chance of a try past the last run (see beyond_runs)
    solved_by: int  # runs solved within the first try's cutoff: F(t) rests on them
    runs: int = 0  # restarted runs of the strategy in the CSV
    timeouts: int = 0
    observed: float = math.nan
    observed_low: float = math.nan
    observed_high: float = math.nan

    @property
    def observed_is_bound(self) -> bool:
        return self.timeouts > 0

    @property
    def few_solved(self) -> bool:
        """Fewer than MIN_SOLVED runs solved within the first cutoff: the runs can hardly
        say how often a try succeeds (the prediction is mostly noise)."""
        return self.solved_by < MIN_SOLVED

    @property
    def relative_error(self) -> float:
        """(predicted - observed) / observed, from the runs' prediction."""
        return (self.predicted - self.observed) / self.observed


def predict_strategy(runs: RunsDistribution, dist: FitDistribution, restart: Restart,
                     bootstrap: int, rng: np.random.Generator,
                     restarted: Sample | None = None) -> StrategyPrediction:
    """`restart`'s expected time from `runs` (those without restarts; the interval from
    `bootstrap` resamples of them) and from the fit's `dist`, beside the `restarted` runs
    made with it, if given."""
    sample = runs.sample
    predicted = strategy_time(runs.sf, runs.partial, restart)
    resampled = []
    for _ in range(bootstrap):
        pick = rng.integers(0, len(sample.values), len(sample.values))
        again = Sample(sample.values[pick], sample.censored[pick])
        if not again.censored.all():
            other = RunsDistribution(again)
            resampled.append(strategy_time(other.sf, other.partial, restart))
    low, high = (np.percentile(resampled, [2.5, 97.5]) if resampled
                 else (math.nan, math.nan))
    fitted = strategy_time(dist.sf, dist.partial, restart)
    solved_by = int(np.sum(sample.observed <= restart.cutoff(1)))
    found = StrategyPrediction(restart.text, predicted, float(low), float(high), fitted,
                               beyond_runs(runs, restart), solved_by)
    if restarted is None or not len(restarted.values):
        return found
    values = restarted.values
    mean = float(np.mean(values))
    half = (float(stats.t.ppf(0.975, len(values) - 1) * np.std(values, ddof=1)
                  / math.sqrt(len(values))) if len(values) > 1 else math.nan)
    return replace(found, runs=len(values), timeouts=int(np.sum(restarted.censored)),
                   observed=mean, observed_low=mean - half, observed_high=mean + half)


@dataclass(frozen=True)
class RestartReport:
    """A group's restarts: the best fixed cutoff from its runs and from its chosen fit,
    E[time] of n walkers each restarting at the runs' t* (NaN where t* is infinite), and the
    strategies predicted beside restarted runs of them (those the CSV holds, and Luby's with
    the unit a user gave)."""

    runs: Restarts
    fit: Restarts
    cores: tuple[int, ...]
    walkers: np.ndarray
    strategies: tuple[StrategyPrediction, ...] = ()


def fit_range(sample: Sample) -> tuple[float, float]:
    """Where a fit's t* is sought: the runs' range, widened tenfold each way."""
    return float(np.min(sample.values)) / 10, float(np.max(sample.values)) * 10


def report(sample: Sample, chosen: Fit, cores: tuple[int, ...], mean: float,
           strategies: Sequence[tuple[Restart, Sample | None]] = (), bootstrap: int = 0,
           rng: np.random.Generator | None = None) -> RestartReport:
    """Restarts from the runs and from `chosen` over `fit_range`; `mean` is the predicted
    E[Y], used instead of the runs' own where the slowest run timed out. Each of
    `strategies` (a strategy, and the restarted runs made with it or None) is predicted
    beside its runs (`predict_strategy`, `bootstrap` resamples drawn from `rng`)."""
    distribution = RunsDistribution(sample)
    censored_last = bool(sample.censored[np.argmax(sample.values)])
    runs = from_runs(distribution, mean if censored_last else None)
    dist = FitDistribution(chosen, *fit_range(sample))
    fitted = from_fit(chosen, *fit_range(sample), dist)
    if math.isfinite(runs.cutoff):
        walkers = restarted_walkers(distribution.sf, distribution.partial, runs.cutoff,
                                    np.array(cores, float))
    else:
        walkers = np.full(len(cores), math.nan)
    rng = rng if rng is not None else np.random.default_rng(0)
    predicted = tuple(predict_strategy(distribution, dist, restart, bootstrap, rng, restarted)
                      for restart, restarted in strategies)
    return RestartReport(runs, fitted, tuple(cores), walkers, predicted)
