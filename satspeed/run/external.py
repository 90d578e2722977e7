"""External solvers: one process per run from a spec's command template, SAT-competition output.

The command's placeholders ({instance}, {seed}, {seed32} (the seed modulo 2^31, for solvers
that parse an int), {max_flips}, {timeout} (2^31 - 1 without a cutoff) and the spec's params)
are filled in; the command runs without a shell. The process runs in a session of its own;
it is killed with its whole process group when it has used its CPU cutoff (polled from /proc,
with an RLIMIT_CPU well past the cutoff as the kernel's backstop), at a wall-clock guard
(2 x cutoff + WALL_SLACK), when `stop()` says so, or when it writes more than MAX_OUTPUT. Its
environment carries a token of the run (RUN_ID_VAR), which every descendant inherits: when
the run ends, every process still carrying it is killed, in whatever session or process group
it has put itself (`_sweep`). Its output goes to temporary files (a chatty solver cannot
block on a full pipe).

The answer is read from the `s` and `v` lines and the exit code (10 or 0 for SAT, 0 for
UNKNOWN), every model is checked (each variable of the clauses assigned exactly once, nothing
beyond the formula's variables) and verified against the formula, and flips are read with the
spec's regex (the last match), else recorded as -1 ("not reported"). A timeout is: `s UNKNOWN`
or output without an `s` line with exit code 0 (the C probSAT at its flip cutoff), or a run
the harness stopped at its cutoff by any of its means (the CPU poll, RLIMIT_CPU's SIGXCPU and
SIGKILL, the wall guard). A solver that crashes, lies, says nothing, contradicts itself or
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
import uuid
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
RUN_ID_VAR = "SATSPEED_RUN_ID"  # in the solver's environment: marks its processes for `_sweep`
SWEEP_ROUNDS = 100  # sweeps at most (each kills what the previous one missed: new forks)


def command_line(spec: SolverSpec, instance: str, seed: int, max_flips: int | None,
                 timeout: float | None) -> list[str]:
    """The spec's command with its placeholders filled in."""
    values: dict[str, object] = {
        **spec.given, "instance": instance, "seed": seed, "seed32": seed % 2**31,
        "max_flips": NO_LIMIT if max_flips is None else max_flips,
        "timeout": NO_LIMIT if timeout is None else math.ceil(timeout)}
    assert spec.command is not None
    return [arg.format(**values) for arg in spec.command]


def backstop_seconds(timeout: float) -> int:
    """RLIMIT_CPU's soft limit for a CPU cutoff: 1.25 x the cutoff + 0.5 s, rounded up.

    The kernel counts CPU time for RLIMIT_CPU in scheduler ticks, which on a busy machine run
    some percent ahead of the process's measured CPU time (seen here: SIGXCPU at 0.93 s
    measured for a 1 s limit), so a limit at the cutoff itself beats the /proc poll; this one
    leaves the poll the first word and stays a backstop."""
    return max(1, math.ceil(1.25 * timeout + 0.5))


def _limit_cpu(process: subprocess.Popen[bytes], seconds: float | None) -> None:
    """SIGXCPU at `backstop_seconds`, SIGKILL a second later: the kernel's backstop to the
    polling in `_watch` (set from outside: no preexec_fn, which is unsafe in threaded parents
    such as dask workers)."""
    if seconds is not None:
        soft = backstop_seconds(seconds)
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            resource.prlimit(process.pid, resource.RLIMIT_CPU, (soft, soft + 1))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _carries(pid: int, mark: bytes) -> bool:
    """Whether process `pid` is alive with `mark` (NUL-delimited) in its environment."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return mark in b"\0" + f.read()
    except OSError:  # gone, another user's, or no /proc
        return False


def _kill_carrier(pid: int, mark: bytes) -> bool:
    """SIGKILL `pid` if it still carries `mark`, through a pidfd where there is one: the
    check is made after the pidfd is opened, so a pid reused meanwhile is never hit."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = -1
    try:
        if not _carries(pid, mark):
            return False
        if fd >= 0:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
        return True
    except OSError:
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def _sweep(token: str) -> None:
    """Kill every process that carries the run's token in its environment: whatever the
    solver left running, in its session or in new ones (`setsid`, daemons reparented to
    init). It scans /proc; a killed process loses its environment, so a sweep that finds
    none is the last (later forks of a dying process are found by the next sweep)."""
    mark = f"\0{RUN_ID_VAR}={token}\0".encode()
    for _ in range(SWEEP_ROUNDS):
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        found = [pid for pid in pids if _carries(pid, mark)]
        if not [pid for pid in found if _kill_carrier(pid, mark)]:
            return
        time.sleep(0.001)


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
    token = uuid.uuid4().hex
    env = {**os.environ, RUN_ID_VAR: token}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                       start_new_session=True, env=env)
        except OSError as exc:
            return _error(f"cannot start {args[0]}: {exc.strerror or exc}")
        _limit_cpu(process, timeout)
        try:
            outcome = _watch(process, (out, err), timeout, stop)
            wall = time.perf_counter() - start  # not counting the sweep
        except BaseException:  # Ctrl-C or the worker told to stop: leave no process behind
            _kill_group(process)
            with contextlib.suppress(ChildProcessError):
                os.wait4(process.pid, 0)
            raise
        finally:
            _kill_group(process)  # whatever it left running in its session
            _sweep(token)  # and anywhere else
        process.returncode = code = os.waitstatus_to_exitcode(outcome.status)
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
    result = _verdict(text, code, formula, flips, cpu, wall, _cpu_out(cpu, code, timeout))
    if result.status == "error" and complaint:
        return replace(result, message=f"{result.message}; stderr: {complaint}")
    return result


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read(MAX_OUTPUT).decode("utf-8", "replace")


def _last_line(text: str, width: int = 200) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:width] if lines else ""


def _cpu_out(cpu: float, code: int, timeout: float | None) -> bool:
    """Whether the solver used up its CPU cutoff (so a death or a give-up is a timeout): its
    CPU time says so, or it died of SIGXCPU, which only our RLIMIT_CPU sends (the kernel's
    tick count decides that, and the measured time may read less)."""
    return timeout is not None and (cpu >= timeout - 0.02 or code == -signal.SIGXCPU)


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
    model = _model(text, formula)
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


def _model(text: str, formula: Formula) -> np.ndarray | str:
    """The assignment of the `v` lines, or what is wrong with them, naming the variable: a
    literal beyond the formula's variables, a variable assigned both ways, a variable of the
    clauses left unassigned. Variables that occur in no clause may be left out (false). The
    lines may end with 0, or not (the C probSAT omits it); a 0 before the end is an error."""
    literals: list[int] = []
    for line in text.splitlines():
        if line[:1] == "v" and line[1:2] in ("", " ", "\t"):
            try:
                literals.extend(int(token) for token in line[1:].split())
            except ValueError:
                return "a 'v' line holds something other than integers"
    ended = bool(literals) and literals[-1] == 0
    lits = np.array(literals[:-1] if ended else literals, np.int64)
    if (lits == 0).any():
        return "its 'v' lines hold a 0 before their last literal (two models?)"
    n = formula.num_vars
    variables = np.abs(lits)
    if (variables > n).any():
        return (f"its 'v' lines assign variable {int(variables[variables > n][0])}, beyond "
                f"the formula's {n}")
    true = np.zeros(n, bool)
    false = np.zeros(n, bool)
    true[variables[lits > 0] - 1] = True
    false[variables[lits < 0] - 1] = True
    both = np.flatnonzero(true & false)
    if len(both):
        more = f" (and {len(both) - 1} more)" if len(both) > 1 else ""
        return f"its 'v' lines assign variable {both[0] + 1} both true and false{more}"
    occurs = np.diff(formula.occ_start[::2]) > 0
    missing = np.flatnonzero(occurs & ~true & ~false)
    if len(missing):
        more = f" (nor {len(missing) - 1} more)" if len(missing) > 1 else ""
        cut = "" if ended else " and do not end with 0 (cut short?)"
        return f"its 'v' lines do not assign variable {missing[0] + 1}{more}{cut}"
    return true.astype(np.uint8)


def _error(message: str, cpu: float = 0.0, wall: float = 0.0) -> RunResult:
    return RunResult("error", 0, cpu, wall, None, message)
