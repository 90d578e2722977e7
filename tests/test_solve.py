"""`satspeed solve` end to end: SAT-competition output, exit codes, determinism, bad options."""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from naive import is_model

from satspeed import __version__
from satspeed.cli import main
from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import parse_cnf
from satspeed.run.solve import V_LINE_CHARS, model_lines

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"


def instance(prefix: str) -> Path:
    found = sorted(INSTANCES.glob(prefix + "*.cnf"))
    if not found:
        pytest.fail(f"no bundled instance {prefix}*.cnf")
    return found[0]


def read_dimacs(path: Path) -> tuple[int, list[list[int]]]:
    """n and clauses of a DIMACS file (one clause per line, as written by the tests and `gen`)."""
    n, clauses = -1, []
    for line in path.read_text().splitlines():
        fields = line.split()
        if not fields or fields[0] in ("c", "%"):
            continue
        if fields[0] == "p":
            n = int(fields[2])
            continue
        lits = [int(x) for x in fields]
        assert lits[-1] == 0
        clauses.append(lits[:-1])
    return n, clauses


@pytest.fixture(scope="module")
def wide_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An easy planted 3-SAT formula with 1500 variables (the model takes several v lines),
    of which 100 appear in no clause (they must be printed too)."""
    rnd = random.Random(5)
    n, used = 1500, 1400
    hidden = [rnd.random() < 0.5 for _ in range(used + 1)]
    lines = [f"c easy planted test formula\np cnf {n} {2 * used}"]
    for _ in range(2 * used):
        clause = [v if rnd.random() < 0.5 else -v for v in rnd.sample(range(1, used + 1), 3)]
        if not any(hidden[abs(x)] == (x > 0) for x in clause):
            clause[0] = -clause[0]
        lines.append(" ".join(map(str, clause)) + " 0")
    path = tmp_path_factory.mktemp("wide") / "wide.cnf"
    path.write_text("\n".join(lines) + "\n")
    return path


def solve(*args: object) -> Result:
    return CliRunner().invoke(main, ["solve", *map(str, args)])


def parse_output(text: str) -> dict[str, object]:
    """Split solver output into c lines, the s line and v lines; check the line grammar."""
    lines = text.splitlines()
    s_index = [i for i, line in enumerate(lines) if line.startswith("s ")]
    assert len(s_index) == 1, text
    i = s_index[0]
    assert all(line.startswith("c") for line in lines[:i]), text
    assert all(line.startswith("v") for line in lines[i + 1:]), text
    comments = lines[:i]
    flips = [line for line in comments if re.fullmatch(r"c flips \d+", line)]
    assert len(flips) == 1, text
    assert any(re.fullmatch(r"c seconds \S+ \(cpu\) \S+ \(wall\)", line) for line in comments)
    assert any(re.fullmatch(r"c flips/s \S+", line) for line in comments)
    return {"comments": comments, "status": lines[i], "v": lines[i + 1:], "flips": flips[0]}


def model_from_v_lines(v_lines: list[str], num_vars: int) -> list[int]:
    """0/1 per variable (0-based) from v lines; every variable exactly once, then one 0."""
    assert v_lines, "no v lines"
    for line in v_lines:
        assert line.startswith("v ") and len(line) <= V_LINE_CHARS
    assert v_lines[-1].endswith(" 0")
    lits = [int(x) for line in v_lines for x in line[2:].split()]
    assert lits[-1] == 0 and 0 not in lits[:-1]
    lits = lits[:-1]
    assert sorted(abs(x) for x in lits) == list(range(1, num_vars + 1))
    value = [0] * num_vars
    for x in lits:
        value[abs(x) - 1] = 1 if x > 0 else 0
    return value


# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["probsat", "walksat"])
def test_solve_prints_a_verified_model(solver: str) -> None:
    path = instance("uf3-n100-")
    result = solve(path, "--solver", solver, "--seed", 3)
    assert result.exit_code == 10, result.output
    out = parse_output(result.stdout)
    assert out["status"] == "s SATISFIABLE"
    assert any(line.startswith(f"c solver {solver} ") for line in out["comments"])
    n, clauses = read_dimacs(path)
    model = model_from_v_lines(out["v"], n)  # type: ignore[arg-type]
    assert is_model(clauses, model)


def test_solve_wide_model_spans_v_lines(wide_instance: Path) -> None:
    result = solve(wide_instance, "--seed", 1)
    assert result.exit_code == 10, result.output
    out = parse_output(result.stdout)
    assert out["status"] == "s SATISFIABLE"
    assert len(out["v"]) >= 2  # type: ignore[arg-type]
    n, clauses = read_dimacs(wide_instance)
    model = model_from_v_lines(out["v"], n)  # type: ignore[arg-type]
    assert is_model(clauses, model)
    # lines are filled greedily: the first literal of each next line did not fit
    v_lines: list[str] = out["v"]  # type: ignore[assignment]
    for line, nxt in itertools.pairwise(v_lines):
        assert len(line) + 1 + len(nxt.split()[1]) > V_LINE_CHARS


@pytest.mark.parametrize("solver", ["probsat", "walksat"])
def test_same_seed_same_output(solver: str) -> None:
    path = instance("uf3-n150-")
    runs = [parse_output(solve(path, "--solver", solver, "--seed", seed).stdout)
            for seed in (7, 7, 8)]
    assert runs[0]["v"] == runs[1]["v"]
    assert runs[0]["flips"] == runs[1]["flips"]
    assert (runs[0]["v"], runs[0]["flips"]) != (runs[2]["v"], runs[2]["flips"])


def test_largest_seed() -> None:
    path = instance("uf3-n50-")
    result = solve(path, "--seed", 2**64 - 1)
    assert result.exit_code == 10, result.output
    out = parse_output(result.stdout)
    assert any(line.startswith("c solver probsat ") and line.endswith(f" seed {2**64 - 1}")
               for line in out["comments"])  # type: ignore[attr-defined]
    n, clauses = read_dimacs(path)
    assert is_model(clauses, model_from_v_lines(out["v"], n))  # type: ignore[arg-type]


def test_max_flips_gives_unknown() -> None:
    result = solve(instance("uf3-n250-"), "--max-flips", 1, "--seed", 2)
    assert result.exit_code == 0, result.output
    out = parse_output(result.stdout)
    assert out["status"] == "s UNKNOWN"
    assert out["flips"] == "c flips 1"
    assert out["v"] == []


def test_timeout_option_still_solves_easy_instance() -> None:
    result = solve(instance("uf3-n50-"), "--timeout", 30, "--max-flips", 10**7)
    assert result.exit_code == 10, result.output
    assert parse_output(result.stdout)["status"] == "s SATISFIABLE"


def test_python_dash_m_real_exit_code(tmp_path: Path) -> None:
    path = instance("uf3-n50-")
    proc = subprocess.run([sys.executable, "-m", "satspeed", "solve", str(path), "--seed", "4"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 10, proc.stderr
    assert "Traceback" not in proc.stderr
    out = parse_output(proc.stdout)
    assert out["status"] == "s SATISFIABLE"
    n, clauses = read_dimacs(path)
    assert is_model(clauses, model_from_v_lines(out["v"], n))  # type: ignore[arg-type]
    # the same seed through CliRunner prints the same model and flips
    again = parse_output(solve(path, "--seed", 4).stdout)
    assert (again["v"], again["flips"]) == (out["v"], out["flips"])


def test_python_dash_m_bad_option(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "satspeed", "solve", "x.cnf", "--solver", "nope"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2
    assert "Usage:" in proc.stderr and "Invalid value for '--solver'" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


# ------------------------------------------------------------------------------------------


def test_model_lines_tiny_width() -> None:
    model = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1], np.uint8)
    lines = list(model_lines(model, width=10))
    assert lines == ["v 1 -2 3 4", "v -5 -6 7", "v -8 9 10", "v -11 12 0"]
    assert all(len(line) <= 10 for line in lines)
    lits = [int(x) for line in lines for x in line[2:].split()]
    assert lits == [1, -2, 3, 4, -5, -6, 7, -8, 9, 10, -11, 12, 0]
    # a line of exactly `width` characters is allowed
    assert list(model_lines(np.array([1, 1, 1, 1], np.uint8), width=9)) == ["v 1 2 3 4", "v 0"]
    assert list(model_lines(np.array([1, 0], np.uint8), width=9)) == ["v 1 -2 0"]
    assert list(model_lines(np.zeros(0, np.uint8))) == ["v 0"]


def test_model_lines_default_width() -> None:
    model = np.arange(5000) % 3 == 0
    lines = list(model_lines(model))
    assert len(lines) > 1
    assert all(len(line) <= V_LINE_CHARS and line.startswith("v ") for line in lines)
    assert lines[-1].endswith(" 0")
    assert model_from_v_lines(lines, 5000) == [int(x) for x in model]


# ------------------------------------------------------------------------------------------


def test_version_and_help() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0 and "solve" in result.output
    result = runner.invoke(main, ["solve", "--help"])
    assert result.exit_code == 0
    for option in ("--solver", "--seed", "--max-flips", "--timeout"):
        assert option in result.output


@pytest.mark.parametrize("args,option", [
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2**64)], "--seed"),
    (["--seed", "abc"], "--seed"),
    (["--solver", "nope"], "--solver"),
    (["--max-flips", "-3"], "--max-flips"),
    (["--timeout", "0"], "--timeout"),
])
def test_bad_option_values(args: list[str], option: str) -> None:
    result = CliRunner().invoke(main, ["solve", str(instance("uf3-n50-")), *args])
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.output
    assert f"Invalid value for '{option}'" in result.output
    assert "Traceback" not in result.output
    assert "s SATISFIABLE" not in result.output


def test_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["solve", str(tmp_path / "missing.cnf")])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"satspeed: error: {tmp_path / 'missing.cnf'}: no such file"]
    assert "Traceback" not in result.output


def _burn_in_another_thread(seconds: float) -> None:
    """Make another thread of this process use `seconds` of its own CPU time, and wait."""

    def burn() -> None:
        start = time.thread_time()
        while time.thread_time() - start < seconds:
            pass

    thread = threading.Thread(target=burn)
    thread.start()
    thread.join()


def test_cpu_seconds_and_timeout_count_only_the_runs_thread() -> None:
    """A run that shares its process (a dask worker's threads) counts only its own thread's
    CPU: another thread burning 0.5 s beside it neither fires its 0.3 s timeout nor shows in
    cpu_s. The kernel runs in the calling thread, so its own CPU still counts."""
    unsat = parse_cnf(b"p cnf 3 8\n" + b"".join(
        f"{a} {b} {c} 0\n".encode() for a in (1, -1) for b in (2, -2) for c in (3, -3)))
    walk = make_walk(unsat, "probsat")
    warm_up(walk)
    polls = itertools.count()

    def stop() -> bool:  # polled between chunks, in the run's thread
        if next(polls) == 0:
            _burn_in_another_thread(0.5)
        return False

    result = run_once(walk, 7, max_flips=40_000, timeout=0.3, chunk=1_000, stop=stop)
    assert result.status == "timeout"
    assert result.flips == 40_000  # the flip cutoff ended it, not the other thread's CPU
    assert 0 < result.cpu_s < 0.3 < result.wall_s
