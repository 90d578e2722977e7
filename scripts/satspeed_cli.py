"""What the benchmarks that drive the command line share: running it, and where the real
instances are (../shared/instances/real beside the checkout; read there, never copied)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "instances" / "real"


def satspeed(*args: object) -> str:
    """Run `python -m satspeed ARGS`; its stdout (a failure stops the benchmark, with its
    stderr)."""
    done = subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"satspeed {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout
