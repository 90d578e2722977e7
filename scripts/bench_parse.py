"""DIMACS reading speed: satspeed.run.formula.cnf.read_cnf beside python-sat's reader, in one run.

Writes a uniform random k-SAT file (default 3-SAT, n = 10^6 variables, ratio 4.2, about 100 MB),
then times each reader on it, best of --repeat runs. satspeed's numba kernels are loaded first
on a tiny file, so JIT compilation and cache loading are not timed. MB/s counts the decompressed
text. With --gz the same file is also timed gzip-compressed.

    python scripts/bench_parse.py            # temporary file, removed at the end
    python scripts/bench_parse.py --gz --path /tmp/big.cnf
"""

from __future__ import annotations

import argparse
import gc
import gzip
import itertools
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pysat.formula import CNF

from satspeed.run.formula.cnf import Formula, read_cnf


def random_ksat(n: int, m: int, k: int, seed: int) -> np.ndarray:
    """int64[m, k] DIMACS literals: k distinct variables per clause, uniform, random signs."""
    rng = np.random.default_rng(seed)
    variables = rng.integers(1, n + 1, size=(m, k))
    rows = np.arange(m)
    while rows.size:  # redraw the clauses that repeat a variable
        v = variables[rows]
        repeat = np.zeros(rows.size, bool)
        for i, j in itertools.combinations(range(k), 2):
            repeat |= v[:, i] == v[:, j]
        rows = rows[repeat]
        variables[rows] = rng.integers(1, n + 1, size=(rows.size, k))
    return np.where(rng.random((m, k)) < 0.5, -variables, variables)


def dimacs_bytes(n: int, clauses: np.ndarray) -> bytes:
    """DIMACS text of `clauses` (one clause a line), formatted by numpy without a Python loop.

    Each token gets a fixed-width slot (sign, digits, separator) padded with zero bytes, which
    are then dropped; slots are built column-major so that every write is contiguous.
    """
    m, k = clauses.shape
    tokens = np.zeros((m, k + 1), np.int32)  # each clause and its 0
    tokens[:, :k] = clauses
    tokens = tokens.ravel()
    width = len(str(n)) + 1  # sign and digits
    rest = np.abs(tokens).view(np.uint32)  # 32-bit division is much faster than 64-bit
    chars = np.zeros((width + 1, tokens.size), np.uint8)
    ndigits = np.ones(tokens.size, np.uint8)
    for col in range(width - 1, 0, -1):  # digits right to left; column 0 is for the sign
        if col < width - 1:
            more = rest > 0
            if not more.any():
                break
            ndigits += more
        quotient = rest // 10
        digit = (rest - quotient * 10).astype(np.uint8)
        digit += 48
        if col < width - 1:
            digit *= more
        chars[col] = digit
        rest = quotient
    neg = np.flatnonzero(tokens < 0)
    chars[width - 1 - ndigits[neg], neg] = ord("-")
    chars[width] = ord(" ")
    chars[width, k :: k + 1] = ord("\n")  # after each clause's 0
    body = chars.T.ravel()
    header = f"c uniform random {k}-SAT\np cnf {n} {m}\n".encode()
    return header + body[body != 0].tobytes()


def best_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Fastest of `repeat` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def same_clauses(formula: Formula, cnf: CNF) -> bool:
    """True when python-sat read exactly the clauses satspeed read."""
    if len(cnf.clauses) != formula.num_clauses:
        return False
    lengths = np.fromiter((len(c) for c in cnf.clauses), np.int64, len(cnf.clauses))
    if not np.array_equal(lengths, np.diff(formula.clause_start)):
        return False
    flat = np.fromiter(itertools.chain.from_iterable(cnf.clauses), np.int64, len(formula.lits))
    lits = formula.lits.astype(np.int64)
    signed = np.where(lits & 1, -((lits >> 1) + 1), (lits >> 1) + 1)
    return bool(np.array_equal(flat, signed))


def bench(path: Path, text_mb: float, repeat: int, pysat: bool, verify: bool) -> list[tuple]:
    """Rows (reader, file, MB, seconds, MB/s) for one file."""
    secs, formula = best_time(lambda: read_cnf(path), repeat)
    assert isinstance(formula, Formula)
    rows = [("satspeed read_cnf", path.name, text_mb, secs, text_mb / secs)]
    if pysat:
        secs, cnf = best_time(lambda: CNF(from_file=str(path)), repeat)
        rows.append(("python-sat CNF", path.name, text_mb, secs, text_mb / secs))
        if verify and not same_clauses(formula, cnf):
            raise SystemExit(f"{path}: python-sat and satspeed read different clauses")
        del cnf
    del formula
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=1_000_000, help="variables (default 10^6)")
    ap.add_argument("--ratio", type=float, default=4.2, help="clauses per variable")
    ap.add_argument("-k", type=int, default=3, help="literals per clause")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per reader; the best counts")
    ap.add_argument("--path", type=Path, help="write (and keep) the instance here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--gz", action="store_true", help="also time a gzip-compressed copy")
    ap.add_argument("--gz-level", type=int, default=6, help="gzip level for --gz (default 6)")
    ap.add_argument("--no-pysat", action="store_true", help="time satspeed only")
    ap.add_argument("--no-verify", action="store_true",
                    help="skip checking that both readers read the same clauses")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="bench_parse-"))
    path = args.path or tmp / f"uf{args.k}-n{args.n}.cnf"
    m = round(args.ratio * args.n)
    t0 = time.perf_counter()
    text = dimacs_bytes(args.n, random_ksat(args.n, m, args.k, args.seed))
    path.write_bytes(text)
    text_mb = len(text) / 1e6
    print(f"wrote {path}: n={args.n} m={m} k={args.k}, {text_mb:.1f} MB"
          f" in {time.perf_counter() - t0:.1f} s")
    files = [path]
    if args.gz:
        t0 = time.perf_counter()
        gz = path.with_name(path.name + ".gz")
        gz.write_bytes(gzip.compress(text, compresslevel=args.gz_level))
        print(f"wrote {gz}: {gz.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
        files.append(gz)
    del text

    tiny = tmp / "warm-up.cnf"
    tiny.write_text("p cnf 3 2\n1 -2 0\n2 3 0\n")
    read_cnf(tiny)  # numba: compile or load the cached kernels outside the timings

    rows = []
    for f in files:
        rows += bench(f, text_mb, args.repeat, not args.no_pysat, not args.no_verify)

    print(f"\nbest of {args.repeat}; MB/s of decompressed text ({text_mb:.1f} MB)")
    print(f"{'reader':<20} {'file':<28} {'seconds':>9} {'MB/s':>8}")
    for reader, name, _, secs, rate in rows:
        print(f"{reader:<20} {name:<28} {secs:>9.3f} {rate:>8.1f}")
    if not args.no_pysat:
        for i in range(0, len(rows), 2):
            print(f"{rows[i][1]}: satspeed is {rows[i + 1][3] / rows[i][3]:.1f}x"
                  " faster than python-sat")

    if args.keep:
        print(f"kept {tmp}")
    else:
        shutil.rmtree(tmp)  # holds the instance unless --path put it elsewhere


if __name__ == "__main__":
    main()
