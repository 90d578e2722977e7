"""Ordinary I/O faults, made for real: a full disk (a tiny tmpfs, else RLIMIT_FSIZE), a
read-only folder (a read-only bind mount, else permissions), a file name that is not UTF-8,
and what a directory scan passes over (FIFOs, broken and looping links, unreadable
directories). Each is one line naming the path and the reason, a non-zero exit, no traceback,
and the rows already written stay."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_run import WAIT, assert_exactly, bundled, planned, rows_of

FULL_AT = 16384  # bytes the tiny disk holds (4 pages: the sidecar and the CSV's first rows)


def satspeed(*args: object, cwd: Path, preexec: Callable[[], None] | None = None
             ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", *map(_arg, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=WAIT, preexec_fn=preexec)


def _arg(value: object) -> str:
    return os.fspath(value) if isinstance(value, os.PathLike) else str(value)


def mount(*args: str) -> bool:
    """Run mount(8) with `args`; False where this process may not mount (not root, no
    CAP_SYS_ADMIN, no mount binary)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def drop_root_file_powers() -> None:
    """In a child about to exec, as root: give up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    (prctl PR_CAPBSET_DROP), so that file permissions stop it as they stop any user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@dataclass
class TinyDisk:
    """A folder on a full-soon disk: a tmpfs of FULL_AT bytes where we may mount one, else a
    plain folder and RLIMIT_FSIZE in the child: FULL_AT bytes, 64 once `fill`ed (writes past
    it fail with EFBIG, SIGXFSZ ignored)."""

    path: Path
    tmpfs: bool
    limit: int | None = FULL_AT  # RLIMIT_FSIZE in the child when not on a tmpfs; None: none

    @property
    def reason(self) -> str:
        return "no space left on device" if self.tmpfs else "file too large"

    def preexec(self) -> None:
        if not self.tmpfs and self.limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.limit, self.limit))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def fill(self) -> None:
        """Use up what is left."""
        self.limit = 64
        if self.tmpfs:
            with contextlib.suppress(OSError), open(self.path / "filler", "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()

    def free(self) -> None:
        """Room again: a bigger tmpfs, or no limit in the next child."""
        self.limit = None
        if self.tmpfs:
            assert mount("-o", "remount,size=4m", str(self.path))


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[TinyDisk]:
    d = tmp_path / "disk"
    d.mkdir()
    tmpfs = mount("-t", "tmpfs", "-o", f"size={FULL_AT}", "tmpfs", str(d))
    try:
        yield TinyDisk(d, tmpfs)
    finally:
        if tmpfs:
            subprocess.run(["umount", str(d)], check=False)


@dataclass
class ReadOnly:
    path: Path
    reason: str
    preexec: Callable[[], None] | None = None


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[ReadOnly]:
    """An empty folder no child can write in: a read-only bind mount where we may mount, else
    mode 555 (as root, with the powers to override it dropped in the child)."""
    d = tmp_path / "ro"
    d.mkdir()
    if mount("--bind", str(d), str(d)):
        try:
            if not mount("-o", "remount,ro,bind", str(d)):
                pytest.skip("cannot remount a bind mount read-only here")
            yield ReadOnly(d, "read-only file system")
        finally:
            subprocess.run(["umount", str(d)], check=False)
        return
    d.chmod(0o555)
    preexec = drop_root_file_powers if os.geteuid() == 0 else None
    if not _unusable(d, "open(os.path.join(sys.argv[1], 'x'), 'w')", preexec):
        d.chmod(0o755)
        pytest.skip("cannot make a read-only folder here (no mount, permissions ignored)")
    try:
        yield ReadOnly(d, "permission denied", preexec)
    finally:
        d.chmod(0o755)


def _unusable(d: Path, statement: str, preexec: Callable[[], None] | None) -> bool:
    """Whether `statement` (on the folder `d`, as sys.argv[1]) fails in a child started with
    `preexec`, as the fault needs."""
    try:
        probe = subprocess.run([sys.executable, "-c", f"import os, sys; {statement}", str(d)],
                               capture_output=True, preexec_fn=preexec, timeout=WAIT)
    except subprocess.SubprocessError:  # the preexec failed: no such child can be made
        return False
    return probe.returncode != 0


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small results CSV to predict from."""
    d = tmp_path_factory.mktemp("results")
    out = d / "r.csv"
    proc = satspeed("run", bundled("uf3-n50-"), "--runs", 20, "--workers", 1, "-q", "-o", out,
                    cwd=d)
    assert proc.returncode == 0, proc.stderr
    return out


def assert_one_error(proc: subprocess.CompletedProcess[str], line: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.splitlines() == [line]


# ---------------------------------------------------------------------------- disk full


def test_disk_full_during_run_then_again_then_resume(tiny_disk: TinyDisk, tmp_path: Path
                                                    ) -> None:
    instance = bundled("uf3-n50-")
    out = tiny_disk.path / "r.csv"
    args = ("run", instance, "--runs", 200, "--workers", 1, "-q", "-o", out)
    first = satspeed(*args, cwd=tmp_path, preexec=tiny_disk.preexec)
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr, first.stderr
    found = re.fullmatch(rf"satspeed: error: {re.escape(str(out))}: {tiny_disk.reason} "
                         r"\((\d+) runs written; run the same command again to resume\)\n",
                         first.stderr)
    assert found, first.stderr
    rows, messages = rows_of(out)  # every row written is whole; at most a partial last line
    assert 0 < len(rows) == int(found.group(1)) < 200
    assert all("partial last line" in m for m in messages) and len(messages) <= 1

    again = satspeed(*args, cwd=tmp_path, preexec=tiny_disk.preexec)  # still full
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    errors = [line for line in again.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, again.stderr
    assert re.fullmatch(rf"satspeed: error: {re.escape(str(out))}(\.meta\.json)?: "
                        rf"{tiny_disk.reason}( \(0 runs written; .*\))?", errors[0]), errors
    assert rows_of(out)[0] == rows  # nothing lost, nothing added

    tiny_disk.free()
    last = satspeed(*args, cwd=tmp_path, preexec=tiny_disk.preexec)
    assert last.returncode == 0, last.stderr
    assert f"resuming: {len(rows)} of 200 runs" in last.stderr
    assert_exactly(out, planned([instance], 200, 0))


def test_disk_full_keeps_the_older_prediction(tiny_disk: TinyDisk, results: Path,
                                              tmp_path: Path) -> None:
    """`predict -o` writes its JSON whole or not at all: a full disk leaves the older file."""
    target = tiny_disk.path / "p.json"
    target.write_text("older\n")
    tiny_disk.fill()
    proc = satspeed("predict", results, "--bootstrap", 0, "--gof-samples", 0, "-o", target,
                    cwd=tmp_path, preexec=tiny_disk.preexec)
    assert_one_error(proc, f"satspeed: error: {target}: {tiny_disk.reason}")
    assert target.read_text() == "older\n"
    assert sorted(p.name for p in tiny_disk.path.iterdir()) in (["filler", "p.json"],
                                                                ["p.json"])


# ---------------------------------------------------------------------------- read-only folders


def test_run_into_a_read_only_folder(read_only: ReadOnly, tmp_path: Path) -> None:
    out = read_only.path / "r.csv"
    proc = satspeed("run", bundled("uf3-n50-"), "--runs", 5, "--workers", 1, "-o", out,
                    cwd=tmp_path, preexec=read_only.preexec)
    assert_one_error(proc, f"satspeed: error: {out}: {read_only.reason}")
    assert not out.exists()


@pytest.mark.parametrize("option, name", [("-o", "p.json"), ("--plot", "plots"),
                                          ("--plot", "")])
def test_predict_into_a_read_only_folder(read_only: ReadOnly, results: Path, tmp_path: Path,
                                         option: str, name: str) -> None:
    """Refused before any fitting, with nothing on stdout; the CSV is left as it was."""
    target = read_only.path / name if name else read_only.path
    before = results.read_bytes()
    proc = satspeed("predict", results, "--bootstrap", 0, "--gof-samples", 0, option, target,
                    cwd=tmp_path, preexec=read_only.preexec)
    assert_one_error(proc, f"satspeed: error: {target}: {read_only.reason}")
    assert proc.stdout == ""
    assert results.read_bytes() == before
    assert list(read_only.path.iterdir()) == []


# ---------------------------------------------------------------------------- odd names and entries


def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    d = tmp_path / "inst"
    d.mkdir()
    shutil.copy(bundled("uf3-n50-"), d / "ok.cnf")
    shutil.copy(bundled("uf3-n50-"), os.fsdecode(os.fsencode(d) + b"/caf\xe9.cnf"))
    proc = satspeed("run", d, "--runs", 3, "--workers", 1, "-o", tmp_path / "r.csv",
                    cwd=tmp_path)
    assert_one_error(proc, f"satspeed: error: {d}/caf\\xe9.cnf: the file name is not valid "
                     "UTF-8, which the results CSV needs: rename it")
    assert not (tmp_path / "r.csv").exists()


def test_a_scan_says_what_it_skips(tmp_path: Path) -> None:
    d = tmp_path / "inst"
    (d / "sub").mkdir(parents=True)
    shutil.copy(bundled("uf3-n50-"), d / "a.cnf")
    shutil.copy(bundled("uf3-n100-"), d / "sub" / "b.cnf")
    os.mkfifo(d / "pipe.cnf")
    os.mkfifo(d / "notes.fifo")  # not an instance's name: passed over in silence
    (d / "dangling.cnf").symlink_to("nowhere.cnf")
    (d / "loop1.cnf").symlink_to("loop2.cnf")
    (d / "loop2.cnf").symlink_to("loop1.cnf")
    (d / "sub" / "up").symlink_to("..")
    (d / "linked").symlink_to("sub")  # a directory reached twice is scanned once
    out = tmp_path / "r.csv"
    proc = satspeed("run", d, "--runs", 2, "--workers", 1, "-q", "-o", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"satspeed: skipping {d}/dangling.cnf: a broken symbolic link (to nowhere.cnf)",
        f"satspeed: skipping {d}/loop1.cnf: a symbolic link loop",
        f"satspeed: skipping {d}/loop2.cnf: a symbolic link loop",
        f"satspeed: skipping {d}/pipe.cnf: a FIFO, not a regular file",
        f"satspeed: skipping {d}/sub/up: a symbolic link loop (to a directory above it)",
        f"satspeed: skipping {d}/linked: the same directory as {d}/sub, scanned already",
    ]
    assert_exactly(out, planned([d / "a.cnf", d / "sub" / "b.cnf"], 2, 0))
    # a FIFO named on the command line would block its reader: refused
    fifo = satspeed("run", d / "pipe.cnf", "--runs", 2, "-o", out, cwd=tmp_path)
    assert_one_error(fifo, f"satspeed: error: {d}/pipe.cnf: a FIFO, not a regular file")


def test_a_scan_says_which_directory_it_cannot_read(tmp_path: Path) -> None:
    d = tmp_path / "inst"
    (d / "private").mkdir(parents=True)
    shutil.copy(bundled("uf3-n50-"), d / "a.cnf")
    shutil.copy(bundled("uf3-n50-"), d / "private" / "hidden.cnf")
    (d / "private").chmod(0)
    preexec = drop_root_file_powers if os.geteuid() == 0 else None
    try:
        if not _unusable(d / "private", "os.listdir(sys.argv[1])", preexec):
            pytest.skip("cannot make an unreadable directory here (permissions ignored)")
        out = tmp_path / "r.csv"
        proc = satspeed("run", d, "--runs", 2, "--workers", 1, "-q", "-o", out, cwd=tmp_path,
                        preexec=preexec)
    finally:
        (d / "private").chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        f"satspeed: skipping {d}/private: cannot read the directory: permission denied"]
    assert_exactly(out, planned([d / "a.cnf"], 2, 0))
