"""External solvers from command specs: honest answers verified and their flips read; crashing,
lying, silent, runaway solvers as `error` or `timeout` with the reason; no process left behind;
stopped on request; the same rows through `satspeed run`."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from test_run import bundled, rows_of, satspeed_run

from satspeed.run import external
from satspeed.run.external import NO_LIMIT, command_line, run_external
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.specs import SolverSpec, load_spec

FAKE = Path(__file__).resolve().parent / "fake_solver.py"
FLIPS = r"^c flips (\d+)"


def fake(mode: str, flips: str | None = FLIPS) -> SolverSpec:
    return SolverSpec(f"fake-{mode}", command=(sys.executable, str(FAKE), mode, "{instance}",
                                               "{seed}"), flips_regex=flips)


@pytest.fixture(scope="module")
def formula():  # type: ignore[no-untyped-def]
    return read_cnf(bundled("uf3-n50-"))


def gone(pid: int, group: bool = False) -> bool:
    """Whether the process (or every process of the group `pid` leads) has ended."""
    try:
        (os.killpg if group else os.kill)(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_an_honest_solver(formula) -> None:  # type: ignore[no-untyped-def]
    result = run_external(fake("honest"), formula, 1234, None, 30.0)
    assert (result.status, result.flips, result.message) == ("sat", 1234, "")
    assert result.model is not None and formula.falsified_clause(result.model) == -1
    assert result.cpu_s > 0 and result.wall_s >= result.cpu_s * 0.5


def test_flips_not_reported(formula) -> None:  # type: ignore[no-untyped-def]
    assert run_external(fake("honest", None), formula, 1, None, 30.0).flips == -1
    assert run_external(fake("honest", r"^c nothing (\d+)"), formula, 1, None, 30.0).flips == -1


@pytest.mark.parametrize("mode,status,reason", [
    ("lying", "error", "wrong model: it falsifies clause"),
    ("silent", "error", "no output (exit code 0)"),
    ("crash", "error", "killed by signal 11 (SIGSEGV)"),
    ("unsat", "error", "says UNSATISFIABLE"),
    ("cut", "error", "leave variables out and do not end with 0"),
    ("fail", "error", "no output (exit code 1); stderr: ValueError: bad input"),
    ("badexit", "error", "'s SATISFIABLE' with exit code 20 (expected 10)"),
    ("unknown", "timeout", ""),
])
def test_misbehaving_solvers(formula, mode: str, status: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    result = run_external(fake(mode), formula, 1, None, 30.0)
    assert (result.status, result.model) == (status, None)
    assert reason in result.message


def test_a_missing_program(formula) -> None:  # type: ignore[no-untyped-def]
    spec = SolverSpec("nope", command=("/nonexistent/solver", "{instance}"))
    result = run_external(spec, formula, 1, None, 30.0)
    assert result.status == "error" and "cannot start /nonexistent/solver" in result.message


def test_a_not_executable_program(formula, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    program = tmp_path / "solver"
    program.write_text("#!/bin/sh\n")
    result = run_external(SolverSpec("x", command=(str(program), "{instance}")), formula, 1,
                          None, 30.0)
    assert result.status == "error" and "Permission denied" in result.message


def test_a_runaway_solver_hits_the_cpu_limit(formula) -> None:  # type: ignore[no-untyped-def]
    result = run_external(fake("spin"), formula, 1, None, 0.3)
    assert (result.status, result.message) == ("timeout", "") and result.cpu_s >= 0.28


def test_the_kernel_limit_backs_up_the_polling(formula,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without /proc, RLIMIT_CPU (the cutoff rounded up to 1 s) still ends a runaway; one
    that answers SIGXCPU with `s UNKNOWN` and exit code 1 is a timeout, not an error."""
    monkeypatch.setattr(external, "_cpu_so_far", lambda pid: None)
    result = run_external(fake("stubborn"), formula, 1, None, 0.3)
    assert (result.status, result.message) == ("timeout", "") and result.cpu_s >= 0.9


def test_a_sleeping_solver_hits_the_wall_guard(formula, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("FAKE_SOLVER_PIDFILE", str(pidfile))
    monkeypatch.setattr(external, "WALL_SLACK", 1.0)
    result = run_external(fake("sleep"), formula, 1, None, 0.2)  # guard: 2 x 0.2 + 1 s
    assert result.status == "timeout" and 1.4 < result.wall_s < 20
    pid = int(pidfile.read_text())
    assert gone(pid) and gone(pid, group=True)


def test_a_chatty_solver_is_cut_off(formula,  # type: ignore[no-untyped-def]
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external, "MAX_OUTPUT", 2**20)
    result = run_external(fake("chatty"), formula, 1, None, 30.0)
    assert result.status == "error" and "output too large (over 1 MiB)" in result.message


def test_stop_kills_it_promptly(formula) -> None:  # type: ignore[no-untyped-def]
    asked = threading.Event()
    threading.Timer(0.5, asked.set).start()
    result = run_external(fake("sleep"), formula, 1, None, 60.0, stop=asked.is_set)
    assert result.status == "stopped" and result.wall_s < 10


def test_no_process_is_left_behind(formula, tmp_path: Path,  # type: ignore[no-untyped-def]
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("FAKE_SOLVER_PIDFILE", str(pidfile))
    result = run_external(fake("orphan"), formula, 1, None, 30.0)
    assert result.status == "sat"
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid), "the solver's own child survived it"


def test_placeholders() -> None:
    spec = SolverSpec("x", command=("s", "-f", "{max_flips}", "-t", "{timeout}", "{cb}",
                                    "{instance}", "--seed={seed}", "{seed32}"),
                      params=(("cb", 2.5),))
    assert command_line(spec, "a.cnf", 7, 100, 1.5) == \
        ["s", "-f", "100", "-t", "2", "2.5", "a.cnf", "--seed=7", "7"]
    assert command_line(spec, "a.cnf", 2**40 + 5, 1, 1)[-1] == str((2**40 + 5) % 2**31)
    assert command_line(spec, "a.cnf", 7, None, None)[2] == str(NO_LIMIT)


def write_spec(path: Path, mode: str) -> Path:
    path.write_text(f'command = ["{sys.executable}", "{FAKE}", "{mode}", "{{instance}}", '
                    f'"{{seed}}"]\nflips = \'{FLIPS}\'\n')
    return path


def test_satspeed_run_with_external_solvers(tmp_path: Path) -> None:
    """Honest and lying solvers side by side in one campaign: rows, not a stopped campaign."""
    honest = write_spec(tmp_path / "honest.toml", "honest")
    liar = write_spec(tmp_path / "liar.toml", "lying")
    proc = satspeed_run(bundled("uf3-n50-"), "--solver", honest, "--solver", liar,
                        "--runs", 2, "--workers", 1, "-o", "r.csv", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows, warned = rows_of(tmp_path / "r.csv")
    assert warned == []
    by_solver = {s: [r for r in rows if r["solver"] == s] for s in ("honest", "liar")}
    assert [r["status"] for r in by_solver["honest"]] == ["sat"] * 2
    assert all(1000 <= int(r["flips"]) < 2000 for r in by_solver["honest"])
    assert [r["status"] for r in by_solver["liar"]] == ["error"] * 2
    assert all("wrong model" in r["message"] for r in by_solver["liar"])


def test_satspeed_solve_as_an_external_solver(tmp_path: Path) -> None:
    """The bundled example spec runs `satspeed solve`; its flips are those of the kernel."""
    bundled_spec = load_spec(Path(__file__).resolve().parent.parent / "solvers" /
                             "satspeed-solve.toml")
    assert bundled_spec.command is not None and bundled_spec.flips_regex
    spec = SolverSpec("satspeed-solve", command=(sys.executable, "-m", "satspeed",
                                                 *bundled_spec.command[1:]),
                      flips_regex=bundled_spec.flips_regex)
    formula = read_cnf(bundled("uf3-n50-"))
    result = run_external(spec, formula, 5, None, 60.0)
    from satspeed.run.builtin import make_walk, run_once

    own = run_once(make_walk(formula, "probsat"), 5)
    assert (result.status, result.flips) == ("sat", own.flips)
    assert result.model is not None and (result.model == own.model).all()


def probsat_output(model: list[int], flips: int) -> str:
    """What the C probSAT (-a) prints: `c numFlips` padded, `v` lines of 20 literals, no 0."""
    lines = [f"c {'numFlips':<30}: {flips:<9}", "s SATISFIABLE"]
    lines += ["v " + " ".join(map(str, model[i:i + 20])) + " " for i in range(0, len(model), 20)]
    return "\n".join(lines)


def test_the_c_probsat_output(formula) -> None:  # type: ignore[no-untyped-def]
    """The bundled probsat-c spec reads the C probSAT's output (its flip cutoff: exit 0, no
    `s` line, a timeout); exit codes that contradict the answer are errors."""
    from pysat.solvers import Solver

    spec = load_spec(Path(__file__).resolve().parent.parent / "solvers" / "probsat-c.toml")
    with Solver(name="m22", bootstrap_with=formula.clauses()) as solver:
        solver.solve()
        model = solver.get_model()
    text = probsat_output(model, 4321)
    flips = external._flips(spec, text)
    result = external._verdict(text, 10, formula, flips, 0.1, 0.1)
    assert (result.status, result.flips) == ("sat", 4321)
    assert result.model is not None and formula.falsified_clause(result.model) == -1
    gave_up = "c UNKNOWN best(   1) current(   2) (0.1sec)\nc numFlips : 100"
    assert external._verdict(gave_up, 0, formula, 100, 0.1, 0.1).status == "timeout"
    assert "'s UNKNOWN' with exit code 1" in \
        external._verdict("s UNKNOWN\n", 1, formula, -1, 0.1, 0.1).message
    assert external._verdict(text[:-40], 10, formula, -1, 0.1, 0.1).status == "error"
