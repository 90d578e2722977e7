"""A slow, readable reference implementation of CCAnr / Swcca for the tests.

It works on plain lists of DIMACS clauses and caches nothing that can be recomputed: every score,
every falsified clause, every neighbour set is computed from scratch when it is needed. What it
keeps is only what the algorithm itself remembers: the assignment, the clause weights, the time
stamps, the configuration-changed flags, the average-weight bookkeeping and the three ordered
lists whose order breaks ties (the CCD list, the falsified-clause list and the list of variables
of falsified clauses). It draws the same random numbers, in the same order, as the kernel, by
calling the kernel's RNG (`seed_state`, `below`) on a numpy uint64[4] state.

The order of operations (part of the algorithm, copied on purpose from the kernel and the
reference C code):
  - init: value[v] = below(rng, 2) for v = 1..n; falsified clauses are listed in clause order,
    and each one lists its variables not yet listed, in clause order; the CCD list holds the
    variables of positive score, ascending;
  - a flip first handles the clauses where the flipped variable's literal becomes true, in clause
    order (a clause leaving the false list is replaced by the list's last one; then each of its
    variables that is in no falsified clause any more leaves the variable list the same way),
    then the clauses where it becomes false, in clause order (appended; then its variables not
    yet listed are appended, in clause order);
  - after the flip, the CCD list is scanned from its top down, each variable of score <= 0
    replaced by the list's last one; then the neighbours of the flipped variable, ascending, are
    marked configuration-changed and appended if their score is positive and not listed;
  - pick: the best of the CCD list; else the best variable of the variable list with score >
    average weight; else weights of the falsified clauses +1, the variables of the variable list
    appended in its order if now CCD, the average weight +1 per num_clauses units added (smoothing
    when it exceeds gamma: w := max(1, floor(rho * w) + floor((gamma + 1) * q)), average :=
    total // num_clauses, then the CCD list cleaned as after a flip and the missing CCD variables
    appended, ascending), then clause false_list[below(rng, len)] and its best (greedy) or oldest
    variable. "Best" is the greatest score, ties to the smallest time stamp, then to the first.
"""

from __future__ import annotations

import numpy as np

from satspeed.run.kernels.rng import below, seed_state


class NaiveCCAnr:
    """CCAnr (`diversify='greedy'`) or Swcca (`'oldest'`) with the given SWT parameters."""

    def __init__(self, num_vars: int, clauses: list[list[int]], seed: int, gamma: int,
                 rho: float, q: float, diversify: str) -> None:
        if diversify not in ("greedy", "oldest"):
            raise ValueError(diversify)
        self.num_vars = num_vars
        self.clauses = [list(c) for c in clauses]
        self.gamma, self.rho, self.q, self.greedy = gamma, rho, q, diversify == "greedy"
        self.rng = np.zeros(4, np.uint64)
        seed_state(self.rng, np.uint64(seed))
        self.value = {v: below(self.rng, 2) == 1 for v in range(1, num_vars + 1)}
        self.weights = [1] * len(self.clauses)
        self.time_stamp = dict.fromkeys(self.value, 0)
        self.conf_change = dict.fromkeys(self.value, True)
        self.ave_weight = 1
        self.delta_weight = 0
        self.false_list: list[int] = []
        self.uvars: list[int] = []
        for c in range(len(self.clauses)):
            if self.falsified(c):
                self.list_falsified(c)
        scores = self.scores()
        self.good = [v for v in self.value if scores[v] > 0]
        self.flips = 0
        self.flipped: list[int] = []
        self.smoothings = 0  # for the tests: how often the weights were smoothed

    # --- recomputed from scratch -----------------------------------------------------------

    def is_true(self, lit: int) -> bool:
        return self.value[abs(lit)] == (lit > 0)

    def falsified(self, c: int) -> bool:
        return not any(self.is_true(x) for x in self.clauses[c])

    def scores(self) -> dict[int, int]:
        """Weighted score of every variable: weight of the falsified clauses it would satisfy
        minus the weight of the clauses where it is the only true literal."""
        score = dict.fromkeys(self.value, 0)
        for c, clause in enumerate(self.clauses):
            true = [x for x in clause if self.is_true(x)]
            if not true:
                for x in clause:
                    score[abs(x)] += self.weights[c]
            elif len(true) == 1:
                score[abs(true[0])] -= self.weights[c]
        return score

    def neighbours(self, v: int) -> list[int]:
        return sorted({abs(x) for c in self.clauses if v in map(abs, c) for x in c} - {v})

    def in_false_clause(self, v: int) -> bool:
        return any(v in map(abs, self.clauses[c]) for c in self.false_list)

    # --- the ordered lists ------------------------------------------------------------------

    @staticmethod
    def swap_remove(items: list[int], item: int) -> None:
        hole = items.index(item)
        last = items.pop()
        if hole < len(items):
            items[hole] = last

    def list_falsified(self, c: int) -> None:
        self.false_list.append(c)
        for x in self.clauses[c]:
            if abs(x) not in self.uvars:
                self.uvars.append(abs(x))

    def unlist_satisfied(self, c: int) -> None:
        self.swap_remove(self.false_list, c)
        for x in self.clauses[c]:
            if not self.in_false_clause(abs(x)):
                self.swap_remove(self.uvars, abs(x))

    def drop_non_decreasing(self, score: dict[int, int]) -> None:
        for i in range(len(self.good) - 1, -1, -1):
            if score[self.good[i]] <= 0:
                last = self.good.pop()
                if i < len(self.good):
                    self.good[i] = last

    # --- the algorithm ----------------------------------------------------------------------

    def better(self, u: int, v: int, score: dict[int, int]) -> bool:
        return score[u] > score[v] or (score[u] == score[v]
                                       and self.time_stamp[u] < self.time_stamp[v])

    def best(self, candidates: list[int], score: dict[int, int]) -> int | None:
        best = None
        for v in candidates:
            if best is None or self.better(v, best, score):
                best = v
        return best

    def smooth(self) -> None:
        self.smoothings += 1
        scale_ave = int((self.gamma + 1) * self.q)
        self.weights = [max(1, int(w * self.rho) + scale_ave) for w in self.weights]
        self.ave_weight = sum(self.weights) // len(self.weights)
        score = self.scores()
        self.drop_non_decreasing(score)
        for v in self.value:
            if score[v] > 0 and self.conf_change[v] and v not in self.good:
                self.good.append(v)

    def update_weights(self) -> None:
        for c in self.false_list:
            self.weights[c] += 1
        score = self.scores()
        for v in self.uvars:
            if score[v] > 0 and self.conf_change[v] and v not in self.good:
                self.good.append(v)
        self.delta_weight += len(self.false_list)
        if self.delta_weight >= len(self.clauses):
            self.delta_weight -= len(self.clauses)
            self.ave_weight += 1
            if self.ave_weight > self.gamma:
                self.smooth()

    def pick(self) -> int:
        score = self.scores()
        if self.good:
            return self.best(self.good, score)  # type: ignore[return-value]
        sd = self.best([v for v in self.uvars if score[v] > self.ave_weight], score)
        if sd is not None:
            return sd
        self.update_weights()
        score = self.scores()
        c = self.false_list[int(below(self.rng, len(self.false_list)))]
        variables = [abs(x) for x in self.clauses[c]]
        if self.greedy:
            return self.best(variables, score)  # type: ignore[return-value]
        oldest = variables[0]
        for v in variables[1:]:
            if self.time_stamp[v] < self.time_stamp[oldest]:
                oldest = v
        return oldest

    def flip(self, v: int) -> None:
        self.value[v] = not self.value[v]
        becomes_true = v if self.value[v] else -v
        for c, clause in enumerate(self.clauses):
            if becomes_true in clause and c in self.false_list:
                self.unlist_satisfied(c)
        for c, clause in enumerate(self.clauses):
            if -becomes_true in clause and self.falsified(c):
                self.list_falsified(c)
        score = self.scores()
        self.conf_change[v] = False
        self.drop_non_decreasing(score)
        for u in self.neighbours(v):
            self.conf_change[u] = True
            if score[u] > 0 and u not in self.good:
                self.good.append(u)
        self.time_stamp[v] = self.flips
        self.flips += 1
        self.flipped.append(v)

    @property
    def solved(self) -> bool:
        return not self.false_list

    def step(self, max_flips: int) -> tuple[bool, int]:
        """Make up to `max_flips` flips; returns (solved, flips made), like a kernel call."""
        done = 0
        while self.false_list and done < max_flips:
            self.flip(self.pick())
            done += 1
        return self.solved, done

    def assignment(self) -> np.ndarray:
        """0/1 per variable, 0-based (the kernel's layout)."""
        return np.array([int(self.value[v]) for v in range(1, self.num_vars + 1)], np.uint8)


def naive_ccanr(num_vars: int, clauses: list[list[int]], seed: int,
                params: dict[str, object]) -> NaiveCCAnr:
    """The reference walk with the kernel's resolved `params`."""
    return NaiveCCAnr(num_vars, clauses, seed, int(params["gamma"]),  # type: ignore[call-overload]
                      float(params["rho"]), float(params["q"]),  # type: ignore[arg-type]
                      str(params["diversify"]))
