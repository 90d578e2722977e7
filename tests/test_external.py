"""External solvers from command specs: honest answers verified and their flips read; crashing,
lying, contradictory, silent, runaway solvers as `error` or `timeout` with the reason; runs
stopped at their cutoff by any means are timeouts; no process left behind, setsid daemons
included; stopped on request; the same rows through `satspeed run`."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from test_run import bundled, rows_of, satspeed_run

from satspeed.run import external
from satspeed.run.external import NO_LIMIT, backstop_seconds, command_line, run_external
from satspeed.run.formula.cnf import parse_cnf, read_cnf
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
    """Whether the process (or every process of the group `pid` leads) has ended (a zombie
    has: it waits only for its parent, maybe an init that does not reap, to read its status)."""
    try:
        (os.killpg if group else os.kill)(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return not group
    return not group and state in ("Z", "X")


def ends(pid: int) -> bool:
    """Whether the process ends within 10 s (a SIGKILL is delivered asynchronously)."""
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return gone(pid)


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
    ("cut", "error", "do not assign variable 26 (nor 24 more) and do not end with 0"),
    ("both", "error", "assign variable 1 both true and false (and 49 more)"),
    ("beyond", "error", "assign variable 51, beyond the formula's 50"),
    ("fail", "error", "no output (exit code 1); stderr: ValueError: bad input"),
    ("badexit", "error", "'s SATISFIABLE' with exit code 20 (expected 10)"),
    ("unknown", "timeout", ""),
])
def test_misbehaving_solvers(formula, mode: str, status: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    result = run_external(fake(mode), formula, 1, None, 30.0)
    assert (result.status, result.model) == (status, None)
    assert reason in result.message


def test_a_variable_left_out(formula) -> None:  # type: ignore[no-untyped-def]
    """A model that omits a variable of the clauses is an error naming it, even where the
    formula holds with it false; a variable of no clause may be left out."""
    from pysat.solvers import Solver

    with Solver(name="m22", bootstrap_with=formula.clauses()) as solver:
        solver.solve()
        left_out = -next(lit for lit in solver.get_model() if lit < 0)
    result = run_external(fake("missing"), formula, 1, None, 30.0)
    assert (result.status, result.model) == ("error", None)
    assert result.message == f"its 'v' lines do not assign variable {left_out}"
    spare = parse_cnf(b"p cnf 3 1\n1 -2 0\n")
    assert external._model("v 1 -2 0\n", spare).tolist() == [1, 0, 0]  # 3 is in no clause
    assert "do not assign variable 2" in external._model("v 1 3 0\n", spare)


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


@pytest.mark.parametrize("mode", ["stubborn", "xcpu"])
def test_the_kernel_limit_backs_up_the_polling(formula, mode: str,  # type: ignore[no-untyped-def]
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without /proc, RLIMIT_CPU (here 1 s) still ends a runaway: one that dies of SIGXCPU, or
    answers it with `s UNKNOWN` and exit code 1, is a timeout, not an error."""
    monkeypatch.setattr(external, "_cpu_so_far", lambda pid: None)
    monkeypatch.setenv("FAKE_SOLVER_MARK", str(tmp_path / "mark"))
    assert backstop_seconds(0.3) == 1
    result = run_external(fake(mode), formula, 1, None, 0.3)
    assert (result.status, result.message, result.flips) == ("timeout", "", -1)
    assert result.cpu_s > 0.5  # past the cutoff: 1 s by the kernel's count, less measured


def test_a_whole_number_cutoff_is_the_polls(formula, tmp_path: Path,  # type: ignore[no-untyped-def]
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """At a cutoff of 1 s the /proc poll stops the solver, not the kernel's RLIMIT_CPU (it
    fired first when set at the cutoff: its tick count runs ahead of the measured CPU time,
    which then read 0.93-0.97 s on a busy machine, and the run was an error); the row's CPU
    seconds are what it used, about the cutoff."""
    mark = tmp_path / "mark"
    monkeypatch.setenv("FAKE_SOLVER_MARK", str(mark))
    result = run_external(fake("xcpu"), formula, 1, None, 1.0)
    assert (result.status, result.message, result.flips) == ("timeout", "", -1)
    assert not mark.exists(), "the kernel's backstop fired before the poll"
    assert 0.95 <= result.cpu_s < backstop_seconds(1.0)


def test_satspeed_run_records_spinning_shells_as_timeouts(tmp_path: Path) -> None:
    """The reproduction of issue 12: a shell loop at `--timeout 1` is a `timeout` row (flips
    -1: not reported; cpu_s as measured) in every run, never `killed by signal 24`."""
    spec = tmp_path / "spin.toml"
    spec.write_text('command = ["bash", "-c", "while :; do :; done", "{instance}"]\n')
    proc = satspeed_run(bundled("uf3-n50-m210-s1-001"), "--solver", spec, "--runs", 3,
                        "--workers", 2, "--timeout", 1, "-o", "r.csv", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows, warned = rows_of(tmp_path / "r.csv")
    assert warned == [] and len(rows) == 3
    assert {(r["status"], r["flips"], r["message"], r["cutoff_s"]) for r in rows} == \
        {("timeout", "-1", "", "1.0")}
    assert all(0.9 <= float(r["cpu_s"]) < backstop_seconds(1.0) for r in rows)


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
    assert ends(int(pidfile.read_text())), "the solver's own child survived it"


def daemon_run(formula, pidfile: Path) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """A run of the solver that leaves a setsid daemon: its status and the daemon's pid
    (checked to be alive, in a session of its own, when the solver answered)."""
    result = run_external(fake("daemon"), formula, 1, None, 30.0)
    return result.status, int(pidfile.read_text())


def test_a_setsid_daemon_is_killed_from_a_thread(formula, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A grandchild that calls setsid and is reparented away (a daemon) dies with the run,
    also when the run is made in a thread other than the main one (as in a dask worker);
    the solver of another run of the same process, meanwhile, is spared."""
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("FAKE_SOLVER_PIDFILE", str(pidfile))
    asked = threading.Event()
    other: list[str] = []
    sleeping = SolverSpec("sleeping", command=("sh", "-c", "sleep 3600", "{instance}"))
    sleeper = threading.Thread(target=lambda: other.append(
        run_external(sleeping, formula, 1, None, 60.0, stop=asked.is_set).status))
    sleeper.start()
    done: list[tuple[str, int]] = []
    thread = threading.Thread(target=lambda: done.append(daemon_run(formula, pidfile)))
    thread.start()
    thread.join(60)
    asked.set()
    sleeper.join(60)
    assert done and done[0][0] == "sat"
    assert ends(done[0][1]), "the solver's setsid daemon survived the run"
    assert other == ["stopped"], "the sweep of one run killed the solver of another"


def test_a_setsid_daemon_is_killed_in_a_dask_worker(formula, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    pidfile = tmp_path / "pid"
    monkeypatch.setenv("FAKE_SOLVER_PIDFILE", str(pidfile))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        status, pid = client.submit(daemon_run, formula, pidfile).result(timeout=60)
    assert status == "sat"
    assert ends(pid), "the solver's setsid daemon survived the run"


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
