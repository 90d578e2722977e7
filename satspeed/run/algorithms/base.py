"""What every SLS algorithm offers the harness: a Walk advanced in chunks of flips.

A Walk owns its kernel's state arrays. `start(seed)` draws the initial assignment, `step(n)`
makes at most n flips and returns (solved, flips made); `assign` is the current assignment.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.run.formula.cnf import Formula
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE


class Walk(ABC):
    """One seeded SLS walk on a formula (the kernel contract of DESIGN.md, on the Python side)."""

    num_counters: ClassVar[int] = 2  # counters[NUM_FALSE], counters[FLIPS], the kernel's own
    # The kernel's own state arrays, beyond those every walk has (below): name -> (dtype,
    # initial value), one entry per variable or per clause.
    per_variable: ClassVar[dict[str, tuple[type, int]]] = {}
    per_clause: ClassVar[dict[str, tuple[type, int]]] = {}

    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        self.formula = formula
        self.solver = solver
        self.params = params
        self.assign = np.zeros(formula.num_vars, np.uint8)  # the current assignment
        self.num_true = np.zeros(formula.num_clauses, np.int32)  # true literals per clause
        self.crit = np.zeros(formula.num_clauses, np.int32)  # xor of a clause's true variables
        self.false_list = np.zeros(formula.num_clauses, np.int32)  # falsified clauses first
        self.where_false = np.full(formula.num_clauses, -1, np.int32)  # position in it, or -1
        self.counters = np.zeros(self.num_counters, np.int64)  # kernels/walk.py: NUM_FALSE...
        self.rng = np.zeros(4, np.uint64)  # the kernel's RNG state (kernels/rng.py)
        for table, size in ((self.per_variable, formula.num_vars),
                            (self.per_clause, formula.num_clauses)):
            for name, (dtype, value) in table.items():
                setattr(self, name, np.full(size, value, dtype))

    @abstractmethod
    def start(self, seed: int) -> None:
        """Seed the RNG and draw the initial assignment."""

    @abstractmethod
    def step(self, max_flips: int) -> tuple[bool, int]:
        """Make up to `max_flips` flips; (solved, flips made in this call)."""

    @property
    def flips(self) -> int:
        """Flips made since `start`."""
        return int(self.counters[FLIPS])

    @property
    def solved(self) -> bool:
        """Whether `assign` satisfies the formula (as the kernel sees it)."""
        return int(self.counters[NUM_FALSE]) == 0


def with_defaults(name: str, defaults: dict[str, object], given: dict[str, object]
                  ) -> dict[str, object]:
    """`defaults` overridden by the `given` values that are not None; unknown names rejected."""
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise SatspeedError(f"{name}: unknown parameter {unknown[0]!r} "
                            f"(known: {', '.join(sorted(defaults))})")
    params = dict(defaults)
    params.update({key: value for key, value in given.items() if value is not None})
    return params


def check_range(name: str, params: dict[str, object], key: str, low: float, high: float
                ) -> None:
    """Reject a numeric parameter outside [low, high] with one line naming it."""
    try:
        value = float(params[key])  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SatspeedError(f"{name}: {key} must be a number, not {params[key]!r}") from None
    if not low <= value <= high:
        raise SatspeedError(f"{name}: {key} must be in [{low:g}, {high:g}], not {value:g}")
