#!/usr/bin/env bash
# Quick start, part 1: install what is needed, then solve every bundled instance once with
# probSAT and WalkSAT (seed 1), printing flips, seconds and flips/s per run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"
printf '%-28s %-8s %-13s %10s %10s %12s\n' instance solver result flips seconds flips/s
for f in instances/*.cnf*; do
  for solver in probsat walksat; do
    rc=0
    out=$(satspeed solve "$f" --solver "$solver" --seed 1 --timeout 60) || rc=$?
    if [ "$rc" -ne 10 ] && [ "$rc" -ne 0 ]; then
      echo "$out" >&2
      exit "$rc"
    fi
    flips=$(sed -n 's/^c flips \([0-9]*\)$/\1/p' <<<"$out")
    secs=$(sed -n 's/^c seconds \([0-9.]*\) (cpu).*/\1/p' <<<"$out")
    rate=$(sed -n 's/^c flips\/s \(.*\)$/\1/p' <<<"$out")
    result=$(sed -n 's/^s //p' <<<"$out")
    printf '%-28s %-8s %-13s %10s %10s %12s\n' "$(basename "$f")" "$solver" "$result" \
      "$flips" "$secs" "$rate"
  done
done
