"""Restarts predicted against restarted runs, on instances whose runtime has a heavy right tail.

For each (instance, solver) below: --runs runs without restarts (`satspeed run`), from which
`satspeed predict --restarts` finds the best fixed cutoff t* and Luby's best unit u*; then
--restarted real restarted runs of each of fixed:t*, fixed:t*/4, fixed:4t* and luby:u*
(`satspeed run --restart`), and `predict --restarts` once more, which predicts each strategy
from the runs without restarts (exactly, with a 95% bootstrap interval) and from the chosen
fit, beside the restarted runs' mean (95% t interval). Prints one line per strategy: the
error of the runs' prediction against the restarted runs, and whether the two intervals
overlap, "?" where fewer than 10 runs solved within the first cutoff (the runs can hardly say
how often a try succeeds), and a summary of each kind. t* and u* are picked on the same runs
that predict them, so E[T_t*] from them is optimistic by the noise of a minimum: the table
shows by how much.

Everything goes to --out (CSV files, resumable: run it again to finish an interrupted one).

    python scripts/bench_restarts.py --runs 500 --restarted 500
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from satspeed_cli import REAL, satspeed

# (instance under REAL, solver, --param): heavy right tails found by a sweep of 200 runs
# (the runs' restart gain in brackets)
CASES = (
    ("planning-bw/anomaly.cnf.xz", "walksat", "noise=0.15"),  # 18
    ("planning-bw/medium.cnf.xz", "probsat", ""),  # 3.5
    ("planning-bw/medium.cnf.xz", "sparrow", ""),  # 3.4
    ("ais/ais6.cnf.xz", "sparrow", ""),  # 4.5
    ("ais/ais8.cnf.xz", "ccanr", ""),  # 3.9
    ("uf100-430/uf100-011.cnf", "ccanr", ""),  # 3.6
    ("flat50-115/flat50-17.cnf.xz", "walksat", "noise=0.05"),  # 5.3
    ("uf100-430/uf100-011.cnf", "walksat", "noise=0.05"),  # 23, 8% timeouts at 10^6 flips
)
MAX_FLIPS = 10**6  # the runs without restarts: censored there
TIMEOUT = 600.0


def campaign(path: Path, solver: str, param: str, runs: int, csv: Path, seed: int,
             *extra: object) -> None:
    sweep = ("--param", param) if param else ()
    satspeed("run", path, "--solver", solver, *sweep, "--runs", runs, "--seed", seed,
             "--timeout", TIMEOUT, "-o", csv, "-q", *extra)


def predict(csv: Path, bootstrap: int) -> dict:
    """The group without restarts of the CSV's JSON prediction."""
    doc = json.loads(satspeed("predict", csv, "--restarts", "--cores", "1", "--json",
                              "--bootstrap", bootstrap, "--gof-samples", 0))
    return next(g for g in doc["groups"] if not g["restart"])


def one_case(name: str, solver: str, param: str, args: argparse.Namespace) -> list[str]:
    path = REAL / name
    csv = args.out / f"{path.name.split('.')[0]}-{solver}{param.replace('=', '')}.csv"
    campaign(path, solver, param, args.runs, csv, args.seed, "--max-flips", MAX_FLIPS)
    base = predict(csv, 0)["restarts"]["runs"]
    t_star, unit = base["cutoff"], base["luby_unit"]
    strategies = [f"luby:{round(unit)}"]
    if t_star is not None:
        strategies += [f"fixed:{max(1, round(t_star * f))}" for f in (1, 0.25, 4)]
    cap = 20 * base["mean"]  # a restarted run past it is censored: where F(t) is tiny
    for s in strategies:
        campaign(path, solver, param, args.restarted, csv, args.seed, "--restart", s,
                 "--max-flips", round(cap))
    found = predict(csv, args.bootstrap)
    by_name = {s["strategy"]: s for s in found["restarts"]["strategies"]}
    print(f"{path.name.split('.')[0]} / {solver} {param}: t* {t_star}, u* {unit}, "
          f"E[Y] {base['mean']:.4g}", flush=True)
    lines = []
    for s in strategies:
        x = {k: (math.inf if v is None else v) for k, v in by_name[s].items()}
        err = x["relative_error"]
        overlap = (x["predicted_low"] <= x["observed_high"]
                   and x["observed_low"] <= x["predicted_high"])
        bound = "≥" if x["observed_is_bound"] is True else " "
        mark = "?" if x["few_solved"] is True else " "
        print(f"  {s:11}{mark} {x['predicted']:8.4g} {_ci(x, 'predicted')} "
              f"{x['fitted']:8.4g} {bound}{x['observed']:8.4g} {_ci(x, 'observed')} "
              f"{100 * err:+6.1f}% {'yes' if overlap else 'NO':>3}", flush=True)
        lines.append((abs(err), overlap, mark == "?"))
    return lines


def _ci(x: dict, name: str) -> str:
    return f"{x[name + '_low']:7.4g}-{x[name + '_high']:<7.4g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--restarted", type=int, default=500)
    parser.add_argument("--bootstrap", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("out/bench_restarts"))
    parser.add_argument("--cases", type=int, default=len(CASES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"E[time] in flips of each strategy: predicted from {args.runs} runs without "
          f"restarts\n(95% bootstrap CI) and from the chosen fit, against {args.restarted} "
          "restarted runs\n(mean, 95% t CI); ok: the two intervals overlap")
    print(f"  {'strategy':12} {'runs':>8} {'95% CI':^15} {'fit':>8} {'restarted':>9} "
          f"{'95% CI':^15} {'error':>7} {'ok':>3}")
    lines = [line for case in CASES[:args.cases] for line in one_case(*case, args)]
    for few, what in ((False, "where the runs speak"),
                      (True, "?: fewer than 10 runs solved within the first cutoff")):
        errors = sorted(100 * e for e, _, f in lines if f == few)
        if errors:
            overlaps = sum(o for _, o, f in lines if f == few)
            print(f"{what}: {len(errors)} strategies, |error| median "
                  f"{errors[len(errors) // 2]:.1f}%, max {errors[-1]:.1f}%, within 10%: "
                  f"{sum(e <= 10 for e in errors)}; intervals overlap: {overlaps}")


if __name__ == "__main__":
    main()
