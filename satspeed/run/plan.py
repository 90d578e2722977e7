"""Campaign planning: which instances, which runs, and each run's deterministic seed."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from satspeed.errors import SatspeedError, os_reason
from satspeed.restart import Restart
from satspeed.results import RunKey
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
    restart: Restart | None = None  # every walker restarts so (None: runs on to the end)

    @property
    def restart_text(self) -> str:
        """The CSV's `restart` column: '' without restarts."""
        return "" if self.restart is None else self.restart.text

    @property
    def key(self) -> RunKey:
        """What identifies it in the CSV (resume, the last row of each run)."""
        return RunKey(self.sha256, self.solver, self.params, self.walkers, self.seed,
                      self.restart_text)

    def walker_seed(self, walker: int) -> int:
        """Walker `walker`'s seed: the run's own seed for a sequential run."""
        if self.walkers == 1:
            return self.seed
        text = f"satspeed-walker|{self.seed}|{walker}".encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def derive_seed(base: int, sha256: str, solver: str, params: str, index: int,
                walkers: int = 1, restart: str = "") -> int:
    """A 64-bit seed from (base seed, instance content, solver, parameters, run index, the
    number of walkers for a race, and the restart strategy for restarted runs): restarted
    runs do not share their first try with the runs without restarts."""
    race = f"|w{walkers}" if walkers > 1 else ""
    again = f"|r{restart}" if restart else ""
    text = f"satspeed-seed|{base}|{sha256}|{solver}|{params}|{index}{race}{again}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


Skip = Callable[[Path, str], None]  # told each entry a directory scan passes over, and why
_DIRECTORY, _FILE, _IGNORED = "directory", "file", ""
_KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device"}


def shown(path: str | Path) -> str:
    """A path as text that prints anywhere: bytes that are not UTF-8 as \\xNN escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _warn_skip(path: Path, why: str) -> None:
    warnings.warn(f"skipping {shown(path)}: {why}", stacklevel=3)


def find_instances(paths: list[Path], skip: Skip = _warn_skip) -> list[Path]:
    """Every DIMACS file (plain or compressed) under the given directories, symbolic links
    followed, plus files given directly; sorted per directory, duplicates removed.

    A scan tells `skip` (one call each) what it passes over that could have held instances:
    a FIFO, socket or device with an instance's name, a broken or looping symbolic link, an
    entry or directory it cannot read, a directory it has scanned already. A file given
    directly that is not a regular file, and a file name that is not valid UTF-8 (the CSV
    could not record it), are errors."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_scan(path, skip))
        elif path.exists():
            kind = _KINDS.get(stat.S_IFMT(path.stat().st_mode))
            if kind:
                raise SatspeedError(f"{shown(path)}: {kind}, not a regular file")
            found.append(path)
        else:
            raise SatspeedError(f"{shown(path)}: no such file or directory")
    unique = list(dict.fromkeys(found))
    if not unique:
        raise SatspeedError("no DIMACS files (*.cnf, *.cnf.gz, .bz2, .xz) found in "
                            + ", ".join(map(shown, paths)))
    bad = [p for p in unique if shown(p) != str(p)]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SatspeedError(f"{shown(bad[0])}{more}: the file name is not valid UTF-8, which "
                            "the results CSV needs: rename it")
    return unique


def _scan(top: Path, skip: Skip) -> list[Path]:
    """The instance files under `top`, sorted; each directory scanned once."""
    found: list[Path] = []
    seen: dict[tuple[int, int], Path] = {}  # (device, inode) of the directories scanned

    def visit(directory: Path, above: tuple[tuple[int, int], ...]) -> None:
        try:
            info = directory.stat()
            ident = (info.st_dev, info.st_ino)
            if ident in above:
                skip(directory, "a symbolic link loop (to a directory above it)")
                return
            if ident in seen:
                skip(directory, f"the same directory as {shown(seen[ident])}, scanned already")
                return
            seen[ident] = directory
            with os.scandir(directory) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            skip(directory, f"cannot read the directory: {os_reason(exc)}")
            return
        linked: list[Path] = []  # directories behind symbolic links: after the real ones,
        for entry in listing:  # so that a directory reached both ways has its own path
            path = directory / entry.name
            kind = _kind(entry, path)
            if kind == _DIRECTORY:
                if entry.is_symlink():
                    linked.append(path)
                else:
                    visit(path, (*above, ident))
            elif kind == _FILE:
                found.append(path)
            elif kind != _IGNORED:
                skip(path, kind)
        for path in linked:
            visit(path, (*above, ident))

    visit(top, ())
    return sorted(found)


def _kind(entry: os.DirEntry[str], path: Path) -> str:
    """_DIRECTORY, _FILE (an instance), _IGNORED (another file), or why it is skipped."""
    try:
        mode = entry.stat().st_mode  # through a symbolic link
    except OSError as exc:
        if entry.is_symlink() and exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if entry.is_symlink() and exc.errno == errno.ENOENT:
            with contextlib.suppress(OSError):
                return f"a broken symbolic link (to {shown(os.readlink(path))})"
        return f"cannot read it: {os_reason(exc)}"
    if stat.S_ISDIR(mode):
        return _DIRECTORY
    if not is_cnf_path(path):
        return _IGNORED
    if stat.S_ISREG(mode):
        return _FILE
    return f"{_KINDS.get(stat.S_IFMT(mode), 'a special file')}, not a regular file"


def plan_runs(instance: str, sha256: str, solver: str, params: str, runs: int,
              base_seed: int, specs: tuple[SolverSpec, ...] = (),
              restart: Restart | None = None) -> list[Run]:
    """`runs` runs of one instance: sequential when `specs` has one walker (by default the
    solver named `solver`), races otherwise; restarted with `restart`."""
    specs = specs or (find_spec(solver),)
    walkers = len(specs)
    text = "" if restart is None else restart.text
    return [Run(instance, sha256, solver, params, i,
                derive_seed(base_seed, sha256, solver, params, i, walkers, text), walkers,
                specs, restart)
            for i in range(runs)]
