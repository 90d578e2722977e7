#!/usr/bin/env bash
# Quick start, part 1: install what is needed, then the main job on the bundled instances:
# 100 seeded probSAT runs and 100 real races of 2 walkers per instance on all cores
# (resumable), then the speedup prediction beside the observed speedups, tables and figures. Results land in out/demo/ (results.csv, prediction.json, plots/).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"
OUT="${1:-out/demo}"
RUNS="${SATSPEED_DEMO_RUNS:-100}"
mkdir -p "$OUT"
satspeed run instances --runs "$RUNS" --solver probsat --walkers 1,2 -o "$OUT/results.csv"
satspeed predict "$OUT/results.csv" --max-cores 64 --plot "$OUT/plots" -o "$OUT/prediction.json"
printf 'satspeed demo: runs in %s, prediction in %s,\n  figures in %s\n' \
  "$OUT/results.csv" "$OUT/prediction.json" "$OUT/plots/" >&2
