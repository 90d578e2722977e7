"""WalkSAT/SKC (Selman, Kautz & Cohen 1994), as in the reference C walksat's `pickbest`.

Each flip: a uniformly random falsified clause; if one of its variables breaks nothing, flip it
(a freebie; ties broken at random); otherwise with probability `noise` flip a random variable
of the clause, else a random one among those of minimum break.
"""

from numba import njit

from satspeed.run.kernels.rng import below, uniform
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE, U32, flip_cached, flip_plain


@njit(cache=True)
def walksat_flips(clause_start, lits, occ_start, occ, assign, num_true, crit, breaks,
                  false_list, where_false, counters, rng, best, noise, caching, max_flips):
    """Make up to `max_flips` flips; returns (solved, flips made in this call). `caching`
    keeps break values up to date on every flip; without it they are counted when needed
    (the same flips either way; counting is faster on short clauses, as UBCSAT does)."""
    num_false = counters[NUM_FALSE]
    flips = counters[FLIPS]
    done = 0
    while num_false > 0 and done < max_flips:
        c = U32(false_list[U32(below(rng, num_false))])
        begin = U32(clause_start[c])
        size = U32(clause_start[c + 1]) - begin
        best_break = 1 << 30
        num_best = 0
        for i in range(size):
            l = U32(lits[begin + i])
            v = U32(l >> 1)
            if caching:
                b = breaks[v]
            else:
                b = 0
                nl = U32(l ^ 1)  # the true literal of v: its clauses with one true one break
                for j in range(U32(occ_start[nl]), U32(occ_start[nl + 1])):
                    if num_true[U32(occ[j])] == 1:
                        b += 1
            if b <= best_break:
                if b < best_break:
                    num_best = 0
                    best_break = b
                best[num_best] = v
                num_best += 1
        if best_break > 0 and uniform(rng) < noise:
            v = U32(lits[begin + U32(below(rng, size))] >> 1)
        else:
            v = U32(best[U32(below(rng, num_best))])
        if caching:
            num_false = flip_cached(v, occ_start, occ, assign, num_true, crit, breaks,
                                    false_list, where_false, num_false)
        else:
            num_false = flip_plain(v, occ_start, occ, assign, num_true, false_list,
                                   where_false, num_false)
        flips += 1
        done += 1
    counters[NUM_FALSE] = num_false
    counters[FLIPS] = flips
    return num_false == 0, done
