#!/usr/bin/env bash
# Regenerate the bundled instance set in instances/ and its manifest.csv.
# Every instance is proven satisfiable by a CDCL solver (--sat-only); the same commands give
# byte-identical files. Run from anywhere; PYTHON defaults to the project's .venv if present.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}

rm -f instances/*.cnf instances/*.cnf.gz instances/*.cnf.bz2 instances/*.cnf.xz
# Uniform random 3-SAT at ratio 4.2, in the spirit of SATLIB's uf sets.
for n in 50 100 150 200 250; do
    "$PYTHON" -m satspeed gen instances --family uniform -k 3 -n "$n" --ratio 4.2 --count 2 --seed 1 --sat-only
done
# 3-SAT with a planted solution.
"$PYTHON" -m satspeed gen instances --family planted -k 3 -n 200 --ratio 4.2 --count 2 --seed 1 --sat-only
# Uniform random 5-SAT and 7-SAT at the default ratio (0.95 x threshold: 20.06 and 83.4).
"$PYTHON" -m satspeed gen instances --family uniform -k 5 -n 50 --ratio 20.06 --count 2 --seed 1 --sat-only
"$PYTHON" -m satspeed gen instances --family uniform -k 7 -n 40 --ratio 83.4 --count 2 --seed 1 --sat-only

"$PYTHON" -m satspeed.run.formula.generate manifest instances
