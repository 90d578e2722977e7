"""Everything `satspeed predict` computes from one CSV, before any output: the groups'
predictions, the groups skipped and why, mixed-portfolio races, portfolios and allocation.
Each exporter (satspeed.predict.export) renders an `Outcome` in one format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from satspeed.predict.allocate import AllocationReport, allocate_cores
from satspeed.predict.groups import Group, read_groups
from satspeed.predict.portfolio import (
    PortfolioPrediction,
    check_solvers,
    members_by_instance,
    predict_portfolio,
    race_groups,
)
from satspeed.predict.prediction import Prediction, PredictOptions, predict_groups


@dataclass
class Outcome:
    csv: str
    measure: str
    cores: tuple[int, ...]
    predictions: list[Prediction]
    skipped: list[tuple[Group, str]]
    races: list[Group]  # mixed-portfolio races (not fitted)
    portfolios: list[PortfolioPrediction] = field(default_factory=list)
    allocation: AllocationReport | None = None
    notes: list[str] = field(default_factory=list)  # 'note: ...' / 'warning: ...' lines


def predict_csv(csv: Path, options: PredictOptions, portfolios: list[dict[str, int]],
                allocate: int | None = None, objective: str = "mean",
                par_cutoff: float | None = None,
                progress: Callable[[int], Callable[[], None]] | None = None) -> Outcome:
    """Read the CSV, predict every group, then the portfolios asked for and the allocation;
    `progress(total)`, when given, returns what to call as each of the groups is done."""
    notes: list[str] = []
    groups = read_groups(csv, options.measure, notes)
    wanted = {name for counts in portfolios for name in counts}
    check_solvers(wanted, {g.solver for g in groups if g.values and not g.is_portfolio}, csv)
    done_one = progress(sum(not g.is_portfolio for g in groups)) if progress else None
    predictions, skipped = predict_groups(groups, options, done_one)
    if options.restarts and options.measure != "flips" and any(g.restart for g in groups):
        notes.append(f"note: restarted runs are predicted beside their strategy in flips only "
                     f"(their cutoffs are flips), not in {options.measure}")
    outcome = Outcome(str(csv), options.measure, options.cores, predictions, skipped,
                      [g for g in groups if g.is_portfolio], notes=notes)
    if not predictions or not (portfolios or allocate):
        return outcome
    check_solvers(wanted, {p.group.solver for p in predictions}, csv)
    members, notes = members_by_instance(predictions)
    outcome.notes.extend(f"note: {note}" for note in notes)
    compared = wanted | ({p.group.solver for p in predictions} if allocate else set())
    if options.measure == "flips" and len(compared) > 1:
        outcome.notes.append(f"warning: --measure flips compares flips of different solvers "
                             f"({', '.join(sorted(compared))}), which differ in cost; cpu_s "
                             "would not")
    raced = race_groups(groups)
    outcome.portfolios.extend(predict_portfolio(counts, members, raced) for counts in portfolios)
    if allocate:
        outcome.allocation = allocate_cores(members, allocate, objective, par_cutoff)
    return outcome
