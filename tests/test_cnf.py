"""The DIMACS reader (satspeed.run.formula.cnf): accepted and rejected input, compression,
occurrence lists, model checking, random formulas against a naive parser, python-sat's reader,
and the CLI."""

from __future__ import annotations

import bz2
import gzip
import itertools
import lzma
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pysat.formula import CNF

from satspeed.cli import main
from satspeed.errors import InputError
from satspeed.run.formula.cnf import Formula, is_cnf_path, parse_cnf, read_cnf

INSTANCES = Path(__file__).resolve().parent.parent / "instances"
COMPRESSORS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


def _write(directory: Path, text: str | bytes, name: str = "f.cnf") -> Path:
    path = directory / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _read_quiet(path: Path) -> Formula:
    """read_cnf, failing the test on any warning (clause-count mismatch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_cnf(path)


# ----------------------------------------------------------------------------- accepted input

ACCEPTED = {
    "plain": ("p cnf 3 2\n1 -2 0\n2 3 0\n", 3, [[1, -2], [2, 3]], 0),
    "comments_everywhere": (
        "c before\nc\n\np cnf 3 2\nc after header\n1 -2 0\nc between\n  c indented\n2 3 0\n"
        "c at the end\n",
        3, [[1, -2], [2, 3]], 0),
    "clause_spanning_lines": ("p cnf 4 2\n1\n-2\n3 0 4\n-1\n0\n", 4, [[1, -2, 3], [4, -1]], 0),
    "clauses_on_one_line": ("p cnf 3 3\n1 0 -2 3 0 -3 0\n", 3, [[1], [-2, 3], [-3]], 0),
    "comment_inside_clause": ("p cnf 3 1\n1 2\nc here\n3 0\n", 3, [[1, 2, 3]], 0),
    "tabs": ("p\tcnf\t3\t2\n\t1\t-2\t0\n2 \t 3\t0\t\n", 3, [[1, -2], [2, 3]], 0),
    "crlf": ("c x\r\np cnf 3 2\r\n1 -2 0\r\nc y\r\n2 3 0\r\n", 3, [[1, -2], [2, 3]], 0),
    "blank_lines": ("\n\np cnf 3 2\n\n\n1 -2 0\n\n   \n2 3 0\n\n\n", 3, [[1, -2], [2, 3]], 0),
    "satlib_percent_zero": ("p cnf 3 2\n 1 -2 0\n 2 3 0\n%\n0\n\n", 3, [[1, -2], [2, 3]], 0),
    "percent_ends_formula": ("p cnf 3 1\n1 2 0\n%\n0\n3 x junk\n", 3, [[1, 2]], 0),
    "unused_declared_variables": ("p cnf 10 2\n1 -2 0\n2 3 0\n", 10, [[1, -2], [2, 3]], 0),
    "duplicate_literals": ("p cnf 3 2\n1 1 -2 1 0\n-3 -3 0\n", 3, [[1, -2], [-3]], 0),
    "tautologies": ("p cnf 3 4\n1 -1 0\n2 3 0\n3 2 -3 0\n-1 2 0\n", 3, [[2, 3], [-1, 2]], 2),
    "last_clause_without_zero": ("p cnf 3 2\n1 -2 0\n2 3", 3, [[1, -2], [2, 3]], 0),
    "no_clauses": ("p cnf 5 0\n", 5, [], 0),
    "header_without_newline": ("p cnf 5 0", 5, [], 0),
    "zero_variables": ("p cnf 0 0\n", 0, [], 0),
    "other_whitespace": ("p cnf 3 2\n1\x0b-2\x0c0 2  3   0\n", 3, [[1, -2], [2, 3]], 0),
}


@pytest.mark.parametrize("case", ACCEPTED, ids=list(ACCEPTED))
def test_accepted(tmp_path: Path, case: str) -> None:
    text, num_vars, clauses, tautologies = ACCEPTED[case]
    f = _read_quiet(_write(tmp_path, text))
    assert f.num_vars == num_vars
    assert f.clauses() == clauses
    assert f.num_clauses == len(clauses)
    assert f.tautologies == tautologies
    assert f.clause_start.dtype == np.int32 and f.lits.dtype == np.int32
    assert f.occ_start.dtype == np.int32 and f.occ.dtype == np.int32
    assert len(f.occ_start) == 2 * num_vars + 1


def test_literal_codes() -> None:
    f = parse_cnf(b"p cnf 4 2\n1 -2 0\n-4 3 0\n")
    assert f.clause_start.tolist() == [0, 2, 4]
    assert f.lits.tolist() == [0, 3, 7, 4]  # 2(v-1) + negated
    assert (f.min_clause_len, f.max_clause_len, f.declared_clauses) == (2, 2, 2)


def test_counts_of_removed_literals() -> None:
    """Duplicates are counted in kept clauses only, whatever the order inside a tautology."""
    for text in (b"p cnf 2 2\n1 1 -1 0\n2 2 0\n", b"p cnf 2 2\n1 -1 1 0\n2 2 0\n"):
        f = parse_cnf(text)
        assert (f.clauses(), f.tautologies, f.duplicate_literals) == ([[2]], 1, 1)


def test_clause_count_mismatch_warns(tmp_path: Path) -> None:
    path = _write(tmp_path, "p cnf 3 5\n1 2 0\n3 0\n", "mismatch.cnf")
    with pytest.warns(UserWarning, match=r"mismatch\.cnf.*5.*2"):
        f = read_cnf(path)
    assert f.clauses() == [[1, 2], [3]] and f.declared_clauses == 5


def test_tautologies_count_toward_the_declared_clauses(tmp_path: Path) -> None:
    f = _read_quiet(_write(tmp_path, "p cnf 2 2\n1 -1 0\n2 0\n"))
    assert f.clauses() == [[2]] and f.tautologies == 1


def test_sha256_is_of_the_text(tmp_path: Path) -> None:
    import hashlib

    text = b"p cnf 2 1\n1 2 0\n"
    f = _read_quiet(_write(tmp_path, text))
    assert f.sha256 == hashlib.sha256(text).hexdigest()


# ----------------------------------------------------------------------------- rejected input

REJECTED = {
    # name: (content, line, part of the message)
    "empty_file": ("", 1, "empty"),
    "whitespace_only": ("\n  \n\t\n", 1, "empty"),
    "only_comments": ("c one\nc two\n", 2, "header"),
    "only_comments_no_newline": ("c one\nc two", 2, "header"),
    "missing_header": ("1 -2 0\n", 1, "header"),
    "missing_header_after_comments": ("c x\n\n1 -2 0\n", 3, "header"),
    "clause_before_header": ("c x\n1 0\np cnf 1 1\n", 2, "header"),
    "header_too_short": ("p cnf 3\n1 0\n", 1, "malformed header"),
    "header_too_long": ("c\np cnf 3 1 7\n1 0\n", 2, "malformed header"),
    "header_not_numeric": ("p cnf 3 two\n1 0\n", 1, "malformed header"),
    "header_negative": ("p cnf -3 1\n1 0\n", 1, "malformed header"),
    "header_p_only": ("p\n1 0\n", 1, "malformed header"),
    "header_glued": ("pcnf 3 1\n1 0\n", 1, "header"),
    "wcnf": ("c weighted\np wcnf 3 1 10\n10 1 0\n", 2, "wcnf"),
    "other_format": ("p dnf 3 1\n1 0\n", 1, "dnf"),
    "second_header": ("p cnf 3 2\n1 0\np cnf 3 1\n2 0\n", 3, "second"),
    "letter_token": ("p cnf 3 2\n1 2 0\n\n1 x 0\n", 4, "'x'"),
    "glued_token": ("p cnf 3 1\n1 2x 0\n", 2, "'2x'"),
    "float_token": ("p cnf 3 1\nc\n1 1.5 0\n", 3, "'1.5'"),
    "lone_minus": ("p cnf 3 1\n1 - 2 0\n", 2, "'-'"),
    "non_ascii": ("p cnf 3 1\n1 \u00e9 0\n", 2, "integer"),
    "crlf_line_count": ("c\r\np cnf 3 2\r\n1 2 0\r\nc mid\r\n1 y 0\r\n", 5, "'y'"),
    "literal_beyond": ("p cnf 3 2\n1 2 0\n2 4 0\n", 3, "literal 4 is beyond the 3 variables"),
    "negative_beyond": ("p cnf 3 1\n1\n-4 0\n", 3, "literal -4 is beyond"),
    "huge_literal": ("p cnf 3 1\n99999999999999999999 0\n", 2, "beyond"),
    "empty_clause": ("p cnf 3 2\n1 0\n0\n", 3, "trivially unsatisfiable"),
    "empty_clause_same_line": ("p cnf 3 2\n\n1 0 0\n", 3, "trivially unsatisfiable"),
    "empty_clause_first": ("p cnf 3 1\nc\n\n  0\n", 4, "trivially unsatisfiable"),
}


@pytest.mark.parametrize("case", REJECTED, ids=list(REJECTED))
def test_rejected(tmp_path: Path, case: str) -> None:
    text, line, fragment = REJECTED[case]
    path = _write(tmp_path, text, "bad.cnf")
    with pytest.raises(InputError) as info:
        read_cnf(path)
    exc = info.value
    assert exc.path == str(path)
    assert exc.line == line
    assert str(exc).startswith(f"{path}:{line}: ")
    assert fragment in str(exc)
    assert "\n" not in str(exc)


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "nope.cnf"
    with pytest.raises(InputError, match="no such file") as info:
        read_cnf(path)
    assert info.value.path == str(path) and str(info.value).startswith(str(path))


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory") as info:
        read_cnf(tmp_path)
    assert info.value.path == str(tmp_path)


def test_unreadable_path(tmp_path: Path) -> None:
    path = _write(tmp_path, "p cnf 1 1\n1 0\n") / "x.cnf"  # a file used as a directory
    with pytest.raises(InputError, match="cannot read") as info:
        read_cnf(path)
    assert info.value.path == str(path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_unreadable_permissions(tmp_path: Path) -> None:
    path = _write(tmp_path, "p cnf 1 1\n1 0\n")
    path.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot read"):
            read_cnf(path)
    finally:
        path.chmod(0o600)


# ----------------------------------------------------------------------------- compression

TEXT = b"c compressed\np cnf 4 3\n1 -2 0\n2 3\n-4 0\n4 0\n%\n0\n"
TEXT_CLAUSES = [[1, -2], [2, 3, -4], [4]]


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_compressed_round_trip(tmp_path: Path, suffix: str) -> None:
    plain = _read_quiet(_write(tmp_path, TEXT))
    f = _read_quiet(_write(tmp_path, COMPRESSORS[suffix](TEXT), f"f.cnf.{suffix}"))
    assert f.clauses() == TEXT_CLAUSES and f.num_vars == 4
    assert f.sha256 == plain.sha256  # of the decompressed text
    for a, b in zip(
        (f.clause_start, f.lits, f.occ_start, f.occ),
        (plain.clause_start, plain.lits, plain.occ_start, plain.occ),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_compression_sniffed_without_suffix(tmp_path: Path, suffix: str) -> None:
    f = _read_quiet(_write(tmp_path, COMPRESSORS[suffix](TEXT), "f.cnf"))
    assert f.clauses() == TEXT_CLAUSES


@pytest.mark.parametrize("suffix", COMPRESSORS)
@pytest.mark.parametrize("cut", ["half", "last_byte"])
def test_truncated_compressed(tmp_path: Path, suffix: str, cut: str) -> None:
    blob = COMPRESSORS[suffix](TEXT * 50)
    blob = blob[: len(blob) // 2] if cut == "half" else blob[:-1]
    path = _write(tmp_path, blob, f"t.cnf.{suffix}")
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        read_cnf(path)
    assert info.value.path == str(path) and str(info.value).startswith(f"{path}: ")


@pytest.mark.parametrize("suffix", COMPRESSORS)
def test_corrupt_compressed(tmp_path: Path, suffix: str) -> None:
    path = _write(tmp_path, TEXT, f"plain-text-misnamed.cnf.{suffix}")
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        read_cnf(path)
    assert info.value.path == str(path)


def test_compressed_parse_error_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, gzip.compress(b"p cnf 2 1\n\n1 3 0\n"), "e.cnf.gz")
    with pytest.raises(InputError) as info:
        read_cnf(path)
    assert str(info.value).startswith(f"{path}:3: ")


def test_is_cnf_path() -> None:
    for name in ("a.cnf", "a.CNF", "a.cnf.gz", "a.dimacs.xz", "a.cnf.bz2"):
        assert is_cnf_path(Path(name)), name
    for name in ("a.txt", "a.gz", "a.wcnf", "cnf"):
        assert not is_cnf_path(Path(name)), name


# ----------------------------------------------------------------------------- occurrences, models


def _check_occurrences(f: Formula) -> None:
    """occ lists are exactly the clauses containing each literal, ascending."""
    expected: list[list[int]] = [[] for _ in range(2 * f.num_vars)]
    for c in range(f.num_clauses):
        for lit in f.lits[f.clause_start[c] : f.clause_start[c + 1]]:
            expected[int(lit)].append(c)
    assert f.occ_start[0] == 0 and f.occ_start[-1] == len(f.occ) == len(f.lits)
    for lit, clauses in enumerate(expected):
        got = f.occ[f.occ_start[lit] : f.occ_start[lit + 1]].tolist()
        assert got == clauses  # built in clause order, so ascending
    assert f.max_occurrences == max((len(c) for c in expected), default=0)


def test_occurrences_small() -> None:
    f = parse_cnf(b"p cnf 3 5\n1 -2 0\n-2 3 0\n1 1 2 0\n3 -3 0\n-1 0\n")
    _check_occurrences(f)
    # literal codes: 1 -> 0, -1 -> 1, -2 -> 3, 2 -> 2, 3 -> 4
    assert f.occ[f.occ_start[3] : f.occ_start[4]].tolist() == [0, 1]
    assert f.occ[f.occ_start[0] : f.occ_start[1]].tolist() == [0, 2]


def test_occurrences_bundled_instances() -> None:
    paths = sorted(INSTANCES.glob("*.cnf"))
    assert paths
    for path in paths:
        _check_occurrences(_read_quiet(path))


def _distinct_clause(rng: np.random.Generator, n: int, k: int) -> list[int]:
    """k literals over distinct variables of 1..n, random signs."""
    variables = rng.choice(np.arange(1, n + 1), size=k, replace=False)
    return [int(v) * int(rng.choice([-1, 1])) for v in variables]


def _first_falsified(clauses: list[list[int]], values: tuple[int, ...]) -> int:
    for c, clause in enumerate(clauses):
        if not any((values[abs(x) - 1] == 1) == (x > 0) for x in clause):
            return c
    return -1


def test_falsified_clause_and_is_model_brute_force() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(1, 6))
        clauses = [_distinct_clause(rng, n, int(rng.integers(1, n + 1)))
                   for _ in range(int(rng.integers(0, 8)))]
        text = f"p cnf {n} {len(clauses)}\n" + "".join(
            " ".join(map(str, c)) + " 0\n" for c in clauses)
        f = parse_cnf(text.encode())
        assert f.clauses() == clauses
        for values in itertools.product((0, 1), repeat=n):
            assignment = np.array(values, np.uint8)
            expected = _first_falsified(clauses, values)
            assert f.falsified_clause(assignment) == expected
            assert f.is_model(assignment) == (expected < 0)
            assert f.is_model(list(values)) == (expected < 0)
        assert not f.is_model(np.ones(n + 1, np.uint8))  # wrong length


def test_empty_formula_has_every_model() -> None:
    f = parse_cnf(b"p cnf 2 0\n")
    assert f.falsified_clause(np.zeros(2, np.uint8)) == -1 and f.is_model(np.zeros(2, np.uint8))


# ----------------------------------------------------------------------------- random formulas

def _naive_parse(text: str) -> tuple[int, list[list[int]], int, int, int]:
    """(num_vars, clauses, tautologies, duplicates, declared) by a line-by-line reading."""
    num_vars = declared = -1
    tokens: list[int] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("c"):
            continue
        if line.startswith("%"):
            break
        if line.startswith("p"):
            assert num_vars < 0
            _, fmt, nv, nc = line.split()
            assert fmt == "cnf"
            num_vars, declared = int(nv), int(nc)
            continue
        tokens += [int(t) for t in line.split()]
    groups: list[list[int]] = [[]]
    for t in tokens:
        if t == 0:
            groups.append([])
        else:
            groups[-1].append(t)
    if not groups[-1]:
        groups.pop()
    clauses: list[list[int]] = []
    tautologies = duplicates = 0
    for group in groups:
        assert group, "empty clause"
        if any(-x in group for x in group):
            tautologies += 1
            continue
        kept = list(dict.fromkeys(group))
        duplicates += len(group) - len(kept)
        clauses.append(kept)
    return num_vars, clauses, tautologies, duplicates, len(groups) if declared >= 0 else -1


def _random_dimacs(rng: np.random.Generator) -> str:
    """A small random formula written with random layout: comments, blank lines, tabs, CRLF,
    clauses split across lines or sharing one, SATLIB's `%` ending, a missing final 0."""
    n = int(rng.integers(1, 9))
    extra_vars = int(rng.integers(0, 3))
    m = int(rng.integers(0, 15))
    clauses = []
    for _ in range(m):
        k = int(rng.integers(1, 6))
        clauses.append([int(v) * int(rng.choice([-1, 1])) for v in rng.integers(1, n + 1, k)])
    eol = "\r\n" if rng.random() < 0.3 else "\n"
    spaces = [" ", "  ", "\t", " \t "]
    breaks = [eol, eol + eol, eol + "c note" + eol, eol + "  c" + eol, " " + eol + "\t"]

    def sep() -> str:
        return str(rng.choice(breaks)) if rng.random() < 0.25 else str(rng.choice(spaces))

    out = []
    for _ in range(int(rng.integers(0, 3))):
        out.append(str(rng.choice(["c comment", "c", "", "  ", "c p cnf 1 1"])) + eol)
    out.append(f"p{rng.choice(spaces)}cnf{rng.choice(spaces)}{n + extra_vars}"
               f"{rng.choice(spaces)}{m}" + str(rng.choice(["", " ", "\t"])) + eol)
    if rng.random() < 0.3:
        out.append("c after header" + eol)
    for c, clause in enumerate(clauses):
        out.append(str(rng.choice(["", " ", "\t"])) if rng.random() < 0.3 else "")
        for lit in clause:
            out.append(str(lit) + sep())
        last = c == m - 1
        if last and rng.random() < 0.15:
            out.append(eol)  # final clause without its 0
            continue
        out.append("0" + (eol if last or rng.random() < 0.6 else sep()))
    tail = rng.random()
    if tail < 0.2:
        out.append(f"%{eol}0{eol}")
    elif tail < 0.35:
        out.append(f"c end{eol}{eol}")
    return "".join(out)


def test_random_formulas_against_naive_parser(tmp_path: Path) -> None:
    rng = np.random.default_rng(20240611)
    for i in range(300):
        text = _random_dimacs(rng)
        num_vars, clauses, taut, dups, read = _naive_parse(text)
        suffix = ("", ".gz", ".bz2", ".xz")[i % 4]
        blob = text.encode()
        if suffix:
            blob = COMPRESSORS[suffix[1:]](blob)
        path = _write(tmp_path, blob, f"r{i}.cnf{suffix}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f = read_cnf(path)
        assert not caught, (text, [str(w.message) for w in caught])
        assert read == f.declared_clauses, text
        assert f.num_vars == num_vars, text
        assert f.clauses() == clauses, text
        assert (f.tautologies, f.duplicate_literals) == (taut, dups), text
        _check_occurrences(f)


# ----------------------------------------------------------------------------- python-sat


def _clean_text(rng: np.random.Generator) -> tuple[str, list[list[int]], int]:
    n = int(rng.integers(1, 30))
    clauses = [_distinct_clause(rng, n, int(rng.integers(1, min(n, 6) + 1)))
               for _ in range(int(rng.integers(1, 40)))]
    text = f"c clean\np cnf {n} {len(clauses)}\n" + "".join(
        " ".join(map(str, c)) + " 0\n" for c in clauses)
    return text, clauses, n


def test_agrees_with_pysat_on_clean_text() -> None:
    rng = np.random.default_rng(3)
    for _ in range(100):
        text, clauses, n = _clean_text(rng)
        f = parse_cnf(text.encode())
        ref = CNF(from_string=text)
        assert f.clauses() == ref.clauses == clauses
        # python-sat takes the variable count from the literals, not from the header
        assert ref.nv == max(abs(x) for c in clauses for x in c) <= f.num_vars == n


def test_agrees_with_pysat_on_bundled_instances() -> None:
    paths = sorted(INSTANCES.glob("*.cnf"))
    assert paths
    for path in paths:
        f = _read_quiet(path)
        ref = CNF(from_file=str(path))
        assert f.clauses() == ref.clauses, path.name
        assert ref.nv <= f.num_vars


def test_agrees_with_pysat_compressed(tmp_path: Path) -> None:
    text, clauses, _ = _clean_text(np.random.default_rng(11))
    path = _write(tmp_path, gzip.compress(text.encode()), "c.cnf.gz")
    assert _read_quiet(path).clauses() == CNF(from_file=str(path)).clauses == clauses


# ----------------------------------------------------------------------------- command line

CLI_BAD = {
    "bad_token": ("p cnf 3 2\n1 2 0\n1 x 0\n", 3),
    "no_header": ("c only\n1 2 0\n", 2),
    "empty_clause": ("p cnf 2 2\n1 0\n\n0\n", 4),
    "beyond": ("p cnf 2 1\n3 0\n", 2),
}


def _runner() -> CliRunner:
    """A runner that keeps stderr apart (click < 8.2 mixes it in unless told not to)."""
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2: always separate, `mix_stderr` removed
        return CliRunner()


@pytest.mark.parametrize("case", CLI_BAD, ids=list(CLI_BAD))
def test_cli_malformed_file(tmp_path: Path, case: str) -> None:
    text, line = CLI_BAD[case]
    path = _write(tmp_path, text, "bad.cnf")
    result = _runner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("satspeed: error: ")
    assert f"{path}:{line}:" in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_missing_compressed_truncated(tmp_path: Path) -> None:
    blob = gzip.compress(TEXT * 20)
    path = _write(tmp_path, blob[: len(blob) // 2], "t.cnf.gz")
    result = _runner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"satspeed: error: {path}: truncated")


def test_cli_subprocess_one_line_no_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, "c x\np cnf 3 2\n1 2 0\n\n-1 2.5 0\n", "bad.cnf")
    proc = subprocess.run([sys.executable, "-m", "satspeed", "solve", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("satspeed: error: ") and f"{path}:5:" in lines[0]
    assert "Traceback" not in proc.stderr
