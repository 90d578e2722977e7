"""Campaign planning: which instances, which runs, and each run's deterministic seed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from satspeed.cnf import is_cnf_path
from satspeed.errors import SatspeedError


@dataclass(frozen=True)
class Run:
    """One sequential run to make: the instance, the solver with its resolved parameters, the
    run index within the campaign and the seed derived from all of them."""

    instance: str
    sha256: str
    solver: str
    params: str
    index: int
    seed: int


def derive_seed(base: int, sha256: str, solver: str, params: str, index: int) -> int:
    """A 64-bit seed from (base seed, instance content, solver, parameters, run index)."""
    text = f"satspeed-seed|{base}|{sha256}|{solver}|{params}|{index}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def find_instances(paths: list[Path]) -> list[Path]:
    """Every DIMACS file (plain or compressed) under the given directories, plus files given
    directly; sorted per directory, duplicates removed."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and is_cnf_path(p)))
        elif path.exists():
            found.append(path)
        else:
            raise SatspeedError(f"{path}: no such file or directory")
    unique = list(dict.fromkeys(found))
    if not unique:
        raise SatspeedError("no DIMACS files (*.cnf, *.cnf.gz, .bz2, .xz) found in "
                            + ", ".join(map(str, paths)))
    return unique


def plan_runs(instance: str, sha256: str, solver: str, params: str, runs: int,
              base_seed: int) -> list[Run]:
    return [Run(instance, sha256, solver, params, i,
                derive_seed(base_seed, sha256, solver, params, i)) for i in range(runs)]
