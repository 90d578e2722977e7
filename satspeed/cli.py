"""Command-line interface: each verb is thin and calls the modules that do the work."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from satspeed import __version__
from satspeed.errors import SatspeedError
from satspeed.labels import MEASURES
from satspeed.predict.models import MODELS
from satspeed.run.engines import ENGINES


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(f"satspeed: warning: {message}", err=True)


class _Group(click.Group):
    """Turns user-facing errors into one line on stderr and a non-zero exit, never a traceback;
    warnings (e.g. a skipped CSV line) are one line each too."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except SatspeedError as exc:
            click.echo(f"satspeed: error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="satspeed")
def main() -> None:
    """Benchmark SAT stochastic local search solvers and predict their multi-walk speedup."""


def _check_solvers(ctx: click.Context, param: click.Parameter, value: object) -> object:
    """Reject an unknown solver name or a bad spec file as a bad option (exit 2)."""
    from satspeed.run.specs import find_spec

    for text in value if isinstance(value, tuple) else (value,):
        try:
            find_spec(str(text))
        except SatspeedError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


def _restart_strategy(ctx: click.Context, param: click.Parameter, value: str | None
                      ) -> object:
    """--restart fixed:T|luby:U as a Restart (None: no restarts)."""
    if value is None:
        return None
    from satspeed.restart import parse_restart

    try:
        return parse_restart(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _restart_options(command):  # type: ignore[no-untyped-def]
    """--restart and --restart-cutoff, the same for `run` and `solve`."""
    command = click.option(
        "--restart-cutoff", type=click.IntRange(min=1), default=None, metavar="FLIPS",
        help="Restart from a fresh random assignment (a seed of its own) every FLIPS flips; "
        "the same as --restart fixed:FLIPS.")(command)
    return click.option(
        "--restart", "restart", default=None, metavar="fixed:FLIPS|luby:UNIT",
        callback=_restart_strategy,
        help="Restart strategy: every FLIPS flips, or Luby's sequence UNIT x (1, 1, 2, 1, 1, "
        "2, 4, ...); flips and the cutoffs count over all tries.")(command)


def _one_restart(restart: object, restart_cutoff: int | None) -> object:
    """The Restart of --restart or --restart-cutoff (not both)."""
    if restart_cutoff is None:
        return restart
    if restart is not None:
        raise click.BadParameter("give --restart or --restart-cutoff, not both",
                                 param_hint="--restart-cutoff")
    from satspeed.restart import Restart

    return Restart("fixed", restart_cutoff)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--solver", default="probsat", show_default=True, metavar="NAME|SPEC.toml",
              callback=_check_solvers,
              help="A built-in kernel or a kernel spec (see `satspeed solvers`).")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=0, show_default=True,
              help="Run seed: the same seed gives the same flips and model on any machine.")
@click.option("--max-flips", type=click.IntRange(min=0), default=None,
              help="Flip cutoff (default: none).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="CPU-seconds cutoff (default: none).")
@_restart_options
def solve(file: Path, solver: str, seed: int, max_flips: int | None,
          timeout: float | None, restart: object, restart_cutoff: int | None) -> None:
    """Solve FILE once with a seeded SLS run; print SAT-competition output.

    Exit code 10 with `s SATISFIABLE` and a verified model, or 0 with `s UNKNOWN` at the cutoff.
    """
    from satspeed.run.solve import solve_command

    sys.exit(solve_command(file, solver, seed, max_flips, timeout,
                           _one_restart(restart, restart_cutoff)))  # type: ignore[arg-type]


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
    from satspeed.run.formula.generate import generate

    generate(outdir, family=family, k=k, n=n, ratio=ratio, m=m, count=count, seed=seed,
             sat_only=sat_only, check_timeout=check_timeout, compress=compress)


def _walker_counts(ctx: click.Context, param: click.Parameter, text: str) -> tuple[int, ...]:
    try:
        counts = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        counts = ()
    if not counts or counts[0] < 1:
        raise click.BadParameter(f"expected positive integers like 1,2,4, not {text!r}")
    return counts


def _sweep(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
           ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """--param NAME=V,V,... (repeatable) as ((name, values), ...); the solvers' check is in
    `run` (it needs --solver)."""
    from satspeed.run.sweep import parse_param

    try:
        sweep = tuple(parse_param(text) for text in value)
    except SatspeedError as exc:
        raise click.BadParameter(str(exc)) from None
    names = [name for name, _ in sweep]
    if len(set(names)) < len(names):
        raise click.BadParameter("a parameter is given twice: list its values in one --param")
    return sweep


def _check_sweep(solvers: tuple[str, ...], sweep: tuple[tuple[str, tuple[str, ...]], ...]
                 ) -> None:
    """Every solver must have every --param parameter, and take its values (else exit 2)."""
    if not sweep:
        return
    from satspeed.run.specs import find_spec
    from satspeed.run.sweep import settings

    for name in solvers:
        try:
            settings(find_spec(name), sweep)
        except SatspeedError as exc:
            raise click.BadParameter(str(exc), param_hint="--param") from None


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--solver", "solvers", multiple=True, metavar="NAME|SPEC.toml",
              callback=_check_solvers,
              help="Solver to run: a name from `satspeed solvers` or a spec file; repeat for "
              "several (default: probsat).")
@click.option("--walkers", default="1", show_default=True, metavar="K,K,...",
              callback=_walker_counts,
              help="1 for sequential runs, k > 1 for races of k walkers stopped at the first "
              "model; e.g. 1,2,4,8 (--runs applies to each).")
@click.option("--portfolio", "portfolios", multiple=True, metavar="NAME=K,NAME=K",
              help="Also race this mixed portfolio (e.g. probsat=2,sparrow=2); repeatable.")
@click.option("--engine", type=click.Choice(ENGINES), default="local",
              show_default=True, help="Local worker processes, or a dask.distributed cluster.")
@click.option("--scheduler", default=None, metavar="ADDRESS|FILE",
              help="Dask scheduler address (tcp://host:8786) or scheduler file (JSON); "
              "without it --engine dask starts a LocalCluster here.")
@click.option("--runs", type=click.IntRange(min=1), default=500, show_default=True,
              help="Independent seeded runs per instance.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores; at least the largest race).")
@click.option("--max-flips", type=click.IntRange(min=1), default=None,
              help="Flip cutoff per run (default: none).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="CPU-seconds cutoff per run (right-censored: 'timeout').")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Base seed; each run's seed derives from it, the instance, solver and run.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("results.csv"), show_default=True,
              help="Results CSV (appended to; existing runs are not made again).")
@click.option("--check-sat", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS", help="First ask python-sat's CDCL solver for up to SECONDS "
              "per instance and skip those proven unsatisfiable.")
@click.option("--param", "sweep", multiple=True, metavar="NAME=V,V,...", callback=_sweep,
              help="Sweep a solver parameter: one entrant per value (e.g. cb=2.0,2.06,2.3), "
              "each with its own seeds and rows; repeat for the cross product. Every --solver "
              "must have it; --portfolio members keep their own settings.")
@_restart_options
@click.option("--precision", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=None, metavar="P", help="Make runs in rounds until the 95% interval of "
              "each instance's predicted speedup G at --at-cores lies within G(1 ± P) (e.g. "
              "0.10) from at least that many runs, or --max-runs; races then get --runs "
              "each.")
@click.option("--at-cores", type=click.IntRange(min=2), default=384, show_default=True,
              metavar="N", help="--precision: the core count the speedup is wanted at.")
@click.option("--min-runs", type=click.IntRange(min=2), default=50, show_default=True,
              help="--precision: the first round's runs.")
@click.option("--max-runs", type=click.IntRange(min=2), default=5000, show_default=True,
              help="--precision: the most runs per instance.")
@click.option("-q", "--quiet", is_flag=True, help="No progress display and no summary.")
def run(paths: tuple[Path, ...], solvers: tuple[str, ...], walkers: tuple[int, ...],
        portfolios: tuple[str, ...], engine: str, scheduler: str | None, runs: int,
        workers: int | None, max_flips: int | None, timeout: float, seed: int, output: Path,
        check_sat: float | None, sweep: tuple[tuple[str, tuple[str, ...]], ...],
        restart: object, restart_cutoff: int | None, precision: float | None,
        at_cores: int, min_runs: int, max_runs: int, quiet: bool) -> None:
    """Make RUNS seeded runs of a solver on every DIMACS file in PATHS, appending to a CSV.

    With --walkers k (k > 1), each run is a race of k walkers with their own seeds, stopped
    when the first finds a model. Re-running the same command resumes: runs already in the
    CSV are skipped.
    """
    from satspeed.run.campaign import CampaignOptions, command_line, default_workers, run_campaign

    if portfolios:
        from satspeed.labels import parse_portfolio
    if scheduler is not None and engine != "dask":
        raise click.BadParameter("needs --engine dask", param_hint="--scheduler")
    _check_sweep(solvers or ("probsat",), sweep)
    rounds = None
    if precision is not None:
        if min_runs > max_runs:
            raise click.BadParameter(f"--min-runs {min_runs} is above --max-runs {max_runs}",
                                     param_hint="--min-runs")
        from satspeed.precision import PrecisionRounds, Target

        rounds = PrecisionRounds(Target(precision, at_cores, min_runs, max_runs, runs), quiet)
    options = CampaignOptions(
        list(paths), solvers or ("probsat",), max_runs if rounds else runs,
        workers or default_workers(), max_flips, timeout, seed, output, check_sat, quiet,
        walkers, tuple(parse_portfolio(p) for p in portfolios), engine, scheduler, sweep,
        _one_restart(restart, restart_cutoff), rounds)  # type: ignore[arg-type]
    sys.exit(run_campaign(options, command_line()))


@main.command("import")
@click.argument("output", metavar="OUT.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("files", metavar="FILE...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "source", type=click.Choice(["ubcsat", "times"]), required=True,
              help="ubcsat: UBCSAT's `-r out` report; times: lines 'RUNTIME SOLVED'.")
@click.option("--instance", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="CNF", help="The instance the runs were made on (its content names it).")
@click.option("--solver", default=None, metavar="NAME",
              help="The solver column (default: ubcsat, or imported for --from times).")
@click.option("--params", default=None, metavar="TEXT",
              help="The params column (default: the UBCSAT header's -alg line and algorithm "
              "settings, else empty).")
@click.option("--measure", type=click.Choice(["flips", "cpu_s"]), default=None,
              help="--from times: the column RUNTIME goes in [default: flips].")
@click.option("--max-flips", type=click.IntRange(min=1), default=None,
              help="The runs' flip cutoff (default: a UBCSAT header's -cutoff, else none).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="The runs' CPU-seconds cutoff (default: a UBCSAT header's -timeout, else "
              "none).")
def import_verb(output: Path, files: tuple[Path, ...], source: str, instance: Path,
                solver: str | None, params: str | None, measure: str | None,
                max_flips: int | None, timeout: float | None) -> None:
    """Append runs made by another tool (FILE...) to OUT.csv, as rows of the satspeed CSV.

    SOLVED is 1/0, true/false, sat/timeout or solved/unsolved; an unsolved run is censored at
    its runtime. Runs already in OUT.csv (same instance, solver, params, seed) are kept, not
    written again. Exit codes: 0 done, 1 bad input, 2 bad option.
    """
    from satspeed.labels import SOLVER_NAME
    from satspeed.run.campaign import command_line
    from satspeed.run.importers import ImportOptions, import_runs

    solver = solver or ("ubcsat" if source == "ubcsat" else "imported")
    if not SOLVER_NAME.fullmatch(solver):
        raise click.BadParameter("letters, digits, '.', '_' or '-' only", param_hint="--solver")
    if measure is not None and source != "times":
        raise click.BadParameter("is for --from times (UBCSAT's runs are in flips)",
                                 param_hint="--measure")
    sys.exit(import_runs(ImportOptions(files, source, output, instance, solver, params,
                                       measure or "flips", max_flips, timeout),
                         command_line()))


@main.command("solvers")
def solvers_command() -> None:
    """List the solvers `--solver` accepts: built-in kernels and the specs in solvers/."""
    from satspeed.run.display import list_solvers

    list_solvers()


@main.command()
@click.argument("csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cores", default=None, metavar="N,N,...",
              help="Core counts to predict for (default 1,2,4,...,384 with 48, 96, 192).")
@click.option("--max-cores", type=click.IntRange(min=1), default=None,
              help="Powers of two up to N, and N.")
@click.option("--measure", type=click.Choice(MEASURES), default=None,
              help="Runtime measure: flips are machine independent (default), but a flip of "
              "one solver does not cost what a flip of another does: cpu_s is the default "
              "with --portfolio and --allocate.")
@click.option("--dist", type=click.Choice(["auto", *MODELS]), default="auto",
              show_default=True, help="What to predict with. auto: the runs themselves above "
              "their 0.3 quantile, below it a left tail fitted to them (shifted Weibull and "
              "shifted lognormal, Akaike-weighted); a NAME: that one model.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=100, show_default=True,
              help="Resamples for the speedup interval (smoothed bootstrap; 0: none).")
@click.option("--gof-samples", type=click.IntRange(min=0), default=100, show_default=True,
              help="Most parametric-bootstrap samples per goodness-of-fit p-value "
              "(sequential: it stops once 10 reach the data's distance; 0: none).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstraps.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON instead of tables (schema in the README).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the JSON document to this file.")
@click.option("--plot", type=click.Path(file_okay=False, path_type=Path), default=None,
              metavar="DIR", help="Write RTD and speedup figures (PNG, SVG) to DIR.")
@click.option("--portfolio", "portfolios", multiple=True, metavar="NAME=K,...",
              help="Predict a mixed portfolio (e.g. probsat=8,sparrow=8: 8 walkers of each) "
              "beside each member alone on as many cores; repeatable.")
@click.option("--allocate", type=click.IntRange(min=1), default=None, metavar="N",
              help="Find the best split of N cores among the solvers measured, per instance "
              "and for all instances together.")
@click.option("--allocate-objective", type=click.Choice(["mean", "par2"]), default="mean",
              show_default=True, help="What --allocate minimises: the mean predicted time, or "
              "the PAR-2 score (a run past the cutoff counts twice the cutoff).")
@click.option("--par-cutoff", type=click.FloatRange(min=0, min_open=True), default=None,
              help="PAR-2 cutoff in the measure (default: the runs' cutoff).")
@click.option("--restarts", is_flag=True,
              help="Also the best fixed restart cutoff t* and E[T_t*] (from the runs and the "
              "chosen fit), Luby's strategy, n walkers restarting at t*, and each restart "
              "strategy of the CSV's restarted runs predicted beside them.")
@click.option("--luby-unit", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="UNIT", help="With --restarts, also Luby's strategy with this unit "
              "(in the measure).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes predicting the groups (default: all cores); the numbers are "
              "the same for any count.")
def predict(csv: Path, cores: str | None, max_cores: int | None, measure: str | None,
            dist: str, bootstrap: int, gof_samples: int, seed: int, as_json: bool,
            output: Path | None, plot: Path | None, portfolios: tuple[str, ...],
            allocate: int | None, allocate_objective: str, par_cutoff: float | None,
            restarts: bool, luby_unit: float | None, workers: int | None) -> None:
    """Fit runtime distributions to the runs in CSV and predict multi-walk speedup.

    Exit codes: 0 done (groups that cannot be fitted are reported and skipped), 1 bad input
    or nothing to predict, 2 bad option.
    """
    from satspeed.predict.command import predict_command

    sys.exit(predict_command(csv, cores, max_cores, measure, dist, bootstrap, gof_samples,
                             seed, as_json, output, plot, portfolios, allocate,
                             allocate_objective, par_cutoff, restarts, luby_unit, workers))


@main.command("compare")
@click.argument("csvs", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path), metavar="BASE.csv [NEW.csv]")
@click.option("--base", default=None, metavar="SOLVER[:PARAMS]",
              help="The base runs: a solver, and parameters they must have (key=value,...; "
              "restart=luby:100 for restarted runs, which are otherwise left out).")
@click.option("--new", default=None, metavar="SOLVER[:PARAMS]",
              help="The new runs (in NEW.csv, or in the one CSV given).")
@click.option("--measure", type=click.Choice(MEASURES), default="flips", show_default=True,
              help="Runtime measure (sequential runs only).")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True,
              help="Significance level, after the Benjamini-Hochberg correction.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Resamples for the 95% intervals (0: none).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (schema in the README).")
@click.option("--markdown", "as_markdown", is_flag=True,
              help="Print a GitHub-flavoured markdown table (for a pull-request comment).")
@click.option("--fail-if-slower", type=click.FloatRange(min=0), default=None, metavar="PCT",
              help="Exit 1 when the geometric mean's interval lies above +PCT%.")
def compare_verb(csvs: tuple[Path, ...], base: str | None, new: str | None, measure: str,
                 alpha: float, bootstrap: int, seed: int, as_json: bool, as_markdown: bool,
                 fail_if_slower: float | None) -> None:
    """Compare the sequential runs of BASE and NEW, instance by instance (by content).

    Ratios NEW/BASE of mean and median runtime with bootstrap intervals, a log-rank test per
    instance, and their geometric mean. Give two CSVs, or one with --base and --new.

    Exit codes: 0 done, 1 slower than --fail-if-slower allows or bad input, 2 bad option.
    """
    from satspeed.predict.compare_command import compare_command

    sys.exit(compare_command(csvs, base, new, measure, alpha, bootstrap, seed, as_json,
                             as_markdown, fail_if_slower))


@main.command("report")
@click.argument("csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="The page to write (default: the CSV's name with .html).")
def report_verb(csv: Path, output: Path | None, **predict_options: object) -> None:
    """Write one self-contained HTML page about the runs in CSV.

    The campaign's sessions (machine, versions, command lines, from CSV.meta.json), a sortable
    summary per instance and solver, and what `satspeed predict` computes with the same
    options: fits, predictions with intervals, figures (inline SVG). No network needed.

    Exit codes: 0 written, 1 bad input or nothing to predict, 2 bad option.
    """
    from satspeed.predict.report_command import report_command

    sys.exit(report_command(csv, output, **predict_options))  # type: ignore[arg-type]


# predict's own options (the same objects: the same meaning, defaults and help)
report_verb.params += [p for p in predict.params if p.name not in ("csv", "as_json", "output",
                                                                   "plot", "restarts",
                                                                   "luby_unit")]
