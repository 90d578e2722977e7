"""CCAnr (Cai, Luo & Su, SAT 2015) and, by its parameters, Swcca, CCASat's 3-SAT engine
(Cai & Su, AIJ 2013): configuration checking with aspiration over SWT clause weights.

Published defaults (CCAnr, SAT Competition 2013 version 2013.4.18): gamma = 300, rho = 0.3,
q = 0 if the clause-to-variable ratio is at most 15 else 0.7, greedy diversification. Swcca as
in CCASat: q = 0.7 (= 1 - rho) and the oldest variable of the random falsified clause
(solvers/ccasat.toml).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from satspeed.errors import SatspeedError
from satspeed.run.algorithms.base import Walk, check_range, with_defaults
from satspeed.run.formula.cnf import Formula
from satspeed.run.kernels.ccanr import NUM_COUNTERS, build_neighbors, ccanr_flips, ccanr_init
from satspeed.run.kernels.rng import seed_state

DIVERSIFY = ("greedy", "oldest")


def ccanr_params(formula: Formula, **given: object) -> dict[str, object]:
    """CCAnr's parameters: the published defaults for this formula, overridden by `given`."""
    ratio = formula.num_clauses / max(formula.num_vars, 1)
    defaults: dict[str, object] = {"gamma": 300, "rho": 0.3, "q": 0.0 if ratio <= 15 else 0.7,
                                   "diversify": "greedy"}
    params = with_defaults("ccanr", defaults, given)
    if params["diversify"] not in DIVERSIFY:
        raise SatspeedError(f"ccanr: diversify must be 'greedy' or 'oldest', "
                            f"not {params['diversify']!r}")
    check_range("ccanr", params, "gamma", 1, 1e9)
    gamma = float(params["gamma"])  # type: ignore[arg-type]
    if gamma != int(gamma) or isinstance(params["gamma"], bool):
        raise SatspeedError(f"ccanr: gamma must be a whole number, not {params['gamma']!r}")
    check_range("ccanr", params, "rho", 0.0, 1.0)
    check_range("ccanr", params, "q", 0.0, 1.0)
    params["gamma"] = int(gamma)
    params["rho"] = float(params["rho"])  # type: ignore[arg-type]
    params["q"] = float(params["q"])  # type: ignore[arg-type]
    return params


class CcanrWalk(Walk):
    """The state of a CCAnr walk (layout in satspeed/kernels/ccanr.py); the neighbour lists are
    built once per formula."""

    num_counters = NUM_COUNTERS
    per_variable: ClassVar[dict[str, tuple[type, int]]] = {
        "score": (np.int64, 0), "time_stamp": (np.int64, 0), "conf_change": (np.uint8, 0),
        "good": (np.int32, 0), "in_good": (np.uint8, 0), "uvar": (np.int32, 0),
        "where_uvar": (np.int32, 0), "app_count": (np.int32, 0)}
    per_clause: ClassVar[dict[str, tuple[type, int]]] = {"weight": (np.int64, 0)}

    def __init__(self, formula: Formula, solver: str, params: dict[str, object]) -> None:
        super().__init__(formula, solver, params)
        f = formula
        self.nb_start, self.nb = build_neighbors(f.clause_start, f.lits, f.occ_start, f.occ,
                                                 f.num_vars)
        self.sat_count = self.num_true  # CCAnr's name for it
        gamma = int(params["gamma"])  # type: ignore[call-overload]
        q = float(params["q"])  # type: ignore[arg-type]
        self.settings = (np.int64(gamma), float(params["rho"]),  # type: ignore[arg-type]
                         np.int64(int((gamma + 1) * q)), params["diversify"] == "greedy")

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The state arrays, in the kernels' argument order (after the formula's)."""
        return (self.assign, self.sat_count, self.crit, self.weight, self.score, self.time_stamp,
                self.conf_change, self.good, self.in_good, self.false_list, self.where_false,
                self.uvar, self.where_uvar, self.app_count, self.counters, self.rng)

    def start(self, seed: int) -> None:
        seed_state(self.rng, np.uint64(seed))
        f = self.formula
        ccanr_init(f.clause_start, f.lits, f.num_vars, *self.arrays())

    def step(self, max_flips: int) -> tuple[bool, int]:
        f = self.formula
        return ccanr_flips(f.clause_start, f.lits, f.occ_start, f.occ, self.nb_start, self.nb,
                           *self.arrays(), *self.settings, max_flips)
