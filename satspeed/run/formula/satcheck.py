"""Time-bounded satisfiability check with a CDCL solver (python-sat) in a killable child process.

python-sat's CaDiCaL ignores ``interrupt()`` from a timer thread (measured: 13 minutes past its
budget), so the solver runs in a separate Python process that is killed at the timeout. The
child imports only python-sat and the standard library; the clauses travel on its stdin as raw
int32 literals, each clause ended by 0.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable, Sequence

import numpy as np

from satspeed.errors import SatspeedError

DEFAULT_SOLVER = "cadical153"

# Runs in the child: read int32 literals (0-terminated clauses) from stdin, print SAT or UNSAT.
_CHILD = """\
import sys
from array import array
from pysat.solvers import Solver
lits = array("i")
lits.frombytes(sys.stdin.buffer.read())
with Solver(name=sys.argv[1]) as solver:
    clause = []
    for lit in lits:
        if lit:
            clause.append(lit)
        else:
            solver.add_clause(clause)
            clause = []
    sat = solver.solve()
sys.stdout.write("SAT" if sat else "UNSAT")
"""


def _flat_literals(clauses: np.ndarray | Iterable[Sequence[int]]) -> tuple[np.ndarray, bool]:
    """Clauses as one int32 array with a 0 after each clause; also whether a clause is empty."""
    if isinstance(clauses, np.ndarray):
        if clauses.ndim != 2:
            raise ValueError("clauses array must have shape (m, k)")
        body = clauses.astype(np.int32, copy=False)
        if np.any(body == 0):
            raise ValueError("literal 0 inside a clause")
        flat = np.zeros((body.shape[0], body.shape[1] + 1), dtype=np.int32)
        flat[:, :-1] = body
        return flat.ravel(), body.shape[0] > 0 and body.shape[1] == 0
    parts: list[int] = []
    empty = False
    for clause in clauses:
        clause = [int(lit) for lit in clause]
        if 0 in clause:
            raise ValueError("literal 0 inside a clause")
        empty = empty or not clause
        parts.extend(clause)
        parts.append(0)
    return np.asarray(parts, dtype=np.int32), empty


def check_sat(clauses: np.ndarray | Iterable[Sequence[int]], timeout_s: float,
              solver: str = DEFAULT_SOLVER) -> bool | None:
    """Decide satisfiability with a CDCL solver in a child process killed after ``timeout_s``.

    ``clauses`` is a list of lists of DIMACS literals or an (m, k) integer array. Returns True
    (proven satisfiable), False (proven unsatisfiable) or None (undecided within the timeout;
    the wall-clock budget includes the child's start, about 0.1 s). A child that fails for any
    other reason raises SatspeedError.
    """
    if not timeout_s > 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    flat, has_empty = _flat_literals(clauses)
    if has_empty:
        return False
    if flat.size == 0:
        return True
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, solver],
                              input=flat.astype("=i4").tobytes(), capture_output=True,
                              timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return None  # subprocess.run has killed and reaped the child
    out = proc.stdout.decode(errors="replace").strip()
    if proc.returncode == 0 and out in ("SAT", "UNSAT"):
        return out == "SAT"
    lines = proc.stderr.decode(errors="replace").strip().splitlines()
    detail = lines[-1] if lines else f"exit code {proc.returncode}"
    raise SatspeedError(f"satisfiability check ({solver}) failed: {detail}")
