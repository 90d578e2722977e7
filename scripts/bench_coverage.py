"""Coverage of the predicted speedup's 95% interval, and the point prediction's error, on
samples drawn from known runtime distributions (the true G(n) is then known exactly).

For each truth (a lognormal, a shifted lognormal, a shifted exponential and a Weibull of shape
0.8, the last outside `--dist auto`'s candidates), each number of runs and each censoring
level (a fixed cutoff at the truth's 1 - c quantile), draw --samples independent samples, and
predict exactly as `satspeed predict` does at its defaults (model choice by `select.choose`,
interval by `speedup.bootstrap_speedup` with --bootstrap resamples). Prints, per cell, the
fraction of samples whose interval holds the true G(n) at n = 2, 16, 64, 384, and the median
relative error of the predicted G(384). The target of issue 11 is >= 90% everywhere.

    python scripts/bench_coverage.py --samples 100 --bootstrap 100 --jobs 2
"""

from __future__ import annotations

import argparse
import itertools
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from satspeed.predict.fit import Fit, fit
from satspeed.predict.sample import Sample
from satspeed.predict.select import AUTO_MODELS, choose
from satspeed.predict.speedup import bootstrap_speedup, predicted_speedup

CORES = np.array([2.0, 16.0, 64.0, 384.0])
TRUTHS = {  # name: a Fit of the true distribution (its loglik is not used)
    "lognormal s1.5": Fit("lognormal", {"mu": 8.0, "sigma": 1.5}, 0.0),
    "shifted-lognormal": Fit("shifted-lognormal", {"shift": 800.0, "mu": 7.5, "sigma": 1.0},
                             0.0),
    "shifted-exp": Fit("shifted-exp", {"shift": 200.0, "rate": 1 / 3000}, 0.0),
    "weibull k0.8": Fit("weibull", {"shape": 0.8, "scale": 3000.0}, 0.0),
}


def one(truth: str, runs: int, censoring: float, bootstrap: int, seed: int
        ) -> tuple[np.ndarray, float]:
    """Whether the interval covers the true G(n) at each of CORES, and the relative error of
    the point prediction at the last of them, for one sample."""
    true = TRUTHS[truth]
    rng = np.random.default_rng([seed, runs, int(censoring * 100), len(truth)])
    draws = true.rvs(runs, rng)
    cut = true.isf(censoring) if censoring else math.inf
    sample = Sample(np.minimum(draws, cut), draws > cut)
    chosen = choose([fit(m, sample) for m in AUTO_MODELS])
    low, high = bootstrap_speedup(AUTO_MODELS, sample, CORES, bootstrap, rng)
    g_true = predicted_speedup(true, CORES)
    g = predicted_speedup(chosen, CORES)
    return (low <= g_true) & (g_true <= high), float(g[-1] / g_true[-1] - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--runs", default="100,500")
    parser.add_argument("--censoring", default="0,0.2")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    runs = [int(r) for r in args.runs.split(",")]
    censoring = [float(c) for c in args.censoring.split(",")]
    cells = list(itertools.product(TRUTHS, runs, censoring))
    print(f"95% interval coverage of the true G(n) over {args.samples} samples per cell "
          f"(--bootstrap {args.bootstrap}); err384: median relative error of G(384)")
    print(f"{'truth':<19}{'runs':>5}{'cens':>6}" + "".join(f"{f'n={int(n)}':>8}" for n in CORES)
          + f"{'err384':>9}")
    with ProcessPoolExecutor(args.jobs) as pool:
        for truth, r, c in cells:
            jobs = [pool.submit(one, truth, r, c, args.bootstrap, args.seed + s)
                    for s in range(args.samples)]
            results = [j.result() for j in jobs]
            covered = np.mean([hit for hit, _ in results], axis=0)
            error = float(np.median([e for _, e in results]))
            print(f"{truth:<19}{r:>5}{c:>6.0%}" + "".join(f"{v:>8.0%}" for v in covered)
                  + f"{error:>+9.1%}", flush=True)


if __name__ == "__main__":
    main()
