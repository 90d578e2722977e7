"""The Sparrow kernel: flip-for-flip agreement with the slow reference (naive_sparrow.py), state
invariants, resumability, determinism, verified models and the parameters."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from naive import is_model
from naive_sparrow import NaiveSparrow

from satspeed.errors import SatspeedError
from satspeed.run.algorithms.sparrow import SparrowWalk, c1_powers, sparrow_params
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.formula.cnf import Formula, parse_cnf, read_cnf
from satspeed.run.kernels.sparrow import NUM_FALSE, NUM_PROM, NUM_WEIGHTED
from satspeed.run.kernels.walk import neighbours
from satspeed.run.specs import find_spec, load_spec

ROOT = Path(__file__).resolve().parent.parent
Clauses = list[list[int]]


def random_formula(n: int, m: int, lengths: tuple[int, ...], seed: int, planted: bool = True,
                   used: int | None = None) -> tuple[int, Clauses]:
    """m clauses of lengths drawn from `lengths`, distinct variables, over `used` of the n
    variables if given; `planted`: all satisfied by a hidden assignment."""
    rnd = random.Random(seed)
    pool = sorted(rnd.sample(range(1, n + 1), used)) if used else list(range(1, n + 1))
    hidden = {v: rnd.random() < 0.5 for v in pool}
    clauses = []
    for _ in range(m):
        k = rnd.choice(lengths)
        clause = [v if rnd.random() < 0.5 else -v for v in rnd.sample(pool, k)]
        if planted and not any(hidden[abs(x)] == (x > 0) for x in clause):
            clause[0] = -clause[0]
        clauses.append(clause)
    return n, clauses


def to_formula(num_vars: int, clauses: Clauses) -> Formula:
    text = "\n".join([f"p cnf {num_vars} {len(clauses)}"]
                     + [" ".join(map(str, c)) + " 0" for c in clauses])
    return parse_cnf((text + "\n").encode(), "<test>")


def bundled(prefix: str) -> Path:
    found = sorted((ROOT / "instances").glob(prefix + "*.cnf"))
    if not found:
        pytest.fail(f"no bundled instance {prefix}*.cnf")
    return found[0]


CASES = {
    "3sat-n20": lambda: random_formula(20, 84, (3,), 1),
    "3sat-n30-uniform": lambda: random_formula(30, 126, (3,), 4, planted=False),
    "3sat-n25-overconstrained": lambda: random_formula(25, 200, (3,), 5, planted=False),
    "5sat-n20-hard": lambda: random_formula(20, 460, (5,), 13, planted=False),
    "7sat-n10-hard": lambda: random_formula(10, 900, (7,), 14, planted=False),
    "mixed1-6-n30": lambda: random_formula(30, 130, (1, 2, 3, 4, 5, 6), 9),
    "mixed2-4-n30-hard": lambda: random_formula(30, 200, (2, 3, 4), 10, planted=False),
    "mixed2-6-n30-hard": lambda: random_formula(30, 300, (2, 3, 4, 5, 6), 15, planted=False),
    "unused-vars": lambda: random_formula(40, 110, (2, 3), 11, planted=False, used=25),
}
SEEDS = {"5sat-n20-hard": (1,), "7sat-n10-hard": (1,), "mixed2-6-n30-hard": (1, 2)}
CHUNKS = (1, 7, 60, 150)


# ------------------------------------------------------------------------------------------
# State checks
# ------------------------------------------------------------------------------------------


def scratch_scores(walk: SparrowWalk, clauses: Clauses) -> list[int]:
    """Weighted make minus break of every variable, from the kernel's weights and assignment."""
    a = walk.assign.tolist()
    score = [0] * walk.formula.num_vars
    for c, clause in enumerate(clauses):
        true_vars = [abs(x) - 1 for x in clause if (a[abs(x) - 1] == 1) == (x > 0)]
        w = int(walk.weight[c])
        if not true_vars:
            for x in clause:
                score[abs(x) - 1] += w
        elif len(true_vars) == 1:
            score[true_vars[0]] -= w
    return score


def promising(walk: SparrowWalk) -> set[int]:
    return {int(x) + 1 for x in walk.prom[:int(walk.counters[NUM_PROM])]}


def check_invariants(walk: SparrowWalk, clauses: Clauses) -> None:
    """The incremental state equals the same quantities recomputed from scratch."""
    a = walk.assign.tolist()
    true_vars = [[abs(x) - 1 for x in c if (a[abs(x) - 1] == 1) == (x > 0)] for c in clauses]
    assert walk.num_true.tolist() == [len(t) for t in true_vars]
    for c, t in enumerate(true_vars):
        if len(t) == 1:
            assert walk.crit[c] == t[0], f"crit of clause {c}"
    num_false = int(walk.counters[NUM_FALSE])
    false_list = walk.false_list[:num_false].tolist()
    assert sorted(false_list) == [c for c, t in enumerate(true_vars) if not t]
    assert all(walk.where_false[c] == i for i, c in enumerate(false_list))
    assert all(walk.where_false[c] == -1 for c, t in enumerate(true_vars) if t)
    assert walk.score.tolist() == scratch_scores(walk, clauses)
    weights = walk.weight.tolist()
    assert min(weights, default=1) >= 1
    num_weighted = int(walk.counters[NUM_WEIGHTED])
    weighted = walk.weighted[:num_weighted].tolist()
    assert sorted(weighted) == [c for c, w in enumerate(weights) if w > 1]
    assert all(walk.where_weighted[c] == i for i, c in enumerate(weighted))
    assert all(walk.where_weighted[c] == -1 for c, w in enumerate(weights) if w == 1)
    members = walk.prom[:int(walk.counters[NUM_PROM])].tolist()
    assert len(set(members)) == len(members)
    assert all(walk.mark[x] == 1 for x in members)
    assert int(walk.last.max(initial=0)) <= walk.flips


def assert_same(walk: SparrowWalk, ref: NaiveSparrow) -> None:
    """Kernel and reference are in the same state."""
    assert walk.flips == ref.flips
    assert walk.assign.tolist() == ref.assignment().tolist()
    num_false = int(walk.counters[NUM_FALSE])
    assert walk.false_list[:num_false].tolist() == ref.false_list  # same order
    assert walk.rng.tolist() == ref.rng.tolist()
    assert walk.weight.tolist() == ref.weight
    scores = ref.scores()
    assert walk.score.tolist() == [scores[v] for v in range(1, ref.num_vars + 1)]
    assert walk.last.tolist() == [ref.last[v] for v in range(1, ref.num_vars + 1)]
    assert promising(walk) == ref.promising
    assert {int(x) + 1 for x in np.flatnonzero(walk.mark)} == ref.marked


def snapshot(walk: SparrowWalk) -> tuple:
    return tuple(np.asarray(a).tobytes() for a in (
        walk.assign, walk.num_true, walk.weight, walk.score, walk.last, walk.counters, walk.rng,
        walk.mark, walk.false_list[:int(walk.counters[NUM_FALSE])],
        walk.prom[:int(walk.counters[NUM_PROM])],
        walk.weighted[:int(walk.counters[NUM_WEIGHTED])]))


# ------------------------------------------------------------------------------------------
# Kernel == reference
# ------------------------------------------------------------------------------------------


def run_against_reference(num_vars: int, clauses: Clauses, seed: int,
                          chunks: tuple[int, ...] = CHUNKS, **given: object) -> None:
    formula = to_formula(num_vars, clauses)
    walk = make_walk(formula, "sparrow", **given)
    assert isinstance(walk, SparrowWalk)
    walk.start(seed)
    p = walk.params
    ref = NaiveSparrow(num_vars, clauses, seed, p["c1"], p["c2"], p["c3"], p["sp"])  # type: ignore[arg-type]
    assert_same(walk, ref)
    check_invariants(walk, clauses)
    for chunk in chunks:
        got = walk.step(chunk)
        want = ref.step(chunk)
        assert got == want, f"chunk {chunk}"
        assert_same(walk, ref)
        check_invariants(walk, clauses)
        if ref.solved:
            assert formula.is_model(walk.assign) and is_model(clauses, walk.assign)
            break


@pytest.mark.parametrize("name", CASES)
def test_kernel_follows_reference(name: str) -> None:
    num_vars, clauses = CASES[name]()
    for seed in SEEDS.get(name, (1, 2, 3)):
        run_against_reference(num_vars, clauses, seed)


def test_kernel_follows_reference_bundled() -> None:
    path = bundled("uf3-n50-")
    formula = read_cnf(path)
    run_against_reference(formula.num_vars, formula.clauses(), 7, (1, 7, 100, 200))


@pytest.mark.parametrize("given", [
    {"sp": 0.0}, {"sp": 1.0}, {"c1": 1.0}, {"c1": 1.3, "c2": 1, "c3": 7.0},
    {"c2": 0}, {"c3": 3.0, "sp": 0.5},
], ids=str)
def test_kernel_follows_reference_other_parameters(given: dict[str, object]) -> None:
    for name in ("3sat-n25-overconstrained", "mixed2-6-n30-hard"):
        num_vars, clauses = CASES[name]()
        run_against_reference(num_vars, clauses, 3, **given)


def test_flip_by_flip_sequence() -> None:
    """One flip per call: the kernel flips exactly the variables the reference flips, and both
    greedy and distribution steps occur."""
    num_vars, clauses = CASES["3sat-n30-uniform"]()
    walk = make_walk(to_formula(num_vars, clauses), "sparrow")
    walk.start(5)
    p = walk.params
    ref = NaiveSparrow(num_vars, clauses, 5, p["c1"], p["c2"], p["c3"], p["sp"])  # type: ignore[arg-type]
    flipped, greedy = [], 0
    for _ in range(200):
        before, rng_before = walk.assign.copy(), walk.rng.copy()
        if walk.step(1)[1] == 0:
            break
        ref.step(1)
        changed = np.flatnonzero(walk.assign != before)
        assert len(changed) == 1
        flipped.append(int(changed[0]) + 1)
        greedy += int(np.array_equal(walk.rng, rng_before))  # a greedy step draws nothing
    assert flipped == ref.flipped
    assert 0 < greedy < len(flipped)


# ------------------------------------------------------------------------------------------
# Invariants over long walks, resumability, determinism, models
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["3sat-n25-overconstrained", "7sat-n10-hard",
                                  "mixed2-6-n30-hard"])
def test_invariants_after_many_flips(name: str) -> None:
    num_vars, clauses = CASES[name]()
    walk = make_walk(to_formula(num_vars, clauses), "sparrow")
    walk.start(17)
    for _ in range(5):
        solved, made = walk.step(4000)
        check_invariants(walk, clauses)
        if solved:
            assert is_model(clauses, walk.assign)
            break
        assert made == 4000
    if name == "3sat-n25-overconstrained":
        assert int(walk.counters[NUM_WEIGHTED]) > 0  # the weights did move


def test_chunked_equals_single_call() -> None:
    num_vars, clauses = random_formula(60, 330, (3,), 41, planted=False)  # ratio 5.5: unsat
    formula = to_formula(num_vars, clauses)
    total = 5000
    whole = make_walk(formula, "sparrow")
    whole.start(3)
    assert whole.step(total) == (False, total)
    pieces = make_walk(formula, "sparrow")
    pieces.start(3)
    rnd = random.Random(0)
    done = 0
    while done < total:
        n = min(rnd.choice((0, 1, 2, 3, 17, 64, 250)), total - done)
        assert pieces.step(n) == (False, n)
        done += n
    assert snapshot(pieces) == snapshot(whole)
    check_invariants(whole, clauses)


def test_chunked_run_to_solution() -> None:
    formula = read_cnf(bundled("uf3-n100-"))
    a, b = make_walk(formula, "sparrow"), make_walk(formula, "sparrow")
    a.start(9)
    b.start(9)
    solved, made = a.step(10**7)
    assert solved
    total = 0
    while True:
        s, m = b.step(13)
        total += m
        if s or m == 0:
            break
    assert s and total == made
    assert snapshot(a) == snapshot(b)
    assert b.step(100) == (True, 0)  # a solved walk makes no more flips


def test_step_zero_changes_nothing() -> None:
    walk = make_walk(to_formula(*CASES["3sat-n30-uniform"]()), "sparrow")
    walk.start(1)
    before = snapshot(walk)
    assert walk.step(0) == (False, 0)
    assert snapshot(walk) == before


@pytest.mark.parametrize("prefix", ["uf3-n50-", "uf3-n100-", "uf5-n50-"])
def test_solves_bundled(prefix: str) -> None:
    formula = read_cnf(bundled(prefix))
    clauses = formula.clauses()
    walk = make_walk(formula, "sparrow")
    for seed in (1, 2, 3):
        result = run_once(walk, seed, max_flips=10**7)  # run_once verifies the model too
        assert result.status == "sat" and result.model is not None
        assert formula.falsified_clause(result.model) == -1
        assert is_model(clauses, result.model)


def test_same_seed_same_run_different_seeds_differ() -> None:
    formula = read_cnf(bundled("uf3-n100-"))
    runs = set()
    for seed in (1, 2, 3, 4):
        r1 = run_once(make_walk(formula, "sparrow"), seed)
        r2 = run_once(make_walk(formula, "sparrow"), seed)
        assert r1.status == r2.status == "sat" and r1.model is not None
        assert r1.flips == r2.flips and np.array_equal(r1.model, r2.model)
        runs.add((r1.flips, r1.model.tobytes()))
    assert len(runs) > 1


def test_reused_walk_restarts_cleanly() -> None:
    walk = make_walk(read_cnf(bundled("uf3-n50-")), "sparrow")
    first = run_once(walk, 4)
    run_once(walk, 8)
    again = run_once(walk, 4)
    assert first.model is not None and again.model is not None
    assert (first.flips, first.model.tobytes()) == (again.flips, again.model.tobytes())


def test_formula_without_clauses_is_solved_at_once() -> None:
    walk = make_walk(to_formula(3, []), "sparrow")
    walk.start(1)
    assert walk.solved and walk.step(10) == (True, 0)


# ------------------------------------------------------------------------------------------
# Parameters and the spec
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lengths", "expected"), [
    ((2, 3), {"c1": 2.15, "c2": 4, "c3": 100000.0, "sp": 0.347}),
    ((3, 4), {"c1": 2.85, "c2": 4, "c3": 75000.0, "sp": 1.0}),
    ((5,), {"c1": 2.85, "c2": 4, "c3": 75000.0, "sp": 1.0}),
    ((3, 6), {"c1": 6.5, "c2": 4, "c3": 100000.0, "sp": 0.83}),
    ((7,), {"c1": 6.5, "c2": 4, "c3": 100000.0, "sp": 0.83}),
])
def test_sat11_defaults_by_longest_clause(lengths: tuple[int, ...],
                                          expected: dict[str, object]) -> None:
    formula = to_formula(*random_formula(12, 20, lengths, 1))
    assert sparrow_params(formula) == expected
    assert sparrow_params(formula, sp=0.5, c2=2.0)["c2"] == 2
    assert sparrow_params(formula, sp=0.5, c1=None)["c1"] == expected["c1"]


@pytest.mark.parametrize(("given", "message"), [
    ({"noise": 0.5}, "unknown parameter 'noise'"),
    ({"c1": 0.5}, "c1 must be in [1, 1e+06], not 0.5"),
    ({"sp": 1.5}, "sp must be in [0, 1], not 1.5"),
    ({"sp": "often"}, "sp must be a number, not 'often'"),
    ({"c2": 2.5}, "c2 must be a whole number, not 2.5"),
    ({"c2": True}, "c2 must be a whole number"),
    ({"c2": 17}, "c2 must be in [0, 16], not 17"),
    ({"c3": 0.0}, "c3 must be in"),
])
def test_bad_parameters(given: dict[str, object], message: str) -> None:
    formula = to_formula(*random_formula(12, 20, (3,), 1))
    with pytest.raises(SatspeedError) as info:
        make_walk(formula, "sparrow", **given)
    text = str(info.value)
    assert text.startswith("sparrow: ") and message in text and "\n" not in text


def test_neighbours() -> None:
    num_vars, clauses = CASES["unused-vars"]()
    f = to_formula(num_vars, clauses)
    nb_start, nb = neighbours(f.clause_start, f.lits, f.occ_start, f.occ, f.num_vars)
    for v in range(1, num_vars + 1):
        got = nb[nb_start[v - 1]:nb_start[v]].tolist()
        want = {abs(x) for c in clauses if v in map(abs, c) for x in c} - {v}
        assert len(got) == len(set(got)) and {x + 1 for x in got} == want


def test_c1_powers() -> None:
    assert c1_powers(2.15).tolist() == [2.15**-j for j in range(11)]
    assert c1_powers(1.0).tolist() == [1.0] * 11


def test_spec_file() -> None:
    spec = load_spec(ROOT / "solvers" / "sparrow.toml")
    assert spec.kernel == "sparrow" and spec.given == {} and "Balint" in spec.description
    assert find_spec("sparrow").kernel == "sparrow"
