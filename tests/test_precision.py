"""Precision-driven campaigns (`run --precision`): round sizes, stopping at the precision or the
cap, rows equal to a fixed `--runs R` campaign's, races after, the meta sidecar, resuming after
kill -9 mid-round to the same rows as an uninterrupted campaign, and the Dask engine."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from satspeed.precision import round_sizes
from satspeed.results import read_rows
from satspeed.run.plan import derive_seed

ROOT = Path(__file__).resolve().parent.parent
EASY = ROOT / "instances" / "pl3-n200-m840-s1-001.cnf"  # planted: a short, narrow tail
HARD = ROOT / "instances" / "uf3-n100-m420-s1-001.cnf"
WAIT = 600
PRECISE = ("--precision", 0.25, "--at-cores", 64, "--min-runs", 40, "--max-runs", 640,
           "--seed", 3, "-q")


def satspeed(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=WAIT)


def by_group(csv: Path) -> dict[tuple[str, int], dict[int, tuple[str, str]]]:
    """(sha256, walkers) -> seed -> (status, flips), from the CSV's rows."""
    found: dict[tuple[str, int], dict[int, tuple[str, str]]] = {}
    for _, row in read_rows(csv):
        found.setdefault((row["instance_sha256"], int(row["walkers"])), {})[
            int(row["seed"])] = (row["status"], row["flips"])
    return found


def rounds_of(csv: Path) -> dict:
    meta = json.loads(Path(f"{csv}.meta.json").read_text())
    return meta["sessions"][-1]["rounds"]


def test_round_sizes() -> None:
    assert round_sizes(50, 5000) == [50, 100, 200, 400, 800, 1600, 3200, 5000]
    assert round_sizes(40, 640) == [40, 80, 160, 320, 640]
    assert round_sizes(10, 25) == [10, 20, 25]
    assert round_sizes(50, 50) == [50] and round_sizes(60, 50) == [50]


def test_stops_each_instance_at_its_precision_with_a_fixed_campaigns_rows(tmp_path: Path
                                                                          ) -> None:
    out = tmp_path / "p.csv"
    made = satspeed("run", EASY, HARD, *PRECISE, "--walkers", "1,2", "--runs", 4, "-o", out,
                    cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    report = rounds_of(out)
    assert report["rounds"] == [40, 80, 160, 320, 640]
    groups = {g["instance"]: g for g in report["groups"]}
    rows = by_group(out)
    for path in (EASY, HARD):
        g = groups[str(path)]
        assert g["runs"] in report["rounds"]
        if g["stopped_by"] == "precision":  # precise, seen by the runs, they agree, confirmed
            assert g["half_width"] <= 0.25 and g["runs"] >= 64
            assert max(g["speedup"] - g["speedup_low"], g["speedup_high"] - g["speedup"]) \
                <= 0.25 * g["speedup"]
            assert g["speedup_low"] <= g["runs_say"] <= g["speedup_high"]
        else:
            assert g["stopped_by"] == "cap" and g["runs"] == 640  # not confirmed by then
        # exactly the runs of `--runs R`: indices 0..R-1, the same seeds
        seeds = {derive_seed(3, g["instance_sha256"], "probsat", g["params"], i)
                 for i in range(g["runs"])}
        assert set(rows[(g["instance_sha256"], 1)]) == seeds
        assert len(rows[(g["instance_sha256"], 2)]) == 4  # the races followed: --runs each
    assert groups[str(EASY)]["runs"] < groups[str(HARD)]["runs"]  # the easy one stopped first
    # a fixed campaign of that many runs has the same rows
    easy = groups[str(EASY)]
    fixed = tmp_path / "fixed.csv"
    assert satspeed("run", EASY, "--runs", easy["runs"], "--seed", 3, "-q", "-o", fixed,
                    cwd=tmp_path).returncode == 0
    assert by_group(fixed)[(easy["instance_sha256"], 1)] == rows[(easy["instance_sha256"], 1)]
    # run again: nothing left to make, the same decision
    again = satspeed("run", EASY, HARD, *PRECISE, "--walkers", "1,2", "--runs", 4, "-o", out,
                     cwd=tmp_path)
    assert again.returncode == 0 and by_group(out) == rows
    assert rounds_of(out)["groups"] == report["groups"]


def test_the_cap_stops_a_group_that_is_not_precise(tmp_path: Path) -> None:
    out = tmp_path / "p.csv"
    made = satspeed("run", HARD, "--precision", 0.01, "--at-cores", 384, "--min-runs", 20,
                    "--max-runs", 50, "-q", "-o", out, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    (group,) = rounds_of(out)["groups"]
    assert group["runs"] == 50 and group["stopped_by"] == "cap" and group["half_width"] > 0.01
    assert len(by_group(out)[(group["instance_sha256"], 1)]) == 50
    bad = satspeed("run", HARD, "--precision", 0.1, "--min-runs", 60, "--max-runs", 50,
                   "-o", out, cwd=tmp_path)
    assert bad.returncode == 2 and "--min-runs" in bad.stderr


def test_a_killed_campaign_resumes_to_the_rows_of_one_never_stopped(tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir()
    killed.mkdir()
    args = ("run", EASY, HARD, *PRECISE, "--workers", 2, "-o", "p.csv")
    assert satspeed(*args, cwd=whole).returncode == 0
    expected = by_group(whole / "p.csv")
    total = sum(map(len, expected.values()))
    for fraction in (0.3, 0.75):  # kill it mid-round, twice, at different points
        proc = subprocess.Popen([sys.executable, "-m", "satspeed", *map(str, args)],
                                cwd=killed, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + WAIT
        csv = killed / "p.csv"
        while time.monotonic() < deadline and proc.poll() is None:
            if csv.exists() and csv.read_text().count("\n") > fraction * total:
                break
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    resumed = satspeed(*args, cwd=killed)
    assert resumed.returncode == 0, resumed.stderr
    assert by_group(killed / "p.csv") == expected
    assert rounds_of(killed / "p.csv")["groups"] == rounds_of(whole / "p.csv")["groups"]


def test_precision_on_the_dask_engine(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out, local = tmp_path / "dask.csv", tmp_path / "local.csv"
    args = (EASY, "--precision", 0.25, "--at-cores", 16, "--min-runs", 30, "--max-runs", 120,
            "--seed", 4, "-q", "--workers", 2)
    on_dask = satspeed("run", *args, "--engine", "dask", "-o", out, cwd=tmp_path)
    assert on_dask.returncode == 0, on_dask.stderr
    assert satspeed("run", *args, "-o", local, cwd=tmp_path).returncode == 0
    assert by_group(out) == by_group(local)
    assert rounds_of(out)["groups"] == rounds_of(local)["groups"]


def test_a_group_stops_only_when_the_next_round_confirms() -> None:
    from satspeed.precision import Judgement, Target, stops

    target = Target(0.10, 100)
    narrow = Judgement(200, 10.0, 9.5, 10.8, runs_say=10.1)  # within +-8%, from 200 >= 100
    assert not stops(None, narrow, target)  # the first round that holds is not enough
    confirmed = Judgement(400, 10.3, 9.8, 10.9, runs_say=10.2)
    assert stops(narrow, confirmed, target)
    moved = Judgement(400, 11.0, 10.4, 11.6, runs_say=11.1)  # outside the earlier interval
    assert not stops(narrow, moved, target)
    few = Judgement(50, 10.0, 9.5, 10.8)  # 50 runs cannot see 100 cores (runs_say NaN)
    assert not stops(few, confirmed, target)
    differ = Judgement(400, 10.3, 9.8, 10.9, runs_say=12.0)  # the runs disagree
    assert not stops(narrow, differ, target)
    lopsided = Judgement(400, 10.3, 9.8, 11.5)  # +11.7% on its wider side
    assert lopsided.half_width == pytest.approx(1.2 / 10.3)
    assert not stops(narrow, Judgement(400, 10.3, 9.8, 11.5, runs_say=10.2), target)


class HoldingEngine:
    """A test engine: runs made in this process in queue order, asking `more` after each
    row, except that the run `held` is made only when nothing else is left (a slow run)."""

    def __init__(self, held: int) -> None:
        from satspeed.run.worker import Worker

        self.worker = Worker(None, None)
        self.held = held  # the index of a run of the second instance
        self.made: list[tuple[str, int]] = []  # (instance, index), in the order made

    def run(self, runs: list, on_row, more=None) -> None:
        todo, held = list(runs), []
        while todo or held:
            run = todo.pop(0) if todo else held.pop()
            if run.index == self.held and run.instance == str(HARD) and not held and todo:
                held.append(run)
                continue
            self.made.append((run.instance, run.index))
            on_row(self.worker.run(run))
            todo.extend(more())


def test_a_group_goes_on_while_another_still_has_runs_out(tmp_path: Path) -> None:
    """No barrier between rounds: the moment an instance's round is whole it is judged and
    its next round is queued, while another's round still has a run out."""
    from satspeed.precision import PrecisionRounds, Target
    from satspeed.run.campaign import CampaignOptions, run_campaign

    rounds = PrecisionRounds(Target(0.05, 64, 20, 80), quiet=True)
    options = CampaignOptions([EASY, HARD], ("probsat",), 80, 1, None, None, 3,
                              tmp_path / "p.csv", None, True, rounds=rounds)
    engine = HoldingEngine(held=5)
    assert run_campaign(options, ["satspeed", "test"], engine) == 0
    held_at = engine.made.index((str(HARD), 5))
    easy_later = [i for (inst, i) in engine.made[:held_at] if inst == str(EASY) and i >= 20]
    assert easy_later  # EASY's second round was made before HARD's first was whole
    assert (str(HARD), 20) not in engine.made[:held_at]  # HARD waited for its own round
    # and the rows are those of a fixed campaign all the same: indices 0..R-1 per group
    for g in rounds_of(tmp_path / "p.csv")["groups"]:
        made = sorted(i for inst, i in engine.made if inst == g["instance"])
        assert made == list(range(g["runs"]))
