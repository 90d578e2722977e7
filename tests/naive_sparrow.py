"""A slow, readable reference of Sparrow (satspeed/kernels/sparrow.py) for the tests.

Like naive.py, it keeps no cached quantities: every score is recomputed from scratch by scanning
all the clauses, the promising list and the marks are Python sets, and the weighted clauses are
simply those of weight > 1. It draws the same random numbers in the same order as the kernel
(the kernel's own RNG functions on a numpy uint64[4] state), so for a seed both make exactly the
same flips.

What is part of the algorithm (and so copied here on purpose):
  - init, false list order and flip order: NaiveWalk's (naive.py);
  - score(x) = sum of the weights of the falsified clauses containing x (make) minus the sum of
    the weights of the clauses whose only true literal is x's (break);
  - step number t + 1 when t flips were made; last[x] = step of x's latest flip, 0 if never;
  - the promising set starts as the variables of positive score, all of them marked;
  - a step: unmark and drop the members with score <= 0; if any remain, flip the one with the
    highest score, then the smallest last, then the smallest variable. Otherwise: clause =
    false_list[below(len)]; each of its literals (in clause order) weighs
    c1^-min(max(-score, 0), 10) * ((age / c3)^c2 + 1), age = t + 1 - last[x], the power
    (age / c3)^c2 taken as c2 multiplications of 1.0; r = uniform * total; the first literal
    whose running sum exceeds r is chosen (the last one if none). Then `uniform < sp` smooths
    (satisfied clauses of weight > 1 lose 1), else scale (falsified clauses gain 1); every
    unmarked variable the update raised to a positive score, unless flipped at step t, joins
    the set and is marked;
  - flipping y: every other variable of y's clauses is marked iff its score is positive before
    the flip; after it, those with a positive score that are not marked join and are marked.
"""

from __future__ import annotations

from naive import NaiveWalk

from satspeed.run.kernels.rng import below, uniform


class NaiveSparrow(NaiveWalk):
    """Sparrow with the given c1, c2 (a whole number), c3 and smoothing probability sp."""

    def __init__(self, num_vars: int, clauses: list[list[int]], seed: int, c1: float,
                 c2: int, c3: float, sp: float) -> None:
        super().__init__(num_vars, clauses, seed)
        self.c1, self.c2, self.c3, self.sp = float(c1), int(c2), float(c3), float(sp)
        self.weight = [1] * len(self.clauses)
        self.last = dict.fromkeys(range(1, num_vars + 1), 0)
        self.promising = {x for x, s in self.scores().items() if s > 0}
        self.marked = set(self.promising)

    def scores(self) -> dict[int, int]:
        """Every variable's weighted make minus break, from scratch."""
        score = dict.fromkeys(range(1, self.num_vars + 1), 0)
        for c, clause in enumerate(self.clauses):
            true_in_clause = self.true_lits.intersection(clause)
            if not true_in_clause:
                for lit in clause:
                    score[abs(lit)] += self.weight[c]
            elif len(true_in_clause) == 1:
                score[abs(true_in_clause.pop())] -= self.weight[c]
        return score

    def join(self, x: int) -> None:
        self.promising.add(x)
        self.marked.add(x)

    def update_weights(self) -> None:
        t = self.flips
        before = self.scores()
        if uniform(self.rng) < self.sp:
            for c in range(len(self.clauses)):
                if self.weight[c] > 1 and self.satisfied(c):
                    self.weight[c] -= 1
        else:
            for c in self.false_list:
                self.weight[c] += 1
        after = self.scores()
        for x in after:
            raised = after[x] > before[x]
            if raised and after[x] > 0 and x not in self.marked and not (
                    t > 0 and self.last[x] == t):
                self.join(x)

    def pick_from_distribution(self) -> int:
        t = self.flips
        clause = self.clauses[self.false_list[int(below(self.rng, len(self.false_list)))]]
        score = self.scores()
        probs = []
        for lit in clause:
            base = (t + 1 - self.last[abs(lit)]) / self.c3
            age_power = 1.0
            for _ in range(self.c2):
                age_power *= base
            probs.append(self.c1 ** -min(max(-score[abs(lit)], 0), 10) * (age_power + 1.0))
        total = 0.0
        for p in probs:
            total += p
        r = uniform(self.rng) * total
        running = 0.0
        for lit, p in zip(clause, probs, strict=True):
            running += p
            if r < running:
                return abs(lit)
        return abs(clause[-1])

    def pick(self) -> int:
        score = self.scores()
        dropped = {x for x in self.promising if score[x] <= 0}
        self.promising -= dropped
        self.marked -= dropped
        if self.promising:
            return max(self.promising, key=lambda x: (score[x], -self.last[x], -x))
        var = self.pick_from_distribution()
        self.update_weights()
        return var

    def flip(self, var: int) -> None:
        neighbours = {abs(lit) for clause in self.clauses if var in map(abs, clause)
                      for lit in clause} - {var}
        before = self.scores()
        for x in neighbours:
            if before[x] > 0:
                self.marked.add(x)
            else:
                self.marked.discard(x)
        super().flip(var)  # counts the flip: self.flips is now this step's number
        self.last[var] = self.flips
        after = self.scores()
        for x in sorted(neighbours):
            if after[x] > 0 and x not in self.marked:
                self.join(x)
