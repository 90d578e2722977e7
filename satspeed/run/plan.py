"""Campaign planning: which instances, which runs, and each run's deterministic seed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from satspeed.errors import SatspeedError
from satspeed.run.formula.cnf import is_cnf_path
from satspeed.run.specs import SolverSpec, find_spec


@dataclass(frozen=True)
class Run:
    """One run to make: a sequential run (walkers 1) or a race of `walkers` walkers.

    `solver` and `params` are what the CSV records (for a mixed portfolio, its label and the
    members' parameters); `specs` has one spec per walker; `seed` derives from all of them and
    the run index, and each walker's seed from it (`walker_seed`).
    """

    instance: str
    sha256: str
    solver: str
    params: str
    index: int
    seed: int
    walkers: int = 1
    specs: tuple[SolverSpec, ...] = ()

    def walker_seed(self, walker: int) -> int:
        """Walker `walker`'s seed: the run's own seed for a sequential run."""
        if self.walkers == 1:
            return self.seed
        text = f"satspeed-walker|{self.seed}|{walker}".encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def derive_seed(base: int, sha256: str, solver: str, params: str, index: int,
                walkers: int = 1) -> int:
    """A 64-bit seed from (base seed, instance content, solver, parameters, run index, and the
    number of walkers for a race)."""
    race = f"|w{walkers}" if walkers > 1 else ""
    text = f"satspeed-seed|{base}|{sha256}|{solver}|{params}|{index}{race}".encode()
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
              base_seed: int, specs: tuple[SolverSpec, ...] = ()) -> list[Run]:
    """`runs` runs of one instance: sequential when `specs` has one walker (by default the
    solver named `solver`), races otherwise."""
    specs = specs or (find_spec(solver),)
    walkers = len(specs)
    return [Run(instance, sha256, solver, params, i,
                derive_seed(base_seed, sha256, solver, params, i, walkers), walkers, specs)
            for i in range(runs)]
