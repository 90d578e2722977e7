"""Machine disturbance: load average, governor and cores recorded in the meta sidecar, the
warnings when other processes or hyperthreads competed, repeated by predict and compare for
times (never for flips). The readers take their inputs, so nothing here depends on the load
of the machine that runs the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from satspeed.run import machine
from satspeed.sidecar import (
    QUIET_MACHINE,
    disturbances,
    end_session,
    record_session,
    recorded_disturbance,
)

ROOT = Path(__file__).resolve().parents[1]
INSTANCE = sorted((ROOT / "instances").glob("uf3-n50-*.cnf"))[0]
WAIT = 300


def cpuinfo(processors: list[tuple[int, int]]) -> str:
    """/proc/cpuinfo's text for processors given as (physical id, core id)."""
    return "\n\n".join(f"processor\t: {n}\nmodel name\t: Fake CPU\nphysical id\t: {p}\n"
                       f"siblings\t: 4\ncore id\t\t: {c}\ncpu cores\t: 2"
                       for n, (p, c) in enumerate(processors)) + "\n"


# ---------------------------------------------------------------------------- readers


def test_physical_cores_are_distinct_package_and_core_pairs() -> None:
    # 2 sockets x 2 cores x 2 hyperthreads: 8 processors, 4 cores (core ids repeat per socket)
    text = cpuinfo([(p, c) for p in (0, 1) for c in (0, 1) for _ in (0, 1)])
    assert machine.physical_cores_in_cpuinfo(text) == 4
    assert machine.physical_cores_in_cpuinfo(cpuinfo([(0, 0), (0, 1), (0, 2)])) == 3
    assert machine.physical_cores_in_cpuinfo("processor\t: 0\nBogoMIPS\t: 50\n") is None


def write_sysfs(root: Path, cpus: dict[int, tuple[int, int, str | None]]) -> Path:
    """A fake /sys/devices/system/cpu: cpu -> (package, core id, governor or None)."""
    for n, (package, core, governor) in cpus.items():
        (root / f"cpu{n}" / "topology").mkdir(parents=True)
        (root / f"cpu{n}" / "topology" / "core_id").write_text(f"{core}\n")
        (root / f"cpu{n}" / "topology" / "physical_package_id").write_text(f"{package}\n")
        if governor is not None:
            (root / f"cpu{n}" / "cpufreq").mkdir()
            (root / f"cpu{n}" / "cpufreq" / "scaling_governor").write_text(f"{governor}\n")
    (root / "cpufreq").mkdir()  # not a cpuN folder: ignored
    return root


def test_physical_cores_fall_back_to_sysfs_then_to_logical(tmp_path: Path) -> None:
    sysfs = write_sysfs(tmp_path / "cpu", {0: (0, 0, None), 1: (0, 0, None), 2: (0, 1, None),
                                           3: (1, 0, None)})
    bare = tmp_path / "cpuinfo"
    bare.write_text("processor\t: 0\n\nprocessor\t: 1\n")  # no core ids
    assert machine.physical_cores(bare, sysfs) == 3
    assert machine.physical_cores(tmp_path / "none", tmp_path / "none") == os.cpu_count()
    with_ids = tmp_path / "ids"
    with_ids.write_text(cpuinfo([(0, 0), (0, 0)]))
    assert machine.physical_cores(with_ids, sysfs) == 1  # /proc/cpuinfo first


def test_governor_where_cpufreq_is_exposed(tmp_path: Path) -> None:
    same = write_sysfs(tmp_path / "a", {0: (0, 0, "performance"), 1: (0, 1, "performance")})
    assert machine.governor(same) == "performance"
    mixed = write_sysfs(tmp_path / "b", {0: (0, 0, "powersave"), 1: (0, 1, "performance")})
    assert machine.governor(mixed) == "performance,powersave"
    assert machine.governor(write_sysfs(tmp_path / "c", {0: (0, 0, None)})) is None


def test_load_average_where_the_os_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (1.234, 0.5, 0.25))
    assert machine.load_average() == [1.23, 0.5, 0.25]

    def unavailable() -> tuple[float, float, float]:
        raise OSError("no load average")

    monkeypatch.setattr(os, "getloadavg", unavailable)
    assert machine.load_average() is None


# ---------------------------------------------------------------------------- the judgment


def session(workers: int | None, start: float | None = None, end: float | None = None,
            logical: int = 8, physical: int = 8) -> dict[str, object]:
    found: dict[str, object] = {"workers": workers, "logical_cores": logical,
                                "physical_cores": physical}
    for part, load in (("start", start), ("end", end)):
        if load is not None:
            found[part] = {"load_average": [load, 0.0, 0.0], "governor": None}
    return found


def test_load_at_the_start_is_compared_with_the_cores_left_free() -> None:
    # 4 workers on 8 cores leave 4 free: a load above 4 + 0.5 competed with them
    assert disturbances(session(4, start=4.5)) == []
    assert disturbances(session(4, start=4.51)) == [
        "load average 4.51 when the campaign started, with 4 of 8 cores left free by its 4 "
        "workers: other processes competed for the cores, so CPU and wall times are inflated"]
    # more workers than cores leave none free (their own oversubscription is not 'others')
    assert len(disturbances(session(10, start=0.6, physical=16))) == 1
    assert disturbances(session(10, start=0.5, physical=16)) == []


def test_load_at_the_end_is_less_the_campaigns_own_workers() -> None:
    # 4 workers on 8 cores: at the end, a load of 8.5 is 4.5 beyond them, not above 4 + 0.5
    assert disturbances(session(4, end=8.5)) == []
    (line,) = disturbances(session(4, end=9.0))
    assert line.startswith("load average 9.00 when the campaign ended, 5.00 beyond its 4 "
                           "workers with 4 of 8 cores free")


def test_more_workers_than_physical_cores_is_a_warning() -> None:
    assert disturbances(session(4, physical=4)) == []
    assert disturbances(session(5, physical=4)) == [
        "5 workers on 4 physical cores: hyperthreads share a core, so the CPU and wall times "
        "of concurrent runs are inflated"]


def test_no_judgment_without_local_workers() -> None:
    assert disturbances(session(None, start=50.0, end=50.0, physical=1)) == []  # a cluster's
    assert disturbances({"command": ["satspeed", "import"]}) == []  # not a campaign


# ---------------------------------------------------------------------------- the sidecar


def test_end_session_updates_the_last_session(tmp_path: Path) -> None:
    csv = tmp_path / "r.csv"
    assert end_session(csv, {"load_average": [1.0, 1.0, 1.0]}) is None  # no sidecar yet
    record_session(csv, ["satspeed", "run", "a"])
    record_session(csv, ["satspeed", "run", "b"], session(2, start=0.5))
    ended = end_session(csv, {"load_average": [9.0, 1.0, 1.0], "governor": None})
    meta = json.loads(Path(f"{csv}.meta.json").read_text())
    assert "end" not in meta["sessions"][0] and meta["sessions"][1] == ended
    assert ended["command"] == ["satspeed", "run", "b"] and ended["workers"] == 2
    assert ended["end"]["load_average"] == [9.0, 1.0, 1.0] and ended["end"]["at"]
    assert not Path(f"{csv}.meta.json.tmp").exists()
    Path(f"{csv}.meta.json").write_text("{broken")
    assert end_session(csv, {}) is None
    assert Path(f"{csv}.meta.json").read_text() == "{broken"  # left as it was


# ---------------------------------------------------------------------------- end to end


def satspeed(*args: object, warn: bool = True, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != QUIET_MACHINE}
    if not warn:
        env[QUIET_MACHINE] = "1"
    return subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=WAIT)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict]:
    """One campaign, warnings on: its CSV, stderr and session."""
    d = tmp_path_factory.mktemp("campaign")
    proc = satspeed("run", INSTANCE, "--runs", 30, "--workers", 1, "--seed", 3, "-o",
                    d / "out.csv", "-q", cwd=d)
    assert proc.returncode == 0, proc.stderr
    (found,) = json.loads((d / "out.csv.meta.json").read_text())["sessions"]
    return d / "out.csv", proc.stderr, found


def test_a_campaign_records_load_governor_workers_and_cores(campaign) -> None:
    _, stderr, found = campaign
    assert found["workers"] == 1
    assert found["logical_cores"] == os.cpu_count()
    assert found["physical_cores"] == machine.physical_cores()
    assert found["end"]["at"] >= found["started_at"]
    for part in ("start", "end"):
        load = found[part]["load_average"]
        assert load is None or (len(load) == 3 and all(x >= 0 for x in load)), found[part]
        assert found[part]["governor"] == machine.governor()
    # what it warned is what its recorded numbers imply, one line each
    assert sorted(stderr.splitlines()) == sorted(f"satspeed: warning: {line}"
                                                 for line in disturbances(found))


def test_the_variable_silences_the_warnings_not_the_record(tmp_path: Path) -> None:
    proc = satspeed("run", INSTANCE, "--runs", 2, "--workers", 4, "-o", tmp_path / "q.csv",
                    "-q", warn=False, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    (found,) = json.loads((tmp_path / "q.csv.meta.json").read_text())["sessions"]
    assert found["workers"] == 4 and "load_average" in found["end"]


def disturbed_copy(campaign, folder: Path, name: str = "disturbed.csv") -> Path:
    """The campaign's CSV with a sidecar written by hand: load 3.5 on 2 cores, 2 workers."""
    source, _, _ = campaign
    csv = folder / name
    csv.write_bytes(source.read_bytes())
    Path(f"{csv}.meta.json").write_text(json.dumps({"csv": csv.name, "csv_format": 1,
        "sessions": [{"started_at": "2026-01-02T03:04:05.000Z", "command": ["satspeed"],
                      "workers": 2, "logical_cores": 2, "physical_cores": 2,
                      "start": {"load_average": [3.5, 2.0, 1.0], "governor": "powersave"},
                      "end": {"load_average": [4.0, 2.5, 1.0], "governor": "powersave"}},
                     {"started_at": "2026-01-03T00:00:00.000Z", "command": ["satspeed"],
                      "workers": 1, "logical_cores": 2, "physical_cores": 2,
                      "start": {"load_average": [0.1, 0.1, 0.1], "governor": None}}]}))
    return csv


def expected_warning(csv: Path) -> str:
    # start: 3.5 > (2 - 2) + 0.5; end: 4.0 - 2 = 2.0 > 0.5; the second session is quiet
    return (f"satspeed: warning: {csv}: its times were measured on a disturbed machine (the "
            "session started 2026-01-02T03:04:05.000Z: load average 3.50 when the campaign "
            "started, with 0 of 2 cores left free by its 2 workers: other processes competed "
            "for the cores, so CPU and wall times are inflated; load average 4.00 when the "
            "campaign ended, 2.00 beyond its 2 workers with 0 of 2 cores free: other "
            "processes competed for the cores, so CPU and wall times are inflated)")


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("satspeed: warning:")]


def test_predict_repeats_the_warning_for_times_not_flips(campaign, tmp_path: Path) -> None:
    csv = disturbed_copy(campaign, tmp_path)
    predict = ("predict", csv, "--dist", "exp", "--bootstrap", 0, "--gof-samples", 0, "--json")
    for measure in ("cpu_s", "wall_s"):
        proc = satspeed(*predict, "--measure", measure, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert warnings_in(proc.stderr) == [expected_warning(csv)]
    flips = satspeed(*predict, cwd=tmp_path)
    assert flips.returncode == 0 and warnings_in(flips.stderr) == [], flips.stderr
    quiet = satspeed(*predict, "--measure", "cpu_s", warn=False, cwd=tmp_path)
    assert quiet.returncode == 0 and warnings_in(quiet.stderr) == [], quiet.stderr


def test_compare_warns_once_per_disturbed_csv(campaign, tmp_path: Path) -> None:
    csv = disturbed_copy(campaign, tmp_path)
    new = disturbed_copy(campaign, tmp_path, "new.csv")
    Path(f"{new}.meta.json").unlink()
    args = ("compare", csv, new, "--bootstrap", 0, "--json")
    proc = satspeed(*args, "--measure", "cpu_s", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert warnings_in(proc.stderr) == [expected_warning(csv)]
    assert warnings_in(satspeed(*args, cwd=tmp_path).stderr) == []


@pytest.mark.parametrize("sidecar", [None, "{not json", '{"sessions": [3]}', "[]"])
def test_a_missing_or_broken_sidecar_is_no_warning(campaign, tmp_path: Path,
                                                   sidecar: str | None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(QUIET_MACHINE)
    csv = disturbed_copy(campaign, tmp_path)
    assert recorded_disturbance(csv) == expected_warning(csv).removeprefix(
        "satspeed: warning: ")
    meta = Path(f"{csv}.meta.json")
    if sidecar is None:
        meta.unlink()
    else:
        meta.write_text(sidecar)
    assert recorded_disturbance(csv) is None
    proc = satspeed("predict", csv, "--measure", "cpu_s", "--dist", "exp", "--bootstrap", 0,
                    "--gof-samples", 0, "--json", cwd=tmp_path)
    assert proc.returncode == 0 and warnings_in(proc.stderr) == [], proc.stderr
