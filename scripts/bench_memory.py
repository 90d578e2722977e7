"""Peak memory of `satspeed solve --max-flips 1` (reading the instance, building the walk's
state, one flip) for each built-in solver, beside reference binaries, measured with
`/usr/bin/time -v` (its "Maximum resident set size").

Generates uniform random 3-SAT at ratio 4.2 with n = 10^6 variables (4.2 M clauses, ~100 MB
of text) unless given an instance, and prints one line per solver with the phases of a
satspeed run (import, kernels loaded, formula read, walk built) from /proc/self/status.

    python scripts/bench_memory.py [--instance FILE] [--ref NAME='COMMAND {cnf}' ...]

e.g. --ref "probSAT C='/opt/probSAT/probSAT --maxflips 1 {cnf} 1'" (built outside the
repository from the public sources).
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

SOLVERS = ("probsat", "walksat", "sparrow", "ccanr")
PHASES = """
import sys
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) // 1024
from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import read_cnf, tiny_formula
marks = [('import', rss())]
warm_up(make_walk(tiny_formula(), sys.argv[2]))
marks.append(('kernels', rss()))
formula = read_cnf(sys.argv[1])
marks.append(('read', rss()))
walk = make_walk(formula, sys.argv[2])
warm_up(walk)
marks.append(('walk', rss()))
print(' '.join(f'{name} {mb}' for name, mb in marks))
"""


def peak_mb(command: list[str]) -> float:
    """Maximum resident set size of `command`, in MB, by /usr/bin/time -v."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no peak from /usr/bin/time for {command}:\n{done.stderr[-800:]}")
    return int(found.group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path)
    parser.add_argument("--ref", action="append", default=[], metavar="NAME=COMMAND")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cnf = args.instance
        if cnf is None:
            subprocess.run([sys.executable, "-m", "satspeed", "gen", folder, "-n", "1000000",
                            "--ratio", "4.2", "--seed", "1"], check=True, capture_output=True)
            cnf = next(Path(folder).glob("*.cnf"))
        print(f"{cnf.name}: peak resident memory (MB) of one solve --max-flips 1")
        for solver in SOLVERS:
            peak = peak_mb([sys.executable, "-m", "satspeed", "solve", str(cnf), "--solver",
                            solver, "--max-flips", "1"])
            phases = subprocess.run([sys.executable, "-c", PHASES, str(cnf), solver],
                                    capture_output=True, text=True, check=True).stdout.strip()
            print(f"  satspeed {solver:<8} {peak:7.0f}   (resident after: {phases})")
        for ref in args.ref:
            name, _, command = ref.partition("=")
            peak = peak_mb(shlex.split(command.replace("{cnf}", str(cnf))))
            print(f"  {name:<17} {peak:7.0f}")


if __name__ == "__main__":
    main()
