"""Test-only external solver (plain Python, starts fast): `fake_solver.py MODE FILE SEED`.

Modes: honest (a model from python-sat, `c flips` line, exit 10), lying (all variables false),
silent (no output), crash (dies of SIGSEGV), spin (burns CPU forever), sleep (sleeps forever),
unsat (says UNSATISFIABLE), unknown (says UNKNOWN, exit 0), cut (half the v lines, without
the final 0), orphan (starts a sleeping grandchild, then answers honestly), chatty (writes
forever), fail (a traceback on stderr, exit 1), badexit (an honest answer, exit 20), stubborn
(burns CPU, answers SIGXCPU with UNKNOWN and exit 1), xcpu (burns CPU; on SIGXCPU it writes
"SIGXCPU" to $FAKE_SOLVER_MARK and dies of it), daemon (a grandchild that calls setsid and
double-forks into a sleeping daemon, then answers honestly), both (v lines of the negated
model, then of the model: every variable both ways), beyond (the model and variable n + 1),
missing (the model without its first false variable, ending with 0). With
$FAKE_SOLVER_PIDFILE set, it writes its pid there (orphan, daemon: its grandchild's).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


def dimacs(path: str) -> tuple[int, list[list[int]]]:
    clauses, current, n = [], [], 0
    with open(path) as f:
        for line in f:
            if line.startswith(("c", "%")):
                continue
            if line.startswith("p"):
                n = int(line.split()[2])
                continue
            for token in line.split():
                lit = int(token)
                if lit == 0:
                    clauses.append(current)
                    current = []
                else:
                    current.append(lit)
    return n, clauses


DAEMON = """import os, sys, time
os.setsid()
if os.fork():
    os._exit(0)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(3600)
"""


def daemonize() -> None:
    """Start a daemon (setsid, then a fork whose parent exits: it is reparented away from
    us) and wait until it has written its pid to $FAKE_SOLVER_PIDFILE."""
    pidfile = os.environ["FAKE_SOLVER_PIDFILE"]
    with open(os.devnull, "w") as null:
        subprocess.run([sys.executable, "-c", DAEMON, pidfile], stdout=null, stderr=null,
                       check=True)
    while not os.path.exists(pidfile):
        time.sleep(0.005)


def main() -> int:
    mode, path, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode not in ("orphan", "daemon") and "FAKE_SOLVER_PIDFILE" in os.environ:
        with open(os.environ["FAKE_SOLVER_PIDFILE"], "w") as f:
            f.write(str(os.getpid()))
    if mode == "silent":
        return 0
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "spin":
        while True:
            pass
    if mode == "chatty":
        while True:
            print("c " + "x" * 1000)
    if mode == "fail":
        print("Traceback (most recent call last):\nValueError: bad input", file=sys.stderr)
        return 1
    if mode == "stubborn":
        signal.signal(signal.SIGXCPU, lambda *_: (print("s UNKNOWN", flush=True), os._exit(1)))
        while True:
            pass
    if mode == "xcpu":
        def caught(*_: object) -> None:
            with open(os.environ["FAKE_SOLVER_MARK"], "w") as f:
                f.write("SIGXCPU")
            signal.signal(signal.SIGXCPU, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGXCPU)

        signal.signal(signal.SIGXCPU, caught)
        while True:
            pass
    if mode == "sleep":
        time.sleep(3600)
    if mode == "unsat":
        print("s UNSATISFIABLE")
        return 20
    if mode == "unknown":
        print("c gave up\ns UNKNOWN")
        return 0
    if mode == "orphan":
        with open(os.devnull, "w") as null:
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"],
                                     stdout=null, stderr=null)
        with open(os.environ["FAKE_SOLVER_PIDFILE"], "w") as f:
            f.write(str(child.pid))
    if mode == "daemon":
        daemonize()
    n, clauses = dimacs(path)
    if mode == "lying":
        model = [-v for v in range(1, n + 1)]
    else:
        from pysat.solvers import Solver

        with Solver(name="m22", bootstrap_with=clauses) as solver:
            solver.solve()
            model = solver.get_model()
    if mode == "cut":
        model = model[: len(model) // 2]
    if mode == "beyond":
        model = [*model, n + 1]
    if mode == "missing":
        model.remove(next(lit for lit in model if lit < 0))
    print(f"c seed {seed}\nc flips {1000 + seed % 1000}\ns SATISFIABLE")
    if mode == "both":
        print("v " + " ".join(str(-lit) for lit in model))
    for start in range(0, len(model), 10):
        print("v " + " ".join(map(str, model[start:start + 10])))
    if mode != "cut":
        print("v 0")
    return 20 if mode == "badexit" else 10


if __name__ == "__main__":
    sys.exit(main())
