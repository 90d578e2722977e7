"""The results CSV contract (satspeed.results) and campaign planning (satspeed.run.plan): tolerant
reader, append-only writer and its lock, resume keys and cutoffs, the meta sidecar, seeds and
instance discovery."""

from __future__ import annotations

import bz2
import contextlib
import csv
import gzip
import io
import json
import lzma
import os
import signal
import subprocess
import sys
import time
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
    stands,
)
from satspeed.run.plan import derive_seed, find_instances, plan_runs
from satspeed.sidecar import record_session

ROOT = Path(__file__).resolve().parent.parent
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


def open_writer(path: Path) -> tuple[ResultsWriter, list[str]]:
    """A writer on `path`, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        writer = ResultsWriter(path)
    return writer, [str(w.message) for w in caught]


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
    for number, what in ((3, "status 'unknown'"), (5, "3 fields, expected 18"),
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


def test_reader_refuses_other_digits_and_walkers_below_one(tmp_path: Path) -> None:
    """str.isdigit() takes '²', int() and float() take Arabic-Indic digits: such fields are
    malformed lines, as are walkers below 1 and cutoffs that are not numbers."""
    path = tmp_path / "r.csv"
    arabic = "\u0661.\u0665"  # 1.5 in Arabic-Indic digits
    bad = [make_row(2, flips="²"), make_row(3, walkers="¹"),  # type: ignore[arg-type]
           make_row(4, cpu_s=arabic), make_row(5, walkers=0), make_row(6, walkers=-2),
           make_row(7, cutoff_flips="1e3"), make_row(8, cutoff_s="soon")]
    path.write_text(HEADER + line_of(make_row(1)) + "".join(map(line_of, bad)))
    rows, messages = read_all(path)
    assert [r["seed"] for _, r in rows] == ["1"]
    assert len(messages) == len(bad)
    for number, what in ((3, "flips '²' is not an integer"), (4, "walkers '¹'"),
                         (5, f"cpu_s '{arabic}' is not a number"),
                         (6, "walkers '0' is not positive"), (7, "walkers '-2' is not positive"),
                         (8, "cutoff_flips '1e3'"), (9, "cutoff_s 'soon'")):
        assert any(m.startswith(f"{path}:{number}: skipped: {what}") for m in messages), \
            (number, messages)
    writer, again = open_writer(path)  # resuming reads them the same way
    with writer:
        assert {k.seed for k in writer.done} == {1} and again == messages


def test_reader_and_writer_take_a_file_that_starts_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + line_of(make_row(1))).encode())
    rows, messages = read_all(path)
    assert messages == [] and [r["seed"] for _, r in rows] == ["1"]
    with ResultsWriter(path) as writer:
        assert writer.columns == COLUMNS and {k.seed for k in writer.done} == {1}
        writer.write(make_row(2))
    rows, messages = read_all(path)
    assert messages == [] and [r["seed"] for _, r in rows] == ["1", "2"]


def test_reader_uses_the_last_row_of_each_run(tmp_path: Path) -> None:
    """A run's row repeated at the same cutoffs is a duplicate (one warning per line); a row at
    other cutoffs supersedes the earlier one, silently (the count is for the callers)."""
    path = tmp_path / "r.csv"
    lines = [make_row(1, "timeout", 100, cutoff_flips=100), make_row(2),
             make_row(1, "timeout", 100, cutoff_flips=100), make_row(3),
             make_row(1, "sat", 4321, cutoff_flips=10**7), make_row(2)]
    path.write_text(HEADER + "".join(map(line_of, lines)))
    rows, messages = read_all(path)
    assert [(n, r["seed"]) for n, r in rows] == [(5, "3"), (6, "1"), (7, "2")]
    assert rows[1][1]["flips"] == "4321"
    assert len(messages) == 2
    assert messages[0].startswith(f"{path}:4: duplicate: the run of line 2 again")
    assert messages[1].startswith(f"{path}:7: duplicate: the run of line 3 again")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert read_rows(path).superseded == 1  # line 2 (line 4 repeats it)
    writer, again = open_writer(path)
    with writer:
        assert again == messages
        assert writer.done[RunKey(SHA, "probsat", PARAMS, 1, 1)]["flips"] == "4321"


@pytest.mark.parametrize(("status", "flips", "cpu_s", "walkers", "had", "new", "stand"), [
    ("timeout", 100, 0.1, 1, (100, 60), (10**7, 60), False),  # more flips allowed
    ("timeout", 100, 0.1, 1, (100, 60), (100, 120), False),  # more time allowed
    ("timeout", 100, 0.1, 1, (None, 60), (100, 60), True),  # none: at least any cutoff
    ("timeout", 100, 0.1, 1, (100, None), (100, 60), True),
    ("timeout", 100, 0.1, 1, (100, 60), (50, 30), True),  # less allowed: still a timeout
    ("timeout", 100, 0.1, 1, (100, 60), (None, 60), False),
    ("sat", 500, 0.1, 1, (1000, 60), (600, 60), True),  # its model came within the new ones
    ("sat", 500, 0.1, 1, (1000, 60), (400, 60), False),
    ("sat", 500, 2.0, 1, (1000, 60), (1000, 1.5), False),
    ("sat", 500, 2.0, 4, (1000, 60), (1000, 1.5), True),  # a race: 0.5 s per walker
    ("sat", 500, 60.3, 1, (1000, 60), (1000, 60), True),  # past its own cutoff by a chunk
    ("sat", -1, 0.1, 1, (None, 60), (100, 60), True),  # an external solver's unknown flips
    ("error", 0, 0.0, 1, (100, 60), (10**7, 120), True),
])
def test_a_row_stands_under_new_cutoffs(status: str, flips: int, cpu_s: float, walkers: int,
                                         had: tuple[int | None, float | None],
                                         new: tuple[int | None, float | None],
                                         stand: bool) -> None:
    row = make_row(1, status, flips, cpu_s=cpu_s, walkers=walkers, cutoff_flips=had[0],
                   cutoff_s=had[1])
    text = {c: "" if row.get(c) is None else str(row[c]) for c in COLUMNS}
    assert stands(text, *new) is stand


# ---------------------------------------------------------------------------- writer


def test_writer_creates_header_and_appends(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "r.csv"
    with ResultsWriter(path) as writer:
        assert writer.done == {}
        writer.write(make_row(1))
        # flushed as soon as written
        assert path.read_text() == HEADER + line_of(make_row(1))
    first = path.read_bytes()
    with ResultsWriter(path) as writer:
        assert set(writer.done) == {RunKey(SHA, "probsat", PARAMS, 1, 1)}
        writer.write(make_row(2))
    assert path.read_bytes() == first + line_of(make_row(2)).encode()
    rows, messages = read_all(path)
    assert messages == [] and [key_of(r).seed for _, r in rows] == [1, 2]


def test_writer_on_header_only_and_empty_files(tmp_path: Path) -> None:
    header_only = tmp_path / "h.csv"
    header_only.write_text(HEADER)
    with ResultsWriter(header_only) as writer:
        assert writer.done == {}
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


# ---------------------------------------------------------------------------- one writer


def satspeed(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_a_second_run_on_the_same_csv_is_refused_and_a_kill_9_leaves_no_lock(
        tmp_path: Path) -> None:
    """Two real `satspeed run` on one CSV: the second is one line, at once, and leaves the file
    alone; once the first is killed with -9 (its workers may outlive it: they do not hold the
    lock), the CSV can be written again."""
    unsat = tmp_path / "unsat.cnf"  # every run lasts until its 30 s cutoff
    unsat.write_text("p cnf 1 2\n1 0\n-1 0\n")
    out = tmp_path / "r.csv"
    args = ["run", unsat, "--runs", 4, "--workers", 1, "--timeout", 30, "-q", "-o", out]
    first = subprocess.Popen([sys.executable, "-m", "satspeed", *map(str, args)], cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out.exists() and out.stat().st_size > 0):  # the header: the lock is held
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        before = out.read_bytes()
        second = satspeed(*args, cwd=tmp_path)
        assert second.returncode == 1
        assert second.stderr.splitlines() == [
            f"satspeed: error: {out}: another satspeed run is writing it: wait for it to end, "
            "or give this one another -o file"]
        assert out.read_bytes() == before
        late = satspeed("run", tmp_path / "not-read-yet.cnf", "-q", "-o", out, cwd=tmp_path)
        assert "another satspeed run is writing it" in late.stderr  # before any instance
        with pytest.raises(InputError, match="another satspeed run is writing it"):
            ResultsWriter(out)
        os.kill(first.pid, signal.SIGKILL)  # the parent only
        first.wait(timeout=60)
        with ResultsWriter(out) as writer:
            writer.write(make_row(1))
        assert read_all(out)[0][-1][1]["seed"] == "1"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)  # its workers
        first.wait(timeout=60)


# ---------------------------------------------------------------------------- new cutoffs


def test_resuming_with_more_flips_remakes_the_timeouts_and_predict_uses_the_new_rows(
        tmp_path: Path) -> None:
    instance = ROOT / "instances" / "uf3-n250-m1050-s1-001.cnf"
    common = ("run", instance, "--runs", 20, "--workers", 2, "-q", "-o", "x.csv")
    low = satspeed(*common, "--max-flips", 100, cwd=tmp_path)
    assert low.returncode == 0, low.stderr
    out = tmp_path / "x.csv"
    old, old_rows = out.read_bytes(), [r for _, r in read_all(out)[0]]
    assert [r["status"] for r in old_rows] == ["timeout"] * 20  # 100 flips solve nothing
    high = satspeed(*common, "--max-flips", 10**7, cwd=tmp_path)
    assert high.returncode == 0, high.stderr
    assert ("resuming: 0 of 20 runs kept from x.csv; 20 re-made at the new cutoffs (their "
            "rows had --max-flips 100)") in high.stderr
    assert out.read_bytes().startswith(old)  # nothing written is rewritten
    rows, messages = read_all(out)
    assert messages == [] and len(rows) == 20 and all(n > 21 for n, _ in rows)
    assert {r["seed"] for _, r in rows} == {r["seed"] for r in old_rows}  # the same runs
    assert {r["cutoff_flips"] for _, r in rows} == {"10000000"}
    solved = sum(r["status"] == "sat" for _, r in rows)
    assert solved >= 18
    again = satspeed(*common, "--max-flips", 10**7, cwd=tmp_path)
    assert "resuming: 20 of 20 runs already in x.csv" in again.stderr
    predict = satspeed("predict", "x.csv", "--cores", "1,2", "--bootstrap", 5,
                       "--gof-samples", 2, "--json", cwd=tmp_path)
    assert predict.returncode == 0, predict.stderr
    (group,) = json.loads(predict.stdout)["groups"]
    assert (group["runs"], group["solved"], group["timeouts"]) == (20, solved, 20 - solved)
    notes = [line for line in predict.stderr.splitlines() if "superseded" in line]
    assert notes == ["satspeed: note: x.csv: 20 rows superseded by a later row of the same "
                     "run (made again at other cutoffs): each run counts once, at its last row"]


def test_fast_line_check_agrees_with_the_full_check(tmp_path: Path) -> None:
    """The reader's one-pattern check of a plain line accepts nothing the field-by-field
    check refuses, and reads each line it accepts to the same row: every variant below is
    read once as the reader reads files and once through the full check alone."""
    from satspeed.results import _plain_line, _row_problem

    good = [make_row(0), make_row(1, "timeout", 500, cutoff_flips=500),
            make_row(2, params="cb=2.06"), make_row(3, cpu_s="1e-5", wall_s="2.5E+3"),
            make_row(4, message="solver said: 1, 2"), make_row(5, walkers="04"),
            make_row(6, cpu_s="nan"), make_row(7, flips="-1"), make_row(8, cutoff_s=""),
            make_row(9, restart="luby:100"), make_row(10, status="error", flips=0)]
    bad = [make_row(20, walkers=0), make_row(21, status="solved"), make_row(22, flips="1.5"),
           make_row(23, flips="1_000"), make_row(24, cpu_s="fast"),
           make_row(25, cutoff_flips="2.5"), make_row(26, restart="never"),
           make_row(27, restarts="-1"), make_row(28, cpu_s="\u0661"),
           make_row(29, message='said "no"')]
    lines = [line_of(r) for r in good + bad]
    lines[1] = lines[1].replace("\n", "\r\n")
    header = list(COLUMNS)
    plain = _plain_line(header)
    assert plain.fullmatch(lines[0]) and plain.fullmatch(lines[1])  # the fast path is used
    expected = {}
    for number, line in enumerate(lines, start=2):
        checked = _row_problem(line, header)
        assert not (plain.fullmatch(line) and isinstance(checked, str)), line
        if not isinstance(checked, str):
            expected[number] = checked
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "".join(lines), newline="")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = list(read_rows(path))
    assert dict(rows) == expected
    assert len(expected) == len(good) + 1  # the quote in a message is valid CSV
    assert len(caught) == len(bad) - 1
