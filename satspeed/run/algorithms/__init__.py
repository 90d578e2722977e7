"""The built-in SLS algorithms: for each, its parameters (published defaults) and its Walk.

Kernels (numba, in satspeed/kernels/) hold the flips; the modules here hold the state arrays
and turn parameters into what the kernels take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from satspeed.run.algorithms.base import Walk
from satspeed.run.algorithms.breaks import ProbsatWalk, WalksatWalk, probsat_params, walksat_params
from satspeed.run.algorithms.ccanr import CcanrWalk, ccanr_params
from satspeed.run.algorithms.sparrow import SparrowWalk, sparrow_params
from satspeed.run.formula.cnf import Formula


@dataclass(frozen=True)
class Algorithm:
    """A built-in kernel: resolve parameters for a formula, make a Walk. `variants` are
    parameter overrides that select different compiled kernels (all are compiled once in the
    parent before a campaign, so that its workers only load them)."""

    name: str
    summary: str
    params: Callable[..., dict[str, object]]
    walk: Callable[[Formula, str, dict[str, object]], Walk]
    variants: tuple[dict[str, object], ...] = ({},)


ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in (
    Algorithm("probsat", "probSAT SC13 (Balint & Schoening 2012)", probsat_params, ProbsatWalk,
              ({"caching": False}, {"caching": True})),
    Algorithm("walksat", "WalkSAT/SKC (Selman, Kautz & Cohen 1994)", walksat_params,
              WalksatWalk),
    Algorithm("ccanr", "CCAnr (Cai, Luo & Su 2015): configuration checking with aspiration",
              ccanr_params, CcanrWalk),
    Algorithm("sparrow", "Sparrow SAT 2011 (Balint & Froehlich 2010)", sparrow_params,
              SparrowWalk),
)}
