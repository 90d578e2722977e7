#!/usr/bin/env bash
# Quick start, part 2: install what is needed, check style, run the test suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
cd "$ROOT"
ruff check .
python -m pytest "$@"
