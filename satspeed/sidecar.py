"""The results CSV's meta sidecar, `<csv>.meta.json`: the format version and, per invocation,
the command line, the machine, the package versions and the conditions a campaign ran under
(workers, cores, load average and CPU governor at its start and end), from which a campaign
measured in seconds is warned about when other processes competed for the cores."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

from satspeed.results import CSV_FORMAT, now_iso


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


def record_session(csv_path: str | Path, argv: list[str],
                   conditions: dict[str, object] | None = None,
                   csv_format: int = CSV_FORMAT) -> Path:
    """Append this invocation (machine, versions, command line, the format it writes: the
    file's, and a campaign's `conditions`: workers, cores, load at the start) to
    `<csv>.meta.json`."""
    meta_path = Path(f"{csv_path}.meta.json")
    meta: dict[str, object] = {"csv": Path(csv_path).name, "csv_format": csv_format,
                               "sessions": []}
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            meta_path.replace(meta_path.with_suffix(".json.bad"))  # keep it, start afresh
    sessions = meta.setdefault("sessions", [])
    assert isinstance(sessions, list)
    sessions.append({"started_at": now_iso(), "command": argv, "csv_format": csv_format,
                     "machine": machine_info(), "versions": package_versions(),
                     **(conditions or {})})
    _write_meta(meta_path, meta)
    return meta_path


def end_session(csv_path: str | Path, end: dict[str, object]) -> dict[str, object] | None:
    """Record `end` (the load when a campaign ends) in this invocation's session, the last in
    `<csv>.meta.json` (only the CSV's writer, which holds its lock, appends sessions); returns
    that session, or None when the sidecar is missing or broken (it is left as it is)."""
    return add_to_session(csv_path, "end", {"at": now_iso(), **end})


def add_to_session(csv_path: str | Path, key: str, value: object) -> dict[str, object] | None:
    """Record `value` under `key` in this invocation's session, the last one; returns that
    session, or None when the sidecar is missing or broken (it is left as it is)."""
    meta_path = Path(f"{csv_path}.meta.json")
    meta = _read_meta(meta_path)
    if meta is None:
        return None
    session = meta["sessions"][-1]
    session[key] = value
    _write_meta(meta_path, meta)
    return session


def _read_meta(meta_path: Path) -> dict | None:
    """The sidecar, or None when it is missing, broken or has no session."""
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    sessions = meta.get("sessions") if isinstance(meta, dict) else None
    if not isinstance(sessions, list) or not sessions or not all(
            isinstance(s, dict) for s in sessions):
        return None
    return meta


def _write_meta(meta_path: Path, meta: dict[str, object]) -> None:
    """Write the sidecar whole or not at all (a temporary file, then a rename)."""
    tmp = meta_path.with_name(meta_path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    tmp.replace(meta_path)


QUIET_MACHINE = "SATSPEED_NO_MACHINE_WARNINGS"  # set (non-empty): no disturbance warnings


def machine_warnings_on() -> bool:
    """Whether to warn about a disturbed machine (the numbers are recorded either way)."""
    return not os.environ.get(QUIET_MACHINE)


def disturbances(session: dict[str, object]) -> list[str]:
    """What inflated a campaign's times, from its session: one sentence per finding. As
    pyperf does, the 1-minute load average at the start is compared with the cores the
    campaign's workers left free (and at the end, less its own workers); and more workers
    than physical cores means that hyperthreads shared cores."""
    workers, logical = session.get("workers"), session.get("logical_cores")
    physical = session.get("physical_cores")
    if not isinstance(workers, int) or not isinstance(logical, int):
        return []  # not a campaign, or its workers ran elsewhere
    free = max(logical - workers, 0)
    found = []
    start, end = _load_of(session.get("start")), _load_of(session.get("end"))
    if start is not None and start > free + 0.5:
        found.append(f"load average {start:.2f} when the campaign started, with {free} of "
                     f"{logical} cores left free by its {workers} workers: other processes "
                     "competed for the cores, so CPU and wall times are inflated")
    if end is not None and end - workers > free + 0.5:
        found.append(f"load average {end:.2f} when the campaign ended, {end - workers:.2f} "
                     f"beyond its {workers} workers with {free} of {logical} cores free: "
                     "other processes competed for the cores, so CPU and wall times are "
                     "inflated")
    if isinstance(physical, int) and workers > physical:
        found.append(f"{workers} workers on {physical} physical cores: hyperthreads share a "
                     "core, so the CPU and wall times of concurrent runs are inflated")
    return found


def _load_of(snapshot: object) -> float | None:
    load = snapshot.get("load_average") if isinstance(snapshot, dict) else None
    if isinstance(load, list) and load and isinstance(load[0], int | float):
        return float(load[0])
    return None


def recorded_disturbance(csv_path: str | Path, measure: str = "cpu_s") -> str | None:
    """One line on the campaigns of `<csv>.meta.json` that ran on a disturbed machine, for
    times in `measure`, or None (flips, which a busy machine does not inflate; no campaign
    was disturbed; the sidecar is missing or broken; or warnings are off)."""
    if measure == "flips" or not machine_warnings_on():
        return None
    meta = _read_meta(Path(f"{csv_path}.meta.json"))
    if meta is None:
        return None
    found = [(s, disturbances(s)) for s in meta["sessions"]]
    found = [(s, lines) for s, lines in found if lines]
    if not found:
        return None
    session, lines = found[0]
    which = (f"{len(found)} of {len(meta['sessions'])} sessions; the first, started"
             if len(found) > 1 else "the session started")
    return (f"{csv_path}: its times were measured on a disturbed machine ({which} "
            f"{session.get('started_at', '?')}: {'; '.join(lines)})")
