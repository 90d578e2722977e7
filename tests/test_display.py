"""What `satspeed run` shows on a terminal, rendered as a person sees it (a recording rich
console of 80 or 120 columns): the summary table and the progress display fit the width with
every number whole and every instance name told apart, and the time left is estimated from the
work left, not from the runs per second."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from satspeed.cli import main
from satspeed.results import ResultsWriter, make_row
from satspeed.run.display import (
    CampaignDisplay,
    InstanceSummary,
    WorkLeft,
    list_solvers,
    print_summary,
    shorten,
)
from satspeed.run.plan import Run
from satspeed.run.specs import available_specs

NAMES = ["uf3-n200-m840-s1-001.cnf", "uf3-n200-m840-s1-002.cnf", "uf3-n250-m1050-s1-002.cnf"]
LONG = ["uf3-n200-m840-s1-" + "x" * 90 + "-001.cnf", "uf3-n200-m840-s1-" + "x" * 90 + "-002.cnf"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def console(width: int, clock: Clock | None = None) -> Console:
    return Console(width=width, force_terminal=True, record=True, file=io.StringIO(),
                   get_time=clock)


def lines(out: Console) -> list[str]:
    text = out.export_text()
    assert all(len(line) <= out.width for line in text.splitlines())
    return text.splitlines()


def summary(name: str, solver: str = "probsat", walkers: int = 1, errors: int = 0
            ) -> InstanceSummary:
    return InstanceSummary(name, solver, walkers, 500, 497, 3 - errors, errors, 12345.0,
                           0.0123, 0.0456, 1234567.0)


@pytest.mark.parametrize("errors", [0, 2])
def test_summary_at_80_columns_is_readable(errors: int) -> None:
    out = console(80)
    print_summary([summary(NAMES[0]), summary(NAMES[1], errors=errors),
                   summary(NAMES[2], "sparrow", walkers=4),
                   summary(NAMES[2], "probsat*2+sparrow*2", walkers=4)], out)
    shown = lines(out)
    header = next(line for line in shown if "instance" in line)
    assert header.split() == ["instance", "solver", "solved", *(["errors"] if errors else []),
                              "flips", "cpu", "s", "wall", "s", "flips/s"]
    text = "\n".join(shown)
    for number in ("497/500", "12,345", "0.0123", "0.0456", "1.23M"):
        assert text.count(number) == 4, number  # whole, in every row
    start = next(i for i, line in enumerate(shown) if "497/500" in line)
    names, solvers = [], []
    for line in shown[start:]:  # a name too long for its column goes on in the next line
        if "497/500" in line:
            names.append(line[:line.index("  ")])
            solvers.append(line.split()[1])
        elif line.strip() and line.startswith(" " * 10):
            solvers[-1] += line.split()[0]
        elif line.strip() and "races" not in line:
            names[-1] += line.split()[0]
            solvers[-1] += line.split()[1] if len(line.split()) > 1 else ""
    assert names == [*NAMES, NAMES[2]]  # whole, on one line (errors: on two)
    assert solvers == ["probsat", "probsat", "sparrow*4", "probsat*2+sparrow*2"]
    assert "…" not in text
    assert "races of k walkers" in text  # what sparrow*4 means


def test_summary_at_120_columns_keeps_the_end_of_long_names() -> None:
    out = console(120)
    print_summary([summary(LONG[0]), summary(LONG[1])], out)
    text = "\n".join(lines(out))
    assert text.count("-001.cnf") == 1 and text.count("-002.cnf") == 1
    assert text.count("uf3-n200-m840-s1-") == 2


def test_shorten_keeps_start_and_end() -> None:
    assert shorten("uf3-n200-m840-s1-001.cnf", 15) == "uf3-n20…001.cnf"
    assert shorten("short.cnf", 15) == "short.cnf"
    assert len(shorten(LONG[0], 40)) == 40 and shorten(LONG[0], 40).endswith("-001.cnf")


def _runs(sha: str, name: str, count: int, walkers: int = 1) -> list[Run]:
    return [Run(name, sha, "probsat", "cb=2", i, 1000 * walkers + i, walkers)
            for i in range(count)]


def _row(run: Run, wall_s: float, status: str = "sat") -> dict[str, object]:
    return {"instance_sha256": run.sha256, "solver": run.solver, "params": run.params,
            "walkers": run.walkers, "status": status, "wall_s": wall_s, "cpu_s": wall_s}


def test_time_left_comes_from_the_work_left() -> None:
    """Two workers: 20 runs of 0.01 s on a small instance, then 20 of 1 s on a big one. After
    the small ones and 2 big ones (2.2 s of work in 1.1 s), 18 s of work are left: 9 s on two
    workers, where runs per second would say 18 runs / 20 per s = 0.9 s."""
    clock = Clock()
    small, big = _runs("a" * 64, "small.cnf", 20), _runs("b" * 64, "big.cnf", 20)
    work = WorkLeft(small + big, clock)
    assert work.seconds() is None  # nothing measured yet
    for run in small:
        work.record(_row(run, 0.01))
    work.record(_row(big[0], 1.0))
    work.record(_row(big[1], 1.0))
    work.record(_row(big[2], 0.0, "error"))  # done, but says nothing of a run's cost
    clock.now += 1.1
    assert work.seconds() == pytest.approx(17 * 1.0 / 2)


def test_time_left_of_groups_not_started_and_races() -> None:
    """A race holds its walkers: 3 walkers for 0.5 s is 1.5 s of work. A group not started
    yet costs what its instance's runs did so far, else the campaign's mean."""
    clock = Clock()
    seq, races = _runs("a" * 64, "a.cnf", 4), _runs("a" * 64, "a.cnf", 4, walkers=3)
    other = _runs("c" * 64, "c.cnf", 2)
    work = WorkLeft(seq + races + other, clock)
    for run in seq:
        work.record(_row(run, 0.5))  # 2 s of work
    clock.now += 2.0  # one worker's worth
    assert work.seconds() == pytest.approx(4 * 0.5 + 2 * 0.5)  # races and c.cnf at 0.5
    work.record(_row(races[0], 0.5))  # 1.5 s of work for this race
    clock.now += 1.5
    assert work.seconds() == pytest.approx(3 * 1.5 + 2 * (3.5 / 5))


@pytest.mark.parametrize("width", [80, 120])
def test_progress_fits_the_terminal(width: int) -> None:
    clock = Clock()
    runs = [r for i, name in enumerate(NAMES) for r in _runs(str(i) * 64, name, 400)]
    names = {str(i) * 64: name for i, name in enumerate(NAMES)}
    out = console(width, clock)
    display = CampaignDisplay(runs, runs, names, quiet=False, console=out)
    for run in runs[:262] + runs[400:500]:
        display.update(_row(run, 0.01, "sat" if run.index % 50 else "timeout"))
    clock.now += 1.0
    display.update(_row(runs[800], 0.01))
    out.print(display.renderable())
    text = "\n".join(lines(out))
    for count in ("363/1200", "262/400", "100/400", "1/400", "6 timeout", "256 sat"):
        assert count in text, count
    if width == 80:  # the instance names fit beside the bar, whole
        assert all(name in text for name in NAMES)
    assert re.search(r"\b0:0\d left", text)  # 837 runs of 0.01 s on 3.63 s of work a second
    assert ("elapsed" in text) == (width >= 100)


def test_solver_list_at_80_columns_names_every_solver_whole() -> None:
    out = console(80)
    list_solvers(out)
    shown = lines(out)
    first = [line.split()[0] for line in shown if line.strip()]
    assert all(spec.name in first for spec in available_specs(skip_broken=True))
    assert "…" not in "\n".join(shown)


def test_predict_tables_at_80_columns(tmp_path: Path) -> None:
    """Each core count's row of `satspeed predict` (with timeouts among the runs) is one line
    of at most 80 columns, under headings that are not wrapped."""
    rng = np.random.default_rng(3)
    path = tmp_path / "runs.csv"
    with ResultsWriter(path) as writer:
        for seed, flips in enumerate(np.minimum(rng.lognormal(6.5, 1.0, 60), 3000)):
            writer.write(make_row(
                instance="bench/uf3-n200-m840-s1-001.cnf", instance_sha256="a" * 64,
                solver="probsat", params="caching=0,cb=2.06,eps=0.9,fct=poly", walkers=1,
                seed=seed, status="timeout" if flips >= 3000 else "sat", flips=round(flips),
                cpu_s=flips * 1e-6, wall_s=flips * 1e-6, cutoff_flips=3000, cutoff_s=60.0,
                host="h", started_at="2026-01-01T00:00:00.000Z", satspeed_version="0.1.0",
                message=""))
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, ["predict", str(path), "--cores", "1,2,4,16", "--bootstrap", "5",
               "--gof-samples", "2"])
    assert result.exit_code == 0, result.output
    shown = [re.sub("[│┃]", " ", line) for line in result.stdout.splitlines()]
    assert max(len(line) for line in shown) <= 80
    start = next(i for i, line in enumerate(shown) if line.split()[:1] == ["cores"])
    assert shown[start].split() == ["cores", "E[Z_n]", "(flips)", "speedup", "95%", "CI",
                                    "≤τ", "observed", "race", "rel.",
                                    "error"]  # not wrapped (with timeouts: ≤τ)
    block = shown[start + 1:shown.index("", start)] if "" in shown[start:] else shown[start + 1:]
    rows = [line.split() for line in block if re.match(r"\s*\d+\*?\s", line)]
    assert [r[0] for r in rows] == ["1", "2", "4", "16"]
    others = [line for line in block if not re.match(r"\s*(\d+\*?\s|[─━╇┼]+$)", line)]
    assert all(line.strip()[:1].isalpha() for line in others), others  # a caption at most:
    # no cell wrapped onto a line of its own


def test_a_precision_campaign_shows_each_instance_grow_and_where_it_stands() -> None:
    """Runs added round by round grow an instance's total (and the overall one); its line
    says G and the interval's half-width; all within 80 columns."""
    clock = Clock()
    shas = [str(i) * 64 for i in range(3)]
    names = dict(zip(shas, NAMES, strict=True))
    first = [r for sha, name in names.items() for r in _runs(sha, name, 50)]
    out = console(80, clock)
    display = CampaignDisplay(first, first, names, quiet=False, console=out, notes=True,
                              most=15_000)  # 3 instances x 5,000 runs at most
    for run in first[:50] + first[100:130]:
        display.update(_row(run, 0.01))
    display.add([Run(NAMES[0], shas[0], "probsat", "cb=2", i, i, 1) for i in range(50, 4100)])
    display.note({shas[0]: "G 45.2 ±12%", shas[2]: "G 3.1 ±8% ✓"})
    clock.now += 1.0
    out.print(display.renderable())
    text = "\n".join(lines(out))
    for shown in ("80/4200", "50/4100", "30/50", "G 45.2 ±12%", "G 3.1 ±8% ✓"):
        assert shown in text, shown
    # each name keeps its start and its distinguishing end, beside the bar and the note
    shown_names = [x.split()[0] for x in text.splitlines() if x.startswith("uf3-")]
    assert [(n[:6], n[-10:]) for n in shown_names] == [(n[:6], n[-10:]) for n in NAMES]
    line = next(x for x in text.splitlines() if x.startswith("uf3-") and "001" in x)
    assert "50/4100" in line and "G 45.2" in line  # on its own instance's line
