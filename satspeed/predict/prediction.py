"""One group's prediction: fit its runs, choose a model, predict E[Z_n] and the speedup for
each core count with an interval, beside the speedups observed in its runs and its races.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from satspeed.predict import splice
from satspeed.predict.fit import Fit, fit, fit_all
from satspeed.predict.groups import Group, problem
from satspeed.predict.observed import observed_expected_min, restriction
from satspeed.predict.parallel import ordered_map
from satspeed.predict.quadrature import portfolio_restricted, quadrature
from satspeed.predict.restarts import RestartReport, report
from satspeed.predict.sample import Sample
from satspeed.predict.select import censoring, choose, gof_pvalue
from satspeed.predict.speedup import bootstrap_speedup, expected_min
from satspeed.restart import Restart, parse_restart

DEFAULT_CORES = (1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 384)


@dataclass(frozen=True)
class PredictOptions:
    measure: str = "flips"
    cores: tuple[int, ...] = DEFAULT_CORES
    dist: str = "auto"
    bootstrap: int = 100
    gof_samples: int = 100
    seed: int = 0
    restarts: bool = False  # also the best restart cutoff (satspeed.predict.restarts)
    luby_unit: float | None = None  # --restarts: also Luby's strategy with this unit
    workers: int = 1  # processes predicting the groups (satspeed.predict.parallel): the
    # numbers are the same for any count


@dataclass(frozen=True)
class CoreRow:
    """One line of a prediction table.

    Where runs timed out, E[Y] and E[Z_n] are not exactly estimable from them, but the means
    restricted to a time tau at most every censored value are (E[min(Y, tau)], E[min(Z_n,
    tau)]): the `restricted_*` speedups are those, observed and predicted alike, and the
    relative error compares them (NaN without timeouts, when nothing needs restricting)."""

    cores: int
    predicted_time: float
    predicted_speedup: float
    speedup_low: float
    speedup_high: float
    observed_speedup: float  # from the sequential runs (order statistics); NaN when n > runs
    observed_is_bound: bool  # not exact: a censored run counts in E[Y] or can be the minimum
    race_speedup: float  # from real races of n walkers; NaN when none
    race_runs: int
    race_timeouts: int = 0  # races no walker won: their mean, so the speedup, is a bound
    extrapolated: bool = False  # n > runs: beyond what the runs themselves can show
    predicted_restricted_speedup: float = math.nan
    observed_restricted_speedup: float = math.nan
    race_restricted_speedup: float = math.nan

    @property
    def restricted(self) -> bool:
        return math.isfinite(self.predicted_restricted_speedup)

    @property
    def relative_error(self) -> float:
        if self.restricted:
            return relative_error(self.predicted_restricted_speedup,
                                  self.observed_restricted_speedup,
                                  self.race_restricted_speedup, self.race_runs)
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
    chosen: Fit  # the model that portfolios, allocation and --restarts use (select.choose)
    rows: list[CoreRow]
    restricted_to: float | None = None  # tau of the restricted means (None: no timeouts)
    spliced: splice.Splice | None = None  # what predicted the multi-walk (`--dist auto`)
    restarts: RestartReport | None = None  # with --restarts

    @property
    def method(self) -> str:
        """What E[Z_n] came from, in a word: "splice", or the model's name."""
        return "splice" if self.spliced is not None else self.chosen.model

    @property
    def method_note(self) -> str:
        """How E[Z_n] was predicted, in lines of at most 80 characters."""
        s = self.spliced
        if s is None:
            return f"predicted from the {self.chosen.model} fit (--dist)"
        line = f"predicted from the runs above {s.cut:.4g} and a left tail fitted below it"
        tails = ", ".join(f"{w:.0%} {t.model}" for t, w in zip(s.tails, s.weights, strict=True))
        line += f":\n  {tails}" if tails else " (none could be fitted: the runs alone)"
        if s.beyond:  # the two heaviest of the Akaike-weighted tails
            top = np.argsort(-s.beyond_weights)[:2]
            line += "\n  past the last run (timed out): " + ", ".join(
                f"{s.beyond_weights[i]:.0%} {s.beyond[i].model}" for i in top) + ", ..."
        return line


def predict_group(group: Group, options: PredictOptions,
                  restarted: Sequence[Group] = ()) -> Prediction:
    """The group's prediction; with --restarts, its restart report, predicting beside them
    the `restarted` groups (the same runs made with a restart strategy)."""
    sample = group.sample
    rng = np.random.default_rng([options.seed, _group_seed(group.sha256)])
    auto = options.dist == "auto"
    fits = fit_all(sample) if auto else [fit(options.dist, sample)]
    if options.gof_samples:
        cutoffs = censoring(sample)  # once for all the fits
        fits = [Fit(f.model, f.params, f.loglik,
                    gof_pvalue(f, sample, options.gof_samples, rng, cutoffs)) for f in fits]
    chosen = choose(fits) if auto else fits[0]
    cores = np.array(options.cores, dtype=float)
    with_one = np.concatenate([[1], options.cores])
    # past a last run that timed out (and in the bootstrap), the splice extends the runs with
    # the right tails of all the fits, Akaike-weighted: it takes no left tail from them
    spliced = splice.fit_splice(sample, [f.model for f in fits]) if auto else None
    if spliced is not None:
        times_with_one = splice.expected_min(spliced, with_one)
    else:
        times_with_one = expected_min(chosen, with_one)  # one E[Z_n] call for all
    times, speedup = times_with_one[1:], times_with_one[0] / times_with_one[1:]
    if not options.bootstrap:
        low = high = np.full(len(cores), np.nan)
    elif spliced is not None:
        low, high = splice.bootstrap_speedup(sample, spliced, fits, cores, options.bootstrap,
                                              rng, estimate=speedup)
    else:
        low, high = bootstrap_speedup((options.dist,), sample, cores, options.bootstrap, rng)
    observed, _ = observed_expected_min(sample, with_one)
    inexact = bool(sample.censored.any())  # a timeout counts at its cutoff in E[Y], so in
    # every plain observed speedup (whether or not it can be the minimum of n runs)
    races = [group.races.get(n, []) for n in options.cores]
    tau = restriction(sample, races=[r for race in races for r in race])
    restricted = _restricted_speedups(chosen, spliced, sample, with_one, races, tau)
    rows = []
    for j, n in enumerate(options.cores):
        race_mean = float(np.mean([v for v, _ in races[j]])) if races[j] else np.nan
        rows.append(CoreRow(
            n, float(times[j]), float(speedup[j]), float(low[j]), float(high[j]),
            float(observed[0] / observed[j + 1]), inexact,
            float(observed[0] / race_mean), len(races[j]),
            sum(timed_out for _, timed_out in races[j]), n > len(sample.values),
            *(float(column[j]) for column in restricted)))
    restart_report = None
    if options.restarts and not group.restart:
        restart_report = report(sample, chosen, options.cores, float(times_with_one[0]),
                                _strategies(restarted, options), options.bootstrap, rng)
    return Prediction(group, sample, fits, chosen, rows, tau, spliced, restart_report)


def _strategies(restarted: Sequence[Group], options: PredictOptions
                ) -> list[tuple[Restart, Sample | None]]:
    """The restart strategies to predict: those of the restarted groups (with their runs),
    then Luby's with --luby-unit (beside the runs of it, if the CSV has them)."""
    found: list[tuple[Restart, Sample | None]] = [(parse_restart(g.restart), g.sample)
                                                  for g in restarted]
    if options.luby_unit is not None:
        given = Restart("luby", options.luby_unit)
        if all(r != given for r, _ in found):
            found.append((given, None))
    return found


def _restricted_speedups(chosen: Fit, spliced: splice.Splice | None, sample: Sample,
                         cores: np.ndarray,
                         races: list[list[tuple[float, bool]]], tau: float | None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predicted, observed and raced speedups of the means restricted to `tau`,
    E[min(Y, tau)] / E[min(Z_n, tau)], for cores[1:] (cores[0] is 1); NaN without `tau`."""
    if tau is None:
        nan = np.full(len(cores) - 1, np.nan)
        return nan, nan, nan
    if spliced is not None:
        predicted = splice.expected_min(spliced, cores, limit=tau)
    else:
        predicted = portfolio_restricted(quadrature([chosen], tau), cores[:, None])
    observed, _ = observed_expected_min(sample, cores, limit=tau)
    raced = np.array([np.mean(np.minimum([v for v, _ in race], tau)) if race else np.nan
                      for race in races])
    return predicted[0] / predicted[1:], observed[0] / observed[1:], observed[0] / raced


def _group_seed(sha256: str) -> int:
    """The group's part of the bootstrap seed: the hash's first 32 bits, or, for a CSV edited
    by hand whose instance_sha256 is not hexadecimal, a checksum of it (not a traceback)."""
    head = sha256[:8]
    return int(head, 16) if re.fullmatch(r"[0-9a-fA-F]{8}", head) else zlib.crc32(sha256.encode())


def predict_groups(groups: list[Group], options: PredictOptions,
                   done_one: Callable[[], None] | None = None
                   ) -> tuple[list[Prediction], list[tuple[Group, str]]]:
    """Predictions for every group that can be fitted (on `options.workers` processes), and
    the groups skipped with why; mixed-portfolio race groups are left out. `done_one` is
    called as each group is predicted (for a progress display)."""
    tasks, skipped = [], []
    restarted: dict[tuple[str, str, str], list[Group]] = {}
    if options.measure == "flips":  # restart cutoffs are in flips
        for g in groups:
            if g.restart and g.values:
                restarted.setdefault((g.sha256, g.solver, g.params), []).append(g)
    for group in groups:
        if group.is_portfolio:
            continue
        reason = problem(group)
        if reason is None:
            tasks.append((group, options, tuple(restarted.get(
                (group.sha256, group.solver, group.params), ()))))
        else:
            skipped.append((group, reason))
    done = []
    for prediction in ordered_map(_predict_task, tasks, options.workers):
        done.append(prediction)
        if done_one is not None:
            done_one()
    return done, skipped


def _predict_task(task: tuple[Group, PredictOptions, tuple[Group, ...]]) -> Prediction:
    group, options, restarted = task
    with np.errstate(all="ignore"):  # an absurd time (1e308) gives inf, not noise
        return predict_group(group, options, restarted)


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
