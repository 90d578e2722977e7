"""Uniformity of the goodness-of-fit p-value under the null, with timeouts.

Lognormal samples of --runs runs, censored either at one cutoff (the 80% quantile) or at
per-run cutoffs around it (as a CPU-seconds limit measured in flips gives): spread uniformly
x0.3-1.7 or x0.8-1.2, or lognormally (sigma 0.5),
each fitted with the lognormal and tested with `select.gof_pvalue` (at most --samples
resamples), beside the exact null probabilities of the sequential p-value
(`select.sequential_null_cdf`) and a chi-square test of the counts between the levels.
Prints P(p <= a) for a = 0.05, 0.1, 0.25, 0.5 beside its exact value, with its binomial
standard deviation. (A KS test against the continuous uniform does not apply: the p-value is
discrete, and p = 1 has probability 1/11.)

    python scripts/bench_gof_null.py --datasets 400 --samples 100
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy import stats

from satspeed.predict.fit import fit
from satspeed.predict.sample import Sample
from satspeed.predict.select import gof_pvalue, sequential_null_cdf

SPREADS = {  # name: the cutoffs' factors around the 80% quantile, for `runs` runs
    "one": lambda rng, runs: np.ones(runs),
    "x0.3-1.7": lambda rng, runs: rng.uniform(0.3, 1.7, runs),
    "x0.8-1.2": lambda rng, runs: rng.uniform(0.8, 1.2, runs),
    "lognormal": lambda rng, runs: rng.lognormal(0.0, 0.5, runs),
}


def pvalues(spread: str, datasets: int, runs: int, samples: int, seed: int
            ) -> tuple[np.ndarray, float]:
    """The p-values, and the fraction of runs censored."""
    rng = np.random.default_rng(seed)
    found, censored = [], []
    for k in range(datasets):
        y = rng.lognormal(5.0, 1.0, runs)
        cut = math.exp(5.84) * SPREADS[spread](rng, runs)
        sample = Sample(np.minimum(y, cut), y > cut)
        censored.append(sample.censored.mean())
        found.append(gof_pvalue(fit("lognormal", sample), sample, samples,
                                np.random.default_rng([seed, k])))
    return np.array(found), float(np.mean(censored))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=400)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    levels = (0.05, 0.1, 0.25, 0.5)
    print(f"GoF p-values under the null: {args.datasets} lognormal samples of {args.runs} runs, "
          f"{args.samples} resamples each")
    print(f"{'cutoffs':<9}{'censored':>9}{'a':>6}{'P(p<=a)':>9}{'exact':>9}{'sd':>7}"
          f"{'chi2 p':>8}")
    exact = [sequential_null_cdf(a, samples=args.samples) for a in (*levels, 1.0)]
    for spread in SPREADS:
        p, share = pvalues(spread, args.datasets, args.runs, args.samples, args.seed)
        # the counts between the levels against the exact null probabilities there (the
        # sequential p-value is discrete: 1 itself has probability 1/11 with h = 10)
        found = np.diff([0, *(np.sum(p <= a + 1e-12) for a in (*levels, 1.0))])
        chi2 = stats.chisquare(found, np.diff([0.0, *exact]) * len(p)).pvalue
        for a, e in zip(levels, exact, strict=False):
            sd = math.sqrt(e * (1 - e) / len(p))
            print(f"{spread:<9}{share:>9.0%}{a:>6}"
                  f"{np.mean(p <= a + 1e-12):>9.3f}{e:>9.3f}{sd:>7.3f}{chi2:>8.3f}",
                  flush=True)

if __name__ == "__main__":
    main()
