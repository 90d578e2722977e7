"""CCAnr (Cai, Luo & Su, SAT 2015; reference code version 2013.4.18) and Swcca (Cai & Su, AIJ 2013).

Configuration checking with aspiration (CCA) over clause weights. Each flip picks:
  1. the best CCD variable (score > 0 and configuration changed: a neighbour was flipped since
     its own last flip), from the `good` stack;
  2. else the best significant decreasing variable (score > average clause weight) among the
     variables of falsified clauses (aspiration);
  3. else (diversification) it raises the weights of the falsified clauses by one, smoothing all
     weights as w := floor(rho * w) + floor(q * (gamma + 1)) when the average weight exceeds gamma
     (SWT), and takes a variable of the falsified clause false_list[below(num_false)]: the best
     one (CCAnr, `greedy`) or the oldest one (Swcca/CCASat's 3-SAT engine).
"Best" is the greatest weighted score, ties to the oldest variable (smallest time stamp), then to
the first one in list order. Scores are weighted: the falsified weight the flip would remove
minus the weight it would falsify.

State (arrays, so a walk resumes between calls; v, c 0-based):
  assign[v], sat_count[c] (true literals), crit[c] (XOR of c's true variables: the only one when
  sat_count[c] == 1), weight[c], score[v], time_stamp[v] (the flip index of v's last flip, 0 if
  never), conf_change[v], good[:num_good] with in_good[v] (exactly the CCD variables),
  false_list[:num_false] with where_false[c], uvar[:num_uvar] with where_uvar[v] (the variables of
  falsified clauses) and app_count[v] (in how many falsified clauses v occurs),
  counters = [num_false, flips, num_good, num_uvar, ave_weight, delta_weight].
The lists are stacks with swap-remove, in the reference code's order of operations (see
ccanr_flips), except that a flip visits the clauses of its two literals one literal after the
other (the C code goes through the variable's clauses in clause order). One deliberate
difference: after smoothing, the CCD stack is made exact again (the C code leaves variables in
it whose score smoothing made non-positive until the next flip, and misses those it made
positive). Everything runs in one function with the counters in locals (twice as fast as helper
calls updating `counters`).
"""

import numpy as np
from numba import njit

from satspeed.run.kernels.rng import below
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE, U32, neighbours

NUM_GOOD, NUM_UVAR, AVE_WEIGHT, DELTA_WEIGHT = 2, 3, 4, 5
NUM_COUNTERS = 6


@njit(cache=True)
def build_neighbors(clause_start, lits, occ_start, occ, num_vars):
    """The variables sharing a clause with each variable, ascending: (nb_start, nb) with the
    neighbours of v in nb[nb_start[v]:nb_start[v + 1]]."""
    nb_start, nb = neighbours(clause_start, lits, occ_start, occ, num_vars)
    for v in range(num_vars):
        nb[nb_start[v]:nb_start[v + 1]].sort()
    return nb_start, nb


@njit(cache=True, inline="always")
def _drop_non_decreasing(score, good, in_good, num_good):
    """Remove the variables whose score is no longer positive (scan from the top, swap-remove);
    returns the new stack size."""
    for i in range(num_good - 1, -1, -1):
        v = good[i]
        if score[v] <= 0:
            num_good -= 1
            good[i] = good[num_good]
            in_good[v] = 0
    return num_good


@njit(cache=True, inline="always")
def _clause_falsified(c, clause_start, lits, false_list, where_false, uvar, where_uvar,
                      app_count, num_false, num_uvar):
    """Push c on the false list and its variables not yet there on the variable list; returns
    the new (num_false, num_uvar)."""
    false_list[U32(num_false)] = c
    where_false[c] = num_false
    num_false += 1
    for i in range(U32(clause_start[c]), U32(clause_start[c + 1])):
        v = U32(lits[i] >> 1)
        app_count[v] += 1
        if app_count[v] == 1:
            uvar[U32(num_uvar)] = v
            where_uvar[v] = num_uvar
            num_uvar += 1
    return num_false, num_uvar


@njit(cache=True, inline="always")
def _clause_satisfied(c, clause_start, lits, false_list, where_false, uvar, where_uvar,
                      app_count, num_false, num_uvar):
    """Swap-remove c from the false list, and its variables left in no falsified clause."""
    num_false -= 1
    last = U32(false_list[U32(num_false)])
    hole = U32(where_false[c])  # c is false: it has a place in the list
    false_list[hole] = last
    where_false[last] = hole
    where_false[c] = -1
    for i in range(U32(clause_start[c]), U32(clause_start[c + 1])):
        v = U32(lits[i] >> 1)
        app_count[v] -= 1
        if app_count[v] == 0:
            num_uvar -= 1
            u = U32(uvar[U32(num_uvar)])
            hole = U32(where_uvar[v])
            uvar[hole] = u
            where_uvar[u] = hole
            where_uvar[v] = -1
    return num_false, num_uvar


@njit(cache=True)
def ccanr_init(clause_start, lits, num_vars, assign, sat_count, crit, weight, score,
               time_stamp, conf_change, good, in_good, false_list, where_false, uvar,
               where_uvar, app_count, counters, rng):
    """Draw a uniform random assignment (below(rng, 2) per variable, in order); all weights 1,
    every variable configuration-changed; the CCD stack holds the decreasing variables."""
    for v in range(num_vars):
        assign[v] = below(rng, 2)
        time_stamp[v] = 0
        conf_change[v] = 1
        app_count[v] = 0
        score[v] = 0
        in_good[v] = 0
        where_uvar[v] = -1
    num_false = 0
    num_uvar = 0
    for c in range(clause_start.shape[0] - 1):
        weight[c] = 1
        t = 0
        x = 0
        for i in range(clause_start[c], clause_start[c + 1]):
            l = lits[i]
            if assign[l >> 1] != (l & 1):
                t += 1
                x ^= l >> 1
        sat_count[c] = t
        crit[c] = x
        where_false[c] = -1
        if t == 0:
            num_false, num_uvar = _clause_falsified(c, clause_start, lits, false_list,
                                                    where_false, uvar, where_uvar, app_count,
                                                    num_false, num_uvar)
            for i in range(clause_start[c], clause_start[c + 1]):
                score[lits[i] >> 1] += 1
        elif t == 1:
            score[x] -= 1
    num_good = 0
    for v in range(num_vars):
        if score[v] > 0:
            good[num_good] = v
            in_good[v] = 1
            num_good += 1
    counters[:] = 0
    counters[NUM_FALSE] = num_false
    counters[NUM_UVAR] = num_uvar
    counters[NUM_GOOD] = num_good
    counters[AVE_WEIGHT] = 1


@njit(cache=True)
def _smooth(clause_start, lits, num_vars, sat_count, crit, weight, score, conf_change, good,
            in_good, num_good, rho, scale_ave):
    """SWT smoothing w := floor(rho * w) + scale_ave (at least 1); scores recomputed and the
    CCD stack made exact again (the reference code leaves it as it is). Returns the new
    (num_good, average weight)."""
    num_clauses = clause_start.shape[0] - 1
    for v in range(num_vars):
        score[v] = 0
    total = 0
    for c in range(num_clauses):
        w = np.int64(weight[c] * rho) + scale_ave
        if w < 1:
            w = 1
        weight[c] = w
        total += w
        t = sat_count[c]
        if t == 0:
            for i in range(clause_start[c], clause_start[c + 1]):
                score[lits[i] >> 1] += w
        elif t == 1:
            score[crit[c]] -= w
    num_good = _drop_non_decreasing(score, good, in_good, num_good)
    for v in range(num_vars):
        if score[v] > 0 and conf_change[v] == 1 and in_good[v] == 0:
            good[num_good] = v
            in_good[v] = 1
            num_good += 1
    return num_good, total // num_clauses


@njit(cache=True)
def ccanr_flips(clause_start, lits, occ_start, occ, nb_start, nb, assign, sat_count, crit,
                weight, score, time_stamp, conf_change, good, in_good, false_list, where_false,
                uvar, where_uvar, app_count, counters, rng, gamma, rho, scale_ave, greedy,
                max_flips):
    """Make up to `max_flips` flips; returns (solved, flips made in this call).

    Each flip: pick (CCD, else significant decreasing, else SWT weights update and a variable
    of a random falsified clause), then flip: first the clauses of the literal made true, then
    those of the literal made false (each in clause order); then the CCD stack: drop the
    non-decreasing variables, mark the neighbours configuration-changed and push the
    decreasing ones (ascending).
    """
    num_vars = assign.shape[0]
    num_clauses = clause_start.shape[0] - 1
    num_false = counters[NUM_FALSE]
    num_good = counters[NUM_GOOD]
    num_uvar = counters[NUM_UVAR]
    ave = counters[AVE_WEIGHT]
    delta = counters[DELTA_WEIGHT]
    flips = counters[FLIPS]
    done = 0
    while num_false > 0 and done < max_flips:
        # --- pick ---
        if num_good > 0:
            best = good[0]
            best_score = score[best]
            best_time = time_stamp[best]
            for i in range(1, num_good):
                v = U32(good[i])
                sv = score[v]
                if sv > best_score or (sv == best_score and time_stamp[v] < best_time):
                    best = v
                    best_score = sv
                    best_time = time_stamp[v]
        else:
            best = -1
            best_score = ave  # only scores above the average weight qualify
            best_time = 0
            for i in range(num_uvar):
                v = U32(uvar[i])
                sv = score[v]
                if sv > best_score or (sv == best_score and best >= 0
                                       and time_stamp[v] < best_time):
                    best = v
                    best_score = sv
                    best_time = time_stamp[v]
            if best < 0:
                # SWT: falsified clauses' weights +1, their variables' scores +1 per clause
                for i in range(num_false):
                    weight[U32(false_list[i])] += 1
                for i in range(num_uvar):
                    v = U32(uvar[i])
                    score[v] += app_count[v]
                    if score[v] > 0 and conf_change[v] == 1 and in_good[v] == 0:
                        good[num_good] = v
                        in_good[v] = 1
                        num_good += 1
                delta += num_false
                if delta >= num_clauses:
                    delta -= num_clauses
                    ave += 1
                    if ave > gamma:
                        num_good, ave = _smooth(clause_start, lits, num_vars, sat_count, crit,
                                                weight, score, conf_change, good, in_good,
                                                num_good, rho, scale_ave)
                c = U32(false_list[U32(below(rng, num_false))])
                begin = clause_start[c]
                best = lits[begin] >> 1
                best_score = score[best]
                best_time = time_stamp[best]
                for i in range(begin + 1, clause_start[c + 1]):
                    v = U32(lits[i] >> 1)
                    sv = score[v]
                    # greedy: the best score, ties to the oldest; else just the oldest
                    take = sv > best_score if greedy and sv != best_score else (
                        time_stamp[v] < best_time)
                    if take:
                        best = v
                        best_score = sv
                        best_time = time_stamp[v]
        # --- flip ---
        v = U32(best)
        org_score = score[v]
        make = U32(2 * v + assign[v])  # v's literal that is false now and true after the flip
        assign[v] ^= 1
        for j in range(U32(occ_start[make]), U32(occ_start[make + 1])):
            c = U32(occ[j])
            t = sat_count[c]
            if t == 0:
                w = weight[c]
                for i in range(U32(clause_start[c]), U32(clause_start[c + 1])):
                    score[U32(lits[i] >> 1)] -= w
                num_false, num_uvar = _clause_satisfied(c, clause_start, lits, false_list,
                                                        where_false, uvar, where_uvar,
                                                        app_count, num_false, num_uvar)
            elif t == 1:
                score[U32(crit[c])] += weight[c]
            crit[c] ^= v
            sat_count[c] = t + 1
        brk = U32(make ^ 1)
        for j in range(U32(occ_start[brk]), U32(occ_start[brk + 1])):
            c = U32(occ[j])
            t = sat_count[c]
            x = crit[c] ^ v
            crit[c] = x
            sat_count[c] = t - 1
            if t == 1:
                w = weight[c]
                for i in range(U32(clause_start[c]), U32(clause_start[c + 1])):
                    score[U32(lits[i] >> 1)] += w
                num_false, num_uvar = _clause_falsified(c, clause_start, lits, false_list,
                                                        where_false, uvar, where_uvar,
                                                        app_count, num_false, num_uvar)
            elif t == 2:
                score[U32(x)] -= weight[c]
        score[v] = -org_score
        conf_change[v] = 0
        num_good = _drop_non_decreasing(score, good, in_good, num_good)
        for i in range(U32(nb_start[v]), U32(nb_start[v + 1])):
            u = U32(nb[i])
            conf_change[u] = 1
            if score[u] > 0 and in_good[u] == 0:
                good[U32(num_good)] = u
                in_good[u] = 1
                num_good += 1
        time_stamp[v] = flips
        flips += 1
        done += 1
    counters[NUM_FALSE] = num_false
    counters[NUM_GOOD] = num_good
    counters[NUM_UVAR] = num_uvar
    counters[AVE_WEIGHT] = ave
    counters[DELTA_WEIGHT] = delta
    counters[FLIPS] = flips
    return num_false == 0, done
