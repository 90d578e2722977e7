"""`satspeed report`: the HTML page through the CLI, its numbers against `predict --json` with
the same options, names from the CSV escaped, the sidecar's sessions, bad input; and the page
in a real browser (headless Chromium through selenium): tables with their rows, figures drawn
at a size, sorting by a click on a heading, no network request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from satspeed.cli import main
from satspeed.results import ResultsWriter, make_row
from satspeed.sidecar import QUIET_MACHINE, record_session

CUTOFF = 2000
CORES = (1, 2, 4)
OPTIONS = ["--cores", "1,2,4", "--bootstrap", "10", "--gof-samples", "0", "--seed", "3"]
EVIL = '<b>x</b>&"'  # a name to be shown, not to be markup
# (instance, sha256, solver, params, flips drawn with this scale, races of 2 walkers)
GROUPS = [
    ("bench/a.cnf", "a" * 64, "probsat", "cb=2.06", 300.0, 8),
    (f"bench/{EVIL}.cnf", "b" * 64, f"<script>alert(1)</script>{EVIL}", "x=1", 900.0, 0),
    ("bench/c.cnf", "c" * 64, "walksat", "noise=0.5", 1e9, 0),  # all time out: skipped
]
RUNS = 25


def _row(group: tuple, seed: int, flips: float, walkers: int = 1) -> dict[str, object]:
    instance, sha, solver, params, _, _ = group
    flips = min(round(flips) + 1, CUTOFF)
    return make_row(instance=instance, instance_sha256=sha, solver=solver, params=params,
                    walkers=walkers, seed=seed, status="timeout" if flips >= CUTOFF else "sat",
                    flips=flips, cpu_s=flips * 1e-6, wall_s=flips * 1e-6, cutoff_flips=CUTOFF,
                    cutoff_s=60.0, host="h", started_at="2026-01-01T00:00:00.000Z",
                    satspeed_version="0.1.0", message=None)


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CSV of three groups (one with races, one with timeouts, one all timeouts) and its
    sidecar, with a command line that holds markup."""
    csv = tmp_path_factory.mktemp("campaign") / "results.csv"
    rng = np.random.default_rng(11)
    with ResultsWriter(csv) as writer:
        for group in GROUPS:
            for seed, flips in enumerate(rng.exponential(group[4], RUNS)):
                writer.write(_row(group, seed, flips))
            for seed, flips in enumerate(rng.exponential(group[4] / 2, group[5])):
                writer.write(_row(group, 1000 + seed, flips, walkers=2))
    record_session(csv, ["satspeed", "run", "bench/", "--solver", EVIL, "-o", str(csv)])
    return csv


@pytest.fixture(scope="module")
def page(campaign: Path) -> Path:
    out = campaign.with_name("report.html")
    result = CliRunner().invoke(main, ["report", str(campaign), "-o", str(out), *OPTIONS])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr
    assert "skipped c.cnf / walksat (noise=0.5)" in result.stderr
    return out


def test_page_is_self_contained_escaped_and_has_the_sessions(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text  # nothing to fetch, no URL at all
    assert text.count("<script") == 1  # the sorting script, and the CSV's names only as text
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;&amp;&quot;" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.count("<svg") == 4  # RTD and speedup of each fitted group
    assert "skipped c.cnf / walksat (noise=0.5): no successful run among 25" in text
    # the sidecar's command line, quoted as a shell would take it, and the machine
    assert "satspeed run bench/ --solver &#x27;&lt;b&gt;x&lt;/b&gt;&amp;&quot;&#x27;" in text
    assert "memory_gib" in text and "python" in text


def test_numbers_are_those_of_predict_json(campaign: Path, page: Path) -> None:
    """The summary's speedup at the most cores, to the last digit (its sort key), is the one
    `satspeed predict --json` gives with the same options."""
    result = CliRunner().invoke(main, ["predict", str(campaign), "--json", *OPTIONS])
    assert result.exit_code == 0, result.output
    groups = json.loads(result.stdout)["groups"]
    assert len(groups) == 2
    text = page.read_text(encoding="utf-8")
    for g in groups:
        at4 = next(p for p in g["predictions"] if p["cores"] == 4)
        assert f'data-sort="{at4["predicted_speedup"]!r}"' in text
        assert f'data-sort="{at4["speedup_low"]!r}"' in text


def test_bad_input_is_one_line(tmp_path: Path, campaign: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(tmp_path / "none.csv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("satspeed: error: ") and result.stderr.count("\n") == 1
    result = runner.invoke(main, ["report", str(campaign), "--cores", "x"])
    assert result.exit_code == 2 and "--cores" in result.stderr
    csv = tmp_path / "r.csv"
    shutil.copy(campaign, csv)
    Path(f"{csv}.meta.json").write_text("{not json")
    result = runner.invoke(main, ["report", str(csv), "--bootstrap", "0", "--gof-samples", "0",
                                  "--cores", "1,2"])
    assert result.exit_code == 0, result.output
    assert f"warning: {csv}.meta.json: not JSON" in result.stderr
    assert "no meta sidecar" in (tmp_path / "r.html").read_text()  # the default name


def test_portfolios_races_and_allocation_when_asked(tmp_path: Path) -> None:
    """Two solvers on one instance and races of their mixed portfolio: with --portfolio and
    --allocate the page has the portfolio's table (the portfolio, then each member alone),
    the portfolio races and the best split."""
    csv = tmp_path / "mixed.csv"
    rng = np.random.default_rng(5)
    one = ("bench/m.cnf", "d" * 64, "probsat", "cb=2", 0, 0)
    two = ("bench/m.cnf", "d" * 64, "walksat", "noise=0.5", 0, 0)
    mixed = ("bench/m.cnf", "d" * 64, "probsat*1+walksat*1", "probsat:cb=2;walksat:noise=0.5",
             0, 0)
    with ResultsWriter(csv) as writer:
        for seed in range(RUNS):
            writer.write(_row(one, seed, rng.exponential(200.0)))
            writer.write(_row(two, seed, rng.exponential(400.0)))
        for seed in range(5):
            writer.write(_row(mixed, seed, rng.exponential(150.0), walkers=2))
    result = CliRunner().invoke(main, ["report", str(csv), "--portfolio", "probsat=1,walksat=1",
                                       "--allocate", "2", "--measure", "flips", *OPTIONS])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "mixed.html").read_text(encoding="utf-8")
    head = "<h2>Portfolio probsat*1+walksat*1 on 2 cores</h2>"
    table = text[text.index(head):].split("</table>")[0]
    rows = [row.split("</td>")[0] for row in table.split("<tr><td class=l>")[1:]]
    assert "<td class=l colspan=6><b>m.cnf</b> (vs probsat" in table  # the better alone
    assert rows == ["probsat*1+walksat*1", "probsat*2", "walksat*2"]
    assert "<h2>Portfolio races</h2>" in text and "<h2>Best split of 2 cores" in text


def test_a_disturbed_machine_is_said_for_times(tmp_path: Path, campaign: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """As `predict --measure cpu_s` warns, the page says when the sidecar shows more workers
    than physical cores (on stderr too); in flips, which no load inflates, it says nothing."""
    monkeypatch.delenv(QUIET_MACHINE, raising=False)
    csv = tmp_path / "busy.csv"
    shutil.copy(campaign, csv)
    session = {"started_at": "2026-01-01T00:00:00Z", "command": ["satspeed", "run"],
               "workers": 4, "logical_cores": 8, "physical_cores": 2}
    meta = {"csv": "busy.csv", "csv_format": 1, "sessions": [session]}
    Path(f"{csv}.meta.json").write_text(json.dumps(meta))
    for measure, said in (("cpu_s", True), ("flips", False)):
        result = CliRunner().invoke(main, ["report", str(csv), "--measure", measure,
                                           "--bootstrap", "0", "--gof-samples", "0"])
        assert result.exit_code == 0, result.output
        page = (tmp_path / "busy.html").read_text(encoding="utf-8")
        assert ("4 workers on 2 physical cores" in page) is said
        assert ("disturbed machine" in result.stderr) is said


CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if CHROMIUM is None or not CHROMEDRIVER.exists():
        pytest.skip("headless Chromium not installed (apt-get install chromium "
                    "chromium-driver): the page is not checked in a browser")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed "
                                    "(pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()  # with the Service's path, Selenium Manager (which
    # would download a driver) is not run
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1200,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def _column(driver, table: str, index: int) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelector(arguments[0]).tBodies[0].rows]"
        ".map(r => r.cells[arguments[1]].textContent)", table, index)


def test_page_in_a_browser(browser, page: Path, tmp_path: Path) -> None:
    browser.get(page.as_uri())
    assert browser.title == "satspeed report: results.csv"
    summary = "table.summary"
    instances = _column(browser, summary, 0)
    assert sorted(instances) == sorted(Path(g[0]).name for g in GROUPS)  # escaped: as in CSV
    assert f"<script>alert(1)</script>{EVIL}" in _column(browser, summary, 1)
    assert browser.execute_script("return document.scripts.length") == 1
    # per fitted group: every fit, one row per core count
    assert browser.execute_script(
        "return [...document.querySelectorAll('table.predictions')].map(t => t.tBodies[0]"
        ".rows.length)") == [len(CORES)] * 2
    assert all(n >= 3 for n in browser.execute_script(
        "return [...document.querySelectorAll('table.fits')].map(t => t.tBodies[0].rows"
        ".length)"))
    assert _column(browser, "table.predictions", 0) == [str(n) for n in CORES]
    sizes = browser.execute_script(
        "return [...document.querySelectorAll('figure svg')].map(s => {"
        "const b = s.getBoundingClientRect(); return [b.width, b.height,"
        " s.querySelectorAll('path').length]})")
    assert len(sizes) == 4 and all(w > 100 and h > 100 and paths > 10 for w, h, paths in sizes)
    # sorting: solvers by name, then the other way; runs as numbers
    heading = browser.find_elements("css selector", f"{summary} th")
    before = _column(browser, summary, 1)
    heading[1].click()
    assert _column(browser, summary, 1) == sorted(before)
    heading[1].click()
    assert _column(browser, summary, 1) == sorted(before, reverse=True)
    heading[9].click()  # speedup at 4: numbers, the skipped group (none) last
    speedups = _column(browser, summary, 9)
    assert speedups[-1] == "-" and [float(s) for s in speedups[:-1]] == sorted(
        float(s) for s in speedups[:-1])
    # nothing fetched: no resource, no URL in the document as the browser holds it
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    source = browser.page_source
    assert "http://" not in source.replace("http://www.w3.org/", "")  # the DOM's own namespaces
    assert "https://" not in source
    for name, where in (("report-top.png", "h1"), ("report-group.png", "section.group")):
        browser.execute_script("document.querySelector(arguments[0]).scrollIntoView()", where)
        shot = tmp_path / name
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
