"""`satspeed predict --plot DIR` names its figures from CSV content (instance, solver, sha256,
parameters): whatever those hold, every figure lands in DIR, visible and distinct."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from satspeed.cli import main
from satspeed.predict.export.figures import NAME_PART, safe_part
from satspeed.results import ResultsWriter

GROUPS = [  # (instance, sha256, solver, params): each a group of its own
    ("../../up.cnf", "../../" + "a" * 58, "../../../escape", "/etc/passwd"),
    ("..", "b" * 64, "..", "cb=2"),
    (".hidden.cnf", "c" * 64, "a\x00b/c", "x=\x00"),
    ("i" * 300 + ".cnf", "d" * 64, "s" * 300 + "-001", "cb=2"),
    ("i" * 300 + ".cnf", "d" * 64, "s" * 300 + "-002", "cb=2"),
    ("x.cnf", "e" * 64, "x/y", "cb=2"),  # these two sanitise to the same name
    ("x.cnf", "e" * 64, "x_y", "cb=2"),
]


def _row(instance: str, sha: str, solver: str, params: str, seed: int, flips: float
         ) -> dict[str, object]:
    return {"instance": instance, "instance_sha256": sha, "solver": solver, "params": params,
            "walkers": 1, "seed": seed, "status": "sat", "flips": round(flips),
            "cpu_s": flips * 1e-6, "wall_s": flips * 1e-6, "cutoff_flips": 10**6,
            "cutoff_s": 60.0, "host": "h", "started_at": "2026-01-01T00:00:00.000Z",
            "satspeed_version": "0.1.0", "message": None}


def test_plot_names_from_csv_content_stay_inside_the_folder(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b" / "c"
    work.mkdir(parents=True)
    csv_path = work / "r.csv"
    flips = np.random.default_rng(4).exponential(300.0, 12) + 1
    with ResultsWriter(csv_path) as writer:
        for group in GROUPS:
            for seed, f in enumerate(flips):
                writer.write(_row(*group, seed, f))
    plots = work / "plots"
    result = CliRunner().invoke(main, ["predict", str(csv_path), "--cores", "1,2",
                                       "--bootstrap", "0", "--gof-samples", "0",
                                       "--plot", str(plots)])
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    assert f"wrote {4 * len(GROUPS)} figures" in result.stderr
    made = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p != csv_path
                  and not p.name.startswith("r.csv"))
    assert all(p.parent == plots for p in made), made  # nothing outside DIR, no subfolder
    assert len(made) == 4 * len(GROUPS)  # none overwrote another
    assert not any(p.name.startswith(".") or "\x00" in p.name for p in made)
    assert max(len(p.name) for p in made) < 200


def test_safe_part_keeps_the_distinguishing_end_of_a_long_name() -> None:
    one, two = safe_part("s" * 300 + "-001"), safe_part("s" * 300 + "-002")
    assert len(one) == NAME_PART and one.endswith("-001") and two.endswith("-002")
    assert safe_part("..") == "__" and safe_part("") == "_" and safe_part("a/b\x00") == "a_b_"
