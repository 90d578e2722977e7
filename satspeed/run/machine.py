"""What the machine is doing while a campaign measures time: load average, CPU frequency
governor, logical and physical cores (Linux first; None where the OS does not say).

Each reader takes its source (a path, or the text) so that tests can give their own."""

from __future__ import annotations

import os
from pathlib import Path

CPU_SYSFS = Path("/sys/devices/system/cpu")
CPUINFO = Path("/proc/cpuinfo")


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages, or None where the OS has none."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):  # Windows; a system that cannot tell
        return None


def governor(sysfs: Path = CPU_SYSFS) -> str | None:
    """The CPU frequency governor (the distinct ones, comma-separated, when cores differ), or
    None where cpufreq is not exposed (most virtual machines, macOS)."""
    found = set()
    for path in sysfs.glob("cpu[0-9]*/cpufreq/scaling_governor"):
        try:
            found.add(path.read_text().strip())
        except OSError:
            continue
    return ",".join(sorted(found)) or None


def physical_cores_in_cpuinfo(text: str) -> int | None:
    """Distinct (physical id, core id) pairs of /proc/cpuinfo's text; None without core ids
    (an ARM board, a virtual machine that hides them)."""
    pairs = set()
    for block in text.split("\n\n"):
        fields = {key.strip(): value.strip() for key, _, value in
                  (line.partition(":") for line in block.splitlines())}
        if "core id" in fields:
            pairs.add((fields.get("physical id", "0"), fields["core id"]))
    return len(pairs) or None


def physical_cores_in_sysfs(sysfs: Path = CPU_SYSFS) -> int | None:
    """Distinct (package, core id) pairs of the cpu*/topology folders; None without them."""
    pairs = set()
    for topology in sysfs.glob("cpu[0-9]*/topology"):
        try:
            core = (topology / "core_id").read_text().strip()
        except OSError:
            continue
        try:
            package = (topology / "physical_package_id").read_text().strip()
        except OSError:
            package = "0"
        pairs.add((package, core))
    return len(pairs) or None


def logical_cores() -> int:
    return os.cpu_count() or 1


def physical_cores(cpuinfo: Path = CPUINFO, sysfs: Path = CPU_SYSFS) -> int:
    """Physical cores: from /proc/cpuinfo, else the sysfs topology, else the logical cores."""
    try:
        found = physical_cores_in_cpuinfo(cpuinfo.read_text())
    except OSError:
        found = None
    return found or physical_cores_in_sysfs(sysfs) or logical_cores()


def snapshot() -> dict[str, object]:
    """The load average and governor now, as the meta sidecar records them."""
    return {"load_average": load_average(), "governor": governor()}


def conditions(workers: int | None) -> dict[str, object]:
    """What a campaign's session records when it starts: its worker processes (None: they
    run elsewhere, on a cluster), the machine's cores, the load average and governor."""
    return {"workers": workers, "logical_cores": logical_cores(),
            "physical_cores": physical_cores(), "start": snapshot()}
