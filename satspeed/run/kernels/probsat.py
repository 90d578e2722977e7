"""probSAT (Balint & Schoening, SAT 2012; SAT Competition 2013 version, "SC13_v2").

Each flip: take the falsified clause false_list[flips % num_false] (as the reference C code does,
not a uniform draw), then flip one of its variables with probability proportional to
f(break), f given as a lookup table `prob_table[break]` (poly (eps + b)^-cb or exp cb^-b).
`caching` keeps break values up to date on every flip; without it they are counted when needed
(faster on 3-SAT, as in the reference code).
"""

from numba import njit

from satspeed.run.kernels.rng import uniform
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE, U32, flip_cached, flip_plain


@njit(cache=True)
def probsat_flips(clause_start, lits, occ_start, occ, assign, num_true, crit, breaks,
                  false_list, where_false, counters, rng, probs, prob_table, caching,
                  max_flips):
    """Make up to `max_flips` flips; returns (solved, flips made in this call)."""
    num_false = counters[NUM_FALSE]
    flips = counters[FLIPS]
    done = 0
    while num_false > 0 and done < max_flips:
        c = U32(false_list[U32(flips % num_false)])
        begin = U32(clause_start[c])
        size = U32(clause_start[c + 1]) - begin
        total = 0.0
        for i in range(size):
            l = U32(lits[begin + i])
            if caching:
                b = breaks[U32(l >> 1)]
            else:
                b = 0
                nl = U32(l ^ 1)  # the true literal of this variable: its clauses may break
                for j in range(U32(occ_start[nl]), U32(occ_start[nl + 1])):
                    if num_true[U32(occ[j])] == 1:
                        b += 1
            p = prob_table[U32(b)]
            probs[i] = p
            total += p
        r = uniform(rng) * total
        i = size - 1
        while i > 0:
            total -= probs[i]
            if total <= r:
                break
            i -= 1
        v = U32(lits[begin + i] >> 1)
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
