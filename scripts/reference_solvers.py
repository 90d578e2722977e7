"""Run reference SLS binaries (the C probSAT, Kautz's WalkSAT) and read their statistics.

Used by the benchmark scripts only; the binaries are built by the user outside the repository
and given by path.
"""

from __future__ import annotations

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
