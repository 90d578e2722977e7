"""Random k-SAT instance generation (uniform and planted), DIMACS output, and the manifest.

Everything is deterministic: candidate ``j`` of a set draws from
``np.random.default_rng([seed, family_code, k, n, m, j])``, so the same arguments give
byte-identical files, and sets that differ in family, k, n or m use independent streams.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import lzma
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from satspeed import __version__
from satspeed.errors import SatspeedError

FAMILIES = {"uniform": "uf", "planted": "pl"}
COMPRESSIONS = {"none": "", "gz": ".gz", "bz2": ".bz2", "xz": ".xz"}
# Satisfiability thresholds of random k-SAT (Mertens, Mezard, Zecchina 2006).
THRESHOLDS = {2: 1.0, 3: 4.267, 4: 9.931, 5: 21.117, 6: 43.37, 7: 87.79}
MANIFEST_COLUMNS = ("file", "family", "k", "n", "m", "ratio", "sat", "sha256", "command")
_CNF_NAME = re.compile(r"\.cnf(\.(gz|bz2|xz))?$")
GIVE_UP_FACTOR = 20  # --sat-only draws at most this many candidates per instance kept


def default_ratio(k: int) -> float:
    """Clause/variable ratio just below the threshold: 4.2 for 3-SAT, 1.0 for 2-SAT,
    0.95 x the threshold otherwise (2^k ln 2 - (1 + ln 2)/2 beyond k = 7), to 4 digits."""
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    if k == 2:
        return 1.0
    if k == 3:
        return 4.2
    threshold = THRESHOLDS.get(k, 2**k * math.log(2) - (1 + math.log(2)) / 2)
    return float(f"{0.95 * threshold:.4g}")


def _distinct_variables(k: int, n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """(m, k) array of variables 1..n, k distinct per row, each k-subset equally likely, in
    random order (Floyd's sampling, vectorised over rows, then a per-row shuffle)."""
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got k={k}, n={n}")
    chosen = np.empty((m, k), dtype=np.int64)
    for col, top in enumerate(range(n - k, n)):
        pick = rng.integers(0, top + 1, size=m)
        taken = (chosen[:, :col] == pick[:, None]).any(axis=1)
        chosen[:, col] = np.where(taken, top, pick)
    return rng.permuted(chosen, axis=1) + 1


def uniform_ksat(k: int, n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform random k-SAT (SATLIB uf style): (m, k) int32 DIMACS literals, k distinct
    variables per clause, each literal's sign a fair coin."""
    if m < 0:
        raise ValueError(f"m must be non-negative, got {m}")
    variables = _distinct_variables(k, n, m, rng)
    signs = rng.integers(0, 2, size=(m, k)) * 2 - 1
    return (variables * signs).astype(np.int32)


def satisfied(clauses: np.ndarray, assignment: np.ndarray) -> np.ndarray:
    """Per clause, whether the assignment (bool array, index v-1 for variable v) satisfies it."""
    values = assignment[np.abs(clauses) - 1]
    return (values == (clauses > 0)).any(axis=1)


def planted_ksat(k: int, n: int, m: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k-SAT with a planted solution: uniform clauses, redrawing any clause that a hidden random
    assignment falsifies. Returns the (m, k) int32 clauses and the assignment (bool, n)."""
    assignment = rng.integers(0, 2, size=n).astype(bool)
    clauses = uniform_ksat(k, n, m, rng)
    bad = np.flatnonzero(~satisfied(clauses, assignment))
    while bad.size:
        clauses[bad] = uniform_ksat(k, n, bad.size, rng)
        bad = bad[~satisfied(clauses[bad], assignment)]
    return clauses, assignment


def dimacs_text(clauses: np.ndarray | Sequence[Sequence[int]], comments: Iterable[str] = (),
                n: int | None = None) -> str:
    """DIMACS CNF text: ``c`` comment lines, ``p cnf n m``, one clause per line ending in `` 0``.

    ``n`` defaults to the largest variable that occurs.
    """
    lines = [f"c {c}".rstrip() for text in comments for c in str(text).splitlines() or [""]]
    if isinstance(clauses, np.ndarray) and clauses.ndim == 2:  # fast path: one %-format call
        m, k = clauses.shape
        if n is None:
            n = int(np.abs(clauses).max(initial=0))
        lines.append(f"p cnf {n} {m}")
        body = ("%d " * k + "0\n") * m % tuple(clauses.ravel().tolist())
        return "\n".join(lines) + "\n" + body
    rows = [[int(lit) for lit in clause] for clause in clauses]
    if n is None:
        n = max((abs(lit) for row in rows for lit in row), default=0)
    lines.append(f"p cnf {n} {len(rows)}")
    lines.extend(" ".join(map(str, [*row, 0])) for row in rows)
    return "\n".join(lines) + "\n"


def _compress(data: bytes, compress: str) -> bytes:
    """Compress reproducibly (gzip without a name or time stamp)."""
    if compress == "gz":
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as f:
            f.write(data)
        return buf.getvalue()
    if compress == "bz2":
        return bz2.compress(data)
    if compress == "xz":
        return lzma.compress(data)
    return data


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def gen_options(*, family: str, k: int, n: int, m: int, ratio: float | None, count: int,
                seed: int, sat_only: bool, check_timeout: float = 60.0,
                compress: str = "none") -> str:
    """The `satspeed gen` options (without OUTDIR) that reproduce a set."""
    size = f"--ratio {ratio:g}" if ratio is not None else f"-m {m}"
    opts = f"--family {family} -k {k} -n {n} {size} --count {count} --seed {seed}"
    if sat_only:
        opts += " --sat-only"
        if check_timeout != 60.0:
            opts += f" --check-timeout {check_timeout:g}"
    if compress != "none":
        opts += f" --compress {compress}"
    return opts


def generate(outdir: Path, *, family: str = "uniform", k: int = 3, n: int,
             ratio: float | None = None, m: int | None = None, count: int = 1, seed: int = 1,
             sat_only: bool = False, check_timeout: float = 60.0,
             compress: str = "none") -> list[Path]:
    """Write ``count`` random k-SAT instances to ``outdir``; return their paths.

    ``m`` defaults to ``round(ratio * n)`` and ``ratio`` to ``default_ratio(k)``. With
    ``sat_only``, candidates are drawn until ``count`` of them are proven satisfiable by a CDCL
    solver (each skip reported on stderr); it gives up after 20 x ``count`` candidates.
    Files are named ``uf{k}-n{n}-m{m}-s{seed}-{i:03d}.cnf`` (``pl{k}`` for planted), numbered
    in the order kept. Bad arguments or an unwritable folder raise SatspeedError.
    """
    if family not in FAMILIES:
        raise SatspeedError(f"unknown family {family!r} (choose from {', '.join(FAMILIES)})")
    if compress not in COMPRESSIONS:
        raise SatspeedError(f"unknown compression {compress!r}")
    if k < 2:
        raise SatspeedError(f"k must be at least 2, got {k}")
    if k > n:
        raise SatspeedError(f"k={k} literals per clause need at least {k} variables, got n={n}")
    if m is not None and ratio is not None:
        raise SatspeedError("give either --ratio or --clauses, not both")
    if count < 1 or seed < 0 or check_timeout <= 0:
        raise SatspeedError("count must be >= 1, seed >= 0 and check timeout > 0")
    if m is None:
        ratio = default_ratio(k) if ratio is None else ratio
        m = round(ratio * n)
        if m < 1:
            raise SatspeedError(f"ratio {ratio:g} x n={n} gives no clauses")
    elif m < 1:
        raise SatspeedError(f"need at least one clause, got m={m}")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SatspeedError(f"cannot create output folder {outdir}: {exc.strerror}") from exc
    if not os.access(outdir, os.W_OK | os.X_OK):
        raise SatspeedError(f"output folder {outdir} is not writable")

    from satspeed.run.formula.satcheck import DEFAULT_SOLVER, check_sat

    options = gen_options(family=family, k=k, n=n, m=m, ratio=ratio, count=count, seed=seed,
                          sat_only=sat_only, check_timeout=check_timeout, compress=compress)
    width = max(3, len(str(count)))
    stem = f"{FAMILIES[family]}{k}-n{n}-m{m}-s{seed}"
    family_code = list(FAMILIES).index(family)
    written: list[Path] = []
    with _Reporter(count) as report:
        for j in range(GIVE_UP_FACTOR * count if sat_only else count):
            if len(written) == count:
                break
            rng = np.random.default_rng([seed, family_code, k, n, m, j])
            if family == "uniform":
                clauses = uniform_ksat(k, n, m, rng)
            else:
                clauses, _ = planted_ksat(k, n, m, rng)
            if sat_only:
                verdict = check_sat(clauses, check_timeout)
                if verdict is not True:
                    why = "unsatisfiable" if verdict is False else \
                        f"undecided in {check_timeout:g} s"
                    report.skip(f"satspeed gen: skipped candidate {j}: {why}")
                    continue
            path = outdir / f"{stem}-{len(written) + 1:0{width}d}.cnf{COMPRESSIONS[compress]}"
            comments = [
                f"{path.name.split('.cnf')[0]}: generated by satspeed {__version__} (satspeed gen)",
                f"family: {family}", f"k: {k}", f"n: {n}", f"m: {m}",
                f"ratio: {ratio if ratio is not None else m / n:g}",
                f"seed: {seed}", f"candidate: {j}",
                f"rng: numpy default_rng([seed, {family_code}, k, n, m, candidate])",
                f"sat: {'yes (proven by ' + DEFAULT_SOLVER + ')' if sat_only else 'unknown'}",
                f"options: {options}",
            ]
            data = _compress(dimacs_text(clauses, comments, n=n).encode("ascii"), compress)
            try:
                _write_atomic(path, data)
            except OSError as exc:
                raise SatspeedError(f"cannot write {path}: {exc.strerror}") from exc
            written.append(path)
            report.wrote(path, j)
    if len(written) < count:
        raise SatspeedError(
            f"kept only {len(written)} of {count} satisfiable instances after "
            f"{GIVE_UP_FACTOR * count} candidates; lower the ratio or raise --check-timeout")
    return written


class _Reporter:
    """Progress on stderr: a rich bar on a terminal, otherwise one line per file written."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.progress = None
        self.done = 0
        self.last: Path | None = None

    def __enter__(self) -> _Reporter:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.progress = Progress(console=Console(stderr=True), transient=False)
            self.progress.start()
            self.task = self.progress.add_task("generating", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
            if self.last is not None:
                self.progress.console.print(
                    f"satspeed gen: wrote {self.done} file(s), last {self.last}",
                    markup=False, highlight=False)

    def skip(self, message: str) -> None:
        if self.progress is not None:
            self.progress.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=sys.stderr, flush=True)

    def wrote(self, path: Path, candidate: int) -> None:
        self.done += 1
        self.last = path
        if self.progress is not None:
            self.progress.advance(self.task)
        else:
            print(f"satspeed gen: wrote {path} (candidate {candidate})", file=sys.stderr,
                  flush=True)


# ---------------------------------------------------------------------------------- manifest

def _open_text(path: Path):
    """Open a possibly compressed CNF file as text."""
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    return opener(path, "rt", encoding="ascii", errors="replace")


def read_header(path: Path) -> tuple[dict[str, str], int, int]:
    """The ``c key: value`` comments before the ``p cnf`` line, and that line's n and m."""
    info: dict[str, str] = {}
    with _open_text(path) as f:
        for line in f:
            if line.startswith("c "):
                key, sep, value = line[2:].partition(":")
                if sep and re.fullmatch(r"[a-z_]+", key.strip()):
                    info[key.strip()] = value.strip()
            elif line.startswith("p "):
                parts = line.split()
                if len(parts) == 4 and parts[1] == "cnf":
                    return info, int(parts[2]), int(parts[3])
                break
    raise SatspeedError(f"{path}: no 'p cnf n m' line")


def manifest_rows(directory: Path) -> list[dict[str, str]]:
    """One manifest row per CNF file in ``directory``, from the files themselves."""
    rows = []
    files = sorted((p for p in directory.iterdir() if _CNF_NAME.search(p.name)),
                   key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])
    for path in files:
        info, n, m = read_header(path)
        options = info.get("options")
        rows.append({
            "file": path.name,
            "family": info.get("family", "unknown"),
            "k": info.get("k", ""),
            "n": str(n),
            "m": str(m),
            "ratio": info.get("ratio", f"{m / n:g}" if n else ""),
            "sat": "yes" if info.get("sat", "").startswith("yes") else "unknown",
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "command": f"python -m satspeed gen {directory.name} {options}" if options else "",
        })
    return rows


def write_manifest(directory: Path | str) -> Path:
    """Write ``directory/manifest.csv`` (columns MANIFEST_COLUMNS) for the CNF files there."""
    directory = Path(directory)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(manifest_rows(directory))
    path = directory / "manifest.csv"
    _write_atomic(path, buf.getvalue().encode("ascii"))
    return path


if __name__ == "__main__":  # python -m satspeed.run.formula.generate manifest DIR
    if len(sys.argv) != 3 or sys.argv[1] != "manifest":
        sys.exit("usage: python -m satspeed.run.formula.generate manifest DIR")
    print(write_manifest(sys.argv[2]))
