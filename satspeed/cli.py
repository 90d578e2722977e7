"""Command-line interface: each verb is thin and calls the modules that do the work."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from satspeed import __version__
from satspeed.errors import SatspeedError

SOLVER_NAMES = ("probsat", "walksat")


class _Group(click.Group):
    """Turns user-facing errors into one line on stderr and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except SatspeedError as exc:
            click.echo(f"satspeed: error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="satspeed")
def main() -> None:
    """Benchmark SAT stochastic local search solvers and predict their multi-walk speedup."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--solver", type=click.Choice(SOLVER_NAMES), default="probsat", show_default=True)
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=0, show_default=True,
              help="Run seed: the same seed gives the same flips and model on any machine.")
@click.option("--max-flips", type=click.IntRange(min=0), default=None,
              help="Flip cutoff (default: none).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="CPU-seconds cutoff (default: none).")
def solve(file: Path, solver: str, seed: int, max_flips: int | None,
          timeout: float | None) -> None:
    """Solve FILE once with a seeded SLS run; print SAT-competition output.

    Exit code 10 with `s SATISFIABLE` and a verified model, or 0 with `s UNKNOWN` at the cutoff.
    """
    from satspeed.solve_output import solve_command

    sys.exit(solve_command(file, solver, seed, max_flips, timeout))


@main.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--family", type=click.Choice(["uniform", "planted"]), default="uniform",
              show_default=True, help="uniform random k-SAT, or k-SAT with a planted solution.")
@click.option("-k", "--k", "k", type=click.IntRange(2, 64), default=3, show_default=True,
              help="Literals per clause.")
@click.option("-n", "--n", "n", type=click.IntRange(min=1), required=True, help="Variables.")
@click.option("--ratio", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Clause/variable ratio (default: 4.2 for 3-SAT, ~0.95 x threshold otherwise).")
@click.option("-m", "--clauses", "m", type=click.IntRange(min=1), default=None,
              help="Number of clauses (instead of --ratio).")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--sat-only", is_flag=True,
              help="Keep only instances a CDCL solver (python-sat) proves satisfiable.")
@click.option("--check-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Seconds for each satisfiability check.")
@click.option("--compress", type=click.Choice(["none", "gz", "bz2", "xz"]), default="none",
              show_default=True)
def gen(outdir: Path, family: str, k: int, n: int, ratio: float | None, m: int | None,
        count: int, seed: int, sat_only: bool, check_timeout: float, compress: str) -> None:
    """Write random k-SAT instances (uniform or planted) to OUTDIR."""
    from satspeed.generate import generate

    generate(outdir, family=family, k=k, n=n, ratio=ratio, m=m, count=count, seed=seed,
             sat_only=sat_only, check_timeout=check_timeout, compress=compress)
