"""`satspeed import`: UBCSAT's `-r out` report and a plain `runtime solved` list as rows of the
results CSV, through the CLI; then `satspeed predict` on what was imported.

The UBCSAT files are written here in its documented layout (src/reports.c and
src/ubcsat-reports.c of UBCSAT 1.1: `# `-prefixed header, `Output Columns: |run|found|...|`,
three title lines, then per run two spaces and each column in its printf format and a space).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from satspeed.cli import main
from satspeed.results import ResultsWriter, read_rows

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instances" / "uf3-n100-m420-s1-001.cnf"
SHA256 = hashlib.sha256(INSTANCE.read_bytes()).hexdigest()  # a plain file: its own bytes
# UBCSAT's columns: (printf format, three title lines), as in src/reports.c
FORMATS = {"run": ("%5u", "     ", "  Run", "  No."), "found": ("%1u", "F", "N", "D"),
           "best": ("%5u", " Best", "Sol'n", "Found"),
           "beststep": ("%10u", "      Step", "        of", "      Best"),
           "steps": ("%10u", "     Total", "    Search", "     Steps"),
           "seed": ("%10u", "          ", "  Starting", "      Seed"),
           "time": ("%10.6f", "  CPU Time", "in seconds", "(measured)")}


def ubcsat_out(runs: list[dict[str, float]], columns: tuple[str, ...], cutoff: str = "100000",
               timeout: str = "0") -> str:
    """What `ubcsat -alg saps -r out FILE COLUMNS` writes for these runs."""
    header = ["", "UBCSAT version 1.1.0 (Sea to Sky Release)", "", "http://www.satlib.org/ubcsat",
              "", "ubcsat -h for help", "", " -alg saps",
              *(f" {switch} {value} " for switch, value in (
                  ("-runs", len(runs)), ("-cutoff", cutoff), ("-timeout", timeout),
                  ("-gtimeout", 0), ("-noimprove", 0), ("-target", 0), ("-wtarget", 0),
                  ("-seed", 1234), ("-solve", 0), ("-find,-numsol", 0))),
              "", " -alpha 1.3 ", " -rho 0.8 ", " -ps 0.05 ", " -wp 0.01 ", " -sapsthresh -0.1 ",
              "", "UBCSAT default output: ",
              "   'ubcsat -r out null' to suppress, 'ubcsat -hc' for customization help", "",
              "", "Output Columns: " + "".join(f"|{c}" for c in columns) + "|", "",
              *(f"{c}: ..." for c in columns), "",
              *("".join(FORMATS[c][i] + " " for c in columns) for i in (1, 2, 3)), ""]
    lines = [f"# {text}" for text in header]
    lines += ["  " + "".join(FORMATS[c][0] % run[c] + " " for c in columns) for run in runs]
    return "\n".join(lines) + "\n"


def sample_runs(count: int, cutoff: int, seed: int = 5) -> list[dict[str, float]]:
    """Runs with exponential flips, stopped at `cutoff` (found 0) when longer."""
    steps = np.random.default_rng(seed).exponential(20_000, count).astype(int) + 1
    return [{"run": i + 1, "found": int(s <= cutoff), "best": 0 if s <= cutoff else 2,
             "beststep": min(s, cutoff), "steps": min(s, cutoff), "seed": 1000 + 7 * i,
             "time": min(s, cutoff) * 2e-7} for i, s in enumerate(steps)]


def satspeed(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(path: Path) -> list[dict[str, str]]:
    return [row for _, row in read_rows(path)]


def test_ubcsat_default_columns(tmp_path: Path) -> None:
    runs = sample_runs(40, 30_000)
    out = tmp_path / "saps.out"
    out.write_text(ubcsat_out(runs, ("run", "found", "best", "beststep", "steps"), "30000"))
    csv = tmp_path / "r.csv"
    result = satspeed("import", "--from", "ubcsat", "--instance", INSTANCE, csv, out)
    assert result.exit_code == 0, result.output
    assert "imported 40 runs" in result.stderr and "predict in flips" in result.stderr
    got = rows(csv)
    assert [int(r["seed"]) for r in got] == list(range(1, 41))  # no seed column: the run
    for row, run in zip(got, runs, strict=True):
        assert row["status"] == ("sat" if run["found"] else "timeout")
        assert int(row["flips"]) == run["steps"]
        assert (row["cutoff_flips"], row["cutoff_s"]) == ("30000", "")
        assert (row["cpu_s"], row["wall_s"], row["walkers"]) == ("0.0", "0.0", "1")
        assert row["instance_sha256"] == SHA256 and row["solver"] == "ubcsat"
        assert row["params"] == "alg=saps,alpha=1.3,ps=0.05,rho=0.8,sapsthresh=-0.1,wp=0.01"
    assert Path(f"{csv}.meta.json").is_file()

    # predict fits them; the censored exponential's MLE is solved runs / total flips
    result = satspeed("predict", csv, "--json", "--dist", "exp", "--bootstrap", 0,
                      "--gof-samples", 0, "--cores", "1,2")
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.stdout)["groups"]
    solved = sum(r["found"] for r in runs)
    assert 0 < solved < 40 and (group["runs"], group["solved"]) == (40, solved)
    (fit,) = [f for f in group["fits"] if f["model"] == "exp"]
    assert fit["params"]["rate"] == pytest.approx(solved / sum(r["steps"] for r in runs))


def test_ubcsat_seed_and_time_columns_and_header_cutoffs(tmp_path: Path) -> None:
    runs = sample_runs(6, 10**9)
    out = tmp_path / "saps.out"
    columns = ("run", "found", "steps", "seed", "time")
    out.write_text(ubcsat_out(runs, columns, cutoff="4294967295", timeout="10"))
    csv = tmp_path / "r.csv"
    result = satspeed("import", "--from", "ubcsat", "--instance", INSTANCE, "--solver", "saps",
                      "--params", "alpha=1.3", csv, out)
    assert result.exit_code == 0, result.output
    got = rows(csv)
    assert [int(r["seed"]) for r in got] == [run["seed"] for run in runs]
    assert [float(r["cpu_s"]) for r in got] == pytest.approx([run["time"] for run in runs],
                                                              abs=1e-6)
    assert {(r["solver"], r["params"], r["cutoff_flips"], r["cutoff_s"]) for r in got} == {
        ("saps", "alpha=1.3", "", "10.0")}  # `-cutoff max`: no flip cutoff

    # the same import again: every run is there already (run's resume keys)
    result = satspeed("import", "--from", "ubcsat", "--instance", INSTANCE, "--solver", "saps",
                      "--params", "alpha=1.3", csv, out)
    assert result.exit_code == 0 and "imported 0 runs" in result.stderr
    assert "6 were there already" in result.stderr
    assert len(csv.read_text().splitlines()) == 1 + 6


def test_ubcsat_malformed_lines_are_skipped_with_a_warning(tmp_path: Path) -> None:
    runs = sample_runs(5, 30_000)
    text = ubcsat_out(runs, ("run", "found", "best", "beststep", "steps"))
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[first + 1] = "      2 7     0       1234       1234 "  # found 7
    lines[first + 3] = "      4 1     0       1234"  # a field short
    lines.append("PercentSuccess = 80.00")  # `-r stats` on the same output: not a run
    out = tmp_path / "saps.out"
    out.write_text("\n".join(lines) + "\n")
    csv = tmp_path / "r.csv"
    result = satspeed("import", "--from", "ubcsat", "--instance", INSTANCE, csv, out)
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warned == [f"satspeed: warning: {out}:{first + 2}: skipped: found '7' is not 1 "
                      "(solved) or 0",
                      f"satspeed: warning: {out}:{first + 4}: skipped: 4 fields, expected 5 "
                      "(run found best beststep steps)"]
    assert [int(r["seed"]) for r in rows(csv)] == [1, 3, 5]


def test_times_in_flips_over_two_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("# runtime solved\n120 1\n3000 true   # a comment\n\n5000 timeout\n")
    second.write_text("77,sat\n12.5 1\n40 maybe\n5000 0\n")
    csv = tmp_path / "r.csv"
    result = satspeed("import", "--from", "times", "--instance", INSTANCE, "--max-flips", 5000,
                      csv, first, second)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning") == 2
    assert f"{second}:2: skipped: flips '12.5' is not a whole number" in result.stderr
    assert f"{second}:3: skipped: solved 'maybe' is not one of" in result.stderr
    got = rows(csv)  # numbered by line of a run, on through the files (3 in the first)
    assert [(r["seed"], r["status"], r["flips"]) for r in got] == [
        ("1", "sat", "120"), ("2", "sat", "3000"), ("3", "timeout", "5000"),
        ("4", "sat", "77"), ("7", "timeout", "5000")]
    assert {(r["solver"], r["params"], r["cutoff_flips"]) for r in got} == {
        ("imported", "", "5000")}


def test_times_in_cpu_seconds(tmp_path: Path) -> None:
    times = tmp_path / "t.txt"
    times.write_text("".join(f"{t} {'1' if t < 3 else '0'}\n" for t in
                             (0.5, 1.25, 0.75, 2.0, 3.0, 3.0, 0.25, 1.5)))
    csv = tmp_path / "r.csv"
    result = satspeed("import", "--from", "times", "--measure", "cpu_s", "--timeout", 3,
                      "--instance", INSTANCE, "--solver", "probsat-c", csv, times)
    assert result.exit_code == 0, result.output
    assert "--measure cpu_s" in result.stderr
    got = rows(csv)
    assert {(r["flips"], r["cutoff_s"]) for r in got} == {("-1", "3.0")}
    assert [float(r["cpu_s"]) for r in got] == [0.5, 1.25, 0.75, 2.0, 3.0, 3.0, 0.25, 1.5]
    result = satspeed("predict", csv, "--measure", "cpu_s", "--json", "--dist", "exp",
                      "--bootstrap", 0, "--gof-samples", 0, "--cores", "1,2")
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.stdout)["groups"]
    assert (group["runs"], group["timeouts"]) == (8, 2)
    (fit,) = [f for f in group["fits"] if f["model"] == "exp"]
    assert fit["params"]["rate"] == pytest.approx(6 / 12.25)


def test_nothing_usable_is_an_error(tmp_path: Path) -> None:
    times = tmp_path / "t.txt"
    times.write_text("# nothing\nfast yes\n")
    proc = subprocess.run([sys.executable, "-m", "satspeed", "import", "--from", "times",
                           "--instance", str(INSTANCE), str(tmp_path / "r.csv"), str(times)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"satspeed: warning: {times}:2: skipped: runtime 'fast' is not a number >= 0",
        f"satspeed: error: {times}: no usable run found"]
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--instance", "missing.cnf"], 1, "missing.cnf: no such file"),
    (["--instance", INSTANCE, "--measure", "cpu_s"], 2, "is for --from times"),
    (["--instance", INSTANCE, "--solver", "a b"], 2, "--solver"),
])
def test_bad_options(tmp_path: Path, args: list[object], code: int, says: str) -> None:
    out = tmp_path / "saps.out"
    out.write_text(ubcsat_out(sample_runs(3, 30_000), ("run", "found", "steps")))
    result = satspeed("import", "--from", "ubcsat", *args, tmp_path / "r.csv", out)
    assert result.exit_code == code and says in result.stderr
    assert "Traceback" not in result.output


def test_a_locked_csv_is_refused(tmp_path: Path) -> None:
    times = tmp_path / "t.txt"
    times.write_text("10 1\n")
    csv = tmp_path / "r.csv"
    with ResultsWriter(csv):
        result = satspeed("import", "--from", "times", "--instance", INSTANCE, csv, times)
    assert result.exit_code == 1
    assert "another satspeed run is writing it" in result.stderr
    assert len(csv.read_text().splitlines()) == 1  # the header alone
