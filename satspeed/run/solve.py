"""`satspeed solve`: one seeded run, printed in the SAT-competition output format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np

from satspeed import __version__
from satspeed.labels import format_params
from satspeed.restart import Restart
from satspeed.run.builtin import make_walk, run_once, warm_up
from satspeed.run.formula.cnf import read_cnf

EXIT_SAT, EXIT_UNKNOWN = 10, 0
V_LINE_CHARS = 4096


def model_lines(model: np.ndarray, width: int = V_LINE_CHARS) -> Iterator[str]:
    """`v` lines of at most `width` characters; the last one ends with ' 0'."""
    literals = [str(v + 1) if value else str(-(v + 1)) for v, value in enumerate(model)]
    literals.append("0")
    line = "v"
    for lit in literals:
        if len(line) + 1 + len(lit) > width:
            yield line
            line = "v"
        line += " " + lit
    yield line


def solve_command(path: Path, solver: str, seed: int, max_flips: int | None,
                  timeout: float | None, restart: Restart | None = None) -> int:
    """Run the solver once on `path` (restarted with `restart`) and print the result;
    returns the exit code."""
    formula = read_cnf(path)
    walk = make_walk(formula, solver)
    echo = click.echo
    echo(f"c satspeed {__version__} solve {formula.path}")
    echo(f"c sha256 {formula.sha256}")
    echo(f"c variables {formula.num_vars} clauses {formula.num_clauses}"
         f" (tautologies dropped {formula.tautologies},"
         f" duplicate literals removed {formula.duplicate_literals})")
    echo(f"c solver {solver} {format_params(walk.params)} seed {seed}")
    if restart is not None:
        echo(f"c restart {restart.text}")
    warm_up(walk)
    try:
        result = run_once(walk, seed, max_flips=max_flips, timeout=timeout, restart=restart)
    except KeyboardInterrupt:
        echo("c interrupted")
        echo("s UNKNOWN")
        return 130
    rate = result.flips / result.cpu_s if result.cpu_s > 0 else float("nan")
    echo(f"c flips {result.flips}")
    if restart is not None:
        echo(f"c restarts {result.restarts}")
    echo(f"c seconds {result.cpu_s:.6f} (cpu) {result.wall_s:.6f} (wall)")
    echo(f"c flips/s {rate:.0f}")
    if result.model is None:
        echo("s UNKNOWN")
        return EXIT_UNKNOWN
    echo("s SATISFIABLE")
    for line in model_lines(result.model):
        echo(line)
    return EXIT_SAT
