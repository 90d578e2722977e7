"""Precision-driven campaigns (`run --precision P --at-cores N`): rounds of runs per (instance,
solver, parameters) until the 95% interval of the predicted speedup G at N cores lies within
G (1 +- P) (on its wider side: the interval need not be symmetric), from at least N runs (no
claim on an extrapolation) whose own order-statistics estimate lies in the interval (a check on
the fitted left tail), confirmed by the next round (it holds there too, and the new G lies in
the earlier interval); or --max-runs.

The one place where the two halves meet besides the CSV: the campaign (satspeed.run) asks
`PrecisionRounds` which runs to make (`first`), tells it of every row written (`record`) and
asks again as rows come in (`more`); it answers from the rows with the predictor
(satspeed.predict), as `satspeed predict` would on the CSV.

A group's rounds are the sizes min_runs, 2 min_runs, 4 min_runs, ... up to max_runs (geometric:
few refits), and its runs are those of a fixed `--runs R` campaign, index 0 up to R - 1, with
the same seeds. A group is judged on each whole round in turn (its first S runs, for each
size S), so a campaign resumed after a kill (which may have left some runs of the next round)
judges and plans exactly as one that was never stopped. Each group goes at its own pace: the
moment its round's last row is written it is judged and its next round joins the engine's
queue, behind the runs already there, so the workers never wait at a round's end for other
groups; races follow, --runs of each, once every group is done.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from satspeed.predict.groups import Group, group_rows, problem
from satspeed.predict.prediction import PredictOptions, predict_group
from satspeed.results import RunKey
from satspeed.run.display import shorten
from satspeed.run.plan import Run

BOOTSTRAP = 200  # resamples of the interval that decides (the default predict's is 100)
REACHED, CAPPED = "precision", "cap"  # what stopped a group


def round_sizes(min_runs: int, max_runs: int, growth: float = 2.0) -> list[int]:
    """min_runs, growth x min_runs, ... (rounded up), ending at max_runs."""
    sizes = [min(min_runs, max_runs)]
    while sizes[-1] < max_runs:
        sizes.append(min(max_runs, math.ceil(sizes[-1] * growth)))
    return sizes


@dataclass(frozen=True)
class Target:
    precision: float  # the relative half-width wanted, 0.10 for +-10%
    cores: int  # the core count it is wanted at
    min_runs: int = 50
    max_runs: int = 5000
    race_runs: int = 500  # races of each --walkers and portfolio, once the runs are done
    seed: int = 0  # the interval's bootstrap seed


@dataclass
class Judgement:
    """Where a group stands after its first `runs` runs."""

    runs: int
    speedup: float = math.nan
    low: float = math.nan
    high: float = math.nan
    why: str = ""  # why it could not be fitted
    runs_say: float = math.nan  # the runs' own order-statistics G at the target, where they
    # can see it (NaN beyond: n > runs); with timeouts, their restricted speedup on G's scale

    @property
    def agrees(self) -> bool:
        """The runs' own estimate lies in the interval (a check on the fitted left tail,
        which sets G at large n)."""
        return self.low <= self.runs_say <= self.high

    @property
    def half_width(self) -> float:
        """The relative half-width of the interval on its wider side, max(G - low, high - G)
        / G (the interval need not be symmetric): within it, the truth is within +-that of
        G. inf where there is no interval."""
        width = max(self.speedup - self.low, self.high - self.speedup) / self.speedup
        return width if math.isfinite(width) else math.inf


@dataclass
class GroupState:
    instance: str
    sha256: str
    solver: str
    params: str
    runs: list[Run]  # by index, up to max_runs
    judgements: dict[int, Judgement] = field(default_factory=dict)  # by round size
    status: str = ""  # REACHED, CAPPED or "" (going on)
    goal: int = 0  # the size of the round it is making
    waiting: int = 0  # runs of that round issued and not yet written

    @property
    def judged(self) -> Judgement | None:
        """The judgement of its largest round so far."""
        return self.judgements[max(self.judgements)] if self.judgements else None


class PrecisionRounds:
    """Decides each group's rounds as its runs come in (the campaign's `Rounds`)."""

    def __init__(self, target: Target, quiet: bool = False,
                 console: Console | None = None) -> None:
        self.target = target
        self.sizes = round_sizes(target.min_runs, target.max_runs)
        self.quiet = quiet
        self.console = console or Console(stderr=True)
        self.groups: dict[tuple[str, str, str], GroupState] = {}
        self.races: list[Run] = []
        self.done: dict[RunKey, dict[str, str]] = {}  # the rows that stand, as written
        self._waiting: dict[RunKey, GroupState] = {}  # issued runs, by key, until written
        self._ready: list[GroupState] = []  # groups whose round is whole, to judge
        self._changed: dict[str, str] = {}  # instance sha256 -> its note, since notes()

    def first(self, planned: list[Run], done: dict[RunKey, dict[str, str]]) -> list[Run]:
        """The runs to make first: each group's whole rounds already in `done` (the rows
        that stand) are judged in turn, as they came, and each unfinished group's runs up
        to its next round size are issued; once all groups are finished, the races."""
        self.done = done  # its own from now on: the rows that stand, and those written
        for run in planned:
            if run.walkers == 1:
                key = (run.sha256, run.solver, run.params)
                if key not in self.groups:
                    self.groups[key] = GroupState(run.instance, *key, [])
                self.groups[key].runs.append(run)
            elif run.index < self.target.race_runs:
                self.races.append(run)
        todo: list[Run] = []
        for state in self.groups.values():
            state.runs.sort(key=lambda r: r.index)
            whole = max((s for s in self.sizes if s <= _leading(state.runs, done)), default=0)
            for size in (s for s in self.sizes if s <= whole):
                self._judge(state, size)
                if state.status:
                    break
            if not state.status:
                todo.extend(self._issue(state, whole))
        return todo or self._races()

    def record(self, key: RunKey, row: dict[str, str]) -> None:
        """A row was written (as the CSV has it): a group whose round it completes is
        judged at the next `more`."""
        self.done[key] = row
        state = self._waiting.pop(key, None)
        if state is not None:
            state.waiting -= 1
            if state.waiting == 0:
                self._ready.append(state)

    def more(self) -> list[Run]:
        """The runs to add now: the next round of each group whose round just became whole
        (judged first); the races once every group is finished; [] otherwise."""
        if not self._ready:
            return []
        todo: list[Run] = []
        ready, self._ready = self._ready, []
        for state in ready:
            self._judge(state, state.goal)
            if not state.status:
                todo.extend(self._issue(state, state.goal))
        if not todo and all(s.status for s in self.groups.values()):
            return self._races()
        return todo

    def notes(self) -> dict[str, str]:
        """Per instance (sha256) judged since the last call, what the progress display shows:
        G at the target and the interval's half-width, with the group's status."""
        changed, self._changed = self._changed, {}
        return changed

    def _goal(self, whole: int) -> int:
        return next(s for s in self.sizes if s > whole)

    def _issue(self, state: GroupState, whole: int) -> list[Run]:
        """The group's runs of its next round (up to the next size) that have no row."""
        state.goal = self._goal(whole)
        todo = [r for r in state.runs[:state.goal] if r.key not in self.done]
        for run in todo:
            self._waiting[run.key] = state
        state.waiting = len(todo)
        if not todo:  # its rows are all there already: judge it at once
            self._ready.append(state)
        return todo

    def _races(self) -> list[Run]:
        """The races (--runs of each), once: those without a row."""
        races, self.races = [r for r in self.races if r.key not in self.done], []
        return races

    def _judge(self, state: GroupState, runs: int) -> None:
        """Judge the group on its first `runs` runs; mark it done if precise or capped."""
        rows = [(0, self.done[r.key]) for r in state.runs[:runs]]
        measure = "flips"
        if any(row["flips"] == "-1" for _, row in rows):  # an external solver: no flips
            measure = "cpu_s"
        group = next(iter(group_rows(rows, measure, "the campaign's runs")), None)
        judged = judge(group, runs, self.target, measure)
        before = state.judged
        state.judgements[runs] = judged
        if stops(before, judged, self.target):
            state.status = REACHED
        elif runs >= self.target.max_runs:
            state.status = CAPPED
        self._changed[state.sha256] = " ".join(
            _note(s) for s in self.groups.values() if s.sha256 == state.sha256 and s.judged)
        if not self.quiet and not self.console.is_terminal:  # a log: where it stands
            self.console.print(f"satspeed: {_name(state)} {state.solver}: {runs} runs, "
                               f"{_where(judged, self.target)}: {_status(state, self.target)}",
                               soft_wrap=True)

    def show(self, title: str = "where each instance stopped") -> None:
        """A table of where each group stands (runs, interval at the target, status)."""
        self.console.print(self.table(title))

    def table(self, title: str) -> Table:
        t = self.target
        table = Table(title=f"{title} (target ±{t.precision:.0%} at {t.cores} cores)",
                      title_justify="left", box=None, pad_edge=False, collapse_padding=True)
        for col in ("instance", "solver", "runs", f"G({t.cores})", "95% CI", "±", "runs say",
                    "status"):
            table.add_column(col, justify="left" if col in ("instance", "solver", "status")
                             else "right", no_wrap=col in ("instance", "solver"))
        for state in self.groups.values():
            j = state.judged
            if j is None:
                table.add_row(_name(state), state.solver, "0", "-", "-", "-", "-", "")
                continue
            width = "-" if not math.isfinite(j.half_width) else f"{j.half_width:.1%}"
            status = _status(state, self.target)
            table.add_row(_name(state), state.solver, str(j.runs), _fmt(j.speedup),
                          f"{_fmt(j.low)}-{_fmt(j.high)}", width, _fmt(j.runs_say), status)
        return table

    def report(self) -> dict[str, object]:
        """What the meta sidecar records of the campaign's precision."""
        t = self.target

        def group(s: GroupState) -> dict[str, object]:
            j = s.judged or Judgement(0)
            return {"instance": s.instance, "instance_sha256": s.sha256, "solver": s.solver,
                    "params": s.params, "runs": j.runs, "speedup": _clean(j.speedup),
                    "speedup_low": _clean(j.low), "speedup_high": _clean(j.high),
                    "half_width": _clean(j.half_width), "runs_say": _clean(j.runs_say),
                    "stopped_by": s.status or None}

        return {"precision": t.precision, "at_cores": t.cores, "min_runs": t.min_runs,
                "max_runs": t.max_runs, "rounds": self.sizes,
                "groups": [group(s) for s in self.groups.values()]}


def holds(j: Judgement, target: Target) -> bool:
    """The interval is within +-P of G, from runs that see the target, which agree with it."""
    return j.half_width <= target.precision and sees(j.runs, target) and j.agrees


def stops(before: Judgement | None, now: Judgement, target: Target) -> bool:
    """Whether a group stops at the precision: it holds at this round and the one before,
    and this round's G lies in the earlier interval (a narrow interval of one round alone is
    too often a lucky one: measured, scripts/bench_precision.py)."""
    return (before is not None and holds(before, target) and holds(now, target)
            and before.low <= now.speedup <= before.high)


def sees(runs: int, target: Target) -> bool:
    """Whether `runs` runs can see the target's core count (runs >= cores): below, the
    prediction is the fitted tail's extrapolation, whose interval misses the truth more often
    (the shift rests on the runs' minimum), and precision is not claimed on it."""
    return runs >= target.cores


def judge(group: Group | None, runs: int, target: Target, measure: str = "flips"
          ) -> Judgement:
    """The predicted speedup at the target's cores, with its 95% interval (`BOOTSTRAP`
    resamples, seeded by the target's seed and the group), from the group's runs."""
    why = problem(group) if group is not None else "no runs"
    if why is not None:
        return Judgement(runs, why=why)
    assert group is not None
    options = PredictOptions(measure, (target.cores,), "auto", BOOTSTRAP, 0, target.seed)
    row = predict_group(group, options).rows[0]
    runs_say = row.observed_speedup
    if row.restricted:  # timeouts: the runs' exact restricted speedup, on G's scale
        runs_say = (row.predicted_speedup * row.observed_restricted_speedup
                    / row.predicted_restricted_speedup)
    return Judgement(runs, row.predicted_speedup, row.speedup_low, row.speedup_high,
                     runs_say=runs_say)


def _leading(runs: list[Run], done: dict[RunKey, dict[str, str]]) -> int:
    """How many of the runs, from index 0, are all in `done`."""
    for count, run in enumerate(runs):
        if run.key not in done:
            return count
    return len(runs)


def _status(state: GroupState, target: Target) -> str:
    """Where a group stands, in a word or three: its status, or why it goes on."""
    j = state.judged
    if state.status or j is None:
        return state.status
    if j.why:
        return "going on: " + j.why[:24]
    if holds(j, target):
        return "to confirm"
    return "going on" if j.agrees or not math.isfinite(j.runs_say) else "on: runs differ"


def _where(j: Judgement, target: Target) -> str:
    """G at the target with its interval and half-width, as one phrase."""
    width = f"±{j.half_width:.1%}" if math.isfinite(j.half_width) else "no interval"
    return f"G({target.cores}) {_fmt(j.speedup)} [{_fmt(j.low)}-{_fmt(j.high)}] {width}"


def _note(state: GroupState) -> str:
    """A group on the progress display's line of its instance: G and the half-width, a
    mark when it stopped (✓ at the precision, 'cap')."""
    j = state.judged
    assert j is not None
    width = f"±{j.half_width:.0%}" if math.isfinite(j.half_width) else "±?"
    mark = {REACHED: " ✓", CAPPED: " cap"}.get(state.status, "")
    return f"G {_fmt(j.speedup)} {width}{mark}"


def _name(state: GroupState) -> str:
    return shorten(state.instance.rsplit("/", 1)[-1], 24)


def _fmt(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "-"


def _clean(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None

