"""`satspeed compare`: the log-rank test and Kaplan-Meier medians against hand-computed cases,
the bootstrap interval against the exact F interval of exponential means, and the verb end to
end on runs drawn from known distributions (faster, slower, unchanged; timeouts at mixed
cutoffs): ratios, restricted means, the Benjamini-Hochberg verdicts, the geometric mean, the
JSON schema, markdown, the 80-column table, --fail-if-slower and bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from scipy import stats

from satspeed.cli import main
from satspeed.predict.compare import km_median, km_medians, logrank
from satspeed.predict.sample import Sample
from satspeed.results import ResultsWriter, make_row

FASTER, SLOWER, SAME, ONLY_BASE = "a" * 64, "b" * 64, "c" * 64, "d" * 64
BASE_PARAMS = "caching=0,cb=2.06,eps=0.9,fct=poly"
NEW_PARAMS = "caching=0,cb=2.3,eps=0.9,fct=poly"
RUNS = 150
TOP_KEYS = {"schema", "kind", "satspeed_version", "measure", "alpha", "confidence",
            "bootstrap", "seed", "correction", "test", "base", "new", "instances",
            "unmatched", "summary"}
INSTANCE_KEYS = {"instance", "instance_sha256", "base", "new", "restricted_to", "mean_ratio",
                 "median_ratio", "logrank_statistic", "p_value", "p_adjusted", "verdict"}


def run_row(sha: str, seed: int, flips: float, cutoff: int, params: str = BASE_PARAMS,
            instance: str = "") -> dict[str, object]:
    """A sequential probsat run, a timeout where `flips` reaches `cutoff` (censored there)."""
    flips = min(round(float(flips)), cutoff)
    return make_row(
        instance=instance or f"bench/{sha[:3]}.cnf", instance_sha256=sha, solver="probsat",
        params=params, walkers=1, seed=seed, status="timeout" if flips >= cutoff else "sat",
        flips=flips, cpu_s=f"{flips * 2e-6:.6f}", wall_s=f"{flips * 2.2e-6:.6f}",
        cutoff_flips=cutoff, cutoff_s=60.0, host="h",
        started_at="2026-01-01T00:00:00.000Z", satspeed_version="0.1.0", message=None)


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with ResultsWriter(path) as writer:
        for row in rows:
            writer.write(row)
    return path


def side_rows(params: str, means: dict[str, float], cutoffs: dict[str, tuple[int, ...]],
              seed: int, rename: str = "") -> list[dict[str, object]]:
    """RUNS exponential runs (mean as given, at least 1 flip) per instance; run i gets the
    cutoff cutoffs[sha][i % len]."""
    rng = np.random.default_rng(seed)
    rows = []
    for sha, mean in means.items():
        cuts = cutoffs.get(sha, (10**7,))
        for i, flips in enumerate(rng.exponential(mean, RUNS) + 1):
            rows.append(run_row(sha, i, flips, cuts[i % len(cuts)], params,
                                f"{rename}{sha[:3]}.cnf" if rename else ""))
    return rows


BASE_MEANS = {FASTER: 2000.0, SLOWER: 1000.0, SAME: 1500.0, ONLY_BASE: 800.0}
NEW_MEANS = {FASTER: 1000.0, SLOWER: 2000.0, SAME: 1500.0}
BASE_CUTOFFS = {SLOWER: (2500, 4000)}  # mixed cutoffs: timeouts at 2500 and 4000
NEW_CUTOFFS = {SLOWER: (5000,)}


def campaign(tmp_path: Path) -> Path:
    """One CSV with both parameter sets."""
    rows = side_rows(BASE_PARAMS, BASE_MEANS, BASE_CUTOFFS, 1)
    rows += side_rows(NEW_PARAMS, NEW_MEANS, NEW_CUTOFFS, 2)
    return write_csv(tmp_path / "both.csv", rows)


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def compare_json(*args: object) -> dict:
    result = invoke("compare", *args, "--json", "--bootstrap", "400")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


ONE_CSV = ("--base", "probsat:cb=2.06", "--new", "probsat:cb=2.3")


# --- the statistics against independent derivations -------------------------------------

def test_logrank_matches_a_hand_computed_case() -> None:
    """BASE 3, 5, 6 against NEW 1, 2, 4+ (censored). At the event times t = 1, 2, 3 the
    risk sets (all, NEW) are (6, 3), (5, 2), (4, 1): O - E = 2 - (1/2 + 2/5 + 1/4) = 17/20 for
    NEW, V = 1/4 + 6/25 + 3/16 = 271/400, so z = 17/sqrt(271) and chi^2 = 289/271."""
    base = Sample(np.array([3.0, 5.0, 6.0]), np.array([False, False, False]))
    new = Sample(np.array([1.0, 2.0, 4.0]), np.array([False, False, True]))
    z, p = logrank(base, new)
    assert z == pytest.approx(17 / math.sqrt(271), rel=1e-12)
    assert p == pytest.approx(stats.chi2.sf(289 / 271, 1), rel=1e-12)


def test_kaplan_meier_median_by_hand_and_vectorised() -> None:
    """1, 2, 3+, 4, 5: S = 4/5, 3/5 (3+ leaves the risk set), 3/5 * 1/2 = 0.3 at 4: median 4.
    1, 2, 3, then seven censored: S = 0.9, 0.8, 0.7 and no lower, so no median. The vectorised
    form used by the bootstrap equals scipy's (km_median) on random censored samples with ties."""
    values, censored = np.array([1.0, 2, 3, 4, 5]), np.array([0, 0, 1, 0, 0], bool)
    assert km_median(Sample(values, censored)) == 4.0
    assert km_medians(values[None], censored[None])[0] == 4.0
    early = Sample(np.arange(1.0, 11), np.arange(10) >= 3)
    assert km_median(early) is None
    assert np.isnan(km_medians(early.values[None], early.censored[None])[0])
    rng = np.random.default_rng(5)
    x = rng.integers(1, 15, (300, 12)).astype(float)
    c = rng.random((300, 12)) < 0.3
    fast = km_medians(x, c)
    slow = [km_median(Sample(xi, ci)) for xi, ci in zip(x, c, strict=True)]
    assert [None if np.isnan(f) else f for f in fast] == slow


def test_mean_ratio_interval_matches_the_exact_f_interval(tmp_path: Path) -> None:
    """Exponential means: (mean_new/theta_new) / (mean_base/theta_base) ~ F(2n, 2n), so the
    ratio's spread is R * [F_0.025, F_0.975]; the percentile bootstrap is close to it."""
    rows = side_rows(BASE_PARAMS, {FASTER: 2000.0}, {}, 11)
    rows += side_rows(NEW_PARAMS, {FASTER: 1000.0}, {}, 12)
    doc = compare_json(write_csv(tmp_path / "r.csv", rows), *ONE_CSV, "--bootstrap", "4000")
    ratio = doc["instances"][0]["mean_ratio"]
    f_low, f_high = stats.f.ppf([0.025, 0.975], 2 * RUNS, 2 * RUNS)
    assert ratio["low"] == pytest.approx(ratio["value"] * f_low, rel=0.04)
    assert ratio["high"] == pytest.approx(ratio["value"] * f_high, rel=0.04)


# --- the verb end to end ----------------------------------------------------------------

def _independent(rows: list[dict[str, object]], sha: str) -> tuple[np.ndarray, np.ndarray]:
    mine = [r for r in rows if r["instance_sha256"] == sha]
    return (np.array([float(r["flips"]) for r in mine]),
            np.array([r["status"] == "timeout" for r in mine]))


def test_one_csv_faster_slower_same(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    doc = compare_json(path, *ONE_CSV)
    assert set(doc) == TOP_KEYS and doc["schema"] == 1 and doc["kind"] == "compare"
    assert doc["correction"] == "benjamini-hochberg" and doc["test"] == "logrank"
    got = {r["instance_sha256"]: r for r in doc["instances"]}
    assert set(got) == {FASTER, SLOWER, SAME}
    assert all(set(r) == INSTANCE_KEYS for r in got.values())
    assert {s: r["verdict"] for s, r in got.items()} == {
        FASTER: "faster", SLOWER: "slower", SAME: "same"}
    assert doc["summary"]["faster"] == doc["summary"]["slower"] == doc["summary"]["same"] == 1
    assert doc["unmatched"] == [{"instance": "bench/ddd.cnf", "instance_sha256": ONLY_BASE,
                                 "side": "base", "reason": "no runs in new"}]
    base_rows = side_rows(BASE_PARAMS, BASE_MEANS, BASE_CUTOFFS, 1)
    new_rows = side_rows(NEW_PARAMS, NEW_MEANS, NEW_CUTOFFS, 2)
    logs, p = [], []
    for sha, r in got.items():
        (bx, bc), (nx, nc) = _independent(base_rows, sha), _independent(new_rows, sha)
        censored = np.concatenate([bx[bc], nx[nc]])
        tau = float(censored.min()) if censored.size else None
        assert r["restricted_to"] == tau
        assert r["base"]["timeouts"] == int(bc.sum()) and r["new"]["runs"] == RUNS
        limit = tau if tau is not None else math.inf
        ratio = np.minimum(nx, limit).mean() / np.minimum(bx, limit).mean()
        assert r["mean_ratio"]["value"] == pytest.approx(ratio, rel=1e-12)
        assert r["mean_ratio"]["low"] < ratio < r["mean_ratio"]["high"]
        if not bc.any() and not nc.any():  # uncensored: the median is x_(ceil(n/2))
            assert r["median_ratio"]["value"] == pytest.approx(
                np.sort(nx)[RUNS // 2 - 1] / np.sort(bx)[RUNS // 2 - 1])
        logs.append(math.log(ratio))
        p.append(r["p_value"])
    assert got[SLOWER]["restricted_to"] == 2500.0  # the base side's smaller cutoff
    order = np.argsort(p)  # Benjamini-Hochberg by hand: min over j >= i of p_(j) m / j
    scaled = np.array(p)[order] * 3 / np.arange(1, 4)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    for rank, i in enumerate(order):
        assert list(got.values())[i]["p_adjusted"] == pytest.approx(adjusted[rank])
    geomean = doc["summary"]["geomean_ratio"]
    assert geomean["value"] == pytest.approx(math.exp(np.mean(logs)), rel=1e-12)
    assert geomean["low"] < geomean["value"] < geomean["high"]


def test_two_csvs_match_by_content_not_by_path(tmp_path: Path) -> None:
    """NEW.csv names the instances differently; the result equals the one-CSV comparison."""
    base = write_csv(tmp_path / "base.csv",
                     side_rows(BASE_PARAMS, BASE_MEANS, BASE_CUTOFFS, 1))
    new = write_csv(tmp_path / "new.csv", side_rows(NEW_PARAMS, NEW_MEANS, NEW_CUTOFFS, 2,
                                                    rename="elsewhere/"))
    two = compare_json(base, new)
    one = compare_json(campaign(tmp_path), *ONE_CSV)
    assert two["instances"] == one["instances"] and two["summary"] == one["summary"]
    assert two["base"] == {"source": str(base), "selector": "*"}


def test_fail_if_slower_gates_on_the_interval(tmp_path: Path) -> None:
    rows = side_rows(BASE_PARAMS, {SLOWER: 1000.0}, {}, 3)
    rows += side_rows(NEW_PARAMS, {SLOWER: 2000.0}, {}, 4)
    path = write_csv(tmp_path / "slow.csv", rows)
    failed = invoke("compare", path, *ONE_CSV, "--fail-if-slower", "10", "--json")
    assert failed.exit_code == 1
    assert json.loads(failed.stdout)["summary"]["failed"] is True
    assert failed.stderr.startswith("satspeed: slower: the geometric mean of NEW/BASE")
    assert invoke("compare", path, *ONE_CSV, "--fail-if-slower", "500").exit_code == 0
    same = campaign(tmp_path)  # faster, slower and unchanged: the interval spans 1
    assert invoke("compare", same, *ONE_CSV, "--fail-if-slower", "10").exit_code == 0


def test_markdown_table(tmp_path: Path) -> None:
    rows = side_rows(BASE_PARAMS, BASE_MEANS, BASE_CUTOFFS, 1)
    rows += side_rows(NEW_PARAMS, NEW_MEANS, NEW_CUTOFFS, 2)
    for row in rows:
        if row["instance_sha256"] == SAME:
            row["instance"] = "bench/a|b.cnf"
    result = invoke("compare", write_csv(tmp_path / "m.csv", rows), *ONE_CSV, "--markdown",
                    "--bootstrap", "100")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 3 and table[1].startswith("|:---|---:|")
    cells = [len(line.replace("\\|", "").split("|")) for line in table]
    assert len(set(cells)) == 1  # every row has the header's columns
    assert any("a\\|b.cnf" in line for line in table)
    assert lines[0].startswith("**satspeed compare** (flips): geometric mean")
    assert any("benjamini-hochberg" in line for line in lines)
    assert any("restricted means" in line for line in lines)


def test_rich_table_fits_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("compare", campaign(tmp_path), *ONE_CSV, "--bootstrap", "100")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = result.stdout
    assert "faster" in text and "slower" in text and "same" in text and "τ" in text
    words = " ".join(text.split())
    assert "1 faster, 1 slower, 1 no significant change" in words
    assert "E[min(T, tau)]" in words  # not eaten as rich markup


@pytest.mark.parametrize("args, message", [
    (("--base", "probsat"), "with one CSV"),
    (("--base", ":cb=1", "--new", "probsat"), "expected SOLVER"),
    (("--base", "probsat:cb", "--new", "probsat"), "expected key=value"),
    ((*ONE_CSV, "--json", "--markdown"), "exclusive"),
    (("--base", "probsat", "--new", "probsat"), "the same runs"),
    (("x.csv", "y.csv"), "give BASE.csv NEW.csv"),
    ((*ONE_CSV, "--alpha", "1.5"), "--alpha"),
    ((*ONE_CSV, "--fail-if-slower", "5", "--bootstrap", "0"), "needs the interval"),
])
def test_bad_options_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("compare", campaign(tmp_path), *args)
    assert result.exit_code == 2 and message in result.stderr


def test_bad_input_is_one_line_exit_1(tmp_path: Path) -> None:
    path = campaign(tmp_path)
    cases = {
        (tmp_path / "missing.csv", tmp_path / "missing.csv"): "missing.csv",
        (path, "--base", "probsat", "--new", "probsat:cb=2.3"): "choose one with --base",
        (path, "--base", "walksat", "--new", "probsat:cb=2.3"): "no sequential runs of "
                                                                "'walksat'",
    }
    only_base = write_csv(tmp_path / "d.csv", side_rows(BASE_PARAMS, {ONLY_BASE: 9.0}, {}, 1))
    cases[(path, only_base, "--base", "probsat:cb=2.3")] = "no instance has comparable"
    for args, message in cases.items():
        result = invoke("compare", *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("satspeed: error: ") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_groups_that_cannot_be_compared_are_listed(tmp_path: Path) -> None:
    """A side whose runs report no flips, or with a single run, is listed with the reason;
    the other instances are compared."""
    rows = side_rows(BASE_PARAMS, {FASTER: 2000.0, SAME: 10.0, SLOWER: 10.0}, {}, 1)
    rows += side_rows(NEW_PARAMS, {FASTER: 1000.0}, {}, 2)
    rows += [dict(r, flips=-1) for r in side_rows(NEW_PARAMS, {SAME: 10.0}, {}, 3)]
    rows.append(run_row(SLOWER, 0, 5, 100, NEW_PARAMS))
    doc = compare_json(write_csv(tmp_path / "u.csv", rows), *ONE_CSV)
    assert [r["instance_sha256"] for r in doc["instances"]] == [FASTER]
    reasons = {u["instance_sha256"]: (u["side"], u["reason"]) for u in doc["unmatched"]}
    assert reasons[SAME][0] == "new" and "--measure cpu_s" in reasons[SAME][1]
    assert reasons[SLOWER] == ("new", "1 sequential run: at least 2 are needed")


def test_base_and_new_must_not_take_the_same_runs(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "n.csv", side_rows(NEW_PARAMS, {FASTER: 10.0}, {}, 1))
    result = invoke("compare", path, "--base", "probsat", "--new", "probsat:cb=2.3")
    assert result.exit_code == 1 and "both select the runs of" in result.stderr


def test_result_does_not_depend_on_row_order(tmp_path: Path) -> None:
    """Runs end in any order in a campaign: the same runs, shuffled, give the same document."""
    rows = side_rows(BASE_PARAMS, BASE_MEANS, BASE_CUTOFFS, 1)
    rows += side_rows(NEW_PARAMS, NEW_MEANS, NEW_CUTOFFS, 2)
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    one = compare_json(write_csv(tmp_path / "a.csv", rows), *ONE_CSV)
    two = compare_json(write_csv(tmp_path / "b.csv", shuffled), *ONE_CSV)
    assert one["instances"] == two["instances"] and one["summary"] == two["summary"]


def test_a_selector_reads_free_text_params_of_imported_runs() -> None:
    """`satspeed import --params` takes free text: a selector with parameters passes over such
    a group instead of failing on a part without '='."""
    from satspeed.predict.compare import parse_selector
    from satspeed.predict.groups import Group

    selector = parse_selector("ubcsat:cb=2.0")
    assert not selector.matches(Group("x.cnf", "a" * 64, "ubcsat", "fast build, run 2"))
    assert selector.matches(Group("x.cnf", "a" * 64, "ubcsat", "cb=2.0,eps=1"))
    with pytest.raises(ValueError, match="expected key=value"):
        parse_selector("ubcsat:cb")
