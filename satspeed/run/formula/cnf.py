"""DIMACS CNF reader: plain, .gz, .bz2 or .xz files -> a `Formula` of flat int32 arrays.

Literal codes: variable v (1-based in DIMACS) becomes index v-1; literal +v has code 2(v-1),
literal -v has code 2(v-1)+1. So `code >> 1` is the variable and `code & 1` is 1 when negated.

The tokenizer is a numba kernel over the raw bytes: fast, and it knows the line of every token,
so every rejection names the file and the line.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import warnings
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numba import njit

from satspeed.errors import InputError

COMPRESSED_SUFFIXES = {".gz": gzip, ".bz2": bz2, ".xz": lzma}
CNF_SUFFIXES = (".cnf", ".dimacs")

# Tokenizer outcomes (codes returned by _tokenize).
_OK, _BAD_TOKEN, _OUT_OF_RANGE, _EMPTY_CLAUSE, _SECOND_HEADER, _LITERAL_TOO_BIG, _TOO_MANY = \
    range(7)
_MAX_LITERALS = 2**31 - 2  # the arrays are int32


@dataclass(frozen=True)
class Formula:
    """A CNF formula in the flat form the kernels use.

    Tautologies are dropped and duplicate literals removed, which does not change the models.
    """

    path: str
    sha256: str  # of the decompressed text
    num_vars: int
    clause_start: np.ndarray  # int32[num_clauses + 1]: clause c is lits[start[c]:start[c + 1]]
    lits: np.ndarray  # int32 literal codes
    occ_start: np.ndarray  # int32[2 * num_vars + 1]: clauses of literal l are occ[occ_start[l]:...]
    occ: np.ndarray  # int32 clause indices, ascending within each literal
    declared_clauses: int
    tautologies: int = 0
    duplicate_literals: int = 0

    @property
    def num_clauses(self) -> int:
        return len(self.clause_start) - 1

    @property
    def max_clause_len(self) -> int:
        return int(np.diff(self.clause_start).max()) if self.num_clauses else 0

    @property
    def min_clause_len(self) -> int:
        return int(np.diff(self.clause_start).min()) if self.num_clauses else 0

    @property
    def max_occurrences(self) -> int:
        """The largest number of clauses any literal occurs in."""
        return int(np.diff(self.occ_start).max()) if self.num_vars else 0

    @property
    def name(self) -> str:
        return Path(self.path).name

    def falsified_clause(self, assignment: np.ndarray) -> int:
        """Index of the first clause that `assignment` (0/1 per variable) falsifies; -1: a model."""
        return int(_first_falsified(self.clause_start, self.lits, np.asarray(assignment, np.uint8)))

    def is_model(self, assignment: np.ndarray) -> bool:
        return len(assignment) == self.num_vars and self.falsified_clause(assignment) < 0

    def clauses(self) -> list[list[int]]:
        """The clauses as lists of DIMACS integers (for python-sat and tests; slow on big files)."""
        signed = np.where(self.lits & 1, -((self.lits >> 1) + 1), (self.lits >> 1) + 1)
        s = self.clause_start
        return [signed[s[c] : s[c + 1]].tolist() for c in range(self.num_clauses)]


def read_bytes(path: str | Path) -> bytes:
    """The decompressed content of `path` (compression chosen by suffix, then by magic bytes)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(str(p), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(p), "is a directory, not a CNF file") from None
    except OSError as exc:
        raise InputError(str(p), f"cannot read: {exc.strerror or exc}") from None
    module = COMPRESSED_SUFFIXES.get(p.suffix.lower()) or _sniff_compression(raw)
    if module is None:
        return raw
    try:
        return module.decompress(raw)
    except (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error) as exc:
        raise InputError(str(p), f"truncated or corrupt {module.__name__} data ({exc})") from None


def _sniff_compression(raw: bytes):
    if raw.startswith(b"\x1f\x8b"):
        return gzip
    if raw.startswith(b"BZh"):
        return bz2
    if raw.startswith(b"\xfd7zXZ\x00"):
        return lzma
    return None


def read_cnf(path: str | Path) -> Formula:
    """Read and validate a DIMACS CNF file; raises InputError naming the file and line."""
    return _parse([read_bytes(path)], str(path))


def parse_cnf(data: bytes, path: str = "<string>") -> Formula:
    """Parse DIMACS CNF text (bytes) into a Formula."""
    return _parse([data], path)


def _parse(text: list[bytes], path: str) -> Formula:
    """`parse_cnf` of the one item of `text`, which it takes out and lets go as soon as the
    clauses are read (for a file read here nothing else holds it: on 3-SAT with 10^6
    variables, 100 MB less at the peak). The literals are normalised in the tokenizer's own
    buffers."""
    data = text.pop()
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise InputError(path, "empty file: expected a 'p cnf VARIABLES CLAUSES' header", 1)
    body, line, num_vars, declared = _parse_header(data, path)
    lits, ends, _, clauses, status, bad_line, bad_pos = _tokenize(
        np.frombuffer(data, dtype=np.uint8), body, line, num_vars)
    if status != _OK:
        raise InputError(path, _tokenizer_message(status, data, bad_pos, num_vars), int(bad_line))
    del data
    if clauses != declared:
        warnings.warn(f"{path}: header declares {declared} clauses, file has {clauses}",
                      stacklevel=2)
    kept, used, taut, dups = _normalise(lits, ends, clauses, num_vars)
    clause_start, lits = ends[: kept + 1], lits[:used]
    occ_start, occ = _occurrences(clause_start, lits, num_vars)
    return Formula(path, sha, num_vars, clause_start, lits, occ_start, occ, declared,
                   int(taut), int(dups))


def _parse_header(data: bytes, path: str) -> tuple[int, int, int, int]:
    """Find `p cnf V C` after leading comments; return (body offset, its line, V, C)."""
    pos, line = 0, 1
    n = len(data)
    while pos < n:
        end = data.find(b"\n", pos)
        end = n if end < 0 else end
        text = data[pos:end].strip()
        if text == b"" or text.startswith(b"c"):
            pos, line = end + 1, line + 1
            continue
        if not text.startswith(b"p"):
            raise InputError(path, "missing 'p cnf VARIABLES CLAUSES' header before the clauses",
                             line)
        fields = text.split()
        if len(fields) >= 2 and fields[1] != b"cnf":
            raise InputError(path, f"unsupported format 'p {fields[1].decode(errors='replace')}'"
                             " (only 'p cnf' is read)", line)
        if len(fields) != 4 or fields[0] != b"p" or not all(f.isdigit() for f in fields[2:]):
            raise InputError(path, "malformed header: expected 'p cnf VARIABLES CLAUSES', got "
                             f"'{text.decode(errors='replace')[:60]}'", line)
        num_vars, declared = int(fields[2]), int(fields[3])
        if num_vars >= 2**30:
            raise InputError(path, f"too many variables ({num_vars})", line)
        return end + 1, line + 1, num_vars, declared
    # `line` is one past the last line here.
    raise InputError(path, "no 'p cnf VARIABLES CLAUSES' header (only comments)", line - 1)


def _tokenizer_message(status: int, data: bytes, pos: int, num_vars: int) -> str:
    end = pos
    while end < len(data) and data[end] not in b" \t\r\n":
        end += 1
    token = data[pos:end].decode(errors="replace")[:40]
    if status == _BAD_TOKEN:
        return f"expected an integer literal, got '{token}'"
    if status in (_OUT_OF_RANGE, _LITERAL_TOO_BIG):
        return f"literal {token} is beyond the {num_vars} variables declared in the header"
    if status == _EMPTY_CLAUSE:
        return "empty clause: the formula is trivially unsatisfiable"
    if status == _TOO_MANY:
        return f"more than {_MAX_LITERALS} literals: too many for satspeed's int32 arrays"
    return "second 'p' header line"


@njit(cache=True)
def _tokenize(buf, pos, line, num_vars):
    """Read clauses from `buf[pos:]`; returns (literals, clause ends, how many literals, how
    many clauses, status, line, byte offset). The two buffers are as long as the text could
    need (pages never written take no memory), longer than the clauses by one at least.

    Handles comments anywhere, clauses spanning lines or sharing one, tabs, CRLF, and the SATLIB
    `%` line that ends the formula. A last clause without its closing 0 is accepted.
    """
    n = buf.shape[0]
    cap = min((n - pos) // 2 + 2, _MAX_LITERALS + 1)  # a literal and a space at least each
    lits = np.empty(cap, np.int32)
    ends = np.empty(cap, np.int32)
    nl = 0
    nc = 0
    clause_begin = 0
    at_line_start = True
    while pos < n:
        ch = buf[pos]
        if ch == 10:  # '\n'
            line += 1
            pos += 1
            at_line_start = True
            continue
        if ch == 32 or ch == 9 or ch == 13 or ch == 11 or ch == 12:
            pos += 1
            continue
        if at_line_start and (ch == 99 or ch == 112 or ch == 37):  # 'c', 'p', '%'
            if ch == 37:
                break
            if ch == 112:
                return lits, ends, nl, nc, _SECOND_HEADER, line, pos
            while pos < n and buf[pos] != 10:
                pos += 1
            continue
        at_line_start = False
        start = pos
        neg = False
        if ch == 45:  # '-'
            neg = True
            pos += 1
        value = 0
        digits = 0
        while pos < n:
            d = buf[pos]
            if d < 48 or d > 57:
                break
            if digits < 11:
                value = value * 10 + (d - 48)
            digits += 1
            pos += 1
        if digits == 0 or (pos < n and not (buf[pos] == 32 or buf[pos] == 9 or buf[pos] == 10
                                            or buf[pos] == 13 or buf[pos] == 11
                                            or buf[pos] == 12)):
            return lits, ends, nl, nc, _BAD_TOKEN, line, start
        if value == 0:
            if neg:
                return lits, ends, nl, nc, _BAD_TOKEN, line, start
            if nl == clause_begin:
                return lits, ends, nl, nc, _EMPTY_CLAUSE, line, start
            ends[nc] = nl
            nc += 1
            clause_begin = nl
            continue
        if value > num_vars or digits > 10:
            return lits, ends, nl, nc, _OUT_OF_RANGE, line, start
        if nl == _MAX_LITERALS:
            return lits, ends, nl, nc, _TOO_MANY, line, start
        lits[nl] = -value if neg else value
        nl += 1
    if nl > clause_begin:  # last clause without its terminating 0
        ends[nc] = nl
        nc += 1
    return lits, ends, nl, nc, _OK, line, pos


@njit(cache=True)
def _normalise(lits, ends, clauses, num_vars):
    """DIMACS literals -> literal codes, dropping tautologies and duplicate literals, in
    place: the literals become the codes of the clauses kept, `ends[:clauses]` their starts
    (and one more entry, the end). Returns (clauses kept, literals kept, tautologies,
    duplicate literals). Each write is at or before the position last read: nothing is
    overwritten before it is read."""
    mark = np.zeros(num_vars, np.int32)  # clause index + 1 where the variable was last seen
    sign = np.zeros(num_vars, np.int8)
    nl = 0
    nc = 0
    taut = 0
    dups = 0
    begin = 0
    for c in range(clauses):
        end = ends[c]
        out = nl
        tautology = False
        clause_dups = 0  # counted only if the clause is kept
        for i in range(begin, end):
            x = lits[i]
            v = (x if x > 0 else -x) - 1
            s = 1 if x < 0 else 0
            if mark[v] == c + 1:
                if sign[v] == s:
                    clause_dups += 1
                    continue
                tautology = True
                break
            mark[v] = c + 1
            sign[v] = s
            lits[out] = 2 * v + s
            out += 1
        begin = end
        if tautology:
            taut += 1
            continue
        dups += clause_dups
        ends[nc] = nl
        nl = out
        nc += 1
    ends[nc] = nl
    return nc, nl, taut, dups


@njit(cache=True)
def _occurrences(clause_start, lits, num_vars):
    """Counting sort of clause indices by literal code (ascending clause order per literal)."""
    nlit = 2 * num_vars
    occ_start = np.zeros(nlit + 1, np.int32)
    for i in range(lits.shape[0]):
        occ_start[lits[i] + 1] += 1
    for l in range(nlit):
        occ_start[l + 1] += occ_start[l]
    fill = occ_start[:-1].copy()
    occ = np.empty(lits.shape[0], np.int32)
    for c in range(clause_start.shape[0] - 1):
        for i in range(clause_start[c], clause_start[c + 1]):
            l = lits[i]
            occ[fill[l]] = c
            fill[l] += 1
    return occ_start, occ


@njit(cache=True)
def _first_falsified(clause_start, lits, assignment):
    for c in range(clause_start.shape[0] - 1):
        sat = False
        for i in range(clause_start[c], clause_start[c + 1]):
            l = lits[i]
            if assignment[l >> 1] != (l & 1):
                sat = True
                break
        if not sat:
            return c
    return -1


def is_cnf_path(path: Path) -> bool:
    """True for names like x.cnf, x.cnf.gz, x.dimacs.xz."""
    name = path.name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.endswith(CNF_SUFFIXES)


@cache
def tiny_formula() -> Formula:
    """A 3-SAT formula of 4 variables: to compile kernels and resolve a kernel's parameters on
    before any instance is read."""
    return parse_cnf(b"p cnf 4 3\n1 2 3 0\n-1 2 4 0\n1 -2 -3 4 0\n")
