"""The results CSV contract (satspeed.results) and campaign planning (satspeed.run.plan): tolerant
reader, append-only writer, resume keys, the meta sidecar, seeds and instance discovery."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import warnings
from pathlib import Path

import pytest

from satspeed.errors import InputError, SatspeedError
from satspeed.results import (
    COLUMNS,
    ResultsWriter,
    RunKey,
    key_of,
    read_rows,
    record_session,
)
from satspeed.run.plan import derive_seed, find_instances, plan_runs

HEADER = ",".join(COLUMNS) + "\n"
PARAMS = "caching=0,cb=2.06,eps=0.9,fct=poly"
SHA = "ab" * 32


def make_row(seed: int, status: str = "sat", flips: int = 100, **extra: object
             ) -> dict[str, object]:
    row: dict[str, object] = {
        "instance": "x.cnf", "instance_sha256": SHA, "solver": "probsat", "params": PARAMS,
        "walkers": 1, "seed": seed, "status": status, "flips": flips, "cpu_s": "0.001000",
        "wall_s": "0.001100", "cutoff_flips": None, "cutoff_s": 60.0, "host": "h",
        "started_at": "2026-01-01T00:00:00.000Z", "satspeed_version": "0.1.0"}
    row.update(extra)
    return row


def line_of(row: dict[str, object], columns: tuple[str, ...] = COLUMNS) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        "" if row.get(c) is None else row[c] for c in columns)
    return buf.getvalue()


def read_all(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows and warning messages."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = list(read_rows(path))
    return rows, [str(w.message) for w in caught]


# ---------------------------------------------------------------------------- reader


def test_reader_skips_malformed_lines_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    good = [make_row(1), make_row(2, "timeout", 5000), make_row(3, "error", 0, message="boom")]
    bad_status = line_of(make_row(4, status="unknown"))
    bad_flips = line_of(make_row(5, flips="12x"))  # type: ignore[arg-type]
    bad_cpu = line_of(make_row(6, cpu_s="fast"))
    partial = line_of(make_row(7))[:40]
    path.write_text(HEADER + line_of(good[0]) + bad_status + line_of(good[1]) + "a,b,c\n"
                    + bad_flips + bad_cpu + line_of(good[2]) + partial)
    rows, messages = read_all(path)
    assert [n for n, _ in rows] == [2, 4, 8]
    assert [int(r["seed"]) for _, r in rows] == [1, 2, 3]
    assert rows[2][1]["message"] == "boom"
    assert len(messages) == 5
    for number, what in ((3, "status 'unknown'"), (5, "3 fields, expected 16"),
                         (6, "flips '12x'"), (7, "cpu_s 'fast'"), (9, "partial last line")):
        assert any(m.startswith(f"{path}:{number}: skipped") and what in m for m in messages), \
            (number, messages)


def test_reader_header_only_and_empty_and_foreign(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text(HEADER)
    assert read_all(header_only) == ([], [])

    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(InputError, match=r"e\.csv:1: empty file"):
        list(read_rows(empty))

    foreign = tmp_path / "f.csv"
    foreign.write_text("name,value\nx,1\n")
    with pytest.raises(InputError, match=r"f\.csv:1: not a satspeed results CSV"):
        list(read_rows(foreign))

    with pytest.raises(InputError, match="no such file"):
        list(read_rows(tmp_path / "missing.csv"))


def test_reader_keeps_fields_with_other_line_separators(tmp_path: Path) -> None:
    """Lines end at "\\n" only: a quoted message may hold "\\r" or U+2028."""
    path = tmp_path / "r.csv"
    with ResultsWriter(path) as writer:
        writer.write(make_row(1, "error", 0, message="a\rb\u2028c, d"))
        writer.write(make_row(2))
    rows, messages = read_all(path)
    assert messages == []
    assert [r["message"] for _, r in rows] == ["a\rb\u2028c, d", ""]


# ---------------------------------------------------------------------------- writer


def test_writer_creates_header_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "r.csv"
    with ResultsWriter(path) as writer:
        assert writer.done == set()
        writer.write(make_row(1))
        # flushed as soon as written
        assert path.read_text() == HEADER + line_of(make_row(1))
    first = path.read_bytes()
    with ResultsWriter(path) as writer:
        assert writer.done == {RunKey(SHA, "probsat", PARAMS, 1, 1)}
        writer.write(make_row(2))
    assert path.read_bytes() == first + line_of(make_row(2)).encode()
    rows, messages = read_all(path)
    assert messages == [] and [key_of(r).seed for _, r in rows] == [1, 2]


def test_writer_on_header_only_and_empty_files(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text(HEADER)
    with ResultsWriter(header_only) as writer:
        assert writer.done == set()
        writer.write(make_row(1))
    assert header_only.read_text() == HEADER + line_of(make_row(1))

    empty = tmp_path / "e.csv"
    empty.write_text("")
    with ResultsWriter(empty) as writer:
        writer.write(make_row(1))
    assert empty.read_text() == HEADER + line_of(make_row(1))


def test_writer_ends_a_partial_last_line_without_touching_earlier_bytes(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    whole = HEADER + line_of(make_row(1)) + line_of(make_row(2))
    partial = line_of(make_row(3))[:50]
    path.write_text(whole + partial)
    before = path.read_bytes()
    with pytest.warns(UserWarning, match=r"r\.csv:4: skipped: partial last line"):
        writer = ResultsWriter(path)
    with writer:
        assert {k.seed for k in writer.done} == {1, 2}  # run 3 is to be made again
        writer.write(make_row(3))
    after = path.read_bytes()
    assert after == before + b"\n" + line_of(make_row(3)).encode()
    rows, messages = read_all(path)
    assert [r["seed"] for _, r in rows] == ["1", "2", "3"]
    assert [n for n, _ in rows] == [2, 3, 5]
    assert len(messages) == 1 and messages[0].startswith(f"{path}:4: skipped")


def test_writer_keeps_a_last_line_that_lost_only_its_newline(tmp_path: Path) -> None:
    """A kill between a row's last field and its newline: ending the line makes it a whole
    row, so the run counts as done (running it again would duplicate it)."""
    path = tmp_path / "r.csv"
    path.write_text(HEADER + line_of(make_row(1)) + line_of(make_row(2))[:-1])
    with pytest.warns(UserWarning, match=r"r\.csv:3: partial last line kept"):
        writer = ResultsWriter(path)
    with writer:
        assert {k.seed for k in writer.done} == {1, 2}
    rows, messages = read_all(path)
    assert messages == [] and [r["seed"] for _, r in rows] == ["1", "2"]


def test_writer_follows_the_header_of_an_older_file(tmp_path: Path) -> None:
    """A file with the 15 contract columns (no `message`) gets 15-field rows, not 16."""
    path = tmp_path / "r.csv"
    old = COLUMNS[:15]
    path.write_text(",".join(old) + "\n" + line_of(make_row(1), old))
    with ResultsWriter(path) as writer:
        assert len(writer.done) == 1
        writer.write(make_row(2, "error", 0, message="lost, as the file has no column"))
    rows, messages = read_all(path)
    assert messages == [] and [r["seed"] for _, r in rows] == ["1", "2"]
    assert all("message" not in r for _, r in rows)


def test_writer_refuses_a_foreign_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3")
    with pytest.raises(InputError, match="not a satspeed results CSV"):
        ResultsWriter(path)
    assert path.read_text() == "a,b,c\n1,2,3"


# ---------------------------------------------------------------------------- meta sidecar


def test_record_session_appends_sessions(tmp_path: Path) -> None:
    csv_path = tmp_path / "r.csv"
    meta_path = record_session(csv_path, ["satspeed", "run", "x"])
    assert meta_path == tmp_path / "r.csv.meta.json"
    record_session(csv_path, ["satspeed", "run", "y"])
    meta = json.loads(meta_path.read_text())
    assert meta["csv"] == "r.csv"
    assert [s["command"] for s in meta["sessions"]] == [["satspeed", "run", "x"],
                                                         ["satspeed", "run", "y"]]
    session = meta["sessions"][0]
    assert session["machine"]["cores"] >= 1
    assert {"host", "cpu", "memory_gib"} <= set(session["machine"])
    assert {"python", "satspeed", "numpy", "numba", "scipy", "python-sat", "click",
            "rich"} <= set(session["versions"])


def test_record_session_keeps_a_corrupt_sidecar_aside(tmp_path: Path) -> None:
    csv_path = tmp_path / "r.csv"
    meta_path = tmp_path / "r.csv.meta.json"
    meta_path.write_text("{not json")
    record_session(csv_path, ["satspeed"])
    assert (tmp_path / "r.csv.meta.json.bad").read_text() == "{not json"
    assert len(json.loads(meta_path.read_text())["sessions"]) == 1


# ---------------------------------------------------------------------------- plan


def test_derive_seed_is_pinned() -> None:
    """Changing the derivation changes every seed of every campaign: it must not move."""
    assert derive_seed(0, "0" * 64, "probsat", PARAMS, 0) == 16333220480716585562
    assert derive_seed(1, "0" * 64, "probsat", PARAMS, 0) == 6905389837150948798


def test_derive_seed_depends_on_every_input() -> None:
    base = (0, SHA, "probsat", PARAMS, 3)
    seeds = {derive_seed(*base)}
    for i, other in enumerate((1, "cd" * 32, "walksat", "noise=0.567", 4)):
        changed = list(base)
        changed[i] = other
        seeds.add(derive_seed(*changed))  # type: ignore[arg-type]
    assert len(seeds) == 6
    assert all(0 <= s < 2**64 for s in seeds)


def test_plan_runs() -> None:
    runs = plan_runs("x.cnf", SHA, "probsat", PARAMS, 5, 9)
    assert [r.index for r in runs] == [0, 1, 2, 3, 4]
    assert [r.seed for r in runs] == [derive_seed(9, SHA, "probsat", PARAMS, i)
                                      for i in range(5)]
    assert len({r.seed for r in runs}) == 5


def test_find_instances(tmp_path: Path) -> None:
    text = b"p cnf 1 1\n1 0\n"
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "b.cnf").write_bytes(text)
    (d / "a.cnf.gz").write_bytes(gzip.compress(text))
    (d / "c.cnf.bz2").write_bytes(bz2.compress(text))
    (d / "sub" / "e.dimacs.xz").write_bytes(lzma.compress(text))
    (d / "D.CNF").write_bytes(text)
    for ignored in ("notes.txt", "x.cnf.txt", "results.csv", "y.gz"):
        (d / ignored).write_bytes(text)
    (d / "dir.cnf").mkdir()  # a directory named like an instance is not one
    expected = [d / "D.CNF", d / "a.cnf.gz", d / "b.cnf", d / "c.cnf.bz2",
                d / "sub" / "e.dimacs.xz"]
    assert find_instances([d]) == expected
    # files given directly come in their order; duplicates are dropped (first one kept)
    other = tmp_path / "z.cnf"
    other.write_bytes(text)
    assert find_instances([other, d, d / "b.cnf", other]) == [other, *expected]
    # a file given by name is taken whatever its suffix
    assert find_instances([d / "notes.txt"]) == [d / "notes.txt"]


def test_find_instances_errors(tmp_path: Path) -> None:
    with pytest.raises(SatspeedError, match=r"nope: no such file or directory"):
        find_instances([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SatspeedError, match="no DIMACS files"):
        find_instances([tmp_path / "empty"])
