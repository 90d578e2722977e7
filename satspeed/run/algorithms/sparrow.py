"""Sparrow (Balint & Froehlich, SAT 2010) as in the SAT Competition 2011 build.

Parameters left unset take the settings Adrian Balint gave for the 2011 competition (UBCSAT's
"sparrow -v sat11"), chosen by the longest clause of the formula.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.run.algorithms.base import Walk, check_range, with_defaults
from satspeed.run.formula.cnf import Formula
from satspeed.run.kernels.rng import seed_state
from satspeed.run.kernels.sparrow import (
    NUM_COUNTERS,
    sparrow_flips,
    sparrow_init,
)
from satspeed.run.kernels.walk import neighbours

# SAT Competition 2011 settings by longest clause: (c1, c2, c3, sp)
_SAT11_SHORT = (2.15, 4, 100000.0, 0.347)  # up to 3 literals
_SAT11_MEDIUM = (2.85, 4, 75000.0, 1.0)  # 4 or 5 literals
_SAT11_LONG = (6.5, 4, 100000.0, 0.83)  # 6 or more literals


def sparrow_params(formula: Formula, **given: object) -> dict[str, object]:
    """Sparrow's parameters: the SAT 2011 settings for this formula, overridden by `given`."""
    k = formula.max_clause_len
    c1, c2, c3, sp = _SAT11_SHORT if k < 4 else _SAT11_MEDIUM if k < 6 else _SAT11_LONG
    params = with_defaults("sparrow", {"c1": c1, "c2": c2, "c3": c3, "sp": sp}, given)
    check_range("sparrow", params, "c1", 1.0, 1e6)
    check_range("sparrow", params, "c2", 0, 16)
    c2_value = float(params["c2"])  # type: ignore[arg-type]
    if isinstance(params["c2"], bool) or c2_value != int(c2_value):
        raise SatspeedError(f"sparrow: c2 must be a whole number, not {params['c2']!r}")
    params["c2"] = int(c2_value)
    check_range("sparrow", params, "c3", 1e-6, 1e12)
    check_range("sparrow", params, "sp", 0.0, 1.0)
    return params


def c1_powers(c1: float) -> np.ndarray:
    """c1^-j for j = 0..10 (scores below -10 count as -10, as in the SAT 2011 code)."""
    return np.array([c1 ** -j for j in range(11)])


class SparrowWalk(Walk):
    """The state of a Sparrow walk (see kernels/sparrow.py for the layout)."""

    num_counters = NUM_COUNTERS
    per_variable: ClassVar[dict[str, tuple[type, int]]] = {
        "score": (np.int64, 0), "last": (np.int64, 0), "prom": (np.int32, 0),
        "mark": (np.uint8, 0), "stamp": (np.int64, -1), "touched": (np.int32, 0)}
    per_clause: ClassVar[dict[str, tuple[type, int]]] = {
        "weight": (np.int64, 1), "weighted": (np.int32, 0), "where_weighted": (np.int32, -1)}

    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        super().__init__(formula, solver, params)
        f = formula
        self.nb_start, self.nb = neighbours(f.clause_start, f.lits, f.occ_start, f.occ,
                                            f.num_vars)
        self.probs = np.zeros(max(f.max_clause_len, 1), np.float64)
        self.c1_powers = c1_powers(float(params["c1"]))  # type: ignore[arg-type]
        self.c2 = int(params["c2"])  # type: ignore[call-overload]
        self.c3 = float(params["c3"])  # type: ignore[arg-type]
        self.sp = float(params["sp"])  # type: ignore[arg-type]

    def start(self, seed: int) -> None:
        seed_state(self.rng, np.uint64(seed))
        f = self.formula
        sparrow_init(f.clause_start, f.lits, f.num_vars, self.assign, self.num_true, self.crit,
                     self.weight, self.score, self.last, self.false_list, self.where_false,
                     self.prom, self.mark, self.weighted, self.where_weighted, self.stamp,
                     self.counters, self.rng)

    def step(self, max_flips: int) -> tuple[bool, int]:
        f = self.formula
        solved, done = sparrow_flips(
            f.clause_start, f.lits, f.occ_start, f.occ, self.assign, self.num_true, self.crit,
            self.weight, self.score, self.last, self.false_list, self.where_false, self.prom,
            self.mark, self.weighted, self.where_weighted, self.stamp, self.touched,
            self.nb_start, self.nb, self.counters, self.rng, self.probs, self.c1_powers, self.c2,
            self.c3, self.sp, max_flips)
        return bool(solved), int(done)
