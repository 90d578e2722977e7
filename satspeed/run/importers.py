"""`satspeed import`: other tools' per-run output as rows of the results CSV.

Two formats, one reader each, both yielding `Imported` runs:

- `ubcsat`: UBCSAT's `-r out` report: `#` header lines (the `-alg` line, the parameter
  settings, `Output Columns: |run|found|...|`), then one line of space-separated columns per
  run, by default `run found best beststep steps`. `found` 1 is a run solved in `steps`
  flips, 0 a run stopped at `steps` flips (censored); a `time` column gives CPU seconds, a
  `seed` column the run's seed (else its run number).
- `times`: lines `RUNTIME SOLVED` (whitespace or a comma between), `#` starts a comment.

A malformed line is one warning naming FILE:LINE and skipped; a file without a usable run is a
warning, and an error when no file has one. Rows go through ResultsWriter, so the lock, header
and resume keys are `run`'s: a run already in the CSV (same instance content, solver, params
and seed) is not written again.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from satspeed import __version__
from satspeed.errors import InputError, os_error
from satspeed.labels import format_params
from satspeed.results import ResultsWriter, Row, key_of, make_row, now_iso
from satspeed.run.display import say
from satspeed.run.formula.cnf import read_cnf
from satspeed.sidecar import record_session

UBCSAT_COLUMNS = ("run", "found", "best", "beststep", "steps")  # its "default" composite
UBCSAT_MAX = 2**32 - 1  # `-cutoff max`: UBCSAT's largest UINT32, i.e. no flip cutoff
SOLVED = {"1": True, "true": True, "sat": True, "solved": True,
          "0": False, "false": False, "timeout": False, "unsolved": False}
_PARAM = re.compile(r"#\s+(-[\w,-]+)\s+(\S+)\s*")  # '#  -cutoff 100000 '
_ALG = re.compile(r"#\s*-alg\s+(\S+)(.*)")  # '# -alg saps -v variant -w'
_STATS = re.compile(r"\s*\w+\s*=")  # a `-r stats` line ('PercentSuccess = 100.00')


@dataclass(frozen=True)
class Imported:
    """One run read from a file: `flips` -1 when not known (predict then needs cpu_s)."""

    line: int
    number: int  # the run's number in its file, from 1
    solved: bool
    flips: int
    cpu_s: float
    seed: int | None = None  # None: its number (counted on through the files given)


@dataclass
class ImportedFile:
    """What a file holds: its runs, and what its header says about them."""

    path: Path
    runs: list[Imported] = field(default_factory=list)
    params: str | None = None  # the solver's settings, as the header gives them
    cutoff_flips: int | None = None
    cutoff_s: float | None = None


def _skip(path: Path, number: int, why: str) -> None:
    warnings.warn(f"{path}:{number}: skipped: {why}", stacklevel=3)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read: {exc}") from None


def read_times(path: Path, measure: str) -> ImportedFile:
    """A `RUNTIME SOLVED` list; RUNTIME is flips (a whole number) or CPU seconds."""
    found = ImportedFile(path)
    count = 0  # the lines of runs so far, malformed ones too: a run's number
    for number, text in enumerate(_lines(path), start=1):
        fields = text.split("#", 1)[0].replace(",", " ").split()
        if not fields:
            continue
        count += 1
        if len(fields) != 2:
            _skip(path, number, f"{len(fields)} fields, expected 2 (runtime solved)")
            continue
        runtime, solved = _number(fields[0]), SOLVED.get(fields[1].lower())
        if runtime is None or runtime < 0:
            _skip(path, number, f"runtime '{fields[0]}' is not a number >= 0")
        elif solved is None:
            _skip(path, number, f"solved '{fields[1]}' is not one of 1/0, true/false, "
                  "sat/timeout, solved/unsolved")
        elif measure == "flips" and runtime != int(runtime):
            _skip(path, number, f"flips '{fields[0]}' is not a whole number")
        elif measure == "flips":
            found.runs.append(Imported(number, count, solved, int(runtime), 0.0))
        else:
            found.runs.append(Imported(number, count, solved, -1, runtime))
    return found


def read_ubcsat(path: Path) -> ImportedFile:
    """UBCSAT's `-r out` report (see the module's docstring)."""
    found = ImportedFile(path)
    columns: tuple[str, ...] = UBCSAT_COLUMNS
    blocks: list[dict[str, str]] = [{}]  # parameter blocks after the -alg line: UBCSAT's,
    algorithm: dict[str, str] = {}  # then the algorithm's
    reading = False
    for number, text in enumerate(_lines(path), start=1):
        if text.startswith("#"):
            if match := _ALG.fullmatch(text.rstrip()):
                algorithm = _alg_line(match.group(1), match.group(2))
                blocks, reading = [{}], True
            elif "Output Columns:" in text:
                columns = tuple(c for c in text.split(":", 1)[1].strip().split("|") if c)
                reading = False
            elif reading and (match := _PARAM.fullmatch(text)):
                blocks[-1][match.group(1).lstrip("-")] = match.group(2)
            elif reading and text[1:].strip() == "" and blocks[-1]:
                blocks.append({})
            continue
        if not text.strip() or _STATS.match(text):
            continue  # a blank line, or a line of the `-r stats` report
        run = _ubcsat_run(path, number, text.split(), columns, len(found.runs) + 1)
        if run is not None:
            found.runs.append(run)
    if algorithm:
        found.params = format_params({**algorithm, **(blocks[1] if len(blocks) > 1 else {})})
    cutoff, timeout = blocks[0].get("cutoff"), blocks[0].get("timeout")
    if cutoff is not None and cutoff.isdigit() and int(cutoff) < UBCSAT_MAX:
        found.cutoff_flips = int(cutoff)
    seconds = _number(timeout or "")
    if seconds is not None and seconds > 0:
        found.cutoff_s = seconds
    return found


def _alg_line(name: str, rest: str) -> dict[str, str]:
    """The `-alg` line's settings: {'alg': 'saps'}, with 'v' (variant) and 'w' (weighted)."""
    settings = {"alg": name}
    words = rest.split()
    for i, word in enumerate(words):
        if word == "-v" and i + 1 < len(words):
            settings["v"] = words[i + 1]
        elif word == "-w":
            settings["w"] = "1"
    return settings


def _ubcsat_run(path: Path, number: int, fields: list[str], columns: tuple[str, ...],
                ordinal: int) -> Imported | None:
    if len(fields) != len(columns):
        _skip(path, number, f"{len(fields)} fields, expected {len(columns)} "
              f"({' '.join(columns)})")
        return None
    row = dict(zip(columns, fields, strict=True))
    for name in ("found", "steps"):
        if name not in row:
            raise InputError(str(path), f"no '{name}' column (columns: {', '.join(columns)}): "
                             "give it to `-r out FILE run,found,steps,...`")
    for name in ("run", "found", "steps", "seed"):
        if name in row and not row[name].isdigit():
            _skip(path, number, f"{name} '{row[name]}' is not a whole number")
            return None
    if row["found"] not in ("0", "1"):
        _skip(path, number, f"found '{row['found']}' is not 1 (solved) or 0")
        return None
    cpu_s = _number(row.get("time", "0"))
    if cpu_s is None or cpu_s < 0:
        _skip(path, number, f"time '{row['time']}' is not a number >= 0")
        return None
    seed = int(row["seed"]) if "seed" in row else None
    return Imported(number, int(row.get("run", ordinal)), row["found"] == "1",
                    int(row["steps"]), cpu_s, seed)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text.isascii() and value == value and value != float("inf") else None


@dataclass(frozen=True)
class ImportOptions:
    files: tuple[Path, ...]
    source: str  # "ubcsat" or "times"
    output: Path
    instance: Path
    solver: str = "ubcsat"
    params: str | None = None  # default: the file's algorithm settings, else ""
    measure: str = "flips"  # the column a `times` runtime goes in: flips or cpu_s
    max_flips: int | None = None
    timeout: float | None = None


def read_files(options: ImportOptions) -> list[ImportedFile]:
    """Every file read; an error when none holds a usable run."""
    files = [read_ubcsat(p) if options.source == "ubcsat" else read_times(p, options.measure)
             for p in options.files]
    if not any(f.runs for f in files):
        raise InputError(", ".join(map(str, options.files)), "no usable run found")
    for file in files:
        if not file.runs:
            warnings.warn(f"{file.path}: no usable run found", stacklevel=2)
    return files


def rows_of(options: ImportOptions, files: Iterable[ImportedFile]) -> Iterable[Row]:
    """The CSV rows of the runs: seed from a `seed` column, else the run's number (counted
    on through the files in order); the same seed twice is a warning, the second skipped."""
    formula = read_cnf(options.instance)
    seen: set[tuple[int, str]] = set()
    offset = 0  # the runs numbered in the files before
    for file in files:
        params = options.params if options.params is not None else file.params or ""
        cutoff_flips = options.max_flips if options.max_flips is not None else file.cutoff_flips
        cutoff_s = options.timeout if options.timeout is not None else file.cutoff_s
        for run in file.runs:
            seed = run.seed if run.seed is not None else offset + run.number
            if (seed, params) in seen:
                _skip(file.path, run.line, f"seed {seed} again (a run is imported once)")
                continue
            seen.add((seed, params))
            yield make_row(
                instance=str(options.instance), instance_sha256=formula.sha256,
                solver=options.solver, params=params, walkers=1, seed=seed,
                status="sat" if run.solved else "timeout", flips=run.flips, cpu_s=run.cpu_s,
                wall_s=0.0, cutoff_flips=cutoff_flips, cutoff_s=cutoff_s, host="",
                started_at=now_iso(), satspeed_version=__version__,
                message=f"imported from {options.source} output {file.path}:{run.line}")
        offset += max((run.number for run in file.runs), default=0)


def import_runs(options: ImportOptions, argv: list[str]) -> int:
    """Append the files' runs to the CSV (those not there already); returns the exit code."""
    rows = list(rows_of(options, read_files(options)))
    written = solved = 0
    try:
        with ResultsWriter(options.output) as writer:
            record_session(options.output, argv, csv_format=writer.format)
            for row in rows:
                if key_of(row) in writer.done:
                    continue
                writer.write(row)
                written += 1
                solved += row["status"] == "sat"
    except OSError as exc:
        raise os_error(exc, options.output) from None
    kept = len(rows) - written
    say(f"imported {written} runs ({solved} solved, {written - solved} timed out) into "
        f"{options.output}" + (f"; {kept} were there already" if kept else ""))
    if any(r["flips"] == -1 for r in rows):
        say("no flips in the files (written as -1): predict with --measure cpu_s")
    elif not any(r["cpu_s"] for r in rows):
        say("no CPU or wall seconds in the files (written as 0): predict in flips")
    else:
        say("no wall seconds in the files (written as 0)")
    return 0
