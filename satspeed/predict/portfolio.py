"""Mixed portfolios on each instance: the portfolio's predicted time (quadrature over its
members' fits), its estimate from the sequential runs alone, and its real races, beside each
member's pure multi-walk on as many cores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.labels import portfolio_label, portfolio_params
from satspeed.predict.groups import Group
from satspeed.predict.observed import observed_mixed_min, restriction
from satspeed.predict.prediction import Prediction, relative_error
from satspeed.predict.quadrature import expected_min_mixed, portfolio_restricted, quadrature
from satspeed.predict.speedup import expected_min

Members = dict[str, dict[str, Prediction]]  # instance sha256 -> solver -> its fitted group
RaceGroups = dict[tuple[str, str, str], Group]  # (sha256, label, params) -> mixed races


def members_by_instance(predictions: list[Prediction]) -> tuple[Members, list[str]]:
    """The fitted group of each solver on each instance, and a note for each instance where a
    solver has several parameter sets (the one with the most runs is used). Restarted runs
    are not members: a portfolio's walkers run on without restarts."""
    members: Members = {}
    notes = []
    for p in predictions:
        if p.group.restart:
            continue
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
    Speedups are against the instance's baseline (PortfolioInstance); where runs timed out,
    the `restricted_*` ones are of the means restricted to its `restricted_to` (as CoreRow)."""

    counts: dict[str, int]
    predicted_time: float
    predicted_speedup: float
    observed_time: float  # from the sequential runs (order statistics); NaN beyond the runs
    observed_speedup: float
    observed_is_bound: bool  # not exact: a censored run can be a minimum or in the baseline
    race_time: float  # mean of real races; NaN when none
    race_speedup: float
    race_runs: int
    predicted_restricted_speedup: float = math.nan
    observed_restricted_speedup: float = math.nan
    race_restricted_speedup: float = math.nan

    @property
    def label(self) -> str:
        return portfolio_label(self.counts)

    @property
    def relative_error(self) -> float:
        if math.isfinite(self.predicted_restricted_speedup):
            return relative_error(self.predicted_restricted_speedup,
                                  self.observed_restricted_speedup,
                                  self.race_restricted_speedup, self.race_runs)
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
    restricted_to: float | None = None  # tau of the restricted means (None: no timeouts)


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
    observed_base, base_bound = observed_mixed_min([preds[base].sample], [1])
    total = sum(counts.values())
    configurations = [dict(counts)]
    if len(counts) > 1:
        configurations += [{name: total} for name in counts]
    raced = [_race_times(config, [p for p in preds if p.group.solver in config], races)
             for config in configurations]
    tau = restriction(*(p.sample for p in preds), races=[r for rs in raced for r in rs])
    if tau is not None:  # the baseline's E[min(Y, tau)], predicted and observed, for all rows
        base_restricted = (
            portfolio_restricted(quadrature([preds[base].chosen], tau), np.array([[1]]))[0],
            observed_mixed_min([preds[base].sample], [1], limit=tau)[0])
    rows = []
    for config, race_rows in zip(configurations, raced, strict=True):
        used = [p for p in preds if p.group.solver in config]
        ks = [config[p.group.solver] for p in used]
        if len(used) == 1:
            predicted = float(expected_min(used[0].chosen, np.array([float(total)]))[0])
        else:
            predicted = expected_min_mixed([p.chosen for p in used], ks)
        observed, bound = observed_mixed_min([p.sample for p in used], ks)
        race = float(np.mean([v for v, _ in race_rows])) if race_rows else math.nan
        restricted = (_restricted(base_restricted, used, ks, race_rows, tau)
                      if tau is not None else (math.nan,) * 3)
        rows.append(Configuration(config, predicted, means[base] / predicted, observed,
                                  observed_base / observed, bool(bound or base_bound), race,
                                  observed_base / race, len(race_rows), *restricted))
    g = preds[base].group
    return PortfolioInstance(g.instance, g.sha256, g.solver, means[base], observed_base, rows,
                             tau)


def _restricted(base: tuple[float, float], used: list[Prediction], ks: list[int],
                race_rows: list[tuple[float, bool]], tau: float
                ) -> tuple[float, float, float]:
    """Predicted, observed and raced speedups of the means restricted to `tau`: the baseline's
    E[min(Y, tau)] (`base`: predicted, observed) over the configuration's E[min(Z, tau)]."""
    base_predicted, base_observed = base
    predicted = portfolio_restricted(quadrature([p.chosen for p in used], tau),
                                     np.array([ks]))[0]
    observed, _ = observed_mixed_min([p.sample for p in used], ks, limit=tau)
    race = (float(np.mean(np.minimum([v for v, _ in race_rows], tau))) if race_rows
            else math.nan)
    return base_predicted / predicted, base_observed / observed, base_observed / race


def _race_times(counts: dict[str, int], used: list[Prediction], races: RaceGroups
                ) -> list[tuple[float, bool]]:
    """Times of the real races of this configuration: rows recorded under its portfolio label
    and members' parameters and, for a single solver, its own races of as many walkers."""
    total = sum(counts.values())
    sha = used[0].group.sha256
    params = portfolio_params({p.group.solver: p.group.params for p in used})
    mixed = races.get((sha, portfolio_label(counts), params))
    rows = list(mixed.races.get(total, [])) if mixed else []
    if len(used) == 1:
        rows += used[0].group.races.get(total, [])
    return rows
