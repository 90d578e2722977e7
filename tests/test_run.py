"""`satspeed run` end to end: the CSV contract, reproducible seeds, verified models, resuming
after a truncated line, Ctrl-C, SIGTERM and SIGHUP, kill -9 of the parent or of a worker, bad
and unsatisfiable instances, cutoffs, a foreign CSV, the meta sidecar; and the local pool with
a worker that dies."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from pathlib import Path

import pytest
from crashy_worker import CrashyPool

from satspeed import __version__
from satspeed.labels import format_params
from satspeed.results import COLUMNS, read_rows
from satspeed.run.algorithms import ALGORITHMS
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.plan import derive_seed, plan_runs

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
WAIT = 300  # seconds: a hang fails the test instead of blocking the suite
# All 8 sign patterns over 3 variables: unsatisfiable, and tiny.
UNSAT = "c unsatisfiable\np cnf 3 8\n" + "".join(
    f"{a * 1} {b * 2} {c * 3} 0\n" for a, b, c in itertools.product((1, -1), repeat=3))


def bundled(prefix: str) -> Path:
    found = sorted(INSTANCES.glob(prefix + "*.cnf"))
    if not found:
        pytest.fail(f"no bundled instance {prefix}*.cnf")
    return found[0]


def satspeed_run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", "run", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=WAIT)


def start_run(*args: object, cwd: Path, session: bool = False) -> subprocess.Popen[str]:
    """Start a campaign in the background, its output to cwd/stdout.txt and cwd/stderr.txt
    (in a process group of its own with `session`, as a terminal would)."""
    with open(cwd / "stdout.txt", "w") as out, open(cwd / "stderr.txt", "w") as err:
        return subprocess.Popen([sys.executable, "-m", "satspeed", "run", *map(str, args)],
                                cwd=cwd, stdout=out, stderr=err, text=True,
                                start_new_session=session)


def rows_of(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Valid rows and the reader's warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = [row for _, row in read_rows(path)]
    return rows, [str(w.message) for w in caught]


def key(row: dict[str, str]) -> tuple[str, str, str, int]:
    return row["instance_sha256"], row["solver"], row["params"], int(row["seed"])


def planned(paths: list[Path], runs: int, base: int, solver: str = "probsat"
            ) -> set[tuple[str, str, str, int]]:
    """The keys a campaign must produce, derived here independently of the campaign code."""
    keys = set()
    for path in paths:
        formula = read_cnf(path)
        params = format_params(ALGORITHMS[solver].params(formula))
        keys |= {(formula.sha256, solver, params,
                  derive_seed(base, formula.sha256, solver, params, i)) for i in range(runs)}
    return keys


def assert_exactly(path: Path, expected: set[tuple[str, str, str, int]]) -> list[dict[str, str]]:
    """The CSV holds each expected run once and nothing else."""
    rows, _ = rows_of(path)
    counts = Counter(key(r) for r in rows)
    duplicates = [k for k, n in counts.items() if n > 1]
    assert not duplicates, f"duplicate rows: {duplicates[:3]}"
    assert set(counts) == expected, (f"missing {len(expected - set(counts))}, "
                                     f"unexpected {len(set(counts) - expected)}")
    return rows


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(x) for x in (task / "children").read_text().split()]
    if not kids:  # kernels without /proc/.../children
        out = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                             text=True, check=False).stdout
        kids = [int(x) for x in out.split()]
    return kids


def is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def assert_all_gone(pids: list[int], within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [p for p in pids if alive(p)]
    assert not left, f"orphan processes: {left}"


def wait_for_rows(csv_path: Path, proc: subprocess.Popen[str], rows: int = 1) -> None:
    """Until the CSV holds at least `rows` rows (after its header); fails if the run ends."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the campaign ended (exit {proc.returncode}) before it was disturbed")
        if csv_path.exists() and csv_path.read_bytes().count(b"\n") > rows:
            return
        time.sleep(0.02)
    pytest.fail("no rows appeared")


def workers_of(pid: int) -> list[int]:
    """The worker processes of a campaign, once they are up."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = [k for k in children(pid) if is_worker(k)]
        if found:
            return found
        time.sleep(0.05)
    pytest.fail("no worker processes found")


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The same campaign twice, in two directories with their own copies of the instances
    (one of them gzip-compressed): once with the summary, once with --quiet."""
    result: dict[str, object] = {}
    for name, quiet in (("one", False), ("two", True)):
        d = tmp_path_factory.mktemp(name)
        (d / "inst").mkdir()
        shutil.copy(bundled("uf3-n50-"), d / "inst" / "a.cnf")
        (d / "inst" / "b.cnf.gz").write_bytes(gzip.compress(bundled("uf3-n100-").read_bytes()))
        (d / "inst" / "notes.txt").write_text("not an instance\n")
        args = [d / "inst", "--runs", 12, "--workers", 2, "--seed", 7, "-o", d / "out.csv"]
        proc = satspeed_run(*args, *(["--quiet"] if quiet else []), cwd=d)
        result[name] = (d, args, proc)
    return result


@pytest.fixture
def unsat_dir(tmp_path: Path) -> Path:
    """A directory holding the tiny unsatisfiable instance."""
    d = tmp_path / "inst"
    d.mkdir()
    (d / "unsat.cnf").write_text(UNSAT)
    return d


# ---------------------------------------------------------------------------- end to end


def test_campaign_rows_and_columns(campaigns: dict[str, object]) -> None:
    d, _, proc = campaigns["one"]  # type: ignore[misc]
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    header = (d / "out.csv").read_text().splitlines()[0]
    assert header.split(",") == list(COLUMNS)
    rows = assert_exactly(d / "out.csv", planned([d / "inst" / "a.cnf", d / "inst" / "b.cnf.gz"],
                                                 12, 7))
    assert len(rows) == 24
    for row in rows:
        assert row["status"] in ("sat", "timeout"), row
        assert row["walkers"] == "1" and row["solver"] == "probsat"
        assert int(row["flips"]) >= 0 and float(row["cpu_s"]) >= 0 and float(row["wall_s"]) >= 0
        assert row["cutoff_flips"] == "" and float(row["cutoff_s"]) == 60.0
        assert row["satspeed_version"] == __version__ and row["host"]
        assert row["started_at"].endswith("Z") and row["message"] == ""
        assert Path(row["instance"]).name in ("a.cnf", "b.cnf.gz")
    # the summary table on stdout names every instance
    assert "summary" in proc.stdout
    assert "a.cnf" in proc.stdout and "b.cnf.gz" in proc.stdout


def test_quiet_prints_nothing_on_stdout(campaigns: dict[str, object]) -> None:
    _, _, proc = campaigns["two"]  # type: ignore[misc]
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""


def test_seeds_reproduce_across_directories(campaigns: dict[str, object]) -> None:
    def columns(name: str) -> list[tuple[str, str, str, str]]:
        d, _, _ = campaigns[name]  # type: ignore[misc]
        rows, _ = rows_of(d / "out.csv")
        return sorted((Path(r["instance"]).name, r["seed"], r["status"], r["flips"])
                      for r in rows)

    one, two = columns("one"), columns("two")
    assert len(one) == 24 and one == two


def test_every_sat_row_reproduces_a_verified_model(campaigns: dict[str, object]) -> None:
    d, _, _ = campaigns["one"]  # type: ignore[misc]
    rows, _ = rows_of(d / "out.csv")
    sat = [r for r in rows if r["status"] == "sat"]
    assert len(sat) >= 20  # these small instances are solved quickly
    walks = {}
    for row in sat:
        if row["instance"] not in walks:
            walks[row["instance"]] = make_walk(read_cnf(row["instance"]), row["solver"])
        walk = walks[row["instance"]]
        assert format_params(walk.params) == row["params"]
        assert walk.formula.sha256 == row["instance_sha256"]
        flips = int(row["flips"])
        result = run_once(walk, int(row["seed"]), max_flips=10 * flips + 1000)
        assert result.status == "sat" and result.flips == flips, row
        assert result.model is not None and walk.formula.is_model(result.model)


def test_meta_sidecar(campaigns: dict[str, object]) -> None:
    d, args, _ = campaigns["one"]  # type: ignore[misc]
    meta = json.loads((d / "out.csv.meta.json").read_text())
    assert meta["csv"] == "out.csv"
    (session,) = meta["sessions"]
    assert session["command"] == ["satspeed", "run", *map(str, args)]
    machine = session["machine"]
    assert machine["cores"] >= 1 and machine["memory_gib"] > 0 and machine["cpu"]
    assert machine["host"]
    versions = session["versions"]
    assert versions["satspeed"] == __version__
    for package in ("python", "numpy", "numba", "scipy", "python-sat", "click", "rich"):
        assert versions[package] and versions[package] != "not installed", package


def test_resume_after_a_truncated_last_line(campaigns: dict[str, object],
                                            tmp_path: Path) -> None:
    """A kill that cut the last row: the run is made again, no row is lost or doubled, the
    partial bytes stay where they were and the user is told."""
    d, args, _ = campaigns["one"]  # type: ignore[misc]
    out = tmp_path / "out.csv"
    data = (d / "out.csv").read_bytes()
    cut = data[: len(data) - 60]  # inside the last row
    out.write_bytes(cut)
    number = cut.count(b"\n") + 1
    proc = satspeed_run(*args[:-1], out, "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"{out}:{number}" in proc.stderr and "partial last line" in proc.stderr
    assert "resuming: 23 of 24 runs" in proc.stderr
    after = out.read_bytes()
    assert after.startswith(cut + b"\n")
    assert after.count(b"\n") == data.count(b"\n") + 1  # one new row, after the ended line
    rows = assert_exactly(out, planned([d / "inst" / "a.cnf", d / "inst" / "b.cnf.gz"], 12, 7))
    assert len(rows) == 24
    # a second resume has nothing to do and writes nothing
    proc = satspeed_run(*args[:-1], out, "--quiet", cwd=tmp_path)
    assert proc.returncode == 0 and "resuming: 24 of 24 runs" in proc.stderr
    assert out.read_bytes() == after


def test_bad_unsat_and_duplicate_instances_with_a_flip_cutoff(tmp_path: Path,
                                                               unsat_dir: Path) -> None:
    """A malformed file is reported in one line and skipped; an unsatisfiable instance only
    times out; --max-flips: every timeout stops at exactly the cutoff; a second copy of an
    instance is skipped (same content, same seeds)."""
    good = unsat_dir / "good.cnf"
    shutil.copy(bundled("uf3-n100-"), good)
    (unsat_dir / "good-copy.cnf.gz").write_bytes(gzip.compress(good.read_bytes()))
    (unsat_dir / "bad.cnf").write_text("p cnf 3 2\n1 2 0\n1 x 0\n")
    out = tmp_path / "out.csv"
    proc = satspeed_run(unsat_dir, "--runs", 10, "--workers", 2, "--max-flips", 50, "-o", out,
                        cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert [line for line in lines if "bad.cnf" in line] == [
        f"satspeed: skipping {unsat_dir / 'bad.cnf'}:3: expected an integer literal, got 'x'"]
    # good-copy.cnf.gz sorts first: good.cnf is the copy that is skipped
    assert any(line.startswith(f"satspeed: skipping {good}: same content as good-copy.cnf.gz")
               for line in lines), lines
    assert len(lines) == 2, lines
    rows = assert_exactly(out, planned([good, unsat_dir / "unsat.cnf"], 10, 0))
    by_name = {name: [r for r in rows if Path(r["instance"]).name == name]
               for name in ("good.cnf", "unsat.cnf")}
    assert {r["status"] for r in by_name["unsat.cnf"]} == {"timeout"}
    timeouts = [r for r in rows if r["status"] == "timeout"]
    assert len(timeouts) > 10  # uf3-n100 needs far more than 50 flips on most seeds
    assert all(r["flips"] == "50" for r in timeouts)
    assert all(int(r["flips"]) <= 50 for r in rows)
    assert all(r["cutoff_flips"] == "50" for r in rows)


def test_check_sat_skips_a_proven_unsat_instance(tmp_path: Path, unsat_dir: Path) -> None:
    shutil.copy(bundled("uf3-n50-"), unsat_dir / "good.cnf")
    out = tmp_path / "out.csv"
    proc = satspeed_run(unsat_dir, "--runs", 5, "--workers", 1, "--check-sat", 30, "-o", out,
                        "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"satspeed: skipping {unsat_dir / 'unsat.cnf'}: proven unsatisfiable by python-sat's "
        "CDCL solver"]
    rows = assert_exactly(out, planned([unsat_dir / "good.cnf"], 5, 0))
    assert {r["status"] for r in rows} == {"sat"}


def test_a_foreign_csv_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "data.csv"
    out.write_bytes(b"name,score\nalice,3\nbob,4")
    proc = satspeed_run(bundled("uf3-n50-"), "--runs", 5, "--workers", 1, "-o", out,
                        cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"satspeed: error: {out}:1: not a satspeed results CSV: the header should start with "
        "'instance,instance_sha256,solver,params,...'"]
    assert proc.stdout == ""
    assert out.read_bytes() == b"name,score\nalice,3\nbob,4"
    assert not Path(f"{out}.meta.json").exists()


def test_a_missing_path_is_one_line(tmp_path: Path) -> None:
    proc = satspeed_run(tmp_path / "nope", "-o", tmp_path / "out.csv", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [f"satspeed: error: {tmp_path / 'nope'}: no such file or "
                                        "directory"]
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------------------- interruptions
# Work that lasts a few seconds whatever the machine: runs of an unsatisfiable instance, each
# stopped by a CPU-time cutoff.

SLOW = ("--runs", 40, "--timeout", 0.1, "--workers", 2)


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path: Path, unsat_dir: Path) -> None:
    out = tmp_path / "out.csv"
    args = (unsat_dir, *SLOW, "-o", out)
    proc = start_run(*args, cwd=tmp_path)
    try:
        wait_for_rows(out, proc)
        kids = children(proc.pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        proc.kill()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "interrupted:" in stderr and "run the same command again to resume" in stderr
    assert "Traceback" not in stderr
    assert (tmp_path / "stdout.txt").read_text() == ""
    assert_all_gone(kids)
    rows, messages = rows_of(out)  # a valid CSV: every line whole
    assert messages == [] and out.read_bytes().endswith(b"\n")
    assert 0 < len(rows) < 40
    expected = planned([unsat_dir / "unsat.cnf"], 40, 0)
    assert {key(r) for r in rows} <= expected

    again = satspeed_run(*args, "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(rows)} of 40 runs" in again.stderr
    assert_exactly(out, expected)


def test_ctrl_c_from_a_terminal_while_the_workers_start(tmp_path: Path,
                                                       unsat_dir: Path) -> None:
    """A terminal's Ctrl-C reaches the whole process group, workers included, maybe while they
    still import their modules: only the parent reacts, with no traceback from anyone."""
    out = tmp_path / "out.csv"
    proc = start_run(unsat_dir, *SLOW, "-o", out, cwd=tmp_path, session=True)
    try:
        workers = workers_of(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) == 130
    finally:
        proc.kill()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "run the same command again to resume" in stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert_all_gone(workers)
    rows, messages = rows_of(out)
    assert messages == [] and len(rows) < 40


@pytest.mark.parametrize("signum, group", [(signal.SIGTERM, False), (signal.SIGTERM, True),
                                           (signal.SIGHUP, True)],
                         ids=["SIGTERM", "SIGTERM-to-group", "SIGHUP-to-group"])
def test_sigterm_and_sighup_stop_as_ctrl_c_does(tmp_path: Path, signum: int,
                                                group: bool) -> None:
    """As `kill`, `timeout`, a batch system or a closed terminal send them (to the parent, or
    to its whole process group): the same clean stop and resume hint as Ctrl-C, exit code
    128 + the signal, the workers and the resource tracker gone, no "leaked semaphore"."""
    instance = bundled("uf3-n250-")
    out = tmp_path / "out.csv"
    args = (instance, "--runs", 300, "--workers", 2, "-o", out)
    proc = start_run(*args, cwd=tmp_path, session=True)
    try:
        wait_for_rows(out, proc, 10)
        kids = children(proc.pid)  # the workers and multiprocessing's resource tracker
        (os.killpg if group else os.kill)(proc.pid, signum)
        assert proc.wait(timeout=60) == 128 + signum
    finally:
        proc.kill()
    assert_all_gone(kids)  # the tracker, too, has said all it will say
    rows, messages = rows_of(out)
    assert messages == [] and out.read_bytes().endswith(b"\n")
    assert 0 < len(rows) < 300
    assert (tmp_path / "stderr.txt").read_text().splitlines() == [
        f"satspeed: interrupted: {len(rows)} runs written to {out}; run the same command "
        "again to resume"]
    again = satspeed_run(*args, "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {len(rows)} of 300 runs" in again.stderr
    assert_exactly(out, planned([instance], 300, 0))


def test_kill_9_of_the_parent_then_resume(tmp_path: Path, unsat_dir: Path) -> None:
    out = tmp_path / "out.csv"
    args = (unsat_dir, *SLOW, "-o", out)
    proc = start_run(*args, cwd=tmp_path)
    try:
        wait_for_rows(out, proc)
        kids = children(proc.pid)
        assert kids
        proc.kill()
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert_all_gone(kids)  # the workers notice that their parent is gone and exit
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
    again = satspeed_run(*args, "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "resuming:" in again.stderr
    assert_exactly(out, planned([unsat_dir / "unsat.cnf"], 40, 0))


def test_kill_9_of_a_worker_loses_nothing(tmp_path: Path, unsat_dir: Path) -> None:
    out = tmp_path / "out.csv"
    proc = start_run(unsat_dir, *SLOW, "-o", out, "-q", cwd=tmp_path)
    try:
        wait_for_rows(out, proc)
        victim = workers_of(proc.pid)[0]
        os.kill(victim, signal.SIGKILL)
        assert proc.wait(timeout=WAIT) == 0, (tmp_path / "stderr.txt").read_text()
    finally:
        proc.kill()
    assert not alive(victim)
    rows = assert_exactly(out, planned([unsat_dir / "unsat.cnf"], 40, 0))
    # the runs of the dead worker's batch were made again, one by one, in a new worker
    assert {r["status"] for r in rows} == {"timeout"}


def test_a_run_that_kills_its_worker_gets_an_error_row() -> None:
    """The local pool retries the runs of a dead worker's batch one by one; the run that kills
    a worker again is recorded as an error with the reason, and the others complete."""
    path = bundled("uf3-n50-")
    formula = read_cnf(path)
    params = format_params(ALGORITHMS["probsat"].params(formula))
    runs = plan_runs(str(path), formula.sha256, "probsat", params, 8, 0)
    deadly = runs[1].seed
    pool = CrashyPool(2, None, 30.0, {deadly})
    rows: list[dict[str, object]] = []
    thread = threading.Thread(target=pool.run, args=(runs, rows.append), daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "the pool hung"
    assert sorted(int(str(r["seed"])) for r in rows) == sorted(r.seed for r in runs)
    errors = [r for r in rows if r["status"] == "error"]
    assert len(errors) == 1 and errors[0]["seed"] == deadly
    assert errors[0]["message"] == "worker process died (signal 9)"
    assert errors[0]["flips"] == 0
    assert {r["status"] for r in rows if r["seed"] != deadly} == {"sat"}
    assert pool.started == 4  # 2 workers, killed twice by the same run: 2 replacements


def test_a_worker_started_as_a_stop_signal_comes_is_shut_down_too(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C that arrives while a worker is being started is held until it has started,
    and the worker is in the pool's list by then, so the shutdown stops it (one left out
    outlived the parent and died of its semaphores with a traceback)."""
    from satspeed.run.engines.local import LocalPool

    pool = LocalPool(1, None, None)
    real_start = pool._ctx.Process.start

    def start_under_ctrl_c(process) -> None:  # type: ignore[no-untyped-def]
        signal.raise_signal(signal.SIGINT)  # held: raised when the worker has started
        real_start(process)

    monkeypatch.setattr(pool._ctx.Process, "start", start_under_ctrl_c)
    slots: list = []
    with pytest.raises(KeyboardInterrupt):
        pool._start(slots)
    assert len(slots) == 1 and slots[0].process.pid is not None
    pool._shutdown(slots)
    assert not slots[0].process.is_alive()
