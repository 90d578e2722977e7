"""Predicted E[Z] of a mixed portfolio: k_i walkers of each solver i race on sum(k_i) cores.

The portfolio's time Z is the first finish among all walkers, so with S_i(t) = P(Y_i > t):

    S_Z(t) = prod_i S_i(t)^k_i,        E[Z] = int_0^inf S_Z(t) dt,

computed from each member's fitted model by quadrature (`Quadrature`), for many splits at once
(one matrix product per block of splits), and the PAR-2 score the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from satspeed.predict.fit import Fit
from satspeed.predict.simpson import simpson_weights

_LOW_Q = 1e-12  # below its 1e-12 quantile (past its shift) a member's S(t) is 1 to 1e-12
_HIGH_Q = 1e-20  # beyond every member's 1e-20 upper quantile the integrand is negligible
_STEP = 0.02  # Simpson step in log(t - breakpoint); smaller for narrow members (_step)
_MAX_NODES = 20_001  # per piece: a coarser step beyond that (a near-constant member)
_BLOCK = 1 << 22  # splits x nodes per block of the matrix product


@dataclass(frozen=True)
class Quadrature:
    """Nodes and weights for int_0^inf prod_i S_i(t)^k_i dt, for any counts k.

    The integrand is 1 up to the smallest shift (`head`) and smooth between breakpoints (the
    shifts and the cutoff); between two, Simpson's rule runs in u = log(t - breakpoint), which
    resolves both the steep start after a shift with many walkers and a single walker's long
    tail. `below` are the weights of the nodes up to the cutoff (for E[min(Z, cutoff)])."""

    head: float
    nodes: np.ndarray
    weights: np.ndarray
    below: np.ndarray
    log_sf: np.ndarray  # (members, nodes)
    cutoff: float | None
    log_sf_cutoff: np.ndarray  # (members,): log S_i(cutoff), zeros without a cutoff


def _step(fits: Sequence[Fit]) -> float:
    """Simpson step in log time: fine enough for the narrowest member (its model's width in
    log time: a lognormal's sigma, a Weibull's 1/shape), whose S^k falls within a fraction of
    that width for large k."""
    widths = [w for f in fits if (w := f.kind.log_width(f.params)) is not None]
    return min([_STEP, *(w / 25 for w in widths)])


def _piece(start: float, end: float, low: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [start, end]: a rectangle of width `low` at `start`, then Simpson
    in log(t - start) from `low` to end - start."""
    u0, u1 = math.log(low), math.log(end - start)
    if u1 <= u0:
        return np.array([start]), np.array([end - start])
    count = min(max(5, math.ceil((u1 - u0) / step)) | 1, _MAX_NODES)  # odd, for Simpson
    u = np.linspace(u0, u1, count)
    gap = np.exp(u)
    return (np.concatenate([[start], start + gap]),
            np.concatenate([[low], simpson_weights(count, (u1 - u0) / (count - 1)) * gap]))


def quadrature(fits: Sequence[Fit], cutoff: float | None = None) -> Quadrature:
    """The quadrature of a portfolio of these members (any counts), with a breakpoint at
    `cutoff` when one is given."""
    shifts = sorted({f.shift for f in fits})
    top = max(f.isf(_HIGH_Q) for f in fits)
    low = max(min(f.ppf(_LOW_Q) - f.shift for f in fits), top * 1e-200)
    breaks = sorted({*shifts, top} | ({cutoff} if cutoff and shifts[0] < cutoff < top else set()))
    step = _step(fits)
    nodes, weights, below = [], [], []
    for start, end in itertools.pairwise(breaks):
        t, w = _piece(start, end, min(low, (end - start) / 2), step)
        nodes.append(t)
        weights.append(w)
        below.append(w if cutoff is None or end <= cutoff else np.zeros_like(w))
    t = np.concatenate(nodes)
    log_sf = np.maximum(np.array([f.logsf(t) for f in fits]), -1e300)  # 0 * -inf is NaN
    at_cutoff = (np.maximum([f.logsf(cutoff) for f in fits], -1e300) if cutoff
                 else np.zeros(len(fits)))
    return Quadrature(shifts[0], t, np.concatenate(weights), np.concatenate(below), log_sf,
                      cutoff, np.asarray(at_cutoff, float))


def _integrate(q: Quadrature, counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_nodes w * prod_i S_i^k_i for each row of (integer) counts, by blocks of rows. For
    many splits of few cores, the powers S_i^k (k = 0..max) are computed once and multiplied,
    which is several times faster than one exp per split and node."""
    counts = np.atleast_2d(np.asarray(counts, np.int64))
    members, top = len(q.log_sf), int(counts.max(initial=0))
    powers = None
    if members * (top + 1) < len(counts):
        powers = np.exp(np.arange(top + 1)[None, :, None] * q.log_sf[:, None, :])
    out = np.empty(len(counts))
    rows = max(1, _BLOCK // max(1, len(q.nodes)))
    for first in range(0, len(counts), rows):
        block = counts[first:first + rows]
        if powers is None:
            values = np.exp(block @ q.log_sf)
        else:
            values = powers[0, block[:, 0]]
            for i in range(1, members):
                values *= powers[i, block[:, i]]
        out[first:first + rows] = values @ weights
    return out


def portfolio_times(q: Quadrature, counts: np.ndarray) -> np.ndarray:
    """Predicted E[Z] for each row of `counts` (splits x members)."""
    return q.head + _integrate(q, counts, q.weights)


def portfolio_restricted(q: Quadrature, counts: np.ndarray) -> np.ndarray:
    """Predicted restricted mean E[min(Z, c)] for each row of `counts`, c the quadrature's
    cutoff: int_0^c S_Z(t) dt."""
    if q.cutoff is None:
        raise ValueError("a restricted mean needs a quadrature with a cutoff")
    return min(q.head, q.cutoff) + _integrate(q, counts, q.below)


def portfolio_par2(q: Quadrature, counts: np.ndarray) -> np.ndarray:
    """Predicted PAR-2 score: a run past the cutoff c scores 2c, so
    E[PAR-2] = E[Z; Z <= c] + 2c P(Z > c) = E[min(Z, c)] + c P(Z > c)."""
    counts = np.atleast_2d(np.asarray(counts, float))
    within = portfolio_restricted(q, counts)
    return within + q.cutoff * np.exp(counts @ q.log_sf_cutoff)  # type: ignore[operator]


def expected_min_mixed(fits: Sequence[Fit], counts: Sequence[int]) -> float:
    """Predicted E[Z] of one portfolio: counts[i] walkers of the model fits[i]."""
    return float(portfolio_times(quadrature(fits), np.array([counts]))[0])
