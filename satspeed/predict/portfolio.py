"""Heterogeneous (mixed) portfolios: k_i walkers of each solver i race on sum(k_i) cores.

The portfolio's time Z is the first finish among all walkers, so with S_i(t) = P(Y_i > t):

    S_Z(t) = prod_i S_i(t)^k_i,        E[Z] = int_0^inf S_Z(t) dt.

Predicted: from each member's fitted model, by quadrature (`Quadrature`), for many splits at
once (one matrix product per block of splits). Observed from sequential runs alone: k_i runs
drawn without replacement from each member's R_i runs give S_i^(k)(t) = C(#{x > t}, k) / C(R_i, k),
and E[min] is the integral of their product, a finite sum over the pooled run times
(`observed_mixed_min`). Allocation of N cores (`allocate`): every split when there are few
enough, otherwise a pattern search over core transfers.

Labels: a portfolio is written `probsat*8+sparrow*8` (names sorted, zero counts left out), its
parameters `probsat:<params>;sparrow:<params>` in the same order: the CSV's `solver` and
`params` of a mixed race.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from satspeed.errors import SatspeedError
from satspeed.predict.fit import Fit, Sample

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]*"  # a solver name (as in solver specs)
_MEMBER = re.compile(rf"({_NAME})\*([1-9][0-9]*)")

# ------------------------------------------------------------------------- names and labels


def parse_portfolio(text: str) -> dict[str, int]:
    """'probsat=8,sparrow=8' -> {'probsat': 8, 'sparrow': 8}; a SatspeedError (one line) when
    an item is not NAME=COUNT with a positive integer count, or a name comes twice."""
    if not text.strip():
        raise SatspeedError("empty portfolio: expected NAME=COUNT,... like probsat=8,sparrow=8")
    counts: dict[str, int] = {}
    for item in text.split(","):
        name, equals, count = (part.strip() for part in item.partition("="))
        if not equals or not name or not count:
            raise SatspeedError(f"portfolio '{text}': '{item.strip()}' is not NAME=COUNT "
                                "(like probsat=8)")
        if not re.fullmatch(_NAME, name):
            raise SatspeedError(f"portfolio '{text}': '{name}' is not a solver name")
        if not re.fullmatch(r"[0-9]+", count) or int(count) < 1:
            raise SatspeedError(f"portfolio '{text}': the count of {name}, '{count}', is not "
                                "a positive integer")
        if name in counts:
            raise SatspeedError(f"portfolio '{text}': {name} is given twice")
        counts[name] = int(count)
    return counts


def portfolio_label(counts: Mapping[str, int]) -> str:
    """{'sparrow': 2, 'probsat': 2} -> 'probsat*2+sparrow*2' (sorted; zero counts left out)."""
    label = "+".join(f"{name}*{counts[name]}" for name in sorted(counts) if counts[name] > 0)
    if not label:
        raise ValueError("a portfolio needs at least one walker")
    return label


def parse_label(text: str) -> dict[str, int] | None:
    """The counts of a portfolio label ('probsat*2+sparrow*2'), or None for a plain solver."""
    counts: dict[str, int] = {}
    for part in text.split("+"):
        match = _MEMBER.fullmatch(part)
        if match is None or match[1] in counts:
            return None
        counts[match[1]] = int(match[2])
    return counts


def portfolio_params(params: Mapping[str, str]) -> str:
    """{'sparrow': 'ps=0.4', 'probsat': 'cb=2.06'} -> 'probsat:cb=2.06;sparrow:ps=0.4'."""
    return ";".join(f"{name}:{params[name]}" for name in sorted(params))


# ------------------------------------------------------------------------- predicted E[Z]

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
    """Simpson step in log time: fine enough for the narrowest member (a lognormal's sigma,
    a Weibull's 1/shape), whose S^k falls within a fraction of that width for large k."""
    widths = [f.params["sigma"] for f in fits if "sigma" in f.params]
    widths += [1 / f.params["shape"] for f in fits if "shape" in f.params]
    return min([_STEP, *(w / 25 for w in widths)])


def _piece(start: float, end: float, low: float, step: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights on [start, end]: a rectangle of width `low` at `start`, then Simpson
    in log(t - start) from `low` to end - start."""
    u0, u1 = math.log(low), math.log(end - start)
    if u1 <= u0:
        return np.array([start]), np.array([end - start])
    count = min(max(5, math.ceil((u1 - u0) / step)) | 1, _MAX_NODES)  # odd, for Simpson
    u = np.linspace(u0, u1, count)
    h = (u1 - u0) / (count - 1)
    simpson = np.ones(count)
    simpson[1:-1:2], simpson[2:-1:2] = 4.0, 2.0
    gap = np.exp(u)
    return (np.concatenate([[start], start + gap]),
            np.concatenate([[low], simpson * h / 3 * gap]))


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


def portfolio_par2(q: Quadrature, counts: np.ndarray) -> np.ndarray:
    """Predicted PAR-2 score E[min(Z, c)] + 2 c P(Z > c), c the quadrature's cutoff."""
    if q.cutoff is None:
        raise ValueError("PAR-2 needs a quadrature with a cutoff")
    counts = np.atleast_2d(np.asarray(counts, float))
    within = min(q.head, q.cutoff) + _integrate(q, counts, q.below)
    return within + 2 * q.cutoff * np.exp(counts @ q.log_sf_cutoff)


def expected_min_mixed(fits: Sequence[Fit], counts: Sequence[int]) -> float:
    """Predicted E[Z] of one portfolio: counts[i] walkers of the model fits[i]."""
    return float(portfolio_times(quadrature(fits), np.array([counts]))[0])


# ------------------------------------------------------------------------- observed E[Z]


def _log_comb(n: np.ndarray, k: int) -> np.ndarray:
    """log C(n, k), -inf where n < k."""
    n = np.asarray(n, float)
    ok = n >= k
    safe = np.where(ok, n, k)
    value = special.gammaln(safe + 1) - special.gammaln(k + 1) - special.gammaln(safe - k + 1)
    return np.where(ok, value, -np.inf)


def observed_mixed_min(samples: Sequence[Sample], counts: Sequence[int]) -> tuple[float, bool]:
    """Unbiased estimate of E[Z] for counts[i] walkers drawn without replacement from the runs
    of samples[i] (NaN when a count exceeds the runs), and whether it is only a lower bound
    (every member's count is at most its timeouts: the minimum can be a censored run)."""
    used = [(s, k) for s, k in zip(samples, counts, strict=True) if k > 0]
    if any(k > len(s.values) for s, k in used):
        return math.nan, False
    t = np.unique(np.concatenate([s.values for s, _ in used]))
    left = np.concatenate([[0.0], t[:-1]])  # S_Z is constant on [left, t)
    log_sz = np.zeros(len(t))
    for s, k in used:
        x = np.sort(s.values)
        above = len(x) - np.searchsorted(x, left, side="right")
        log_sz += _log_comb(above, k) - _log_comb(np.array(len(x)), k)
    bound = all(k <= int(np.sum(s.censored)) for s, k in used)
    return float(np.sum((t - left) * np.exp(log_sz))), bound


# ------------------------------------------------------------------------- allocation

MAX_SPLITS = 200_000  # search every split up to this many, else a local search
MAX_WORK = 5 * 10**8  # and up to this many splits x quadrature nodes (a few seconds)


def split_count(total: int, members: int) -> int:
    """Number of ways to give `total` cores to `members` solvers (k_i >= 0)."""
    return math.comb(total + members - 1, members - 1)


def split_budget(quadratures: Sequence[Quadrature]) -> int:
    """How many splits an exhaustive search may evaluate on the instances of these quadratures."""
    return min(MAX_SPLITS, MAX_WORK // max(1, sum(len(q.nodes) for q in quadratures)))


def compositions(total: int, members: int) -> np.ndarray:
    """Every split (k_1..k_members), k_i >= 0, sum = total, one per row (stars and bars)."""
    combos = list(itertools.combinations(range(total + members - 1), members - 1))
    bars = np.array(combos, dtype=np.int64).reshape(len(combos), members - 1)
    edges = np.hstack([np.full((len(bars), 1), -1), bars,
                       np.full((len(bars), 1), total + members - 1)])
    return np.diff(edges, axis=1) - 1


@dataclass(frozen=True)
class Allocation:
    """The best split of the cores found, against the best pure multi-walk."""

    counts: tuple[int, ...]
    value: float  # its objective
    pure: int  # index of the best single solver given every core
    pure_value: float
    search: str  # 'exhaustive' or 'local'
    profile: np.ndarray | None  # (members, total + 1): best objective with k_i = j cores

    @property
    def gain(self) -> float:
        """How many times better than the best pure multi-walk (>= 1)."""
        return self.pure_value / self.value


Objective = Callable[[np.ndarray], np.ndarray]  # splits (rows) -> objective values


def allocate(objective: Objective, members: int, total: int,
             max_splits: int = MAX_SPLITS) -> Allocation:
    """Minimise `objective` over the splits of `total` cores among `members` solvers: every
    split when there are at most `max_splits`, else `_local_search`."""
    pure_values = objective(total * np.eye(members, dtype=np.int64))
    pure = int(np.argmin(pure_values))
    pure_value = float(pure_values[pure])
    if split_count(total, members) <= max_splits:
        splits = compositions(total, members)
        values = objective(splits)
        best = int(np.argmin(values))
        counts, value = tuple(int(k) for k in splits[best]), float(values[best])
        search, profile = "exhaustive", _profile(splits, values, total)
    else:
        counts, value = _local_search(objective, members, total, pure, pure_value)
        search, profile = "local", None
    if value >= pure_value * (1 - 1e-12):  # a pure split, up to rounding: report it exactly
        counts, value = tuple(total * (i == pure) for i in range(members)), pure_value
    return Allocation(counts, value, pure, pure_value, search, profile)


def _profile(splits: np.ndarray, values: np.ndarray, total: int) -> np.ndarray:
    """profile[i, j]: the best value among the splits that give solver i j cores."""
    profile = np.full((splits.shape[1], total + 1), np.inf)
    for i in range(splits.shape[1]):
        np.minimum.at(profile[i], splits[:, i], values)
    return profile


def _local_search(objective: Objective, members: int, total: int, pure: int,
                  pure_value: float) -> tuple[tuple[int, ...], float]:
    """Pattern search: from the better of the best pure split and the even split, move `step`
    cores from one solver to another while that improves, halving `step` down to 1. (The
    objectives are convex in the counts, so this ends at or next to the optimum.)"""
    even = np.full(members, total // members, dtype=np.int64)
    even[: total % members] += 1
    start = np.eye(members, dtype=np.int64)[pure] * total
    even_value = float(objective(even[None, :])[0])
    counts, value = (even, even_value) if even_value < pure_value else (start, pure_value)
    moves = np.array([np.eye(members, dtype=np.int64)[j] - np.eye(members, dtype=np.int64)[i]
                      for i in range(members) for j in range(members) if i != j])
    step = 1 << max(0, (total // 2).bit_length() - 1)
    while step >= 1:
        trial = counts + step * moves
        trial = trial[(trial >= 0).all(axis=1)]
        values = objective(trial) if len(trial) else np.array([])
        if len(values) and values.min() < value:
            best = int(np.argmin(values))
            counts, value = trial[best], float(values[best])
        else:
            step //= 2
    return tuple(int(k) for k in counts), value
