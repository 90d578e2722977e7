"""Sparrow (Balint & Froehlich, SAT 2010) as in the SAT Competition 2011 build.

Clause weights start at 1. The score of a variable is the decrease of the total weight of the
falsified clauses if it were flipped (make minus break, weighted). A step:

1. Drop from the promising list every member whose score is not positive (and unmark it). If
   members remain, flip the best one (greedy): highest score, then the least recently
   flipped, then the lowest variable index.
2. Otherwise pick a falsified clause uniformly and draw one of its variables x with
   probability proportional to c1^max(min(score(x), 0), -10) * (1 + (age(x) / c3)^c2),
   age(x) = steps since x was last flipped. Then update the weights: with probability `sp`
   smooth (every satisfied clause of weight > 1 loses 1), else scale (every falsified clause
   gains 1). A variable the update raised to a positive score joins the list if it is not
   marked and was not flipped in the previous step.
3. Flip the variable. Before the flip, each variable sharing a clause with it is marked iff its
   score is positive; after the flip, each of them whose score is positive and is not marked
   joins the list (so only variables the flip made improving join).

The promising list and its marks are gNovelty+'s candidate-variable scheme (G2WSAT's promising
decreasing variables): members are marked; a mark outlives membership only for a variable that
was improving but not a member when a neighbour flipped (typically one made improving by its
own worsening flip), which keeps the walk from undoing that flip greedily.

Sources: the paper, and for everything it leaves open the SAT Competition 2011 build itself
(UBCSAT 1.2-b10 "sparrow -v sat11", src/sparrow.c, branch satcomp2011-sparrow of
github.com/dtompkins/ubcsat), which also fixes the order (draw, then update the weights) and
caps the score at -10 in c1^score. Deviations: ties between equally old variables go to the
lowest index (the C code takes list order), and the RNG is ours (kernels/rng.py).

State (all arrays, so a walk resumes between calls; weights and scores are int64):
  assign, num_true, crit (XOR of the true variables of a clause: its only one when
  num_true == 1), false_list/where_false (as in walk.py), weight[c], score[v], last[v] (step of
  v's latest flip, 0 if never), prom[:counters[NUM_PROM]] (the promising list), mark[v],
  weighted[:counters[NUM_WEIGHTED]] (clauses of weight > 1) with where_weighted[c] (-1 if not
  listed), stamp/touched (scratch: the variables whose score crossed zero in a flip),
  nb_start/nb (each variable's neighbours, fixed), counters, rng.
"""

from numba import njit

from satspeed.run.kernels.rng import below, uniform
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE, U32

NUM_PROM, NUM_WEIGHTED = 2, 3  # after walk.py's NUM_FALSE, FLIPS
NUM_COUNTERS = 4


@njit(cache=True)
def sparrow_init(clause_start, lits, num_vars, assign, num_true, crit, weight, score, last,
                 false_list, where_false, prom, mark, weighted, where_weighted, stamp,
                 counters, rng):
    """Draw a uniform random assignment; weights 1, scores, false list, promising list."""
    for v in range(num_vars):
        assign[v] = below(rng, 2)
        score[v] = 0
        last[v] = 0
        mark[v] = 0
        stamp[v] = -1
    num_false = 0
    for c in range(clause_start.shape[0] - 1):
        weight[c] = 1
        where_weighted[c] = -1
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
            score[x] -= 1
        elif t == 0:
            false_list[num_false] = c
            where_false[c] = num_false
            num_false += 1
            for i in range(clause_start[c], clause_start[c + 1]):
                score[lits[i] >> 1] += 1
    num_prom = 0
    for v in range(num_vars):
        if score[v] > 0:
            prom[num_prom] = v
            mark[v] = 1
            num_prom += 1
    counters[NUM_FALSE] = num_false
    counters[FLIPS] = 0
    counters[NUM_PROM] = num_prom
    counters[NUM_WEIGHTED] = 0


@njit(cache=True)
def _pick_distribution(c, clause_start, lits, score, last, probs, c1_powers, c2, c3, step,
                       rng):
    """A variable of clause c drawn with probability c1^max(min(score, 0), -10) *
    (1 + (age / c3)^c2); c1_powers[j] = c1^-j for j = 0..10."""
    begin = clause_start[c]
    size = clause_start[c + 1] - begin
    total = 0.0
    for i in range(size):
        x = U32(lits[begin + i] >> 1)
        s = score[x]
        d = 0 if s >= 0 else (-s if s > -10 else 10)
        base = (step + 1 - last[x]) / c3
        pa = 1.0
        for _ in range(c2):
            pa *= base
        p = c1_powers[U32(d)] * (pa + 1.0)
        probs[i] = p
        total += p
    r = uniform(rng) * total
    cum = 0.0
    pick = size - 1
    for i in range(size):
        cum += probs[i]
        if r < cum:
            pick = i
            break
    return U32(lits[begin + pick] >> 1)


@njit(cache=True)
def sparrow_flips(clause_start, lits, occ_start, occ, assign, num_true, crit, weight, score,
                  last, false_list, where_false, prom, mark, weighted, where_weighted, stamp,
                  touched, nb_start, nb, counters, rng, probs, c1_powers, c2, c3, sp,
                  max_flips):
    """Make up to `max_flips` flips; returns (solved, flips made in this call).

    nb[nb_start[v]:nb_start[v + 1]] are v's neighbours (see walk.neighbours), c1_powers[j] =
    c1^-j for j = 0..10, c2 an integer exponent, c3 the age scale, sp the smoothing
    probability.

    One function on purpose: numba reference-counts the arrays passed to a helper (atomic
    operations), which in these inner loops cost more than the search itself.
    """
    num_false = counters[NUM_FALSE]
    step = counters[FLIPS]  # flips made so far: this flip is number step + 1
    num_prom = counters[NUM_PROM]
    num_weighted = counters[NUM_WEIGHTED]
    done = 0
    while num_false > 0 and done < max_flips:
        # 1. greedy: drop members whose score is not positive (order kept), take the best
        v = -1
        best_s = 0
        best_l = 0
        k = 0
        for j in range(num_prom):
            x = U32(prom[j])
            s = score[x]
            if s <= 0:
                mark[x] = 0
                continue
            prom[k] = x
            k += 1
            if s >= best_s:  # v < 0 still implies best_s == 0 < s
                lx = last[x]
                if s > best_s or lx < best_l or (lx == best_l and x < v):
                    v, best_s, best_l = x, s, lx
        num_prom = k
        if v < 0:
            # 2. a variable of a random falsified clause, drawn by score and age; then update
            # the weights: smooth the weighted satisfied clauses, or scale the falsified ones
            c = U32(false_list[U32(below(rng, num_false))])
            v = _pick_distribution(c, clause_start, lits, score, last, probs, c1_powers, c2,
                                   c3, step, rng)
            smooth = uniform(rng) < sp
            count = num_weighted if smooth else num_false
            j = 0
            while j < count:
                if smooth:
                    c = U32(weighted[j])
                    t = num_true[c]
                    j += 1
                    if t == 0:
                        continue
                    w = weight[c] - 1
                    weight[c] = w
                    if w == 1:  # off the list: the last entry (not yet visited) takes slot j
                        j -= 1
                        count -= 1
                        moved = U32(weighted[count])
                        weighted[j] = moved
                        where_weighted[moved] = j
                        where_weighted[c] = -1
                    if t > 1:
                        continue
                    lo, hi = 0, 0  # only its true variable breaks one weight less
                    extra = crit[c]
                else:
                    c = U32(false_list[j])
                    j += 1
                    w = weight[c] + 1
                    weight[c] = w
                    if w == 2:
                        weighted[U32(num_weighted)] = c
                        where_weighted[c] = num_weighted
                        num_weighted += 1
                    lo, hi = clause_start[c], clause_start[c + 1]  # all its variables
                    extra = -1
                for i in range(U32(lo), U32(hi if extra < 0 else hi + 1)):
                    x = U32(lits[i] >> 1) if i < hi else U32(extra)
                    s = score[x] + 1
                    score[x] = s
                    if s > 0 and mark[x] == 0 and (step == 0 or last[x] != step):
                        prom[U32(num_prom)] = x
                        mark[x] = 1
                        num_prom += 1
            if smooth:
                num_weighted = count
        # 3. flip v. First mark v's neighbours iff improving. Then the clauses of the literal
        # that becomes true, then the others: each changes the scores of all its variables
        # (lits[lo:hi], plus v again) or of one variable (extra) by delta. Only a variable
        # whose score crosses zero can join the list: those are recorded (once each).
        u = U32(v)
        make = U32(2 * u + assign[u])  # v's literal that is false now and true after the flip
        for jn in range(U32(nb_start[u]), U32(nb_start[u + 1])):
            x = U32(nb[jn])
            mark[x] = 1 if score[x] > 0 else 0
        assign[u] ^= 1
        nt = 0
        for side in range(2):
            lit = make if side == 0 else U32(make ^ 1)
            for jo in range(U32(occ_start[lit]), U32(occ_start[lit + 1])):
                c = U32(occ[jo])
                t = num_true[c]
                w = weight[c]
                lo, hi, extra, delta = 0, 0, -1, 0
                if side == 0:  # c gains a true literal
                    if t == 0:  # satisfied now: nobody makes it, v breaks it
                        num_false -= 1
                        last_c = U32(false_list[U32(num_false)])
                        at = U32(where_false[c])  # c is false: it has a place in the list
                        false_list[at] = last_c
                        where_false[last_c] = at
                        where_false[c] = -1
                        lo, hi, extra, delta = clause_start[c], clause_start[c + 1], v, -w
                    elif t == 1:  # its only true variable no longer breaks it
                        extra, delta = crit[c], w
                    crit[c] ^= v
                    num_true[c] = t + 1
                else:  # c loses a true literal
                    x = crit[c] ^ v
                    crit[c] = x
                    if t == 1:  # falsified now: v no longer breaks it, everyone makes it
                        false_list[U32(num_false)] = c
                        where_false[c] = num_false
                        num_false += 1
                        lo, hi, extra, delta = clause_start[c], clause_start[c + 1], v, w
                    elif t == 2:  # x is its only true variable now
                        extra, delta = x, -w
                    num_true[c] = t - 1
                for i in range(U32(lo), U32(hi if extra < 0 else hi + 1)):
                    x = U32(lits[i] >> 1) if i < hi else U32(extra)
                    s = score[x]
                    score[x] = s + delta
                    if (s > 0) != (s + delta > 0) and stamp[x] != step:
                        stamp[x] = step
                        touched[U32(nt)] = x
                        nt += 1
        for j in range(nt):  # neighbours the flip made improving join the list
            x = U32(touched[j])
            if x != u and mark[x] == 0 and score[x] > 0:
                prom[U32(num_prom)] = x
                mark[x] = 1
                num_prom += 1
        step += 1
        last[u] = step
        done += 1
    counters[NUM_FALSE] = num_false
    counters[FLIPS] = step
    counters[NUM_PROM] = num_prom
    counters[NUM_WEIGHTED] = num_weighted
    return num_false == 0, done
