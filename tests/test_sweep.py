"""Parameter sweeps: `satspeed run --param NAME=V,V` (repeatable: the cross product) makes one
entrant per setting, each with its own params column, seeds and rows; predict keeps them apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from satspeed.results import read_rows
from satspeed.run.builtin import make_walk, run_once
from satspeed.run.campaign import CampaignOptions, entrants
from satspeed.run.formula.cnf import read_cnf
from satspeed.run.plan import derive_seed

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instances" / "uf3-n100-m420-s1-001.cnf"
MAX_FLIPS = 20_000


def satspeed(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "satspeed", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "r.csv"
    proc = satspeed("run", INSTANCE, "--solver", "probsat", "--param", "cb=2.0,2.3",
                    "--param", "eps=0.9,1", "--runs", 3, "--workers", 1, "--timeout", 60,
                    "--max-flips", MAX_FLIPS, "-q", "-o", out)
    assert proc.returncode == 0, proc.stderr
    return out


SETTINGS = [f"caching=0,cb={cb},eps={eps},fct=poly"  # probSAT's 3-SAT defaults otherwise
            for cb in ("2.0", "2.3") for eps in ("0.9", "1.0")]


def test_one_entrant_per_setting_with_its_own_seeds(swept: Path) -> None:
    rows = [row for _, row in read_rows(swept)]
    assert Counter(r["params"] for r in rows) == dict.fromkeys(SETTINGS, 3)
    assert {r["solver"] for r in rows} == {"probsat"}
    sha = read_cnf(INSTANCE).sha256
    for params in SETTINGS:
        seeds = sorted(int(r["seed"]) for r in rows if r["params"] == params)
        assert seeds == sorted(derive_seed(0, sha, "probsat", params, i) for i in range(3))
    assert len({r["seed"] for r in rows}) == 12


def test_each_setting_runs_with_its_values(swept: Path) -> None:
    """A row's flips are those of the kernel made with its setting, run with its seed."""
    formula = read_cnf(INSTANCE)
    for _, row in read_rows(swept):
        given = dict(item.split("=") for item in row["params"].split(","))
        walk = make_walk(formula, "probsat", cb=float(given["cb"]), eps=float(given["eps"]))
        result = run_once(walk, int(row["seed"]), max_flips=MAX_FLIPS)
        assert (row["status"], int(row["flips"])) == (result.status, result.flips)


def test_the_summary_shows_each_setting(swept: Path) -> None:
    """Run again (all resumed): the summary has one line per setting, named by the values
    that differ between the settings."""
    proc = satspeed("run", INSTANCE, "--solver", "probsat", "--param", "cb=2.0,2.3",
                    "--param", "eps=0.9,1", "--runs", 3, "--workers", 1, "--timeout", 60,
                    "--max-flips", MAX_FLIPS, "-o", swept)
    assert proc.returncode == 0, proc.stderr
    lines = [" ".join(line.split()[1:3]) for line in proc.stdout.splitlines()
             if line.startswith(INSTANCE.name)]
    assert sorted(lines) == sorted(f"probsat cb={cb},eps={eps}" for cb in ("2.0", "2.3")
                                   for eps in ("0.9", "1.0"))


def test_defaults_that_depend_on_the_instance_are_not_a_sweep(tmp_path: Path) -> None:
    """probSAT's defaults differ between 3-SAT and 5-SAT: without --param the summary names
    the solver alone on both."""
    five = INSTANCE.with_name("uf5-n50-m1003-s1-001.cnf")
    proc = satspeed("run", INSTANCE, five, "--runs", 2, "--workers", 1, "--max-flips",
                    MAX_FLIPS, "-o", tmp_path / "r.csv")
    assert proc.returncode == 0, proc.stderr
    solvers = [line.split()[1:2] for line in proc.stdout.splitlines()
               if line.startswith(("uf3-", "uf5-"))]
    assert solvers == [["probsat"], ["probsat"]]


def test_predict_keeps_the_settings_apart(swept: Path) -> None:
    proc = satspeed("predict", swept, "--json", "--bootstrap", 0, "--gof-samples", 0,
                    "--cores", "1,2")
    assert proc.returncode == 0, proc.stderr
    document = json.loads(proc.stdout)
    groups = document["groups"] + document["skipped"]  # a setting may time out every run
    assert sorted(g["params"] for g in groups) == sorted(SETTINGS)
    assert all(g["runs"] == 3 for g in document["groups"])


def test_a_sweep_applies_to_every_solver_and_race(tmp_path: Path) -> None:
    spec = tmp_path / "probsat-exp.toml"
    spec.write_text('kernel = "probsat"\n[params]\nfct = "exp"\ncb = 2.5\n')
    options = CampaignOptions([INSTANCE], ("probsat", str(spec)), 1, 1, None, None, 0,
                              tmp_path / "r.csv", None, True, walkers=(1, 2),
                              sweep=(("cb", ("2", "3.5")),))
    found = [(e.label, len(e.specs), e.params(read_cnf(INSTANCE))) for e in entrants(options)]
    assert found == [(name, k, f"caching=0,cb={cb},eps=0.9,fct={fct}")
                     for k in (1, 2) for name, fct in (("probsat", "poly"), ("probsat-exp", "exp"))
                     for cb in ("2.0", "3.5")]


@pytest.mark.parametrize(("args", "says"), [
    (["--param", "noise=0.5"], "probsat has no parameter 'noise' (its parameters: caching, "
     "cb, eps, fct)"),
    (["--solver", "probsat", "--solver", "sparrow", "--param", "cb=2"],
     "sparrow has no parameter 'cb' (its parameters: c1, c2, c3, sp)"),
    (["--param", "cb=fast"], "cb: 'fast' is not a number"),
    (["--param", "cb=-1"], "cb must be in [0, 1e+06], not -1"),
    (["--param", "cb"], "expected NAME=VALUE,VALUE,..."),
    (["--param", "cb=2", "--param", "cb=3"], "a parameter is given twice"),
])
def test_bad_sweeps_are_bad_options(tmp_path: Path, args: list[str], says: str) -> None:
    proc = satspeed("run", INSTANCE, *args, "-o", tmp_path / "r.csv")
    assert proc.returncode == 2
    assert says in proc.stderr and "--param" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.csv").exists()
