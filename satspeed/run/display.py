"""What the run side shows: `satspeed run`'s progress display on stderr and summary table, and
`satspeed solvers`' list of the solvers `--solver` accepts."""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from satspeed.results import Row
from satspeed.run.plan import Run
from satspeed.run.specs import available_specs, search_path

_err = Console(stderr=True)


def say(message: str) -> None:
    """One line for the user on stderr."""
    print(f"satspeed: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class InstanceSummary:
    name: str
    solver: str
    walkers: int
    runs: int
    solved: int
    timeouts: int
    errors: int
    median_flips: float
    median_cpu_s: float
    median_wall_s: float
    flips_per_s: float


class CampaignDisplay:
    """Progress per instance and overall (runs done / total, solved, timeouts, errors, ETA).

    Silent when quiet or when stderr is not a terminal."""

    def __init__(self, planned: list[Run], todo: list[Run], names: dict[str, str],
                 quiet: bool) -> None:
        self.written = 0
        self.enabled = not quiet and _err.is_terminal
        self.counts: Counter[str] = Counter()
        self._progress = Progress(
            TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=_err, disable=not self.enabled)
        total = Counter(r.sha256 for r in planned)
        left = Counter(r.sha256 for r in todo)
        self._overall = self._progress.add_task("all instances", total=len(planned),
                                                completed=len(planned) - len(todo), stats="")
        self._tasks: dict[str, TaskID] = {}
        self._per: dict[str, Counter[str]] = {}
        for sha, name in names.items():
            if left[sha]:
                self._tasks[sha] = self._progress.add_task(
                    name, total=total[sha], completed=total[sha] - left[sha], stats="")
                self._per[sha] = Counter()

    def __enter__(self) -> CampaignDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, row: Row) -> None:
        self.written += 1
        status = str(row["status"])
        self.counts[status] += 1
        sha = str(row["instance_sha256"])
        self._per[sha][status] += 1
        self._progress.update(self._overall, advance=1, stats=_stats(self.counts))
        task = self._tasks[sha]
        self._progress.update(task, advance=1, stats=_stats(self._per[sha]))
        if self._progress.tasks[task].finished:
            self._progress.update(task, visible=False)


def _stats(counts: Counter[str]) -> str:
    text = f"[green]{counts['sat']} sat[/] {counts['timeout']} timeout"
    return text + (f" [red]{counts['error']} error[/]" if counts["error"] else "")


def print_summary(summaries: list[InstanceSummary]) -> None:
    """The summary table (per instance, solver and walkers), on stdout. For a race, flips
    are the winner's, CPU seconds those of all its walkers."""
    table = Table(title="satspeed run: summary (medians over solved runs)")
    for heading in ("instance", "solver", "walkers", "runs", "solved", "timeouts", "errors",
                    "flips", "cpu s", "wall s", "flips/s"):
        table.add_column(heading, justify="left" if heading in ("instance", "solver")
                         else "right")
    for s in summaries:
        solved = f"{100 * s.solved / s.runs:.0f}%" if s.runs else "-"
        table.add_row(s.name, s.solver, str(s.walkers), str(s.runs), solved, str(s.timeouts),
                      str(s.errors), _num(s.median_flips, "{:,.0f}"),
                      _num(s.median_cpu_s, "{:.4f}"), _num(s.median_wall_s, "{:.4f}"),
                      _num(s.flips_per_s, "{:,.0f}"))
    _stdout().print(table)


def _stdout() -> Console:
    """A console on stdout; for a pipe or a file, wide (do not squeeze tables into 80 columns)."""
    out = Console()
    return out if out.is_terminal else Console(width=160)


def _num(value: float, fmt: str) -> str:
    return "-" if value != value else fmt.format(value)


def list_solvers() -> None:
    """Print one row per solver `--solver` accepts, and where specs are looked up."""
    table = Table(title="satspeed solvers")
    for heading in ("name", "kind", "parameters", "from", "ready"):
        table.add_column(heading)
    for spec in available_specs(skip_broken=True):
        if spec.external:
            what = "command: " + " ".join(spec.command or ())
            ready = "yes" if spec.available() else f"no: {spec.command[0]} not found"  # type: ignore[index]
        else:
            what, ready = f"kernel {spec.kernel}", "yes"
        params = ", ".join(f"{k}={v}" for k, v in spec.params) or (
            "published defaults" if not spec.external else "-")
        table.add_row(spec.name, what, params, spec.source, ready)
    out = _stdout()
    out.print(table)
    out.print("spec files (NAME.toml) are looked up in: "
              + ", ".join(str(p) for p in search_path()))
