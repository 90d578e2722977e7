"""Rows of a results CSV grouped for prediction: one group per (instance content, solver,
parameters, restart strategy), its sequential runs (the sample that is fitted, timeouts
censored), its races by number of walkers, and its errors.

A group whose solver is a portfolio label (`probsat*2+sparrow*2`, satspeed.labels) holds races
of a mixed portfolio: it is not fitted, it gives the portfolio's observed race column.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from satspeed.labels import parse_label
from satspeed.predict.sample import Sample
from satspeed.results import collector_paused, cutoffs_of, read_rows


@dataclass
class Group:
    """All rows of one (instance, solver, params, restart strategy)."""

    instance: str
    sha256: str
    solver: str
    params: str
    restart: str = ""  # the runs' restart strategy ('fixed:T', 'luby:U'; '': none)
    values: list[float] = field(default_factory=list)
    censored: list[bool] = field(default_factory=list)
    errors: int = 0
    unmeasured: int = 0  # rows without the measure (an external solver that prints no flips)
    races: dict[int, list[tuple[float, bool]]] = field(default_factory=dict)
    cutoff: float = math.nan  # the largest cutoff of its sequential runs in the measure

    @property
    def label(self) -> str:
        again = f" restart {self.restart}" if self.restart else ""
        return f"{Path(self.instance).name} / {self.solver} ({self.params}){again}"

    @cached_property
    def is_portfolio(self) -> bool:
        """Races of a mixed portfolio (its solver is a portfolio label)."""
        return parse_label(self.solver) is not None

    @property
    def sample(self) -> Sample:
        """Its sequential runs as the fits see them."""
        return Sample(np.array(self.values), np.array(self.censored))


def read_groups(path: str | Path, measure: str, notes: list[str] | None = None
                ) -> list[Group]:
    """Group the CSV's rows (the last row of each run): `group_rows`. A note on rows
    superseded by later ones goes to `notes`."""
    rows = read_rows(path)
    if rows.superseded and notes is not None:
        notes.append(f"note: {path}: {rows.superseded} rows superseded by a later row of the "
                     "same run (made again at other cutoffs): each run counts once, at its "
                     "last row")
    return group_rows(rows, measure, str(path))


@collector_paused()  # a million rows make millions of objects, none in a cycle
def group_rows(rows: Iterable[tuple[int, dict[str, str]]], measure: str, source: str
               ) -> list[Group]:
    """Group rows (line number, row) of the CSV `source`; error rows are counted, not used. A
    race's time is its winner's flips, its wall seconds, or its CPU seconds per walker (the
    CSV has their sum)."""
    groups: dict[tuple[str, str, str, str], Group] = {}
    floor = _floor(measure)
    axis = measure != "flips"  # which of cutoffs_of's
    for number, row in rows:
        key = (row["instance_sha256"], row["solver"], row["params"], row.get("restart", ""))
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(row["instance"], *key)
        if row["status"] == "error":
            group.errors += 1
            continue
        value = float(row[measure])
        if measure == "flips" and value == -1:  # the solver did not report them
            group.unmeasured += 1
            continue
        if not math.isfinite(value) or value < 0:  # the reader takes 'nan' and '-inf'
            what = "is negative" if math.isfinite(value) else "is not a finite number"
            warnings.warn(f"{source}:{number}: skipped: {measure} '{row[measure]}' {what}",
                          stacklevel=2)
            continue
        walkers = int(row["walkers"])
        if walkers > 1 and measure == "cpu_s":
            value /= walkers  # summed over the walkers, who all ran until the first model
        value = max(value, floor)
        timed_out = row["status"] == "timeout"
        if walkers == 1 and not group.is_portfolio:
            group.values.append(value)
            group.censored.append(timed_out)
            cutoff = cutoffs_of(row)[axis]  # inf: none
            if math.isfinite(cutoff):
                group.cutoff = cutoff if math.isnan(group.cutoff) else max(group.cutoff, cutoff)
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
