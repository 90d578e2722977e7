"""The results CSV contract: columns, an append-only writer, a tolerant reader, resume keys.

One row per run, written and flushed as soon as the run ends. A kill can leave at most one
partial last line: the reader skips it with a warning, and the writer first ends it with a
newline so that new rows never merge into it. Rows already written are never rewritten.
"""

from __future__ import annotations

import csv
import io
import json
import os
import platform
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from satspeed.errors import InputError

COLUMNS = (
    "instance", "instance_sha256", "solver", "params", "walkers", "seed", "status", "flips",
    "cpu_s", "wall_s", "cutoff_flips", "cutoff_s", "host", "started_at", "satspeed_version",
    "message",
)
# The format's version, recorded in the meta sidecar; a new version adds columns at the end
# only (README, "The results CSV", lists what each version changed).
CSV_FORMAT = 1
STATUSES = ("sat", "timeout", "error")
MEASURES = ("flips", "cpu_s", "wall_s")  # the columns a runtime is measured in
INT_COLUMNS = ("walkers", "seed", "flips")
FLOAT_COLUMNS = ("cpu_s", "wall_s")


Row = dict[str, object]  # one run, keyed by COLUMNS (None: an empty field)


def make_row(**fields: object) -> Row:
    """A row from every column's value, by name (a TypeError names any column missing or
    unknown: the one place where a row's fields are checked against COLUMNS)."""
    if set(fields) != set(COLUMNS):
        missing, unknown = set(COLUMNS) - set(fields), set(fields) - set(COLUMNS)
        raise TypeError(f"a results row needs exactly the CSV's columns (missing "
                        f"{sorted(missing)}, unknown {sorted(unknown)})")
    return {column: fields[column] for column in COLUMNS}


@dataclass(frozen=True)
class RunKey:
    """What identifies a run for resuming: same instance content, solver, parameters, seed."""

    instance_sha256: str
    solver: str
    params: str
    walkers: int
    seed: int


def key_of(row: dict[str, str]) -> RunKey:
    return RunKey(row["instance_sha256"], row["solver"], row["params"], int(row["walkers"]),
                  int(row["seed"]))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for every valid row; malformed lines are skipped with a warning.

    Raises InputError when the file is missing or its header is not the satspeed header.
    """
    p = Path(path)
    try:
        with open(p, encoding="utf-8", newline="") as f:
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
    header = next(csv.reader([lines[0]]))
    if tuple(header[: len(COLUMNS)]) != COLUMNS[: len(header)] or len(header) < 15:
        raise InputError(str(p), "not a satspeed results CSV: the header should start with "
                         f"'{','.join(COLUMNS[:4])},...'", 1)
    for number, line in enumerate(lines[1:], start=2):
        problem = _row_problem(line, header)
        if isinstance(problem, str):
            warnings.warn(f"{p}:{number}: skipped: {problem}", stacklevel=2)
            continue
        yield number, problem


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
        if not row[name].lstrip("-").isdigit():
            return f"{name} '{row[name]}' is not an integer"
    for name in FLOAT_COLUMNS:
        try:
            float(row[name])
        except ValueError:
            return f"{name} '{row[name]}' is not a number"
    return row


class ResultsWriter:
    """Appends rows to the CSV, flushing each; creates the file with its header if needed."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.done: set[RunKey] = set()
        self.columns: tuple[str, ...] = COLUMNS  # an existing file's header wins
        if self.path.exists() and self.path.stat().st_size > 0:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for _, row in read_rows(self.path):
                    self.done.add(key_of(row))
            skipped = [str(w.message) for w in caught]
            text = self.path.read_text(encoding="utf-8")  # valid: read_rows checked it
            self.columns = tuple(next(csv.reader([text.split("\n", 1)[0]])))
            self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
            if not text.endswith("\n"):  # end the partial line a kill left, without touching it
                start = text.rfind("\n") + 1
                row = _row_problem(text[start:] + "\n", list(self.columns))
                if isinstance(row, dict):  # it lacked only its newline (or the end of its last
                    # field): ended, it is a whole row, so that run must not be made again
                    self.done.add(key_of(row))
                    number = text.count("\n", 0, start) + 1
                    skipped = [m for m in skipped if f":{number}: " not in m]
                    skipped.append(f"{self.path}:{number}: partial last line kept: it holds a "
                                   "whole row (only its end of line was lost)")
                self._file.write("\n")
            for message in skipped:  # one line per problem
                warnings.warn(message, stacklevel=2)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._write_line(COLUMNS)

    def _write_line(self, values: Iterable[object]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        self._file.write(buf.getvalue())
        self._file.flush()

    def write(self, row: Row) -> None:
        """Append one row (a dict keyed by COLUMNS) and flush it to the OS; only the file's
        columns are written (an older file without `message` stays readable)."""
        self._write_line("" if row.get(c) is None else row[c] for c in self.columns)
        self.done.add(RunKey(str(row["instance_sha256"]), str(row["solver"]),
                             str(row["params"]), int(row["walkers"]),  # type: ignore[arg-type]
                             int(row["seed"])))  # type: ignore[arg-type]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def machine_info() -> dict[str, object]:
    """CPU model, cores and memory of this machine (best effort, Linux first)."""
    info: dict[str, object] = {"host": platform.node(), "system": platform.platform(),
                               "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        info["cpu"] = platform.processor()
    return info


def package_versions() -> dict[str, str]:
    from importlib import metadata  # 20 ms: not at import (`satspeed --help` loads this module)

    versions = {"python": sys.version.split()[0]}
    for name in ("satspeed", "numpy", "numba", "scipy", "python-sat", "click", "rich",
                 "distributed"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def record_session(csv_path: str | Path, argv: list[str]) -> Path:
    """Append this invocation (machine, versions, command line) to `<csv>.meta.json`."""
    meta_path = Path(f"{csv_path}.meta.json")
    meta: dict[str, object] = {"csv": Path(csv_path).name, "csv_format": CSV_FORMAT,
                               "sessions": []}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            meta_path.replace(meta_path.with_suffix(".json.bad"))  # keep it, start afresh
    sessions = meta.setdefault("sessions", [])
    assert isinstance(sessions, list)
    sessions.append({"started_at": now_iso(), "command": argv, "csv_format": CSV_FORMAT,
                     "machine": machine_info(), "versions": package_versions()})
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(meta_path)
    return meta_path
