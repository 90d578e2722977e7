"""The CCAnr kernel: flip-for-flip agreement with the slow reference in naive_ccanr.py, state
invariants recomputed from scratch, resumability, determinism, verified models, parameters."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from naive_ccanr import NaiveCCAnr, naive_ccanr

from satspeed.errors import SatspeedError
from satspeed.labels import format_params
from satspeed.run.algorithms.ccanr import CcanrWalk, ccanr_params
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.formula.cnf import Formula, parse_cnf, read_cnf
from satspeed.run.kernels.ccanr import AVE_WEIGHT, DELTA_WEIGHT, NUM_GOOD, NUM_UVAR, build_neighbors
from satspeed.run.kernels.walk import NUM_FALSE
from satspeed.run.specs import load_spec

ROOT = Path(__file__).resolve().parent.parent
Clauses = list[list[int]]


def random_formula(n: int, m: int, lengths: tuple[int, ...], seed: int,
                   planted: bool = True) -> tuple[int, Clauses]:
    """m clauses of lengths drawn from `lengths`, distinct variables; `planted`: all satisfied
    by a hidden assignment."""
    rnd = random.Random(seed)
    hidden = {v: rnd.random() < 0.5 for v in range(1, n + 1)}
    clauses = []
    for _ in range(m):
        k = rnd.choice(lengths)
        clause = [v if rnd.random() < 0.5 else -v for v in rnd.sample(range(1, n + 1), k)]
        if planted and not any(hidden[abs(x)] == (x > 0) for x in clause):
            clause[0] = -clause[0]
        clauses.append(clause)
    return n, clauses


def to_formula(num_vars: int, clauses: Clauses) -> Formula:
    text = f"p cnf {num_vars} {len(clauses)}\n" + "".join(
        " ".join(map(str, c)) + " 0\n" for c in clauses)
    return parse_cnf(text.encode(), "<test>")


def ccanr_walk(formula: Formula, **given: object) -> CcanrWalk:
    walk = make_walk(formula, "ccanr", **given)
    assert isinstance(walk, CcanrWalk)
    return walk


CASES = {
    "3sat-n40-planted": lambda: random_formula(40, 180, (3,), 1),
    "3sat-n30-uniform": lambda: random_formula(30, 126, (3,), 2, planted=False),
    "3sat-n25-overconstrained": lambda: random_formula(25, 200, (3,), 3, planted=False),
    "3sat-n12-tiny": lambda: random_formula(12, 80, (3,), 6, planted=False),
    "mixed1-6-n30": lambda: random_formula(30, 130, (1, 2, 3, 4, 5, 6), 4, planted=False),
    "mixed2-4-n12": lambda: random_formula(12, 70, (2, 3, 4), 7, planted=False),
    "5sat-n12-hard": lambda: random_formula(12, 250, (5,), 5, planted=False),  # ratio 21: q 0.7
}
CHUNKS = (1, 7, 60, 150, 300)
CONFIGS: dict[str, dict[str, object]] = {
    "defaults": {},
    "ccasat": {"q": 0.7, "diversify": "oldest"},
    "smooth-often": {"gamma": 1},  # the average weight passes gamma every few updates
    "smooth-often-q": {"gamma": 2, "rho": 0.5, "q": 0.4, "diversify": "oldest"},
}


# ------------------------------------------------------------------------------------------
# State checks
# ------------------------------------------------------------------------------------------


def check_invariants(walk: CcanrWalk, clauses: Clauses) -> None:
    """Every cached quantity equals its definition recomputed from the assignment and weights."""
    a = walk.assign.tolist()
    n, m = walk.formula.num_vars, len(clauses)
    weight = walk.weight.tolist()
    assert min(weight, default=1) >= 1
    true_vars = [[abs(x) - 1 for x in c if (a[abs(x) - 1] == 1) == (x > 0)] for c in clauses]
    assert walk.sat_count.tolist() == [len(t) for t in true_vars]
    score = [0] * n
    app = [0] * n
    for c, t in enumerate(true_vars):
        if not t:
            for x in clauses[c]:
                score[abs(x) - 1] += weight[c]
                app[abs(x) - 1] += 1
        elif len(t) == 1:
            score[t[0]] -= weight[c]
            assert walk.crit[c] == t[0], f"crit of clause {c}"
    assert walk.score.tolist() == score
    assert walk.app_count.tolist() == app
    counters = walk.counters
    nf, nu, ng = int(counters[NUM_FALSE]), int(counters[NUM_UVAR]), int(counters[NUM_GOOD])
    false_list = walk.false_list[:nf].tolist()
    assert sorted(false_list) == [c for c, t in enumerate(true_vars) if not t]
    where_false = walk.where_false.tolist()
    assert [where_false[c] for c in false_list] == list(range(nf))
    assert sum(1 for w in where_false if w == -1) == m - nf
    uvar = walk.uvar[:nu].tolist()
    assert sorted(uvar) == [v for v in range(n) if app[v] > 0]
    where_uvar = walk.where_uvar.tolist()
    assert [where_uvar[v] for v in uvar] == list(range(nu))
    cc = walk.conf_change.tolist()
    good = walk.good[:ng].tolist()
    assert sorted(good) == [v for v in range(n) if score[v] > 0 and cc[v] == 1]
    assert walk.in_good.tolist() == [int(v in set(good)) for v in range(n)]
    assert int(counters[AVE_WEIGHT]) >= 1
    assert 0 <= int(counters[DELTA_WEIGHT]) < max(m, 1)
    assert int(walk.time_stamp.max(initial=0)) < max(walk.flips, 1)


def assert_same(walk: CcanrWalk, ref: NaiveCCAnr) -> None:
    """Kernel and reference in the same state, including every list's order and the RNG."""
    assert walk.flips == ref.flips
    assert walk.assign.tolist() == ref.assignment().tolist()
    assert walk.weight.tolist() == ref.weights
    assert int(walk.counters[AVE_WEIGHT]) == ref.ave_weight
    assert int(walk.counters[DELTA_WEIGHT]) == ref.delta_weight
    nf, nu, ng = (int(walk.counters[i]) for i in (NUM_FALSE, NUM_UVAR, NUM_GOOD))
    assert walk.false_list[:nf].tolist() == ref.false_list
    assert [v + 1 for v in walk.uvar[:nu].tolist()] == ref.uvars
    assert [v + 1 for v in walk.good[:ng].tolist()] == ref.good
    assert walk.time_stamp.tolist() == [ref.time_stamp[v] for v in range(1, ref.num_vars + 1)]
    assert walk.conf_change.tolist() == [int(ref.conf_change[v])
                                         for v in range(1, ref.num_vars + 1)]
    assert walk.rng.tolist() == ref.rng.tolist()


def snapshot(walk: CcanrWalk) -> tuple:
    return tuple(np.asarray(a).tobytes() for a in walk.arrays())


# ------------------------------------------------------------------------------------------
# Kernel == reference
# ------------------------------------------------------------------------------------------


# every case with the published settings; the smoothing ones where the weights grow fastest
PAIRS = [(case, config) for case in CASES for config in ("defaults", "ccasat")] + [
    (case, config) for case in ("3sat-n30-uniform", "3sat-n12-tiny", "mixed1-6-n30",
                                "mixed2-4-n12") for config in ("smooth-often", "smooth-often-q")]


@pytest.mark.parametrize(("case", "config"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_kernel_follows_reference(case: str, config: str) -> None:
    num_vars, clauses = CASES[case]()
    formula = to_formula(num_vars, clauses)
    walk = ccanr_walk(formula, **CONFIGS[config])
    for seed in (1, 2):
        walk.start(seed)
        ref = naive_ccanr(num_vars, clauses, seed, walk.params)
        assert_same(walk, ref)
        check_invariants(walk, clauses)
        for chunk in CHUNKS:
            got = walk.step(chunk)
            assert (bool(got[0]), int(got[1])) == ref.step(chunk), f"chunk {chunk}"
            assert_same(walk, ref)
            check_invariants(walk, clauses)
            if ref.solved:
                assert formula.falsified_clause(walk.assign) == -1
                break


def test_reference_runs_exercise_smoothing() -> None:
    """The equivalence runs above do reach the smoothing step (else it would go untested)."""
    for case in ("3sat-n12-tiny", "mixed2-4-n12"):
        num_vars, clauses = CASES[case]()
        for config in ("smooth-often", "smooth-often-q"):
            params = ccanr_params(to_formula(num_vars, clauses), **CONFIGS[config])
            ref = naive_ccanr(num_vars, clauses, 1, params)
            ref.step(sum(CHUNKS))
            assert ref.smoothings >= 5, (case, config)


def test_flip_by_flip_sequence() -> None:
    """One flip per call: the kernel flips exactly the variables the reference flips."""
    num_vars, clauses = random_formula(30, 150, (3,), 21, planted=False)
    walk = ccanr_walk(to_formula(num_vars, clauses), gamma=2)
    walk.start(5)
    ref = naive_ccanr(num_vars, clauses, 5, walk.params)
    flipped = []
    for _ in range(200):
        before = walk.assign.copy()
        if walk.step(1)[1] == 0:
            break
        ref.step(1)
        changed = np.flatnonzero(walk.assign != before)
        assert len(changed) == 1
        flipped.append(int(changed[0]) + 1)
    assert flipped == ref.flipped
    assert len(flipped) == 200


def test_neighbours() -> None:
    num_vars, clauses = random_formula(40, 100, (1, 2, 3, 5), 8, planted=False)
    formula = to_formula(num_vars + 3, clauses)  # 3 variables that occur nowhere
    start, nb = build_neighbors(formula.clause_start, formula.lits, formula.occ_start,
                                formula.occ, formula.num_vars)
    for v in range(1, num_vars + 4):
        want = sorted({abs(x) for c in clauses if v in map(abs, c) for x in c} - {v})
        assert [u + 1 for u in nb[start[v - 1]:start[v]].tolist()] == want


# ------------------------------------------------------------------------------------------
# Invariants on long walks, resumability, determinism
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [{}, {"gamma": 1}, {"gamma": 3, "q": 0.7,
                                                       "diversify": "oldest"}], ids=str)
def test_invariants_after_many_flips(given: dict[str, object]) -> None:
    num_vars, clauses = random_formula(60, 330, (2, 3, 4), 31, planted=False)  # unsat
    walk = ccanr_walk(to_formula(num_vars, clauses), **given)
    walk.start(9)
    for chunk in (1, 999, 5000, 3, 14000):
        assert walk.step(chunk) == (False, chunk)
        check_invariants(walk, clauses)
    assert walk.flips == 20003


def test_invariants_every_flip_with_smoothing() -> None:
    """Checked after every flip while the weights are smoothed every few steps: the CCD stack
    stays exact across smoothing (where the reference C code lets it go stale)."""
    num_vars, clauses = random_formula(100, 600, (3,), 31, planted=False)
    walk = ccanr_walk(to_formula(num_vars, clauses), gamma=1)
    walk.start(9)
    for _ in range(600):
        walk.step(1)
        check_invariants(walk, clauses)


@pytest.mark.parametrize("given", [{}, {"gamma": 2, "diversify": "oldest"}], ids=str)
def test_chunked_equals_single_call(given: dict[str, object]) -> None:
    num_vars, clauses = random_formula(60, 330, (3,), 41, planted=False)  # ratio 5.5: unsat
    formula = to_formula(num_vars, clauses)
    total = 5000
    whole = ccanr_walk(formula, **given)
    whole.start(3)
    assert whole.step(total) == (False, total)
    pieces = ccanr_walk(formula, **given)
    pieces.start(3)
    rnd = random.Random(0)
    done = 0
    while done < total:
        n = min(rnd.choice((0, 1, 2, 3, 17, 64, 250)), total - done)
        assert pieces.step(n) == (False, n)
        done += n
    assert snapshot(pieces) == snapshot(whole)


def test_same_seed_same_run_different_seeds_differ() -> None:
    formula = read_cnf(ROOT / "instances" / "uf3-n100-m420-s1-001.cnf")
    walk = ccanr_walk(formula)
    runs = [run_once(walk, seed, max_flips=10**6) for seed in (4, 4, 5)]
    assert all(r.status == "sat" for r in runs)
    assert runs[0].flips == runs[1].flips
    assert np.array_equal(runs[0].model, runs[1].model)
    assert (runs[0].flips, runs[0].model.tobytes()) != (runs[2].flips, runs[2].model.tobytes())


def test_step_zero_and_restart() -> None:
    num_vars, clauses = random_formula(40, 200, (3,), 42, planted=False)
    walk = ccanr_walk(to_formula(num_vars, clauses))
    walk.start(6)
    fresh = snapshot(walk)
    assert walk.step(0) == (walk.solved, 0)
    assert snapshot(walk) == fresh
    walk.step(700)
    walk.start(6)
    assert snapshot(walk) == fresh


# ------------------------------------------------------------------------------------------
# Models on the bundled instances, specs, edge cases
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["ccanr", "ccasat"])
@pytest.mark.parametrize("prefix", ["uf3-n50-", "uf3-n100-", "uf5-n50-"])
def test_solves_bundled(prefix: str, solver: str) -> None:
    for path in sorted((ROOT / "instances").glob(prefix + "*.cnf")):
        formula = read_cnf(path)
        walk = make_walk(formula, str(ROOT / "solvers" / f"{solver}.toml"))
        for seed in range(3):
            result = run_once(walk, seed, max_flips=10**6, chunk=997)
            assert result.status == "sat", (path.name, seed)
            assert formula.falsified_clause(result.model) == -1
            assert result.flips == walk.flips


def test_spec_files() -> None:
    formula = read_cnf(ROOT / "instances" / "uf3-n50-m210-s1-001.cnf")
    ccanr = load_spec(ROOT / "solvers" / "ccanr.toml")
    assert ccanr.kernel == "ccanr" and "Cai" in ccanr.description
    assert format_params(make_walk(formula, ccanr).params) == (
        "diversify=greedy,gamma=300,q=0.0,rho=0.3")
    ccasat = load_spec(ROOT / "solvers" / "ccasat.toml")
    assert format_params(make_walk(formula, ccasat).params) == (
        "diversify=oldest,gamma=300,q=0.7,rho=0.3")


def test_trivial_formulas() -> None:
    for text in (b"p cnf 3 0\n", b"p cnf 2 1\n1 -1 0\n"):  # no clause; only a tautology
        walk = ccanr_walk(parse_cnf(text, "<t>"))
        result = run_once(walk, 1, max_flips=10)
        assert (result.status, result.flips) == ("sat", 0)
    walk = ccanr_walk(parse_cnf(b"p cnf 2 3\n1 0\n-1 2 0\n-2 0\n", "<unsat>"))
    walk.start(1)
    assert walk.step(1000) == (False, 1000)


# ------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------


def test_default_parameters_follow_the_ratio() -> None:
    uf3 = read_cnf(ROOT / "instances" / "uf3-n50-m210-s1-001.cnf")
    uf5 = read_cnf(ROOT / "instances" / "uf5-n50-m1003-s1-001.cnf")  # ratio 20 > 15
    assert ccanr_params(uf3) == {"gamma": 300, "rho": 0.3, "q": 0.0, "diversify": "greedy"}
    assert ccanr_params(uf5)["q"] == 0.7
    assert ccanr_params(uf5, q=0, gamma=250.0) == {"gamma": 250, "rho": 0.3, "q": 0.0,
                                                   "diversify": "greedy"}


@pytest.mark.parametrize(("given", "message"), [
    ({"noise": 0.5}, "unknown parameter 'noise'"),
    ({"diversify": "random"}, "diversify must be 'greedy' or 'oldest'"),
    ({"gamma": 0}, "gamma must be in [1, 1e+09]"),
    ({"gamma": 2.5}, "gamma must be a whole number"),
    ({"gamma": True}, "gamma must be a whole number"),
    ({"rho": 1.5}, "rho must be in [0, 1]"),
    ({"q": -0.1}, "q must be in [0, 1]"),
    ({"rho": "abc"}, "rho must be a number"),
])
def test_bad_parameters(given: dict[str, object], message: str) -> None:
    formula = to_formula(*random_formula(5, 10, (3,), 1))
    with pytest.raises(SatspeedError, match=message.replace("[", r"\[").replace("+", r"\+")) as exc:
        make_walk(formula, "ccanr", **given)
    assert "\n" not in str(exc.value)
