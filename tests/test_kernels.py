"""The SLS kernels: exact agreement with the slow references in naive.py, state invariants,
resumability, determinism, verified models, run_once's cutoffs, the RNG and the parameters."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from naive import NaiveWalk, is_model, naive_walk

from satspeed.errors import SatspeedError
from satspeed.labels import format_params
from satspeed.run.algorithms.base import Walk
from satspeed.run.algorithms.breaks import probsat_params, walksat_params
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.formula.cnf import Formula, parse_cnf, read_cnf
from satspeed.run.kernels.rng import below, next_u64, seed_state, uniform
from satspeed.run.kernels.walk import FLIPS, NUM_FALSE

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
MASK64 = (1 << 64) - 1

# ------------------------------------------------------------------------------------------
# Formulas
# ------------------------------------------------------------------------------------------

Clauses = list[list[int]]


def random_formula(n: int, m: int, lengths: tuple[int, ...], seed: int, planted: bool = True,
                   used: int | None = None) -> tuple[int, Clauses]:
    """m clauses over variables 1..n, each of a length drawn from `lengths`, with distinct
    variables (no tautologies, no duplicates). Only a random subset of `used` variables appears
    when `used` is given. `planted`: every clause is satisfied by a hidden assignment."""
    rnd = random.Random(seed)
    pool = sorted(rnd.sample(range(1, n + 1), used)) if used is not None else list(range(1, n + 1))
    hidden = {v: rnd.random() < 0.5 for v in pool}
    clauses = []
    for _ in range(m):
        k = rnd.choice(lengths)
        clause = [v if rnd.random() < 0.5 else -v for v in rnd.sample(pool, k)]
        if planted and not any(hidden[abs(x)] == (x > 0) for x in clause):
            j = rnd.randrange(k)
            clause[j] = -clause[j]
        clauses.append(clause)
    return n, clauses


def dimacs(num_vars: int, clauses: Clauses) -> bytes:
    lines = [f"p cnf {num_vars} {len(clauses)}"]
    lines += [" ".join(map(str, c)) + " 0" for c in clauses]
    return ("\n".join(lines) + "\n").encode()


def to_formula(num_vars: int, clauses: Clauses, name: str = "<test>") -> Formula:
    return parse_cnf(dimacs(num_vars, clauses), name)


def read_dimacs(path: Path) -> tuple[int, Clauses]:
    """A plain DIMACS file parsed here, independently of satspeed.run.formula.cnf."""
    tokens: list[int] = []
    n = -1
    for line in path.read_text().splitlines():
        s = line.strip()
        if not s or s[0] == "c":
            continue
        if s[0] == "%":
            break
        if s[0] == "p":
            n = int(s.split()[2])
            continue
        tokens += [int(x) for x in s.split()]
    clauses, cur = [], []
    for x in tokens:
        if x == 0:
            clauses.append(cur)
            cur = []
        else:
            cur.append(x)
    if cur:
        clauses.append(cur)
    return n, clauses


def bundled(prefix: str) -> Path:
    """The first bundled instance whose name starts with `prefix` (fail if none is there)."""
    found = sorted(INSTANCES.glob(prefix + "*.cnf"))
    if not found:
        pytest.fail(f"no bundled instance {prefix}*.cnf")
    return found[0]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], tuple[int, Clauses]]
    chunks: tuple[int, ...] = (1, 7, 60, 150)
    seeds: tuple[int, ...] = (1, 2)

    def __repr__(self) -> str:
        return self.name


GENERATED = [
    Case("3sat-n20", lambda: random_formula(20, 84, (3,), 1)),
    Case("3sat-n40", lambda: random_formula(40, 168, (3,), 2)),
    Case("3sat-n60", lambda: random_formula(60, 252, (3,), 3)),
    Case("3sat-n30-uniform", lambda: random_formula(30, 126, (3,), 4, planted=False)),
    Case("3sat-n25-overconstrained", lambda: random_formula(25, 200, (3,), 5, planted=False)),
    Case("4sat-n25", lambda: random_formula(25, 220, (4,), 6)),
    Case("5sat-n30", lambda: random_formula(30, 500, (5,), 7)),
    Case("7sat-n20", lambda: random_formula(20, 600, (7,), 8)),
    Case("mixed1-6-n40", lambda: random_formula(40, 160, (1, 2, 3, 4, 5, 6), 9)),
    Case("mixed2-4-n30", lambda: random_formula(30, 110, (2, 3, 4), 10)),
    Case("unused-vars-n50", lambda: random_formula(50, 120, (3,), 11, used=30)),
    Case("unused-vars-mixed", lambda: random_formula(45, 100, (1, 3, 5, 6), 12, used=35)),
    # over the threshold (most likely unsatisfiable): long walks with many false clauses
    Case("5sat-n20-hard", lambda: random_formula(20, 460, (5,), 13, planted=False),
         seeds=(1,)),
    Case("7sat-n10-hard", lambda: random_formula(10, 900, (7,), 14, planted=False),
         chunks=(1, 7, 60), seeds=(1,)),
    Case("mixed2-6-n30-hard", lambda: random_formula(30, 300, (2, 3, 4, 5, 6), 15,
                                                     planted=False), seeds=(1,)),
    Case("mixed1-6-n40-hard", lambda: random_formula(40, 200, (1, 2, 3, 4, 5, 6), 16,
                                                     planted=False), seeds=(1,)),
    Case("unused-vars-hard", lambda: random_formula(50, 160, (3,), 17, planted=False,
                                                    used=30)),
]
BUNDLED = [
    Case("bundled-uf3-n50", lambda: read_dimacs(bundled("uf3-n50-")), chunks=(1, 7, 100, 200)),
    Case("bundled-uf5-n50", lambda: read_dimacs(bundled("uf5-n50-")), chunks=(1, 7, 100)),
]

# (solver, parameters given to make_walk)
CONFIGS = [
    ("probsat", {"caching": False}),
    ("probsat", {"caching": True}),
    ("walksat", {}),
]
EXTRA_CONFIGS = [
    ("probsat", {"fct": "exp", "cb": 2.5, "caching": True}),
    ("probsat", {"fct": "poly", "cb": 2.38, "eps": 1.0, "caching": False}),
    ("walksat", {"noise": 0.0}),
    ("walksat", {"noise": 1.0}),
    ("walksat", {"noise": 0.2}),
]


def config_id(config: tuple[str, dict[str, object]]) -> str:
    solver, given = config
    return solver + ("" if not given else "-" + format_params(given))


# ------------------------------------------------------------------------------------------
# State checks
# ------------------------------------------------------------------------------------------


def caching_of(walk: Walk) -> bool:
    """Whether the walk keeps break values (probsat: its parameter; walksat: clauses longer
    than WALKSAT_COUNTED_UP_TO, the 7-SAT and mixed-to-6 cases)."""
    return bool(walk.caching)


def check_invariants(walk: Walk, clauses: Clauses) -> None:
    """The kernel's incremental state equals the same quantities recomputed from scratch."""
    a = walk.assign.tolist()
    true_lits = [[x for x in c if (a[abs(x) - 1] == 1) == (x > 0)] for c in clauses]
    num_true = [len(t) for t in true_lits]
    assert walk.num_true.tolist() == num_true
    num_false = int(walk.counters[NUM_FALSE])
    false_list = walk.false_list[:num_false].tolist()
    assert len(set(false_list)) == num_false
    assert sorted(false_list) == [c for c, t in enumerate(num_true) if t == 0]
    where = walk.where_false.tolist()
    for i, c in enumerate(false_list):
        assert where[c] == i
    for c, t in enumerate(num_true):
        if t > 0:
            assert where[c] == -1
    if caching_of(walk):
        breaks = [0] * walk.formula.num_vars
        for c, t in enumerate(true_lits):
            if len(t) == 1:
                v = abs(t[0]) - 1
                breaks[v] += 1
                assert walk.crit[c] == v, f"crit of clause {c}"
        assert walk.breaks.tolist() == breaks


def assert_same(walk: Walk, ref: NaiveWalk) -> None:
    """Kernel and reference are in the same state: assignment, flips, false list, RNG."""
    assert walk.flips == ref.flips
    assert walk.assign.tolist() == ref.assignment().tolist()
    num_false = int(walk.counters[NUM_FALSE])
    assert walk.false_list[:num_false].tolist() == ref.false_list  # same order, not just set
    assert walk.rng.tolist() == ref.rng.tolist()


def snapshot(walk: Walk) -> tuple:
    nf = int(walk.counters[NUM_FALSE])
    return (walk.assign.tobytes(), walk.counters.tolist(), walk.rng.tolist(),
            walk.false_list[:nf].tolist(), walk.num_true.tolist())


# ------------------------------------------------------------------------------------------
# Kernel == reference
# ------------------------------------------------------------------------------------------

CHUNKS = (1, 7, 100, 300)


def run_against_reference(num_vars: int, clauses: Clauses, solver: str,
                          given: dict[str, object], seed: int,
                          chunks: tuple[int, ...] = CHUNKS) -> None:
    formula = to_formula(num_vars, clauses)
    walk = make_walk(formula, solver, **given)
    walk.start(seed)
    ref = naive_walk(solver, num_vars, clauses, seed, walk.params)
    assert_same(walk, ref)
    check_invariants(walk, clauses)
    for chunk in chunks:
        got = walk.step(chunk)
        want = ref.step(chunk)
        assert (bool(got[0]), int(got[1])) == want, f"chunk {chunk}"
        assert_same(walk, ref)
        check_invariants(walk, clauses)
        if ref.solved:
            assert formula.is_model(walk.assign)
            assert is_model(clauses, walk.assign)
            break


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
@pytest.mark.parametrize("case", GENERATED, ids=repr)
def test_kernel_follows_reference(case: Case, config: tuple[str, dict[str, object]]) -> None:
    num_vars, clauses = case.build()
    solver, given = config
    for seed in case.seeds:
        run_against_reference(num_vars, clauses, solver, given, seed, case.chunks)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
@pytest.mark.parametrize("case", BUNDLED, ids=repr)
def test_kernel_follows_reference_bundled(case: Case,
                                          config: tuple[str, dict[str, object]]) -> None:
    num_vars, clauses = case.build()
    solver, given = config
    run_against_reference(num_vars, clauses, solver, given, 7, case.chunks)


@pytest.mark.parametrize("config", EXTRA_CONFIGS, ids=config_id)
@pytest.mark.parametrize("case", [c for c in GENERATED if c.name in (
    "3sat-n25-overconstrained", "mixed2-6-n30-hard")], ids=repr)
def test_kernel_follows_reference_other_parameters(
        case: Case, config: tuple[str, dict[str, object]]) -> None:
    num_vars, clauses = case.build()
    solver, given = config
    run_against_reference(num_vars, clauses, solver, given, 3, case.chunks)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_flip_by_flip_sequence(config: tuple[str, dict[str, object]]) -> None:
    """One flip per call: the kernel flips exactly the variables the reference flips."""
    num_vars, clauses = random_formula(30, 126, (3,), 21, planted=False)
    solver, given = config
    walk = make_walk(to_formula(num_vars, clauses), solver, **given)
    walk.start(5)
    ref = naive_walk(solver, num_vars, clauses, 5, walk.params)
    flipped = []
    for _ in range(150):
        before = walk.assign.copy()
        if walk.step(1)[1] == 0:
            break
        ref.step(1)
        changed = np.flatnonzero(walk.assign != before)
        assert len(changed) == 1
        flipped.append(int(changed[0]) + 1)
    assert flipped == ref.flipped
    assert len(flipped) > 0


def test_bundled_reader_agrees() -> None:
    """Sanity for the bundled cases: the literal order the references see is the kernel's."""
    for prefix in ("uf3-n50-", "uf5-n50-"):
        path = bundled(prefix)
        n, clauses = read_dimacs(path)
        formula = read_cnf(path)
        assert formula.num_vars == n and formula.clauses() == clauses


def test_probsat_caching_on_and_off_agree() -> None:
    num_vars, clauses = random_formula(40, 300, (5,), 31, planted=False)
    formula = to_formula(num_vars, clauses)
    walks = [make_walk(formula, "probsat", caching=c) for c in (False, True)]
    for w in walks:
        w.start(11)
    for chunk in (1, 10, 500, 2000):
        results = [w.step(chunk) for w in walks]
        assert results[0] == results[1]
        assert snapshot(walks[0]) == snapshot(walks[1])


# ------------------------------------------------------------------------------------------
# Resumability, determinism, models
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS + EXTRA_CONFIGS[:1], ids=config_id)
def test_chunked_equals_single_call(config: tuple[str, dict[str, object]]) -> None:
    num_vars, clauses = random_formula(60, 330, (3,), 41, planted=False)  # ratio 5.5: unsat
    formula = to_formula(num_vars, clauses)
    solver, given = config
    total = 5000
    whole = make_walk(formula, solver, **given)
    whole.start(3)
    assert whole.step(total) == (False, total)
    pieces = make_walk(formula, solver, **given)
    pieces.start(3)
    rnd = random.Random(0)
    done = 0
    while done < total:
        n = min(rnd.choice((0, 1, 2, 3, 17, 64, 250)), total - done)
        solved, made = pieces.step(n)
        assert not solved and made == n
        done += made
        if n == 250:
            check_invariants(pieces, clauses)
    assert snapshot(pieces) == snapshot(whole)
    assert pieces.flips == whole.flips == total
    check_invariants(whole, clauses)


@pytest.mark.parametrize("solver", ["probsat", "walksat"])
def test_chunked_run_to_solution(solver: str) -> None:
    num_vars, clauses = random_formula(60, 252, (3,), 3)
    formula = to_formula(num_vars, clauses)
    a, b = make_walk(formula, solver), make_walk(formula, solver)
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
    formula = to_formula(*random_formula(30, 126, (3,), 4, planted=False))
    for solver in ("probsat", "walksat"):
        walk = make_walk(formula, solver)
        walk.start(1)
        before = snapshot(walk)
        assert walk.step(0)[1] == 0
        assert snapshot(walk) == before


@pytest.mark.parametrize("solver", ["probsat", "walksat"])
def test_same_seed_same_run_different_seeds_differ(solver: str) -> None:
    formula = read_cnf(bundled("uf3-n100-"))
    runs = {}
    for seed in (1, 2, 3, 4, 5):
        r1 = run_once(make_walk(formula, solver), seed)
        r2 = run_once(make_walk(formula, solver), seed)
        assert r1.status == r2.status == "sat"
        assert r1.flips == r2.flips
        assert np.array_equal(r1.model, r2.model)
        runs[seed] = (r1.flips, r1.model.tobytes())
    assert len(set(runs.values())) > 1
    starts = []
    for seed in (1, 2):
        walk = make_walk(formula, solver)
        walk.start(seed)
        starts.append(walk.assign.copy())
    assert not np.array_equal(*starts)


def test_reused_walk_restarts_cleanly() -> None:
    """start() resets everything: a walk object reused for a seed repeats a fresh walk."""
    formula = read_cnf(bundled("uf3-n50-"))
    for solver in ("probsat", "walksat"):
        walk = make_walk(formula, solver)
        first = run_once(walk, 4)
        run_once(walk, 8)
        again = run_once(walk, 4)
        assert (first.flips, first.model.tobytes()) == (again.flips, again.model.tobytes())


SOLVABLE = [c for c in GENERATED
            if "hard" not in c.name and "overconstrained" not in c.name]


@pytest.mark.parametrize("config", [c for c in CONFIGS + EXTRA_CONFIGS
                                    if c[1].get("noise") != 0.0],  # noise 0 can cycle forever
                         ids=config_id)
def test_models_are_models(config: tuple[str, dict[str, object]]) -> None:
    solver, given = config
    for case in SOLVABLE:
        num_vars, clauses = case.build()
        formula = to_formula(num_vars, clauses)
        walk = make_walk(formula, solver, **given)
        for seed in (0, 1, 2):
            result = run_once(walk, seed, max_flips=500_000)
            assert result.status == "sat", case.name
            assert result.model is not None and len(result.model) == num_vars
            assert formula.is_model(result.model)
            assert is_model(clauses, result.model), case.name


def test_models_on_bundled_instances() -> None:
    for prefix in ("uf3-n50-", "uf3-n250-", "uf5-n50-", "pl3-n200-"):
        path = bundled(prefix)
        _, clauses = read_dimacs(path)
        formula = read_cnf(path)
        for solver in ("probsat", "walksat"):
            result = run_once(make_walk(formula, solver), 1, max_flips=2_000_000)
            assert result.status == "sat", (prefix, solver)
            assert formula.is_model(result.model) and is_model(clauses, result.model)


def test_empty_and_trivial_formulas() -> None:
    empty = parse_cnf(b"p cnf 3 0\n")
    for solver in ("probsat", "walksat"):
        result = run_once(make_walk(empty, solver), 1)
        assert result.status == "sat" and result.flips == 0 and len(result.model) == 3
    units = to_formula(4, [[1], [-2], [3]])
    for solver in ("probsat", "walksat"):
        result = run_once(make_walk(units, solver), 2, max_flips=1000)
        assert result.status == "sat"
        assert result.model.tolist()[:3] == [1, 0, 1]


# ------------------------------------------------------------------------------------------
# run_once
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["probsat", "walksat"])
def test_run_once_honours_max_flips(solver: str) -> None:
    formula = to_formula(*random_formula(60, 330, (3,), 41, planted=False))  # unsat
    walk = make_walk(formula, solver)
    for max_flips, chunk in ((0, 100), (1, 100), (1000, 64), (1000, 1000), (777, 100_000)):
        result = run_once(walk, 1, max_flips=max_flips, chunk=chunk)
        assert result.status == "timeout"
        assert result.flips == max_flips
        assert result.model is None
    solvable = read_cnf(bundled("uf3-n50-"))
    result = run_once(make_walk(solvable, solver), 1, max_flips=10**7, chunk=5)
    assert result.status == "sat" and 0 < result.flips < 10**7


def test_run_once_timeout_in_seconds() -> None:
    formula = to_formula(*random_formula(60, 330, (3,), 41, planted=False))  # unsat
    result = run_once(make_walk(formula, "probsat"), 1, timeout=0.05, chunk=1000)
    assert result.status == "timeout" and result.flips > 0 and result.model is None


def test_run_once_rejects_a_wrong_model(monkeypatch: pytest.MonkeyPatch) -> None:
    formula = read_cnf(bundled("uf3-n50-"))
    monkeypatch.setattr(Formula, "falsified_clause", lambda self, assignment: 0)
    with pytest.raises(RuntimeError, match="falsifies clause 1"):
        run_once(make_walk(formula, "probsat"), 1)


def test_run_once_rejects_a_lying_kernel() -> None:
    """A kernel that claims success on a non-model is caught by the real check."""
    formula = to_formula(*random_formula(60, 330, (3,), 41, planted=False))  # unsat
    walk = make_walk(formula, "walksat")

    def lying_step(max_flips: int) -> tuple[bool, int]:
        walk.counters[NUM_FALSE] = 0
        walk.counters[FLIPS] += 1
        return True, 1

    walk.step = lying_step
    with pytest.raises(RuntimeError, match="this is a bug"):
        run_once(walk, 1)


# ------------------------------------------------------------------------------------------
# RNG
# ------------------------------------------------------------------------------------------


def splitmix64_states(seed: int) -> list[int]:
    z, out = seed, []
    for _ in range(4):
        z = (z + 0x9E3779B97F4A7C15) & MASK64
        x = z
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(x ^ (x >> 31))
    return out


def xoshiro_next(s: list[int]) -> int:
    def rotl(x: int, k: int) -> int:
        return ((x << k) | (x >> (64 - k))) & MASK64

    result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
    t = (s[1] << 17) & MASK64
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 45)
    return result


def test_seed_state_is_splitmix64() -> None:
    state = np.zeros(4, np.uint64)
    seed_state(state, np.uint64(0))
    assert int(state[0]) == 0xE220A8397B1DCDAF  # splitmix64's first output for seed 0
    assert state.tolist() == splitmix64_states(0)
    for seed in (1, 12345, 2**63, 2**64 - 1):
        seed_state(state, np.uint64(seed))
        assert state.tolist() == splitmix64_states(seed)
        assert any(state.tolist())


def test_next_u64_is_xoshiro256starstar() -> None:
    state = np.zeros(4, np.uint64)
    seed_state(state, np.uint64(42))
    mirror = state.tolist()
    for _ in range(200):
        assert int(next_u64(state)) == xoshiro_next(mirror)
    assert state.tolist() == mirror


def test_below_and_uniform_ranges() -> None:
    state = np.zeros(4, np.uint64)
    seed_state(state, np.uint64(7))
    for n in (1, 2, 3, 5, 7, 100, 2**31, 2**32 - 1):
        draws = [int(below(state, n)) for _ in range(500)]
        assert all(0 <= d < n for d in draws), n
        if n <= 7:
            assert set(draws) == set(range(n)), n  # every value is reachable
    mirror = state.tolist()
    for n in (3, 1000, 2**32 - 1):
        assert int(below(state, n)) == ((xoshiro_next(mirror) >> 32) * n) >> 32
    values = [uniform(state) for _ in range(5000)]
    assert all(0.0 <= u < 1.0 for u in values)
    assert 0.45 < sum(values) / len(values) < 0.55
    assert len(set(values)) == len(values)


# ------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------


def formula_with_longest(k: int) -> Formula:
    n = max(k, 3) + 2
    clauses = [[1, -2], [1, 2, -3], list(range(1, k + 1))]
    return to_formula(n, [c for c in clauses if len(c) <= k])


@pytest.mark.parametrize("k,expected", [
    (2, {"fct": "poly", "cb": 2.06, "eps": 0.9, "caching": False}),
    (3, {"fct": "poly", "cb": 2.06, "eps": 0.9, "caching": False}),
    (4, {"fct": "exp", "cb": 2.85, "eps": 1.0, "caching": True}),
    (5, {"fct": "exp", "cb": 3.7, "eps": 1.0, "caching": True}),
    (6, {"fct": "exp", "cb": 5.1, "eps": 1.0, "caching": True}),
    (7, {"fct": "exp", "cb": 5.4, "eps": 1.0, "caching": True}),
    (9, {"fct": "exp", "cb": 5.4, "eps": 1.0, "caching": True}),
])
def test_probsat_defaults_by_clause_length(k: int, expected: dict[str, object]) -> None:
    formula = formula_with_longest(k)
    assert formula.max_clause_len == k
    assert probsat_params(formula) == expected
    assert make_walk(formula, "probsat").params == expected


def test_parameter_overrides_and_errors() -> None:
    f3 = formula_with_longest(3)
    params = probsat_params(f3, cb=2.5, caching=None, fct="exp")
    assert params == {"fct": "exp", "cb": 2.5, "eps": 0.9, "caching": False}
    with pytest.raises(SatspeedError, match="fct"):
        probsat_params(f3, fct="linear")
    assert walksat_params(f3) == {"noise": 0.567}
    assert walksat_params(f3, noise=0.2) == {"noise": 0.2}
    assert walksat_params(f3, noise=None) == {"noise": 0.567}
    for bad in (-0.1, 1.5):
        with pytest.raises(SatspeedError, match="noise"):
            walksat_params(f3, noise=bad)
    with pytest.raises(SatspeedError, match="unknown solver"):
        make_walk(f3, "gsat")


def test_format_params_canonical() -> None:
    assert format_params(probsat_params(formula_with_longest(3))) == \
        "caching=0,cb=2.06,eps=0.9,fct=poly"
    assert format_params(probsat_params(formula_with_longest(5))) == \
        "caching=1,cb=3.7,eps=1.0,fct=exp"
    assert format_params(walksat_params(formula_with_longest(3))) == "noise=0.567"
    # sorted keys, whatever the insertion order; bools as 0/1, floats by repr, ints plain
    assert format_params({"z": True, "a": 0.1, "m": 3, "b": "x"}) == "a=0.1,b=x,m=3,z=1"


def test_walksat_counts_breaks_on_short_clauses_and_keeps_them_on_long_ones() -> None:
    """Both ways of getting break values are exercised by the flip-for-flip cases above:
    counted where no clause is longer than WALKSAT_COUNTED_UP_TO, kept otherwise."""
    for k, expected in ((2, False), (3, False), (5, False), (6, True), (7, True)):
        assert make_walk(formula_with_longest(k), "walksat").caching is expected, k
