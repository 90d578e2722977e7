"""External solvers: one process per run from a spec's command template, SAT-competition output.

The command's placeholders ({instance}, {seed}, {seed32} (the seed modulo 2^31, for solvers
that parse an int), {max_flips}, {timeout} (2^31 - 1 without a cutoff) and the spec's params)
are filled in. The process runs in a session of its own; it is killed with its whole process
group when it has used its CPU cutoff (polled from /proc, with RLIMIT_CPU rounded up as the
kernel's backstop), at a wall-clock guard (2 x cutoff + WALL_SLACK), when `stop()` says so, or
when it writes more than MAX_OUTPUT; whatever it leaves running is killed when it ends. Its
output goes to temporary files (a chatty solver cannot block on a full pipe).

The answer is read from the `s` and `v` lines and the exit code (10 or 0 for SAT, 0 for
UNKNOWN), every model is verified against the formula, and flips are read with the spec's
regex (the last match), else recorded as -1 ("not reported"). A timeout is: `s UNKNOWN` or
output without an `s` line with exit code 0 (the C probSAT at its flip cutoff), or a solver
that used up its CPU cutoff. A solver that crashes, lies, says nothing, contradicts itself or
runs away gives an 'error' result with the reason (and its last stderr line); nothing else
stops.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import resource
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import IO

import numpy as np

from satspeed.run.builtin import RunResult
from satspeed.run.formula.cnf import Formula
from satspeed.run.specs import SolverSpec

NO_LIMIT = 2**31 - 1  # {max_flips}, {timeout} without a cutoff (C solvers parse an int)
POLL_SECONDS = 0.01
WALL_SLACK = 5.0  # the wall-clock guard: 2 x the CPU cutoff + WALL_SLACK seconds
MAX_OUTPUT = 64 * 2**20  # bytes of stdout (and of stderr) a solver may write
EXIT_SAT = 10


def command_line(spec: SolverSpec, instance: str, seed: int, max_flips: int | None,
                 timeout: float | None) -> list[str]:
    """The spec's command with its placeholders filled in."""
    values: dict[str, object] = {
        **spec.given, "instance": instance, "seed": seed, "seed32": seed % 2**31,
        "max_flips": NO_LIMIT if max_flips is None else max_flips,
        "timeout": NO_LIMIT if timeout is None else math.ceil(timeout)}
    assert spec.command is not None
    return [arg.format(**values) for arg in spec.command]


def _limit_cpu(process: subprocess.Popen[bytes], seconds: float | None) -> None:
    """SIGXCPU at the CPU cutoff rounded up, SIGKILL a second later: the kernel's backstop
    to the polling in `_watch` (set from outside: no preexec_fn, which is unsafe in threaded
    parents such as dask workers)."""
    if seconds is not None:
        soft = max(1, math.ceil(seconds))
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            resource.prlimit(process.pid, resource.RLIMIT_CPU, (soft, soft + 1))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_so_far(pid: int) -> float | None:
    """CPU seconds of a running process and its reaped children (Linux /proc), None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(t) for t in fields[11:15]) / _TICKS  # utime stime cutime cstime


@dataclass
class _Outcome:
    """How the process ended: its wait status and rusage, and why we killed it, if we did
    ('stopped', 'cpu', 'wall' or 'output')."""

    status: int
    usage: resource.struct_rusage
    killed: str = ""


def _watch(process: subprocess.Popen[bytes], files: tuple[IO[bytes], ...],
           timeout: float | None, stop: Callable[[], bool] | None) -> _Outcome:
    """Wait for the process, killing its group when `stop()` says so, at the CPU cutoff,
    the wall-clock guard, or when it writes more than MAX_OUTPUT."""
    wall_limit = None if timeout is None else 2 * timeout + WALL_SLACK
    start = time.perf_counter()
    delay = 0.0002  # short runs are seen to end soon; long ones polled every POLL_SECONDS
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return _Outcome(status, usage)
        killed = ""
        if stop is not None and stop():
            killed = "stopped"
        elif timeout is not None and (_cpu_so_far(process.pid) or 0.0) >= timeout:
            killed = "cpu"
        elif wall_limit is not None and time.perf_counter() - start > wall_limit:
            killed = "wall"
        elif any(os.fstat(f.fileno()).st_size > MAX_OUTPUT for f in files):
            killed = "output"
        if killed:
            _kill_group(process)
            _, status, usage = os.wait4(process.pid, 0)
            return _Outcome(status, usage, killed)
        time.sleep(delay)
        delay = min(POLL_SECONDS, 2 * delay)


def run_external(spec: SolverSpec, formula: Formula, seed: int, max_flips: int | None,
                 timeout: float | None, stop: Callable[[], bool] | None = None) -> RunResult:
    """One run of an external solver; see the module docstring."""
    args = command_line(spec, formula.path, seed, max_flips, timeout)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       start_new_session=True)
        except OSError as exc:
            return _error(f"cannot start {args[0]}: {exc.strerror or exc}")
        _limit_cpu(process, timeout)
        try:
            outcome = _watch(process, (out, err), timeout, stop)
        except BaseException:  # Ctrl-C or the worker told to stop: leave no process behind
            _kill_group(process)
            with contextlib.suppress(ChildProcessError):
                os.wait4(process.pid, 0)
            raise
        finally:
            _kill_group(process)  # whatever it left running in its session
        process.returncode = code = os.waitstatus_to_exitcode(outcome.status)
        wall = time.perf_counter() - start
        cpu = outcome.usage.ru_utime + outcome.usage.ru_stime
        text = _read(out)
        complaint = _last_line(_read(err))
    flips = _flips(spec, text)
    if outcome.killed == "stopped":
        return RunResult("stopped", max(flips, 0), cpu, wall, None)
    if outcome.killed == "output":
        return _error(f"output too large (over {MAX_OUTPUT >> 20} MiB): killed", cpu, wall)
    if outcome.killed in ("cpu", "wall"):
        return RunResult("timeout", flips, cpu, wall, None)
    result = _verdict(text, code, formula, flips, cpu, wall, _cpu_out(cpu, timeout))
    if result.status == "error" and complaint:
        return replace(result, message=f"{result.message}; stderr: {complaint}")
    return result


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read(MAX_OUTPUT).decode("utf-8", "replace")


def _last_line(text: str, width: int = 200) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:width] if lines else ""


def _cpu_out(cpu: float, timeout: float | None) -> bool:
    """Whether the solver used up its CPU cutoff (so a death or a give-up is a timeout)."""
    return timeout is not None and cpu >= timeout - 0.02


def _flips(spec: SolverSpec, text: str) -> int:
    if spec.flips_regex is None:
        return -1
    found = re.findall(spec.flips_regex, text, flags=re.MULTILINE)
    try:
        return int(float(found[-1])) if found else -1
    except ValueError:
        return -1


def _verdict(text: str, code: int, formula: Formula, flips: int, cpu: float, wall: float,
             cpu_out: bool = False) -> RunResult:
    """Read the answer from the `s`/`v` lines and the exit code; verify a model. With
    `cpu_out` (it used up its CPU cutoff), a death by signal or no answer is a timeout."""
    answers = [line[1:].strip() for line in text.splitlines() if line.startswith("s ")]
    answer = answers[-1] if answers else ""
    if answer in ("", "UNKNOWN") and (cpu_out or (code == 0 and text.strip())):
        return RunResult("timeout", flips, cpu, wall, None)  # e.g. the C probSAT: no s line
    if code < 0:
        return _error(f"killed by signal {-code}{_signal_name(-code)}", cpu, wall)
    if not text.strip():
        return _error(f"no output (exit code {code})", cpu, wall)
    if not answer:
        return _error(f"no 's' line in its output (exit code {code})", cpu, wall)
    if answer == "UNKNOWN":
        return _error(f"'s UNKNOWN' with exit code {code} (expected 0)", cpu, wall)
    if answer == "UNSATISFIABLE":
        return _error("it says UNSATISFIABLE (satspeed benchmarks satisfiable instances)",
                      cpu, wall)
    if answer != "SATISFIABLE":
        return _error(f"unknown answer 's {answer[:40]}'", cpu, wall)
    if code not in (EXIT_SAT, 0):
        return _error(f"'s SATISFIABLE' with exit code {code} (expected 10)", cpu, wall)
    model = _model(text, formula.num_vars)
    if isinstance(model, str):
        return _error(model, cpu, wall)
    bad = formula.falsified_clause(model)
    if bad >= 0:
        return _error(f"wrong model: it falsifies clause {bad + 1}", cpu, wall)
    return RunResult("sat", flips, cpu, wall, model)


def _signal_name(number: int) -> str:
    try:
        return f" ({signal.Signals(number).name})"
    except ValueError:
        return ""


def _model(text: str, num_vars: int) -> np.ndarray | str:
    """The assignment of the `v` lines, or what is wrong with them. Variables left out are
    false when the lines end with 0; without the final 0 (the C probSAT omits it) every
    variable must be there."""
    literals: list[int] = []
    for line in text.splitlines():
        if line.startswith("v"):
            try:
                literals.extend(int(token) for token in line[1:].split())
            except ValueError:
                return "a 'v' line holds something other than integers"
    ended = bool(literals) and literals[-1] == 0
    if ended:
        literals.pop()
    model = np.zeros(num_vars, np.uint8)
    seen = np.zeros(num_vars, bool)
    for lit in literals:
        if lit == 0 or abs(lit) > num_vars:
            return f"literal {lit} in its 'v' lines is not a variable of the formula"
        model[abs(lit) - 1] = lit > 0
        seen[abs(lit) - 1] = True
    if not ended and not seen.all():
        return ("its 'v' lines leave variables out and do not end with 0 (missing or cut "
                "short)")
    return model


def _error(message: str, cpu: float = 0.0, wall: float = 0.0) -> RunResult:
    return RunResult("error", 0, cpu, wall, None, message)
