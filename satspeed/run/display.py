"""What the run side shows: `satspeed run`'s progress display on stderr and summary table, and
`satspeed solvers`' list of the solvers `--solver` accepts. Everything is laid out for the
terminal's width (80 columns included): names too long for their column keep their start and
their distinguishing end (`shorten`), and the campaign's time left is estimated from the work
left (`WorkLeft`)."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.table import Column, Table
from rich.text import Text

from satspeed.labels import parse_label
from satspeed.results import Row
from satspeed.run.plan import Run
from satspeed.run.specs import available_specs, search_path

_err = Console(stderr=True)


def say(message: str) -> None:
    """One line for the user on stderr."""
    print(f"satspeed: {message}", file=sys.stderr, flush=True)


def shorten(text: str, width: int) -> str:
    """`text` in at most `width` characters: a longer one keeps its start and its end (where
    names like uf3-n200-m840-s1-001 and -002 differ), with an ellipsis between."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[-width:] if width > 0 else ""
    head = (width - 1) // 2
    return f"{text[:head]}…{text[len(text) - (width - 1 - head):]}"


def wrap_name(text: str, width: int, lines: int = 2) -> str:
    """`text` on at most `lines` lines of `width`, each broken after a '-', '_' or '.' in
    its second half if there is one; the first line has the start, the last line the end
    (after an ellipsis if the middle had to go: see shorten)."""
    out = []
    while len(text) > width and len(out) < lines - 1:
        cut = max(text.rfind(c, 0, width) for c in "-_.") + 1
        cut = cut if cut > width // 2 else width
        out.append(text[:cut])
        text = text[cut:]
    if len(text) > width:
        text = "…" + text[len(text) - width + 1:] if out else shorten(text, width)
    return "\n".join([*out, text])


def _clock(seconds: float) -> str:
    """'m:ss', or 'h:mm:ss' from an hour on."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
    setting: str = ""  # ' cb=2.0': what tells a sweep's settings apart ('' without a sweep)


_Group = tuple[str, str, str, int]  # instance sha256, solver, params, walkers


class WorkLeft:
    """The campaign's time left, estimated from the work left rather than from runs alone
    (early runs on small instances say little about later ones on big instances or races).

    A run's work is its wall seconds times its walkers (the workers it held). A group of runs
    (instance, solver, parameters, walkers) costs the mean work of its runs so far per run
    left; a group not started yet, its instance's mean, else the campaign's. The work left
    is then divided by the rate at which work has been done since the start (work done per
    elapsed second: the workers, less the harness's overhead).
    """

    def __init__(self, todo: list[Run], clock: Callable[[], float]) -> None:
        self._clock = clock
        self._start = clock()
        self._left: Counter[_Group] = Counter(
            (r.sha256, r.solver, r.params, r.walkers) for r in todo)
        self._work: defaultdict[object, float] = defaultdict(float)  # by group, sha256, None
        self._runs: Counter[object] = Counter()

    def add(self, runs: list[Run]) -> None:
        """More runs to make (a precision campaign's next round)."""
        self._left.update((r.sha256, r.solver, r.params, r.walkers) for r in runs)

    def record(self, row: Row) -> None:
        """Count one finished run (error rows are done, but tell nothing of a run's cost)."""
        group = (str(row["instance_sha256"]), str(row["solver"]), str(row["params"]),
                 int(row["walkers"]))  # type: ignore[arg-type]
        if self._left[group] > 0:
            self._left[group] -= 1
        if row["status"] == "error":
            return
        work = float(row["wall_s"]) * group[3]  # type: ignore[arg-type]
        for key in (group, group[0], None):
            self._work[key] += work
            self._runs[key] += 1

    def seconds(self) -> float | None:
        """Estimated seconds until every run is done; None before any work was measured."""
        done = self._work[None]
        elapsed = self._clock() - self._start
        if done <= 0 or elapsed <= 0:
            return None
        left = 0.0
        for group, runs in self._left.items():
            if runs:
                key = next(k for k in (group, group[0], None) if self._runs[k])
                left += runs * self._work[key] / self._runs[key]
        return left * elapsed / done

    def elapsed(self) -> float:
        return self._clock() - self._start


class _TimeColumn(ProgressColumn):
    """On the overall row: the time elapsed (if `elapsed`) and the time left (WorkLeft),
    counting down between estimates; on the instances' rows their note (a precision
    campaign's: where each stands), or nothing."""

    def __init__(self, work: WorkLeft, overall: Callable[[], TaskID], elapsed: bool) -> None:
        super().__init__(table_column=Column(no_wrap=True, overflow="ellipsis"))
        self._work, self._overall, self._elapsed = work, overall, elapsed
        self._estimate: tuple[float, float | None] = (-1e9, None)  # (when, seconds left)

    def refresh(self) -> None:
        """Estimate again (after a run ended; at most a few times a second)."""
        now = self._work.elapsed()
        if now - self._estimate[0] >= 0.25:
            self._estimate = (now, self._work.seconds())

    def render(self, task: Task) -> Text:
        if task.id != self._overall():
            return Text(task.fields.get("note", ""))
        now = self._work.elapsed()
        when, left = self._estimate
        parts = [f"{_clock(now)} elapsed"] if self._elapsed else []
        if left is not None and not task.finished:
            parts.append(f"{_clock(max(0.0, left - (now - when)))} left")
        return Text(", ".join(parts), style="progress.remaining")


NOTE_WIDTH = 14  # 'G 45.2 ±12% ✓': where a precision campaign's instance stands (in the
# time column, which the instances' rows leave empty)


class CampaignDisplay:
    """Progress per instance and overall: a bar, runs done / total, solved, timeouts and
    errors; for the whole campaign the time left (WorkLeft), and from 100 columns on the
    time elapsed. With `notes` (a precision campaign, whose runs come round by round: `add`),
    the last column of each instance's row says where it stands (`note`), and `most` is the
    most runs the campaign may grow to (the counts' width).

    Silent when quiet or when the console (stderr) is not a terminal."""

    def __init__(self, planned: list[Run], todo: list[Run], names: dict[str, str],
                 quiet: bool, console: Console | None = None, notes: bool = False,
                 most: int = 0) -> None:
        console = console or _err
        self.names = names
        self.written = 0
        self.enabled = not quiet and console.is_terminal
        self.counts: Counter[str] = Counter()
        total = Counter(r.sha256 for r in planned)
        left = Counter(r.sha256 for r in todo)
        shown = [sha for sha in names if left[sha]]
        # name | bar | done/total | stats | time, one space between; below 100 columns the
        # time is only what is left, and the bar gives way to the names first
        wide = console.width >= 100
        count = 2 * len(str(max(most, len(planned)))) + 1  # most: the runs it may grow to
        stats = count + 12  # 'N sat N timeout' (errors are rare)
        room = console.width - count - stats - max(28 if wide else 12,
                                                   NOTE_WIDTH if notes else 0) - 4
        longest = max([len(names[sha]) for sha in shown] + [len("all instances")])
        name_width = max(12, min(longest, room - 6))
        bar = max(5, min(40, room - name_width))
        self._name_width = name_width
        self._work = WorkLeft(todo, console.get_time)
        self._time = _TimeColumn(self._work, lambda: self._overall, elapsed=wide)
        self._progress = Progress(
            TextColumn("{task.description}", table_column=Column(width=name_width,
                                                                 no_wrap=True)),
            BarColumn(bar_width=bar),
            TextColumn("{task.completed}/{task.total}", justify="right",
                       table_column=Column(width=count, justify="right", no_wrap=True)),
            TextColumn("{task.fields[stats]}", table_column=Column(no_wrap=True)),
            self._time, console=console, get_time=console.get_time,
            disable=not self.enabled)
        self._overall = self._progress.add_task(
            shorten("all instances", name_width), total=len(planned),
            completed=len(planned) - len(todo), stats="", note="")
        self._tasks: dict[str, TaskID] = {}
        self._per: dict[str, Counter[str]] = {}
        self._left: Counter[str] = Counter()  # rich's .tasks copies them all
        self._totals: Counter[str] = Counter()
        self._total = len(planned)
        for sha in shown:
            self._task(sha, total[sha], total[sha] - left[sha], left[sha])

    def _task(self, sha: str, total: int, completed: int, left: int) -> None:
        self._tasks[sha] = self._progress.add_task(
            shorten(self.names[sha], self._name_width), total=total, completed=completed,
            stats="", note="")
        self._per[sha] = Counter()
        self._left[sha], self._totals[sha] = left, total

    def add(self, runs: list[Run]) -> None:
        """More runs to make, shown on their instances' lines and in the total."""
        if not runs:
            return
        self._work.add(runs)
        self._total += len(runs)
        self._progress.update(self._overall, total=self._total)
        for sha, count in Counter(r.sha256 for r in runs).items():
            if sha not in self._tasks:
                self._task(sha, count, 0, count)
                continue
            self._left[sha] += count
            self._totals[sha] += count
            self._progress.update(self._tasks[sha], total=self._totals[sha], visible=True)

    def note(self, notes: dict[str, str]) -> None:
        """Where each instance (by sha256) stands, on its line."""
        for sha, text in notes.items():
            if sha in self._tasks:
                self._progress.update(self._tasks[sha], note=text)

    def __enter__(self) -> CampaignDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def renderable(self) -> Table:
        """What the display shows now."""
        return self._progress.make_tasks_table(self._progress.tasks)

    def update(self, row: Row) -> None:
        self.written += 1
        status = str(row["status"])
        self.counts[status] += 1
        self._work.record(row)
        self._time.refresh()
        sha = str(row["instance_sha256"])
        self._per[sha][status] += 1
        self._progress.update(self._overall, advance=1, stats=_stats(self.counts))
        task = self._tasks[sha]
        self._left[sha] -= 1
        self._progress.update(task, advance=1, stats=_stats(self._per[sha]),
                              visible=self._left[sha] > 0)


def _stats(counts: Counter[str]) -> str:
    text = f"[green]{counts['sat']} sat[/]"
    text += f" {counts['timeout']} timeout" if counts["timeout"] else ""
    return text + (f" [red]{counts['error']} error[/]" if counts["error"] else "")


def solver_text(s: InstanceSummary) -> str:
    """The solver as the summary names it: `sparrow*4` for races of 4 sparrow walkers (a mixed
    portfolio's label already counts its walkers)."""
    if s.walkers == 1 or parse_label(s.solver) is not None:
        return s.solver + s.setting
    return f"{s.solver}*{s.walkers}{s.setting}"


def _count(value: float) -> str:
    """12,345 exactly; from 100,000 on three digits: 123k, 1.23M, 45.6G."""
    if value != value:
        return "-"
    if value < 100_000:
        return f"{value:,.0f}"
    for scale, unit in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale * 0.9995:
            return f"{value / scale:.3g}{unit}"
    return f"{value:,.0f}"


def _seconds(value: float) -> str:
    """0.0123, 12.3, 12,345; below 0.0001 s: 5e-05."""
    if value != value:
        return "-"
    if 0 < value < 0.0001:
        return f"{value:.0e}"
    return f"{value:.4f}" if value < 10 else f"{value:,.1f}" if value < 10_000 else f"{value:,.0f}"


def print_summary(summaries: list[InstanceSummary], console: Console | None = None) -> None:
    """The summary table (per instance, solver and walkers), on stdout, fitted to the
    terminal's width: names too long for their column wrap onto a second line, and beyond
    that keep their start and distinguishing end. `solved` is of all runs (the others timed
    out, or are `errors`, a column shown when there are any). For a race (`solver*k`), flips
    are the winner's, CPU seconds those of all its walkers."""
    out = console or _stdout()
    errors = any(s.errors for s in summaries)
    numbers = [[f"{s.solved}/{s.runs}", *([str(s.errors)] if errors else []),
                _count(s.median_flips), _seconds(s.median_cpu_s), _seconds(s.median_wall_s),
                _count(s.flips_per_s)] for s in summaries]
    headings = ["solved", *(["errors"] if errors else []), "flips", "cpu s", "wall s",
                "flips/s"]
    widths = [max([len(h)] + [len(row[i]) for row in numbers]) for i, h in enumerate(headings)]
    room = out.width - sum(widths) - 2 * (len(widths) + 1) - 1  # for instance and solver
    names = [s.name for s in summaries]
    solvers = [solver_text(s) for s in summaries]
    name_w = max([len("instance")] + [len(n) for n in names])
    solver_w = max([len("solver")] + [len(n) for n in solvers])
    if name_w + solver_w > room:  # instance names first: a solver's wraps in 10 columns
        name_w = min(name_w, max(10, room - min(solver_w, 10)))
        solver_w = min(solver_w, max(8, room - name_w))
    table = Table(title="satspeed run: summary (medians over solved runs)",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  caption=("solver*k: races of k walkers (flips: the winner's, cpu s: all "
                           "walkers')") if any(s.walkers > 1 for s in summaries) else None)
    table.add_column("instance", width=name_w, overflow="fold")
    table.add_column("solver", width=solver_w, overflow="fold")
    for heading in headings:
        table.add_column(heading, justify="right", no_wrap=True)
    for name, solver, row in zip(names, solvers, numbers, strict=True):
        table.add_row(wrap_name(name, name_w), wrap_name(solver, solver_w), *row)
    out.print(table)


def _stdout() -> Console:
    """A console on stdout; for a pipe or a file, wide (do not squeeze tables into 80 columns)."""
    out = Console()
    return out if out.is_terminal else Console(width=160)


def list_solvers(console: Console | None = None) -> None:
    """Print one row per solver `--solver` accepts, and where specs are looked up; names are
    never cut, the other cells wrap (a path anywhere), the kind (a command) takes the room."""
    rows = []
    for spec in available_specs(skip_broken=True):
        if spec.external:
            what = "command: " + " ".join(spec.command or ())
            ready = "yes" if spec.available() else f"no: {spec.command[0]} not found"  # type: ignore[index]
        else:
            what, ready = f"kernel {spec.kernel}", "yes"
        params = ", ".join(f"{k}={v}" for k, v in spec.params) or (
            "published defaults" if not spec.external else "-")
        rows.append((spec.name, what, params, spec.source, ready))
    table = Table(title="satspeed solvers", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, collapse_padding=True)
    headings = ("name", "kind", "parameters", "from", "ready")
    want = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headings)]
    out = console or _stdout()
    widths = [want[0], 0, *(min(w, most) for w, most in zip(want[2:], (24, 32, 22),
                                                             strict=True))]
    room = out.width - 2 * (len(headings) - 1) - 1
    while sum(widths) + 14 > room and max(widths[2:]) > 9:  # the kind gets 14 at least
        widths[max(range(2, 5), key=widths.__getitem__)] -= 1
    widths[1] = max(14, min(want[1], room - sum(widths)))
    for heading, width in zip(headings, widths, strict=True):
        table.add_column(heading, width=width, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)
    out.print("spec files (NAME.toml) are looked up in: "
              + ", ".join(str(p) for p in search_path()))
