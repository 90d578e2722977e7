"""Slow, readable reference implementations of probSAT (SC13_v2) and WalkSAT/SKC for the tests.

They work on plain lists of DIMACS clauses (lists of non-zero ints, variables 1..num_vars) and
keep no cached scores: every break value is counted from scratch by scanning all the clauses.
They draw the same random numbers, in the same order, as the numba kernels, by calling the
kernels' own RNG functions (`seed_state`, `uniform`, `below`) on a numpy uint64[4] state, so
for a given seed a reference walk and a kernel walk make exactly the same flips.

What is part of the algorithms (and so copied here on purpose):
  - init: value[v] = below(rng, 2) for v = 1..num_vars in order; the false-clause list starts
    as the falsified clauses in clause order;
  - the false list is a "swap-remove" list: a clause that becomes true is replaced by the list's
    last entry, a clause that becomes false is appended; a flip first handles the clauses of the
    literal that becomes true, in clause order, then those of the literal that becomes false;
  - probSAT picks clause false_list[flips % len(false_list)] (not a random one), weighs each
    literal by f(break), draws r = uniform * total and scans from the last literal down:
    `total -= p[i]; if total <= r: stop` (the first literal if nothing stops the scan);
  - WalkSAT/SKC picks false_list[below(rng, len)], then: if the smallest break is 0 or
    uniform >= noise, best[below(rng, len(best))] (best: the literals of minimum break, in
    clause order), else the literal clause[below(rng, len(clause))]. `uniform` is drawn only
    when the smallest break is positive.
"""

from __future__ import annotations

import numpy as np

from satspeed.run.kernels.rng import below, seed_state, uniform


class NaiveWalk:
    """Common state: the assignment, kept as the set of true literals, and the false list."""

    def __init__(self, num_vars: int, clauses: list[list[int]], seed: int) -> None:
        self.num_vars = num_vars
        self.clauses = [list(c) for c in clauses]
        self.rng = np.zeros(4, np.uint64)
        seed_state(self.rng, np.uint64(seed))
        self.true_lits: set[int] = set()
        for v in range(1, num_vars + 1):
            self.true_lits.add(v if below(self.rng, 2) == 1 else -v)
        self.false_list = [c for c in range(len(self.clauses)) if not self.satisfied(c)]
        self.flips = 0
        self.flipped: list[int] = []  # every flipped variable (1-based), in order

    # --- the formula under the current assignment, always computed from scratch ---------

    def satisfied(self, c: int) -> bool:
        return not self.true_lits.isdisjoint(self.clauses[c])

    def break_values(self, variables: list[int]) -> dict[int, int]:
        """The break value of each of `variables` (how many clauses become false if it is
        flipped), counted from scratch by scanning every clause: a clause breaks when its only
        true literal is the variable's."""
        breaks = dict.fromkeys(variables, 0)
        for clause in self.clauses:
            true_in_clause = self.true_lits.intersection(clause)
            if len(true_in_clause) == 1:
                var = abs(true_in_clause.pop())
                if var in breaks:
                    breaks[var] += 1
        return breaks

    # --- flipping -------------------------------------------------------------------------

    def flip(self, var: int) -> None:
        becomes_false = var if var in self.true_lits else -var
        becomes_true = -becomes_false
        self.true_lits.remove(becomes_false)
        self.true_lits.add(becomes_true)
        for c in range(len(self.clauses)):  # 1. clauses made true, in clause order
            if becomes_true in self.clauses[c] and c in self.false_list:
                hole = self.false_list.index(c)
                last = self.false_list.pop()
                if hole < len(self.false_list):
                    self.false_list[hole] = last
        for c in range(len(self.clauses)):  # 2. clauses made false, in clause order
            if becomes_false in self.clauses[c] and not self.satisfied(c):
                self.false_list.append(c)
        self.flips += 1
        self.flipped.append(var)

    @property
    def solved(self) -> bool:
        return not self.false_list

    def assignment(self) -> np.ndarray:
        """0/1 per variable, 0-based (the kernels' layout)."""
        return np.array([1 if v in self.true_lits else 0 for v in range(1, self.num_vars + 1)],
                        dtype=np.uint8)

    def pick(self) -> int:
        raise NotImplementedError

    def step(self, max_flips: int) -> tuple[bool, int]:
        """Make up to `max_flips` flips; returns (solved, flips made), like a kernel call."""
        done = 0
        while self.false_list and done < max_flips:
            self.flip(self.pick())
            done += 1
        return self.solved, done


class NaiveProbSAT(NaiveWalk):
    """probSAT SC13_v2 with f(b) = (eps + b)^-cb ('poly') or cb^-b ('exp')."""

    def __init__(self, num_vars: int, clauses: list[list[int]], seed: int, fct: str,
                 cb: float, eps: float = 1.0) -> None:
        super().__init__(num_vars, clauses, seed)
        if fct not in ("poly", "exp"):
            raise ValueError(fct)
        self.fct, self.cb, self.eps = fct, float(cb), float(eps)

    def f(self, b: int) -> float:
        return (self.eps + b) ** -self.cb if self.fct == "poly" else self.cb ** -float(b)

    def pick(self) -> int:
        clause = self.clauses[self.false_list[self.flips % len(self.false_list)]]
        breaks = self.break_values([abs(lit) for lit in clause])
        probs = [self.f(breaks[abs(lit)]) for lit in clause]
        total = 0.0
        for p in probs:
            total += p
        r = uniform(self.rng) * total
        i = len(clause) - 1
        while i > 0:
            total -= probs[i]
            if total <= r:
                break
            i -= 1
        return abs(clause[i])


class NaiveWalkSAT(NaiveWalk):
    """WalkSAT/SKC with the given noise."""

    def __init__(self, num_vars: int, clauses: list[list[int]], seed: int,
                 noise: float) -> None:
        super().__init__(num_vars, clauses, seed)
        self.noise = float(noise)

    def pick(self) -> int:
        clause = self.clauses[self.false_list[int(below(self.rng, len(self.false_list)))]]
        all_breaks = self.break_values([abs(lit) for lit in clause])
        breaks = [all_breaks[abs(lit)] for lit in clause]
        least = min(breaks)
        best = [abs(lit) for lit, b in zip(clause, breaks, strict=True) if b == least]
        if least > 0 and uniform(self.rng) < self.noise:
            return abs(clause[int(below(self.rng, len(clause)))])
        return best[int(below(self.rng, len(best)))]


def naive_walk(solver: str, num_vars: int, clauses: list[list[int]], seed: int,
               params: dict[str, object]) -> NaiveWalk:
    """The reference walk for `solver` with the kernel's resolved `params` (caching ignored)."""
    if solver == "probsat":
        return NaiveProbSAT(num_vars, clauses, seed, str(params["fct"]),
                            float(params["cb"]), float(params["eps"]))  # type: ignore[arg-type]
    if solver == "walksat":
        return NaiveWalkSAT(num_vars, clauses, seed, float(params["noise"]))  # type: ignore[arg-type]
    raise ValueError(solver)


def is_model(clauses: list[list[int]], value: list[int] | np.ndarray) -> bool:
    """Independent model check: `value` is 0/1 per variable, 0-based."""
    return all(any((value[abs(lit) - 1] == 1) == (lit > 0) for lit in clause)
               for clause in clauses)
