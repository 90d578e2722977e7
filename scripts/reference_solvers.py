"""Run reference SLS binaries (the C probSAT, yalsat, Kautz's WalkSAT, UBCSAT's walksat and
sparrow, CCAnr) and read their statistics.

Used by the benchmark scripts only; the binaries are built by the user outside the repository
and given by path.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RefRun:
    """One reference run: solved, flips, and the solver's own CPU seconds."""

    solved: bool
    flips: int
    cpu_s: float


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"reference output has no match for {pattern!r}:\n{text[-2000:]}")
    return float(match.group(1))


def run_probsat(binary: Path, instance: Path, seed: int, max_flips: int) -> RefRun:
    """The C probSAT (SC13_v2): `probSAT --maxflips N --runs 1 FILE SEED`.

    Its "CPU Time" counts from process start, so it includes reading the file.
    """
    out = subprocess.run([str(binary), "--maxflips", str(max_flips), "--runs", "1",
                          str(instance), str(seed)], capture_output=True, text=True,
                         check=False).stdout
    return RefRun("s SATISFIABLE" in out, int(_number(r"^c numFlips\s*:\s*(\d+)", out)),
                  _number(r"^c CPU Time\s*:\s*([\d.]+)", out))


def run_walksat(binary: Path, instance: Path, seed: int, max_flips: int,
                noise: float = 0.567) -> RefRun:
    """Kautz's WalkSAT (v56, SKC heuristic) reading the formula on stdin."""
    with open(instance, "rb") as stdin:
        out = subprocess.run([str(binary), "-seed", str(seed), "-cutoff", str(max_flips),
                              "-tries", "1", "-noise", str(round(noise * 1000)), "1000"],
                             stdin=stdin, capture_output=True, text=True, check=False).stdout
    solved = "ASSIGNMENT FOUND" in out
    seconds = _number(r"^total elapsed seconds = ([\d.eE+-]+)", out)
    if solved:
        flips = int(_number(r"^mean flips until assign = ([\d.]+)", out))
    else:
        flips = round(_number(r"^average flips per second = ([\d.eE+-]+)", out) * seconds)
    return RefRun(solved, flips, seconds)


def child_cpu(command: list[str]) -> tuple[str, float]:
    """Run `command`; its standard output and the CPU seconds (user + system) the process
    used, from the kernel's accounting (os.wait4: microseconds, whatever the solver prints)."""
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True) as process:
        out = process.stdout.read() if process.stdout else ""
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = 0  # reaped here; Popen must not wait for it again
    return out, usage.ru_utime + usage.ru_stime


def run_yalsat(binary: Path, instance: Path, seed: int, max_flips: int) -> RefRun:
    """Biere's yalsat at its defaults: `yalsat -v -n FILE SEED FLIPS` (CPU from process
    start, so with the reading)."""
    out, cpu = child_cpu([str(binary), "-v", "-n", str(instance), str(seed),
                          str(max(max_flips, 1))])
    solved = "s SATISFIABLE" in out
    found = re.search(r"^c (\d+) flips,", out, re.MULTILINE) or re.search(
        r"after (\d+) flips reached", out)
    if found is None:
        raise RuntimeError(f"yalsat output has no flip count:\n{out[-2000:]}")
    return RefRun(solved, int(found.group(1)), cpu)


def run_ubcsat(binary: Path, instance: Path, seed: int, max_flips: int,
               algorithm: tuple[str, ...]) -> RefRun:
    """UBCSAT (1.2 beta, for sparrow): `ubcsat -alg ... -i FILE -cutoff N -seed S` with the
    run's found flag and steps (CPU from process start)."""
    out, cpu = child_cpu([str(binary), "-alg", *algorithm, "-i", str(instance),
                          "-cutoff", str(max(max_flips, 1)), "-runs", "1", "-seed", str(seed),
                          "-r", "out", "stdout", "run,found,steps", "-r", "stats", "null"])
    rows = [line.split() for line in out.splitlines()
            if line.strip() and not line.startswith("#")]
    if not rows or len(rows[-1]) != 3:
        raise RuntimeError(f"ubcsat output has no run line:\n{out[-2000:]}")
    return RefRun(rows[-1][1] == "1", int(rows[-1][2]), cpu)


def run_ccanr(binary: Path, instance: Path, seed: int, max_flips: int) -> RefRun:
    """The authors' CCAnr (2013.4.18) built with one change, a step limit as a third
    argument (`main`: `if (argc > 3) { sscanf(argv[3], "%d", &max_flips); max_tries = 0; }`):
    `CCAnr FILE SEED FLIPS` (CPU from process start)."""
    out, cpu = child_cpu([str(binary), str(instance), str(seed), str(max(max_flips, 1))])
    found = re.search(r"^c solveSteps = \d+ tries \+ (\d+) steps", out, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"CCAnr output has no step count:\n{out[-2000:]}")
    return RefRun("s SATISFIABLE" in out, int(found.group(1)), cpu)
