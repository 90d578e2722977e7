"""WalkSAT/SKC (Selman, Kautz & Cohen 1994), as in the reference C walksat's `pickbest`.

Each flip: a uniformly random falsified clause; if one of its variables breaks nothing, flip it
(a freebie; ties broken at random); otherwise with probability `noise` flip a random variable
of the clause, else a random one among those of minimum break.
"""

from numba import njit

from satspeed.run.kernels.rng import below, uniform
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE, flip_cached


@njit(cache=True)
def walksat_flips(clause_start, lits, occ_start, occ, assign, num_true, crit, breaks,
                  false_list, where_false, counters, rng, best, noise, max_flips):
    """Make up to `max_flips` flips; returns (solved, flips made in this call)."""
    num_false = counters[NUM_FALSE]
    flips = counters[FLIPS]
    done = 0
    while num_false > 0 and done < max_flips:
        c = false_list[below(rng, num_false)]
        begin = clause_start[c]
        size = clause_start[c + 1] - begin
        best_break = 1 << 30
        num_best = 0
        for i in range(size):
            v = lits[begin + i] >> 1
            b = breaks[v]
            if b <= best_break:
                if b < best_break:
                    num_best = 0
                    best_break = b
                best[num_best] = v
                num_best += 1
        if best_break > 0 and uniform(rng) < noise:
            v = lits[begin + below(rng, size)] >> 1
        else:
            v = best[below(rng, num_best)]
        num_false = flip_cached(v, occ_start, occ, assign, num_true, crit, breaks,
                                false_list, where_false, num_false)
        flips += 1
        done += 1
    counters[NUM_FALSE] = num_false
    counters[FLIPS] = flips
    return num_false == 0, done
