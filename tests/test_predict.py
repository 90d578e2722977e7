"""`satspeed predict` end to end: tables, the JSON schema, figures, measures, forced models,
core lists, real races, bad input (one line, the right exit code, no traceback), and the
README's main job (run, then predict) on bundled instances."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from scipy import integrate

from satspeed.cli import main
from satspeed.predict.groups import read_groups
from satspeed.predict.models import get
from satspeed.predict.observed import observed_expected_min
from satspeed.predict.prediction import parse_cores
from satspeed.predict.sample import Sample
from satspeed.results import COLUMNS, ResultsWriter

ROOT = Path(__file__).resolve().parent.parent
LOGNORMAL, EXPONENTIAL = "a" * 64, "b" * 64
CUTOFF = 3000
FAST = ("--bootstrap", "5", "--gof-samples", "2")

TOP_KEYS = {"schema", "satspeed_version", "csv", "measure", "cores", "groups", "skipped",
            "portfolio_races", "portfolios", "allocation"}  # the last three: test_portfolio
GROUP_KEYS = {"instance", "instance_sha256", "solver", "params", "restart", "runs", "solved",
              "timeouts", "errors", "method", "chosen", "splice", "restricted_to", "restarts",
              "fits", "predictions"}
FIT_KEYS = {"model", "params", "loglik", "aic", "gof_pvalue"}
PREDICTION_KEYS = {"cores", "predicted_time", "predicted_speedup", "speedup_low",
                   "speedup_high", "observed_speedup", "observed_is_bound", "race_speedup",
                   "race_runs", "race_timeouts", "extrapolated", "predicted_restricted_speedup",
                   "observed_restricted_speedup", "race_restricted_speedup", "relative_error"}
SKIPPED_KEYS = {"instance", "instance_sha256", "solver", "params", "reason"}


def run_row(sha: str, seed: int, status: str, flips: float, walkers: int = 1,
            instance: str = "") -> dict[str, object]:
    flips = round(float(flips))
    return {"instance": instance or f"bench/{sha[:3]}.cnf", "instance_sha256": sha,
            "solver": "probsat", "params": "caching=0,cb=2.06,eps=0.9,fct=poly",
            "walkers": walkers, "seed": seed, "status": status,
            "flips": 0 if status == "error" else flips, "cpu_s": f"{flips * 2e-6:.6f}",
            "wall_s": f"{flips * 2.2e-6:.6f}", "cutoff_flips": CUTOFF, "cutoff_s": 60.0,
            "host": "h", "started_at": "2026-01-01T00:00:00.000Z", "satspeed_version": "0.1.0",
            "message": "worker died" if status == "error" else None}


def campaign_rows() -> list[dict[str, object]]:
    """A lognormal group with ~10% timeouts at CUTOFF, 20 races of 4 walkers and an error row;
    an exponential group without timeouts."""
    rng = np.random.default_rng(2013)
    rows = []
    for seed, flips in enumerate(rng.lognormal(6.5, 1.0, 80)):
        timed_out = flips >= CUTOFF
        rows.append(run_row(LOGNORMAL, seed, "timeout" if timed_out else "sat",
                            min(flips, CUTOFF)))
    for seed, flips in enumerate(rng.lognormal(6.5, 1.0, (20, 4)).min(axis=1), start=1000):
        rows.append(run_row(LOGNORMAL, seed, "sat", flips, walkers=4))
    rows.append(run_row(LOGNORMAL, 2000, "error", 0))
    for seed, flips in enumerate(rng.exponential(500.0, 50) + 1):
        rows.append(run_row(EXPONENTIAL, seed, "sat", flips))
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with ResultsWriter(path) as writer:
        for row in rows:
            writer.write(row)
    return path


def invoke(*args: object) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def one_line_error(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("satspeed: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("predict") / "runs.csv", campaign_rows())


@pytest.fixture(scope="module")
def document(campaign: Path) -> dict:
    """The JSON of the main job, also written with -o."""
    out = campaign.with_name("prediction.json")
    result = invoke("predict", campaign, "--cores", "1,2,4", "--bootstrap", 20,
                    "--gof-samples", 20, "--json", "-o", out)
    assert result.exit_code == 0, result.output
    assert not result.stderr  # no warning of any kind
    doc = json.loads(result.stdout)
    assert json.loads(out.read_text()) == doc
    return doc


# ---------------------------------------------------------------------------- the main job


def test_tables_per_group(campaign: Path) -> None:
    result = invoke("predict", campaign, "--cores", "1,2,4", "--bootstrap", 20,
                    "--gof-samples", 20)
    assert result.exit_code == 0, result.output
    out = result.stdout
    words = " ".join(out.split())  # rich wraps long lines at the console width
    assert "aaa.cnf / probsat" in words and "bbb.cnf / probsat" in words
    assert "runs 80, solved" in words and "errors 1" in words and "runs 50, solved 50" in words
    assert out.count("E[Z_n]") == 2 and "(flips)" in out
    assert words.count("predicted from the runs above") == 2  # the splice, and its tails:
    assert re.search(r"\d+% shifted-weibull, \d+% shifted-lognormal", words)
    assert out.count("GoF p") == 2
    lines = out.splitlines()
    for model in ("exp", "shifted-exp", "lognormal", "shifted-lognormal", "weibull"):
        assert sum(line.split(" ", 1)[0] == model for line in lines) == 2, model
    assert sum(" * " in line for line in lines) == 2  # each group's chosen model is marked
    for n in (1, 2, 4):  # one row per core count in each group's table
        assert sum(line.split()[:1] == [str(n)] for line in lines) == 2, n
    assert "(20)" in out  # the race of 4 walkers, with its number of races
    assert not result.stderr


def test_json_schema(document: dict, campaign: Path) -> None:
    assert set(document) == TOP_KEYS
    assert document["schema"] == 6
    assert document["csv"] == str(campaign)
    assert document["measure"] == "flips"
    assert document["cores"] == [1, 2, 4]
    assert document["skipped"] == []
    groups = {g["instance_sha256"]: g for g in document["groups"]}
    assert set(groups) == {LOGNORMAL, EXPONENTIAL}
    for g in groups.values():
        assert set(g) == GROUP_KEYS
        assert g["solver"] == "probsat" and g["params"].startswith("caching=0")
        assert g["runs"] == g["solved"] + g["timeouts"]
        assert [f["model"] for f in g["fits"]] == sorted(
            (f["model"] for f in g["fits"]), key=lambda m: next(
                f["aic"] for f in g["fits"] if f["model"] == m))
        assert {f["model"] for f in g["fits"]} == {
            "exp", "shifted-exp", "lognormal", "shifted-lognormal", "weibull", "shifted-weibull"}
        assert g["chosen"] in {"shifted-exp", "lognormal", "shifted-lognormal"}
        for f in g["fits"]:
            assert set(f) == FIT_KEYS
            assert f["aic"] == pytest.approx(2 * len(f["params"]) - 2 * f["loglik"])
            assert 0 < f["gof_pvalue"] <= 1
        assert [p["cores"] for p in g["predictions"]] == [1, 2, 4]
        for p in g["predictions"]:
            assert set(p) == PREDICTION_KEYS
            assert p["speedup_low"] <= p["predicted_speedup"] * (1 + 1e-12)
            assert p["predicted_speedup"] <= p["speedup_high"] * (1 + 1e-12)
        first = g["predictions"][0]
        assert first["predicted_speedup"] == pytest.approx(1.0)
        assert first["observed_speedup"] == pytest.approx(1.0)
    lognormal = groups[LOGNORMAL]
    assert lognormal["runs"] == 80 and lognormal["errors"] == 1
    assert 0 < lognormal["timeouts"] < 20
    assert groups[EXPONENTIAL]["timeouts"] == 0 and groups[EXPONENTIAL]["errors"] == 0


def test_json_observed_and_race_speedups(document: dict, campaign: Path) -> None:
    group = next(g for g in document["groups"] if g["instance_sha256"] == LOGNORMAL)
    (sequential,) = [g for g in read_groups(campaign, "flips") if g.sha256 == LOGNORMAL]
    sample = Sample(np.array(sequential.values), np.array(sequential.censored))
    times, _ = observed_expected_min(sample, np.array([1, 2, 4]))
    races = [r for r in campaign_rows() if r["walkers"] == 4]
    race_mean = np.mean([int(r["flips"]) for r in races])
    by_cores = {p["cores"]: p for p in group["predictions"]}
    for n, p in by_cores.items():
        assert p["observed_speedup"] == pytest.approx(times[0] / times[[1, 2, 4].index(n)])
        assert p["observed_is_bound"]  # timeouts count, at their cutoff, in E[Y]
        assert not p["extrapolated"]
    assert by_cores[4]["race_runs"] == 20 and by_cores[4]["race_timeouts"] == 0
    assert by_cores[4]["race_speedup"] == pytest.approx(times[0] / race_mean)
    # Under censoring, like is compared with like: means restricted to the smallest cutoff.
    tau = group["restricted_to"]
    assert tau == min(v for v, c in zip(sequential.values, sequential.censored, strict=True)
                      if c)
    capped = np.minimum(sequential.values, tau)
    restricted = [np.mean([min(pair) for pair in itertools.combinations(capped, n)])
                  for n in (1, 2)]  # by brute force over all pairs
    assert by_cores[2]["observed_restricted_speedup"] == pytest.approx(
        restricted[0] / restricted[1], rel=1e-9)
    race_restricted = np.mean(np.minimum([int(r["flips"]) for r in races], tau))
    assert by_cores[4]["race_restricted_speedup"] == pytest.approx(
        restricted[0] / race_restricted, rel=1e-9)
    assert group["method"] == "splice"
    splice = group["splice"]
    cut, below = splice["cut"], splice["below"]
    assert 0 < below < 1 and cut < tau  # the cut, the 0.3 quantile, lies below every timeout
    solved = np.sort(sample.values[~sample.censored])
    assert cut == solved[max(10, round(0.3 * len(solved))) - 1]
    assert below == pytest.approx(np.mean(sample.values <= cut))  # no timeout below the cut
    assert sum(t["weight"] for t in splice["tails"]) == pytest.approx(1.0)

    def survival(t: float, tail: dict) -> float:
        """The splice's S(t) with one of its tails, written out from its definition and the
        JSON alone: above the cut the runs' empirical survival (no timeout lies below tau),
        below it the tail's shape scaled to the runs' mass there."""
        if t >= cut:
            return float(np.mean(sample.values > t))
        model = get(tail["model"])
        args = model.scipy_args(tail["params"])
        return 1 - below * model.family.cdf(t, **args) / model.family.cdf(cut, **args)

    def mean_to_tau(n: int) -> float:
        """E[min(Z_n, tau)] = int_0^tau S(t)^n dt, averaged over the tails with their weights."""
        above = np.unique(np.r_[cut, sample.values[(sample.values > cut)
                                                   & (sample.values < tau)], tau])
        total = 0.0
        for tail in splice["tails"]:
            steps = sum(survival(a, tail) ** n * (b - a) for a, b in itertools.pairwise(above))
            head = integrate.quad(lambda t, tail=tail: survival(t, tail) ** n, 0, cut,
                                  limit=400, epsabs=1e-9)[0]
            total += tail["weight"] * (head + steps)
        return total

    for n, p in by_cores.items():
        assert p["predicted_restricted_speedup"] == pytest.approx(
            mean_to_tau(1) / mean_to_tau(n), rel=1e-6)
    assert by_cores[4]["relative_error"] == pytest.approx(
        (by_cores[4]["predicted_restricted_speedup"] - by_cores[4]["race_restricted_speedup"])
        / by_cores[4]["race_restricted_speedup"])
    for n in (1, 2):
        assert by_cores[n]["race_speedup"] is None and by_cores[n]["race_runs"] == 0
        assert by_cores[n]["relative_error"] == pytest.approx(
            (by_cores[n]["predicted_restricted_speedup"]
             - by_cores[n]["observed_restricted_speedup"])
            / by_cores[n]["observed_restricted_speedup"])
    exponential = next(g for g in document["groups"] if g["instance_sha256"] == EXPONENTIAL)
    assert exponential["restricted_to"] is None  # no timeouts: nothing to restrict
    for p in exponential["predictions"]:
        assert p["predicted_restricted_speedup"] is None and not p["observed_is_bound"]
        if p["race_runs"] == 0:
            assert p["relative_error"] == pytest.approx(
                (p["predicted_speedup"] - p["observed_speedup"]) / p["observed_speedup"])


def test_plots(campaign: Path, tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    result = invoke("predict", campaign, "--cores", "1,2,4,8", *FAST, "--plot", plots)
    assert result.exit_code == 0, result.output
    assert "wrote 8 figures" in result.stderr
    for sha in (LOGNORMAL, EXPONENTIAL):
        for kind in ("rtd", "speedup"):
            png = plots / f"{sha[:3]}.cnf.probsat.{sha[:8]}.{kind}.png"
            svg = png.with_suffix(".svg")
            assert png.read_bytes().startswith(b"\x89PNG")
            assert "<svg" in svg.read_text()
    assert len(list(plots.iterdir())) == 8


def test_plots_of_a_parameter_sweep_do_not_overwrite_each_other(tmp_path: Path) -> None:
    rows = []
    for params in ("cb=2.06", "cb=2.5"):
        for seed, flips in enumerate(np.random.default_rng(1).exponential(300.0, 20) + 1):
            rows.append({**run_row(LOGNORMAL, seed, "sat", flips), "params": params})
    path = write_csv(tmp_path / "sweep.csv", rows)
    plots = tmp_path / "plots"
    result = invoke("predict", path, "--cores", "1,2", "--bootstrap", 0, "--gof-samples", 0,
                    "--plot", plots)
    assert result.exit_code == 0, result.output
    assert "wrote 8 figures" in result.stderr
    assert len(list(plots.iterdir())) == 8


def test_measure_cpu_seconds(campaign: Path) -> None:
    by_flips = json.loads(invoke("predict", campaign, "--cores", "1,2", *FAST,
                                 "--json").stdout)
    result = invoke("predict", campaign, "--cores", "1,2", *FAST, "--json", "--measure",
                    "cpu_s")
    assert result.exit_code == 0, result.output
    by_cpu = json.loads(result.stdout)
    assert by_cpu["measure"] == "cpu_s"
    for flips, cpu in zip(by_flips["groups"], by_cpu["groups"], strict=True):
        ratio = cpu["predictions"][0]["predicted_time"] / flips["predictions"][0][
            "predicted_time"]
        assert ratio == pytest.approx(2e-6, rel=0.05)  # cpu_s = 2e-6 s per flip here
    table = invoke("predict", campaign, "--cores", "1,2", *FAST, "--measure", "wall_s")
    assert table.exit_code == 0 and "E[Z_n] (wall_s)" in table.stdout


def test_a_forced_exponential(campaign: Path) -> None:
    result = invoke("predict", campaign, "--cores", "1,2,4,384", *FAST, "--dist", "exp",
                    "--json")
    assert result.exit_code == 0, result.output
    for g in json.loads(result.stdout)["groups"]:
        assert g["chosen"] == "exp"
        assert [f["model"] for f in g["fits"]] == ["exp"]
        for p in g["predictions"]:
            assert p["predicted_speedup"] == pytest.approx(p["cores"], rel=1e-9)
            assert p["speedup_low"] == pytest.approx(p["cores"], rel=1e-9)
            assert p["speedup_high"] == pytest.approx(p["cores"], rel=1e-9)
        assert g["predictions"][3]["observed_speedup"] is None  # 384 > runs
        assert g["predictions"][3]["relative_error"] is None


def test_max_cores(campaign: Path) -> None:
    result = invoke("predict", campaign, "--max-cores", 10, "--bootstrap", 0,
                    "--gof-samples", 0, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["cores"] == [1, 2, 4, 8, 10]
    for g in doc["groups"]:
        assert [p["cores"] for p in g["predictions"]] == [1, 2, 4, 8, 10]
        assert all(p["speedup_low"] is None for p in g["predictions"])  # --bootstrap 0
        assert all(f["gof_pvalue"] is None for f in g["fits"])  # --gof-samples 0


def test_parse_cores() -> None:
    assert parse_cores("4,1, 2,4", None) == (1, 2, 4)
    assert parse_cores(None, 10) == (1, 2, 4, 8, 10)
    assert parse_cores(None, 16) == (1, 2, 4, 8, 16)
    assert parse_cores(None, 1) == (1,)
    assert parse_cores(None, None)[-1] == 384
    for bad in ("0,1", "-2", "a", ","):
        with pytest.raises(ValueError):
            parse_cores(bad, None)


# ---------------------------------------------------------------------------- bad input


def test_a_missing_file(tmp_path: Path) -> None:
    line = one_line_error(invoke("predict", tmp_path / "nope.csv"))
    assert "nope.csv" in line and "no such file" in line


def test_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert f"{path}:1:" in one_line_error(invoke("predict", path))


def test_a_header_without_flips(tmp_path: Path) -> None:
    path = tmp_path / "noflips.csv"
    columns = [c for c in COLUMNS if c != "flips"]
    row = run_row(LOGNORMAL, 1, "sat", 100)
    path.write_text(",".join(columns) + "\n"
                    + ",".join("" if row.get(c) is None else str(row[c]) for c in columns) + "\n")
    line = one_line_error(invoke("predict", path))
    assert f"{path}:1:" in line and "not a satspeed results CSV" in line


def test_a_non_numeric_flips_line_is_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "runs.csv", campaign_rows())
    lines = path.read_text().splitlines(keepends=True)
    fields = next(csv.reader([lines[5]]))  # line 6: a sequential run of the first group
    assert fields[COLUMNS.index("instance_sha256")] == LOGNORMAL
    assert fields[COLUMNS.index("walkers")] == "1"
    fields[COLUMNS.index("flips")] = "many"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    lines[5] = buf.getvalue()
    path.write_text("".join(lines))
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    warnings = [w for w in result.stderr.splitlines() if "warning" in w]
    assert len(warnings) == 1
    assert f"{path}:6:" in warnings[0] and "flips 'many'" in warnings[0]
    groups = {g["instance_sha256"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups[LOGNORMAL]["runs"] == 79 and groups[EXPONENTIAL]["runs"] == 50


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_non_finite_time_is_skipped(tmp_path: Path, value: str) -> None:
    rows = campaign_rows()
    rows[3]["cpu_s"] = value  # line 5
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--measure", "cpu_s", "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    assert f"{path}:5: skipped: cpu_s '{value}' is not a finite number" in result.stderr
    groups = {g["instance_sha256"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups[LOGNORMAL]["runs"] == 79


def test_unfit_groups_are_skipped_with_a_reason(tmp_path: Path) -> None:
    hopeless, single, races_only = "c" * 64, "d" * 64, "e" * 64
    rows = campaign_rows()[-50:]  # the exponential group only
    rows += [run_row(hopeless, s, "timeout", CUTOFF) for s in range(6)]
    rows += [run_row(single, 0, "sat", 42)]
    rows += [run_row(races_only, s, "sat", 100 + s, walkers=8) for s in range(3)]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [g["instance_sha256"] for g in doc["groups"]] == [EXPONENTIAL]
    skipped = {s["instance_sha256"]: s for s in doc["skipped"]}
    assert set(skipped) == {hopeless, single, races_only}
    for s in skipped.values():
        assert set(s) == SKIPPED_KEYS
    assert "no successful run" in skipped[hopeless]["reason"]
    assert "single run" in skipped[single]["reason"]
    assert "walkers = 1" in skipped[races_only]["reason"]
    assert result.stderr.count("skipped") == 3
    tables = invoke("predict", path, "--cores", "1,2", *FAST)
    assert tables.exit_code == 0
    words = " ".join(tables.stdout.split())  # rich wraps long lines at the console width
    assert words.count("skipped") == 3
    assert "ccc.cnf / probsat (caching=0,cb=2.06,eps=0.9,fct=poly): no successful run" in words
    assert "ddd.cnf / probsat (caching=0,cb=2.06,eps=0.9,fct=poly): a single run" in words
    assert tables.stdout.count("E[Z_n]") == 1


def test_nothing_to_fit(tmp_path: Path) -> None:
    rows = [run_row(LOGNORMAL, s, "timeout", CUTOFF) for s in range(5)]
    rows += [run_row(EXPONENTIAL, 0, "sat", 10), run_row(EXPONENTIAL, 1, "error", 0)]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, *FAST)
    assert f"{path}: no group of runs could be fitted" in one_line_error(result)
    words = " ".join(result.stdout.split())
    assert "no successful run" in words and "a single run" in words
    header_only = write_csv(tmp_path / "header.csv", [])
    assert "could be fitted" in one_line_error(invoke("predict", header_only))


@pytest.mark.parametrize("cores", ["0,1", "a", "1,x,4", ","])
def test_bad_cores(campaign: Path, cores: str) -> None:
    result = invoke("predict", campaign, "--cores", cores)
    assert result.exit_code == 2
    assert "--cores" in result.stderr


@pytest.mark.parametrize("option", [("--max-cores", "0"), ("--measure", "steps"),
                                    ("--dist", "gamma"), ("--bootstrap", "-1")])
def test_bad_options(campaign: Path, option: tuple[str, str]) -> None:
    assert invoke("predict", campaign, *option).exit_code == 2


def test_a_hand_edited_hash_is_no_traceback(tmp_path: Path) -> None:
    """instance_sha256 seeds the bootstraps; text that is not hexadecimal must still work."""
    rows = [run_row("", s, "sat", 10 + 7 * s) for s in range(10)]
    rows += [run_row("not-a-hash", s, "sat", 10 + 5 * s) for s in range(10)]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["groups"]) == 2


def test_floor_of_zero_flips(tmp_path: Path) -> None:
    """A run solved by its initial assignment (0 flips) counts as half a flip, so the
    log-scale models still fit."""
    rows = [run_row(LOGNORMAL, s, "sat", f) for s, f in enumerate([0, 0, 3, 9, 27, 81, 5])]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    group = json.loads(result.stdout)["groups"][0]
    assert all(f["loglik"] is not None and math.isfinite(f["loglik"]) for f in group["fits"])


# ---------------------------------------------------------------------------- README job


def test_run_then_predict_on_bundled_instances(tmp_path: Path) -> None:
    instances = [ROOT / "instances" / "uf3-n50-m210-s1-001.cnf",
                 ROOT / "instances" / "uf3-n100-m420-s1-001.cnf"]
    run = subprocess.run([sys.executable, "-m", "satspeed", "run", *map(str, instances),
                          "--runs", "30", "--workers", "2", "-q", "-o", "tmp.csv"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    predict = subprocess.run([sys.executable, "-m", "satspeed", "predict", "tmp.csv",
                              "--bootstrap", "20", "--gof-samples", "10", "--plot", "tmpdir"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert predict.returncode == 0, predict.stderr
    assert "Traceback" not in predict.stderr
    for instance in instances:
        assert f"{instance.name} / probsat" in predict.stdout
    figures = sorted(p.name for p in (tmp_path / "tmpdir").iterdir())
    assert len(figures) == 8
    for instance in instances:
        for kind in ("rtd.png", "rtd.svg", "speedup.png", "speedup.svg"):
            assert any(f.startswith(instance.name) and f.endswith(kind) for f in figures)
    assert all((tmp_path / "tmpdir" / f).stat().st_size > 1000 for f in figures)


def test_a_solver_that_reports_no_flips(tmp_path: Path) -> None:
    """An external solver without a flips regex writes flips = -1: predicting in flips skips
    its group with the reason; in CPU seconds it is fitted."""
    quiet = "f" * 64
    rows = campaign_rows()[-50:]
    rows += [{**run_row(quiet, s, "sat", 100 + 37 * s), "flips": -1} for s in range(30)]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    skipped = {s["instance_sha256"]: s["reason"] for s in json.loads(result.stdout)["skipped"]}
    assert "30 of its runs have no flips" in skipped[quiet]
    assert "--measure cpu_s" in skipped[quiet]
    seconds = invoke("predict", path, "--cores", "1,2", *FAST, "--json", "--measure", "cpu_s")
    assert quiet in {g["instance_sha256"] for g in json.loads(seconds.stdout)["groups"]}


def test_races_that_time_out_are_compared_restricted(tmp_path: Path) -> None:
    """Races censored below every sequential cutoff: tau is their censoring value, and the
    race speedup compared is E[min(Y, tau)] / mean(min(race, tau)), exact under censoring."""
    rows = campaign_rows()
    rows += [run_row(LOGNORMAL, s, "timeout", 250, walkers=2) for s in range(3000, 3002)]
    rows += [run_row(LOGNORMAL, s, "sat", 300 + s % 7, walkers=2) for s in range(3002, 3010)]
    path = write_csv(tmp_path / "runs.csv", rows)
    result = invoke("predict", path, "--cores", "1,2,4", *FAST, "--json")
    group = next(g for g in json.loads(result.stdout)["groups"]
                 if g["instance_sha256"] == LOGNORMAL)
    by_cores = {r["cores"]: r for r in group["predictions"]}
    assert (by_cores[2]["race_runs"], by_cores[2]["race_timeouts"]) == (10, 2)
    assert (by_cores[4]["race_runs"], by_cores[4]["race_timeouts"]) == (20, 0)
    assert group["restricted_to"] == 250.0  # the races' cutoff, below the runs' 3000
    (sequential,) = [g for g in read_groups(path, "flips") if g.sha256 == LOGNORMAL]
    y = np.mean(np.minimum(sequential.values, 250.0))
    race = np.mean([250.0] * 2 + [250.0] * 8)  # every race min(flips, 250) is 250
    assert by_cores[2]["race_restricted_speedup"] == pytest.approx(y / race)
    words = " ".join(invoke("predict", path, "--cores", "1,2", *FAST).stdout.split())
    assert "restricted to τ = 250 flips" in words


# ---------------------------------------------------------------------------- odd CSVs


def edit_lines(path: Path, edits: dict[int, dict[str, str]]) -> None:
    """Set fields of some lines (numbered from 1, the header) of a CSV."""
    lines = path.read_text().splitlines(keepends=True)
    for number, fields in edits.items():
        values = next(csv.reader([lines[number - 1]]))
        for column, value in fields.items():
            values[COLUMNS.index(column)] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        lines[number - 1] = buf.getvalue()
    path.write_text("".join(lines))


def warnings_of(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("satspeed: warn")]


def test_other_digits_walkers_below_one_duplicates_and_a_bom(tmp_path: Path) -> None:
    """Each odd line is one warning naming file and line; the rest is predicted as usual."""
    path = write_csv(tmp_path / "runs.csv", campaign_rows())
    edit_lines(path, {3: {"flips": "²"}, 4: {"walkers": "¹"}, 5: {"walkers": "0"}})
    text = path.read_text()
    sixth = text.splitlines(keepends=True)[5]  # a sequential run of the lognormal group
    path.write_bytes(b"\xef\xbb\xbf" + (text + sixth).encode())  # line 153 repeats line 6
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    found = warnings_of(result)
    assert len(found) == 4, found
    for line, (number, what) in zip(found, ((3, "skipped: flips '²' is not an integer"),
                                            (4, "skipped: walkers '¹' is not an integer"),
                                            (5, "skipped: walkers '0' is not positive"),
                                            (153, "duplicate: the run of line 6 again")),
                                    strict=True):
        assert line.startswith(f"satspeed: warning: {path}:{number}: {what}"), line
    groups = {g["instance_sha256"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups[LOGNORMAL]["runs"] == 77 and groups[EXPONENTIAL]["runs"] == 50


def test_rows_superseded_by_a_run_made_again_count_once(tmp_path: Path) -> None:
    """Runs made first at 100 flips, then again at the campaign's cutoff (a resume with more
    flips): the last row of each run is used, and one note gives the count."""
    early = [{**run_row(LOGNORMAL, seed, "timeout", 100), "cutoff_flips": 100}
             for seed in range(10)]
    path = write_csv(tmp_path / "runs.csv", early + campaign_rows())
    result = invoke("predict", path, "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"satspeed: note: {path}: 10 rows superseded by a later row of the same run (made "
        "again at other cutoffs): each run counts once, at its last row"]
    groups = {g["instance_sha256"]: g for g in json.loads(result.stdout)["groups"]}
    assert groups[LOGNORMAL]["runs"] == 80
    assert groups[LOGNORMAL]["timeouts"] == sum(r["status"] == "timeout"
                                                for r in campaign_rows()[:80])


@pytest.mark.parametrize("value", ["-3", "-inf"])
def test_a_negative_time_is_a_malformed_value_not_missing_flips(tmp_path: Path,
                                                                 value: str) -> None:
    path = write_csv(tmp_path / "runs.csv", campaign_rows())
    edit_lines(path, {5: {"cpu_s": value}})
    result = invoke("predict", path, "--measure", "cpu_s", "--cores", "1,2", *FAST, "--json")
    assert result.exit_code == 0, result.output
    assert warnings_of(result) == [f"satspeed: warning: {path}:5: skipped: cpu_s '{value}' "
                                   + ("is negative" if value == "-3" else
                                      "is not a finite number")]
    doc = json.loads(result.stdout)
    assert "flips = -1" not in result.stderr and doc["skipped"] == []
    assert {g["instance_sha256"]: g["runs"] for g in doc["groups"]}[LOGNORMAL] == 79


def test_a_huge_time_does_not_break_the_exponential_fits(tmp_path: Path) -> None:
    """cpu_s = 1e308: sums of such runtimes overflow a float; the estimates must not."""
    values = np.array([1e308, 1e308, 0.5, 0.7, 0.9])
    sample = Sample(values, np.zeros(5, bool))
    for name in ("exp", "shifted-exp"):
        params = get(name).estimate(sample)
        assert all(math.isfinite(v) and v >= 0 for v in params.values()), (name, params)
        assert params["rate"] == pytest.approx(5 / (2e308 + 2.1), rel=1e-12)
    path = write_csv(tmp_path / "runs.csv", campaign_rows())
    edit_lines(path, {5: {"cpu_s": "1e308"}})
    for dist in ("auto", "shifted-exp"):
        result = invoke("predict", path, "--measure", "cpu_s", "--dist", dist, "--cores",
                        "1,2", *FAST, "--json")
        assert result.exit_code == 0, result.output
        groups = {g["instance_sha256"]: g for g in json.loads(result.stdout)["groups"]}
        assert groups[LOGNORMAL]["runs"] == 80


def test_workers_change_no_number(tmp_path: Path) -> None:
    """Six groups predicted in this process and on two worker processes: the same JSON (each
    group's bootstrap seeds come from the group, not from which worker took it)."""
    rng = np.random.default_rng(16)
    rows = []
    for g in range(6):
        sha = f"{g:x}" * 64
        for seed, flips in enumerate(50 + rng.lognormal(6.0, 0.5 + 0.2 * g, 40)):
            rows.append(run_row(sha[:64], seed, "timeout" if flips >= CUTOFF else "sat",
                                min(flips, CUTOFF)))
    csv = write_csv(tmp_path / "six.csv", rows)
    one = invoke("predict", csv, *FAST, "--json", "--workers", 1)
    two = invoke("predict", csv, *FAST, "--json", "--workers", 2)
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    assert len(json.loads(one.stdout)["groups"]) == 6
    assert one.stdout == two.stdout
