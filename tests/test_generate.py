"""Instance generation, the satisfiability check, and the bundled instance set."""

from __future__ import annotations

import csv
import gzip
import hashlib
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from satspeed.cli import main
from satspeed.errors import SatspeedError
from satspeed.run.formula import satcheck
from satspeed.run.formula.generate import (
    default_ratio,
    dimacs_text,
    generate,
    manifest_rows,
    planted_ksat,
    satisfied,
    uniform_ksat,
)
from satspeed.run.formula.satcheck import check_sat

INSTANCES = Path(__file__).resolve().parent.parent / "instances"


def _header(path: Path) -> tuple[int, int, list[list[int]]]:
    """n, m and clauses of a plain DIMACS file, parsed here (independently of
    satspeed.run.formula.cnf)."""
    n = m = -1
    clauses = []
    for line in path.read_text().splitlines():
        if line.startswith("c"):
            continue
        if line.startswith("p"):
            _, fmt, n_s, m_s = line.split()
            assert fmt == "cnf"
            n, m = int(n_s), int(m_s)
            continue
        lits = [int(x) for x in line.split()]
        assert lits[-1] == 0
        clauses.append(lits[:-1])
    return n, m, clauses


@pytest.mark.parametrize("k,n,m", [(3, 50, 210), (5, 20, 300), (7, 7, 40), (2, 2, 10)])
def test_uniform_shape_range_distinct(k: int, n: int, m: int) -> None:
    clauses = uniform_ksat(k, n, m, np.random.default_rng(0))
    assert clauses.shape == (m, k) and clauses.dtype == np.int32
    variables = np.abs(clauses)
    assert variables.min() >= 1 and variables.max() <= n
    assert all(len(set(row)) == k for row in variables.tolist())


def test_uniform_signs_and_subsets_balanced() -> None:
    clauses = uniform_ksat(3, 5, 20000, np.random.default_rng(1))
    assert 0.48 < (clauses > 0).mean() < 0.52
    subsets = Counter(tuple(sorted(row)) for row in np.abs(clauses).tolist())
    assert len(subsets) == 10  # C(5, 3)
    assert all(1700 < c < 2300 for c in subsets.values())  # expected 2000 each
    # no position bias: every column holds every variable about equally often
    for col in range(3):
        counts = np.bincount(np.abs(clauses[:, col]), minlength=6)[1:]
        assert all(3600 < c < 4400 for c in counts)


def test_planted_assignment_satisfies_every_clause() -> None:
    clauses, assignment = planted_ksat(3, 100, 1000, np.random.default_rng(2))
    assert clauses.shape == (1000, 3) and assignment.shape == (100,)
    assert assignment.dtype == bool
    assert satisfied(clauses, assignment).all()
    assert all(len(set(row)) == 3 for row in np.abs(clauses).tolist())


def test_default_ratio() -> None:
    assert default_ratio(2) == 1.0
    assert default_ratio(3) == 4.2
    assert default_ratio(5) == pytest.approx(0.95 * 21.12, rel=1e-3)
    assert default_ratio(7) == pytest.approx(0.95 * 87.79, rel=1e-3)
    assert default_ratio(10) == pytest.approx(0.95 * 2**10 * np.log(2), rel=0.01)


def test_dimacs_text() -> None:
    text = dimacs_text([[1, -2], [3, 2, -1]], ["hello", "two\nlines"], n=4)
    assert text == "c hello\nc two\nc lines\np cnf 4 2\n1 -2 0\n3 2 -1 0\n"
    assert dimacs_text(np.array([[1, -5]]), []).startswith("p cnf 5 1\n")


def test_check_sat_sat_unsat_timeout() -> None:
    clauses, _ = planted_ksat(3, 60, 250, np.random.default_rng(3))
    assert check_sat(clauses, 30) is True
    assert check_sat(clauses.tolist(), 30) is True
    unsat = [[s1 * 1, s2 * 2, s3 * 3] for s1, s2, s3 in itertools.product((1, -1), repeat=3)]
    assert check_sat(unsat, 30) is False
    assert check_sat([[1], []], 30) is False
    assert check_sat([], 30) is True
    # The child cannot even start Python in a millisecond, so this is undecided every time.
    assert check_sat(uniform_ksat(3, 200, 840, np.random.default_rng(4)), 1e-3) is None


def test_check_sat_child_failure_is_an_error() -> None:
    with pytest.raises(SatspeedError, match="satisfiability check"):
        check_sat([[1, 2]], 30, solver="no-such-solver")


def test_generate_deterministic_and_named(tmp_path: Path) -> None:
    kw = dict(family="uniform", k=3, n=30, ratio=None, m=None, count=3, seed=7,
              sat_only=False, check_timeout=10.0)
    a = generate(tmp_path / "a", compress="none", **kw)
    b = generate(tmp_path / "b", compress="none", **kw)
    assert [p.name for p in a] == [f"uf3-n30-m126-s7-00{i}.cnf" for i in (1, 2, 3)]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes() != a[1].read_bytes()
    n, m, clauses = _header(a[0])
    assert (n, m, len(clauses)) == (30, 126, 126)
    text = a[0].read_text()
    for needle in ("family: uniform", "k: 3", "n: 30", "m: 126", "seed: 7", "candidate: 0",
                   "satspeed 0.", "options: --family uniform -k 3 -n 30 --ratio 4.2"):
        assert needle in text
    gz1 = generate(tmp_path / "c", compress="gz", **kw)
    gz2 = generate(tmp_path / "d", compress="gz", **kw)
    assert gz1[0].name.endswith(".cnf.gz")
    assert gz1[0].read_bytes() == gz2[0].read_bytes()
    unzipped = gzip.decompress(gz1[0].read_bytes()).decode()
    assert "--compress gz" in unzipped
    assert unzipped.split("p cnf")[1] == a[0].read_text().split("p cnf")[1]


def test_generate_planted_sat_only(tmp_path: Path) -> None:
    (path,) = generate(tmp_path, family="planted", k=4, n=30, m=200, count=1, seed=1,
                       sat_only=True, check_timeout=30)
    assert path.name == "pl4-n30-m200-s1-001.cnf"
    assert "sat: yes" in path.read_text()
    assert [row["sat"] for row in manifest_rows(tmp_path)] == ["yes"]


def test_generate_sat_only_skips_and_gives_up(tmp_path: Path, monkeypatch, capsys) -> None:
    verdicts = iter([False, None, True] + [False] * 100)
    monkeypatch.setattr(satcheck, "check_sat", lambda clauses, timeout_s: next(verdicts))
    (path,) = generate(tmp_path / "a", n=20, count=1, seed=1, sat_only=True)
    assert "candidate: 2" in path.read_text()
    err = capsys.readouterr().err
    assert "skipped candidate 0: unsatisfiable" in err
    assert "skipped candidate 1: undecided" in err
    with pytest.raises(SatspeedError, match="after 40 candidates"):
        generate(tmp_path / "b", n=20, count=2, seed=1, sat_only=True)


def test_generate_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(SatspeedError, match="k=5"):
        generate(tmp_path, k=5, n=3)
    with pytest.raises(SatspeedError, match="not both"):
        generate(tmp_path, n=10, ratio=4.2, m=42)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SatspeedError, match="cannot create output folder"):
        generate(blocker / "sub", n=10)


def test_cli_gen(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["gen", str(tmp_path / "out"), "-k", "5", "-n", "20",
                                  "--count", "2", "--seed", "3", "--compress", "xz"])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["uf5-n20-m401-s3-001.cnf.xz", "uf5-n20-m401-s3-002.cnf.xz"]
    result = runner.invoke(main, ["gen", str(tmp_path / "bad"), "-k", "4", "-n", "3"])
    assert result.exit_code == 1
    assert "error:" in result.output and "Traceback" not in result.output


def test_bundled_manifest_matches_files() -> None:
    with open(INSTANCES / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["file", "family", "k", "n", "m", "ratio", "sat", "sha256",
                             "command"]
    on_disk = sorted(p.name for p in INSTANCES.iterdir() if ".cnf" in p.name)
    assert sorted(r["file"] for r in rows) == on_disk
    assert len(on_disk) >= 10
    total = 0
    for row in rows:
        path = INSTANCES / row["file"]
        data = path.read_bytes()
        total += len(data)
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        n, m, clauses = _header(path)
        assert (str(n), str(m)) == (row["n"], row["m"]) and len(clauses) == m
        assert all(len(c) == int(row["k"]) for c in clauses)
        assert max(abs(lit) for c in clauses for lit in c) <= n
        assert m == round(float(row["ratio"]) * n)
        assert row["sat"] == "yes" and row["family"] in ("uniform", "planted")
        assert row["command"].startswith("python -m satspeed gen instances ")
        assert "--sat-only" in row["command"]
    assert total < 1_000_000
    # the manifest is exactly what the generator's helper writes from the files
    assert rows == manifest_rows(INSTANCES)
