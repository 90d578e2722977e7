"""The results CSV contract: columns, an append-only writer, a tolerant reader, resume keys.

One row per run, written and flushed as soon as the run ends. A kill can leave at most one
partial last line: the reader skips it with a warning, and the writer first ends it with a
newline so that new rows never merge into it. Rows already written are never rewritten.

One writer at a time: the writer holds an exclusive lock (flock) on the file, which the kernel
releases when its process ends, however it ends. A run made again (other cutoffs, same seed)
appends a new row: every reader uses the last row of each run (its RunKey).
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import math
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from satspeed.errors import InputError
from satspeed.restart import parse_restart

COLUMNS = (
    "instance", "instance_sha256", "solver", "params", "walkers", "seed", "status", "flips",
    "cpu_s", "wall_s", "cutoff_flips", "cutoff_s", "host", "started_at", "satspeed_version",
    "message", "restart", "restarts",
)
# The format's version, recorded in the meta sidecar; a new version adds columns at the end
# only (README, "The results CSV", lists what each version changed).
CSV_FORMAT = 2
STATUSES = ("sat", "timeout", "error")
INT_COLUMNS = ("walkers", "seed", "flips")
FLOAT_COLUMNS = ("cpu_s", "wall_s")
CUTOFF_COLUMNS = {"cutoff_flips": "an integer", "cutoff_s": "a number"}  # empty: no cutoff
_INTEGER = re.compile(r"-?[0-9]+")  # ASCII digits only: str.isdigit() takes '²' too


Row = dict[str, object]  # one run, keyed by COLUMNS (None: an empty field)


def make_row(**fields: object) -> Row:
    """A row from every column's value, by name; `restart` and `restarts` may be left out (a
    run without restarts). A TypeError names any other column missing, or any unknown (the
    one place where a row's fields are checked against COLUMNS)."""
    fields = {**_OPTIONAL, **fields}
    if set(fields) != set(COLUMNS):
        missing, unknown = set(COLUMNS) - set(fields), set(fields) - set(COLUMNS)
        raise TypeError(f"a results row needs exactly the CSV's columns (missing "
                        f"{sorted(missing)}, unknown {sorted(unknown)})")
    return {column: fields[column] for column in COLUMNS}


_OPTIONAL = {"restart": "", "restarts": ""}  # make_row's defaults: no restarts


@dataclass(frozen=True)
class RunKey:
    """What identifies a run for resuming: same instance content, solver, parameters,
    walkers, seed and restart strategy ('' for none, and in a file older than the column)."""

    instance_sha256: str
    solver: str
    params: str
    walkers: int
    seed: int
    restart: str = ""


def key_of(row: dict[str, str]) -> RunKey:
    return RunKey(row["instance_sha256"], row["solver"], row["params"], int(row["walkers"]),
                  int(row["seed"]), row.get("restart", ""))


def cutoffs_of(row: dict[str, str]) -> tuple[float, float]:
    """A row's cutoffs (flips, CPU seconds) as numbers, inf where there was none."""
    return (_cutoff(row.get("cutoff_flips", "")), _cutoff(row.get("cutoff_s", "")))


def _cutoff(text: str) -> float:
    return float(text) if text else math.inf


def stands(row: dict[str, str], max_flips: int | None, timeout: float | None) -> bool:
    """Whether a run's row holds under the cutoffs `max_flips` and `timeout` (None: none): the
    run made again with them (same seed, same trajectory) would end the same way.

    A `sat` row stands if it found its model within both new cutoffs (or ran under cutoffs no
    larger on that axis); a `timeout` row if its own cutoffs are at least the new ones; an
    `error` row always. A race's CPU seconds are per walker (the row has their sum)."""
    new = (math.inf if max_flips is None else max_flips,
           math.inf if timeout is None else timeout)
    old = cutoffs_of(row)
    if row["status"] == "timeout":
        return old[0] >= new[0] and old[1] >= new[1]
    if row["status"] == "sat":
        reached = (int(row["flips"]), float(row["cpu_s"]) / int(row["walkers"]))
        return all(o <= n or r <= n for o, n, r in zip(old, new, reached, strict=True))
    return True


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Rows:
    """What a reader uses: (line number, row) of the last row of each run, in file order, and
    how many earlier rows of those runs, made at other cutoffs, these supersede."""

    rows: list[tuple[int, dict[str, str]]]
    superseded: int = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self.rows)


def read_rows(path: str | Path) -> Rows:
    """The rows to use, one per run (its last row); malformed lines are skipped with a
    warning, and so are exact duplicates (a run's row repeated at the same cutoffs).

    Raises InputError when the file is missing or its header is not the satspeed header.
    """
    p = Path(path)
    return _rows_of(p, _read_lines(p))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (the rows are dicts and strings, which form no
    cycles: reading 1,000,000 rows, its passes over them took 3 s of 13)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@collector_paused()
def _rows_of(p: Path, lines: list[str]) -> Rows:
    """read_rows on the file's lines, read already."""
    header = next(csv.reader([lines[0]]))
    if tuple(header[: len(COLUMNS)]) != COLUMNS[: len(header)] or len(header) < 15:
        raise InputError(str(p), "not a satspeed results CSV: the header should start with "
                         f"'{','.join(COLUMNS[:4])},...'", 1)
    plain = _plain_line(header)
    last: dict[tuple[object, ...], tuple[int, dict[str, str]]] = {}
    valid = duplicates = 0
    for number, line in enumerate(lines[1:], start=2):
        if plain.fullmatch(line):  # the common case, checked by one pattern: 3-5x faster
            fields = next(csv.reader([line])) if '"' in line else line.rstrip("\r\n").split(",")
            row = dict(zip(header, fields, strict=True))
        else:
            checked = _row_problem(line, header)
            if isinstance(checked, str):
                warnings.warn(f"{p}:{number}: skipped: {checked}", stacklevel=2)
                continue
            row = checked
        valid += 1
        key = (row["instance_sha256"], row["solver"], row["params"], int(row["walkers"]),
               int(row["seed"]), row.get("restart", ""))  # key_of's fields, as a tuple
        if key in last:
            if cutoffs_of(last[key][1]) == cutoffs_of(row):
                duplicates += 1
                warnings.warn(f"{p}:{number}: duplicate: the run of line {last[key][0]} "
                              "again (same instance_sha256, solver, params, walkers, seed and "
                              "cutoffs); each run is used once, from its last row",
                              stacklevel=2)
            del last[key]  # re-inserted: the dict keeps the rows in the order of their lines
        last[key] = (number, row)
    return Rows(list(last.values()), valid - len(last) - duplicates)


_FIELD = r'(?:[^,"\r\n]*|"[^"\r\n]*")'  # any field, quoted or not, but with no quote in it
_UINT, _FLOAT = "[0-9]+", r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?"
_PLAIN = {  # a subset of what _row_problem accepts, column by column
    "walkers": "0*[1-9][0-9]*", "seed": "-?" + _UINT, "flips": "-?" + _UINT,
    "status": f"(?:{'|'.join(STATUSES)})", "cpu_s": _FLOAT, "wall_s": _FLOAT,
    "cutoff_flips": f"(?:-?{_UINT})?", "cutoff_s": f"(?:{_FLOAT})?",
    "restart": "", "restarts": f"(?:{_UINT})?"}


def _plain_line(header: list[str]) -> re.Pattern[str]:
    """A pattern matching only lines that `_row_problem` accepts as they are (no quote inside
    a field, no restart strategy, numbers in their plain forms): those need no other check."""
    fields = ",".join(_PLAIN.get(name, _FIELD) for name in header)
    return re.compile(fields + "\r?\n")


def _read_lines(p: Path) -> list[str]:
    """The file's lines, each with its "\n" (the last one may lack it); a BOM is dropped."""
    try:
        with open(p, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError(str(p), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(p), f"cannot read: {exc}") from None
    # Split at "\n" only: a quoted field may hold "\r" or other line separators.
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    if not lines:
        raise InputError(str(p), "empty file: expected the satspeed results header", 1)
    return lines


def _row_problem(line: str, header: list[str]) -> dict[str, str] | str:
    """The row as a dict, or a description of what is wrong with it."""
    if not line.endswith("\n"):
        return "partial last line (the run was interrupted while writing it)"
    fields = next(csv.reader([line]), [])
    if len(fields) != len(header):
        return f"{len(fields)} fields, expected {len(header)}"
    row = dict(zip(header, fields, strict=True))
    if row["status"] not in STATUSES:
        return f"status '{row['status']}' is not one of {', '.join(STATUSES)}"
    for name in INT_COLUMNS:
        if not _INTEGER.fullmatch(row[name]):
            return f"{name} '{row[name]}' is not an integer"
    if int(row["walkers"]) < 1:
        return f"walkers '{row['walkers']}' is not positive (1 for a run, k for a race)"
    for name in FLOAT_COLUMNS:
        if not _is_number(row[name]):
            return f"{name} '{row[name]}' is not a number"
    for name, kind in CUTOFF_COLUMNS.items():
        text = row[name]
        if text and not (_INTEGER.fullmatch(text) if name == "cutoff_flips"
                         else _is_number(text)):
            return f"{name} '{text}' is not {kind} (nor empty: no cutoff)"
    if row.get("restart"):
        try:
            parse_restart(row["restart"])
        except ValueError as exc:
            return f"restart: {exc}"
    restarts = row.get("restarts", "")
    if restarts and not (_INTEGER.fullmatch(restarts) and int(restarts) >= 0):
        return f"restarts '{restarts}' is not a count (nor empty: no restarts)"
    return row


def _is_number(text: str) -> bool:
    """float() takes it, in ASCII (float() also reads other scripts' digits)."""
    try:
        float(text)
    except ValueError:
        return False
    return text.isascii()


class ResultsWriter:
    """Appends rows to the CSV, flushing each; creates the file with its header if needed.

    It holds an exclusive lock on the file from before it reads anything until it is closed
    (or its process ends, however): a second writer is refused at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.done: dict[RunKey, dict[str, str]] = {}  # the last row of each run in the file
        self.columns: tuple[str, ...] = COLUMNS  # an existing file's header wins
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            _lock(self._file, self.path)
            if os.fstat(self._file.fileno()).st_size > 0:
                self._resume()
            else:
                self._write_line(COLUMNS)
        except BaseException:
            self._file.close()
            raise

    def _resume(self) -> None:
        """Read the rows already there into `done`; end a partial last line a kill left."""
        lines = _read_lines(self.path)  # once: the rows, the header and the last line
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.done = {key_of(row): row for _, row in _rows_of(self.path, lines)}
        skipped = [str(w.message) for w in caught]
        self.columns = tuple(next(csv.reader([lines[0]])))
        if not lines[-1].endswith("\n"):  # end the partial line a kill left, untouched
            row = _row_problem(lines[-1] + "\n", list(self.columns))
            if isinstance(row, dict):  # it lacked only its newline (or the end of its last
                # field): ended, it is a whole row, so that run must not be made again
                self.done[key_of(row)] = row
                number = len(lines)
                skipped = [m for m in skipped if f":{number}: " not in m]
                skipped.append(f"{self.path}:{number}: partial last line kept: it holds a "
                               "whole row (only its end of line was lost)")
            self._file.write("\n")
        for message in skipped:  # one line per problem
            warnings.warn(message, stacklevel=3)

    def _write_line(self, values: Iterable[object]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        self._file.write(buf.getvalue())
        self._file.flush()

    @property
    def format(self) -> int:
        """The file's format version: CSV_FORMAT, or 1 for a file without `restart`."""
        return CSV_FORMAT if "restart" in self.columns else 1

    def missing(self, *columns: str) -> list[str]:
        """Those of `columns` that the file, written in an older format, does not have."""
        return [c for c in columns if c not in self.columns]

    def write(self, row: Row) -> tuple[RunKey, dict[str, str]]:
        """Append one row (a dict keyed by COLUMNS) and flush it to the OS; only the file's
        columns are written (an older file without `message` stays readable: a run that needs
        a column the file lacks, a restarted one, is refused before it is made). Returns its
        key and the row as text, as `done` now holds it."""
        text = {c: "" if row.get(c) is None else str(row[c]) for c in COLUMNS}
        self._write_line(text[c] for c in self.columns)
        key = key_of(text)
        self.done[key] = text
        return key, text

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def refuse_if_locked(path: str | Path) -> None:
    """Refuse at once (before minutes of reading instances) when another writer holds the
    CSV's lock; the writer takes the lock for itself later, so this is only the early word."""
    p = Path(path)
    try:
        with open(p, encoding="utf-8") as file:
            _lock(file, p)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        pass  # nothing to refuse yet: the writer reports what is wrong with the path


def _lock(file: io.TextIOBase, path: Path) -> None:
    """Lock the open file for this writer alone; the kernel drops the lock when the file is
    closed or its process ends (a kill -9 included), so it is never left stale."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        return
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise InputError(str(path), "another satspeed run is writing it: wait for it to end, "
                         "or give this one another -o file") from None
    except OSError as exc:  # a file system without locks
        warnings.warn(f"{path}: cannot lock it ({exc.strerror or exc}): make sure that no "
                      "other satspeed run writes it at the same time", stacklevel=3)
