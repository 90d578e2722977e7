"""State shared by the break-based SLS kernels: assignment, true-literal counts, false-clause list.

Layout (all arrays, so a walk can be resumed between calls):
  assign[v]       0/1 value of variable v
  num_true[c]     number of true literals in clause c
  crit[c]         XOR of c's variables whose literal is true: the only true variable when
                  num_true[c] == 1, found without scanning the clause (kept by caching kernels)
  breaks[v]       clauses that become false if v is flipped (kept only by caching kernels)
  false_list      the falsified clauses, false_list[:num_false]; where_false[c] is c's position
  counters        int64[2]: num_false, flips made since the walk started
A literal code l is true when assign[l >> 1] != (l & 1).

The clause-counting loop of `init_walk` stands again in sparrow_init and ccanr_init, the
false-list updates of flip_cached in flip_plain, and probSAT's and WalkSAT's counting of a
break value and choice of flip function in each of their kernels, on purpose (the last two
as njit(inline="always") helpers here: 7.3 against 9.3 M flips/s for probsat on 3-SAT
n = 10^3, scripts/bench_flips.py): a shared njit helper taking the
arrays costs reference-count atomics at every call (measured in the Sparrow work: 0.9 against
2.6 M flips/s in a hot loop), and for short runs initialisation is most of the run.
"""

import numpy as np
from numba import njit

from satspeed.run.kernels.rng import below

NUM_FALSE, FLIPS = 0, 1
U32 = np.uint32  # every kernel casts the indices it reads from arrays to it before use:
# numba checks each signed index for wraparound (a negative one counts from the end), which C
# does not; the casts made the kernels 1.1-1.5x as fast (scripts/bench_flips.py: probsat
# 6.3 -> 9.4 M flips/s on 3-SAT n = 10^3; the same flips, tests/test_kernels.py)


@njit(cache=True)
def init_walk(clause_start, lits, num_vars, assign, num_true, crit, breaks, false_list,
              where_false, counters, rng):
    """Draw a uniform random assignment and build the counts, break values and false list."""
    for v in range(num_vars):
        assign[v] = below(rng, 2)
        breaks[v] = 0
    num_false = 0
    for c in range(clause_start.shape[0] - 1):
        t = 0
        x = 0
        for i in range(clause_start[c], clause_start[c + 1]):
            l = lits[i]
            if assign[l >> 1] != (l & 1):
                t += 1
                x ^= l >> 1
        num_true[c] = t
        crit[c] = x
        where_false[c] = -1
        if t == 1:
            breaks[x] += 1
        elif t == 0:
            false_list[U32(num_false)] = c
            where_false[c] = num_false
            num_false += 1
    counters[NUM_FALSE] = num_false
    counters[FLIPS] = 0


@njit(cache=True)
def flip_cached(v, occ_start, occ, assign, num_true, crit, breaks, false_list, where_false,
                num_false):
    """Flip v, keeping break values up to date; returns the new number of false clauses."""
    u = U32(v)
    make = U32(2 * u + assign[u])  # v's literal that is false now and true after the flip
    assign[u] ^= 1
    for j in range(U32(occ_start[make]), U32(occ_start[make + 1])):
        c = U32(occ[j])
        t = num_true[c]
        if t == 0:
            num_false -= 1
            last = U32(false_list[U32(num_false)])
            at = U32(where_false[c])  # c is false: it has a place in the list
            false_list[at] = last
            where_false[last] = at
            where_false[c] = -1
            breaks[u] += 1
        elif t == 1:
            breaks[U32(crit[c])] -= 1
        crit[c] ^= v
        num_true[c] = t + 1
    brk = U32(make ^ 1)
    for j in range(U32(occ_start[brk]), U32(occ_start[brk + 1])):
        c = U32(occ[j])
        t = num_true[c]
        x = crit[c] ^ v
        crit[c] = x
        if t == 1:
            false_list[U32(num_false)] = c
            where_false[c] = num_false
            num_false += 1
            breaks[u] -= 1
        elif t == 2:
            breaks[U32(x)] += 1
        num_true[c] = t - 1
    return num_false


@njit(cache=True)
def flip_plain(v, occ_start, occ, assign, num_true, false_list, where_false, num_false):
    """Flip v, updating only the true-literal counts and the false list (no break values)."""
    u = U32(v)
    make = U32(2 * u + assign[u])
    assign[u] ^= 1
    for j in range(U32(occ_start[make]), U32(occ_start[make + 1])):
        c = U32(occ[j])
        t = num_true[c]
        if t == 0:
            num_false -= 1
            last = U32(false_list[U32(num_false)])
            at = U32(where_false[c])  # c is false: it has a place in the list
            false_list[at] = last
            where_false[last] = at
            where_false[c] = -1
        num_true[c] = t + 1
    brk = U32(make ^ 1)
    for j in range(U32(occ_start[brk]), U32(occ_start[brk + 1])):
        c = U32(occ[j])
        t = num_true[c]
        if t == 1:
            false_list[U32(num_false)] = c
            where_false[c] = num_false
            num_false += 1
        num_true[c] = t - 1
    return num_false


@njit(cache=True)
def neighbours(clause_start, lits, occ_start, occ, num_vars):
    """For each variable v, the other variables that share a clause with it, each once:
    nb[nb_start[v]:nb_start[v + 1]] (in the order first met: v's positive literal's clauses
    first, each clause's literals in order). Returns (nb_start, nb)."""
    seen = np.full(num_vars, -1, np.int64)
    nb_start = np.zeros(num_vars + 1, np.int64)
    for fill in range(2):  # count, then fill
        nb = np.empty(nb_start[num_vars] if fill else 0, np.int32)
        seen[:] = -1
        for v in range(num_vars):
            k = nb_start[v]
            for lit in range(2 * v, 2 * v + 2):
                for jo in range(occ_start[lit], occ_start[lit + 1]):
                    c = occ[jo]
                    for i in range(clause_start[c], clause_start[c + 1]):
                        x = lits[i] >> 1
                        if x != v and seen[x] != v:
                            seen[x] = v
                            if fill:
                                nb[k] = x
                                k += 1
                            else:
                                nb_start[v + 1] += 1
        if not fill:
            for v in range(num_vars):
                nb_start[v + 1] += nb_start[v]
    return nb_start, nb
