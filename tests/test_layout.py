"""The seams of the layout: the model registry (every model in one place, fitted and predicted
through one interface), the Engine protocol (a campaign run on a fake engine in this process),
the one row builder of the CSV contract, its format version, and a `--help` that loads neither
numba nor scipy."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

import satspeed.predict.models as models_package
from satspeed.predict.fit import fit
from satspeed.predict.models import MODELS, get
from satspeed.predict.models.base import Model
from satspeed.predict.sample import Sample
from satspeed.results import COLUMNS, CSV_FORMAT, make_row, read_rows
from satspeed.run.campaign import CampaignOptions, run_campaign
from satspeed.run.engines.base import More, OnRow
from satspeed.run.plan import Run
from satspeed.run.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instances" / "uf3-n50-m210-s1-001.cnf"

# ---------------------------------------------------------------------------- model registry


def test_every_model_module_is_registered_and_every_name_resolves() -> None:
    modules = {m.name for m in pkgutil.iter_modules(models_package.__path__)} - {"base", "mle"}
    registered = {text.split(":")[0] for text in models_package._REGISTRY.values()}
    assert modules == registered
    for name in MODELS:
        model = get(name)
        assert isinstance(model, Model) and model.name == name
    with pytest.raises(ValueError, match="unknown model 'gamma'"):
        get("gamma")


@pytest.mark.parametrize("name", MODELS)
def test_each_model_fits_its_own_draws_and_its_expected_min_is_the_integral(name: str) -> None:
    """Through the interface alone: estimate from 4000 draws of known parameters, recover
    them; E[Z_n] equals the integral of S(t)^n by scipy's adaptive quadrature."""
    model = get(name)
    truth = {"exp": {"rate": 0.01}, "shifted-exp": {"shift": 50.0, "rate": 0.01},
             "lognormal": {"mu": 5.0, "sigma": 1.0},
             "shifted-lognormal": {"shift": 40.0, "mu": 5.0, "sigma": 1.0},
             "weibull": {"shape": 0.8, "scale": 100.0},
             "shifted-weibull": {"shift": 50.0, "shape": 1.5, "scale": 100.0}}[name]
    assert tuple(truth) == model.params
    draws = model.family.rvs(size=4000, random_state=np.random.default_rng(7),
                             **model.scipy_args(truth))
    fitted = fit(name, Sample(draws, np.zeros(len(draws), bool)))
    assert tuple(fitted.params) == model.params
    for key, value in truth.items():
        assert fitted.params[key] == pytest.approx(value, rel=0.1), key
    args = model.scipy_args(truth)
    for n in (1, 3, 16):
        exact, _ = integrate.quad(lambda t, n=n: model.family.sf(t, **args) ** n, 0, np.inf,
                                  epsabs=1e-10, limit=400)
        assert model.expected_min(truth, np.array([n]))[0] == pytest.approx(exact, rel=1e-5)
    many = model.expected_min_many([truth, truth], np.array([1.0, 8.0]))
    np.testing.assert_allclose(many, np.tile(model.expected_min(truth, np.array([1.0, 8.0])),
                                             (2, 1)), rtol=1e-12)


# ---------------------------------------------------------------------------- engines


class InlineEngine:
    """A test engine: every run made in this process, in order, by one Worker."""

    def __init__(self, max_flips: int | None, timeout: float | None) -> None:
        self.worker = Worker(max_flips, timeout)
        self.seen: list[Run] = []

    def run(self, runs: list[Run], on_row: OnRow, more: More | None = None) -> None:
        todo = list(runs)
        while todo:
            run = todo.pop(0)
            self.seen.append(run)
            row = self.worker.run(run)
            assert row is not None
            on_row(row)
            todo.extend(more() if more is not None else [])


def test_a_campaign_runs_on_any_engine_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    options = CampaignOptions([INSTANCE], ("probsat",), 6, 1, 100_000, None, 3, out, None, True)
    engine = InlineEngine(100_000, None)
    assert run_campaign(options, ["satspeed", "test"], engine) == 0
    rows = [row for _, row in read_rows(out)]
    assert len(rows) == 6 == len(engine.seen)
    assert sorted(int(r["seed"]) for r in rows) == sorted(r.seed for r in engine.seen)
    assert {r["status"] for r in rows} == {"sat"}  # uf50 at 100k flips
    again = InlineEngine(100_000, None)
    assert run_campaign(options, ["satspeed", "test"], again) == 0
    assert again.seen == []  # resumed: nothing left to run
    meta = json.loads(out.with_name("r.csv.meta.json").read_text())
    assert meta["csv_format"] == CSV_FORMAT == 2
    assert [s["csv_format"] for s in meta["sessions"]] == [2, 2]


# ---------------------------------------------------------------------------- CSV rows


def test_make_row_takes_exactly_the_columns() -> None:
    values = {c: str(i) for i, c in enumerate(COLUMNS)}
    assert list(make_row(**values)) == list(COLUMNS)
    with pytest.raises(TypeError, match="missing \\['message'\\]"):
        make_row(**{c: v for c, v in values.items() if c != "message"})
    with pytest.raises(TypeError, match="unknown \\['extra'\\]"):
        make_row(**values, extra="1")


# ---------------------------------------------------------------------------- start-up


def test_help_loads_neither_numba_nor_scipy() -> None:
    code = ("import sys; from click.testing import CliRunner; from satspeed.cli import main; "
            "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
            "r = CliRunner().invoke(main, ['predict', '--help']); assert 'shifted-lognormal' "
            "in r.output; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('numba', 'scipy', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------------------- the seam


def _imports(folder: Path) -> set[tuple[str, str]]:
    import ast

    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found.update((str(path.relative_to(ROOT)), a.name) for a in node.names)
    return found


def test_the_two_halves_meet_only_at_the_csv_contract() -> None:
    package = ROOT / "satspeed"
    run_to_predict = {(p, m) for p, m in _imports(package / "run")
                      if m.startswith("satspeed.predict")}
    predict_to_run = {(p, m) for p, m in _imports(package / "predict")
                      if m.startswith("satspeed.run")}
    assert run_to_predict == set() and predict_to_run == set()
    shared = {m for p, m in _imports(package / "run") | _imports(package / "predict")
              if m.startswith("satspeed") and not m.startswith(("satspeed.run",
                                                                  "satspeed.predict"))}
    assert shared <= {"satspeed", "satspeed.results", "satspeed.sidecar", "satspeed.labels",
                      "satspeed.errors", "satspeed.restart"}
