"""The Weibull (shape k, scale): estimated by profile likelihood over k (the scale is closed
form for a given k); E[Z_n] = scale Gamma(1 + 1/k) n^(-1/k), so G(n) = n^(1/k), super-linear
for k < 1 (heavy tails)."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from satspeed.predict.models.base import Model, Params
from satspeed.predict.sample import Sample


class Weibull(Model):
    params = ("shape", "scale")
    family = stats.weibull_min

    def scipy_args(self, p: Params) -> dict[str, float]:
        return {"c": p["shape"], "scale": p["scale"]}

    def estimate(self, sample: Sample) -> Params:
        """Profile likelihood: for a shape k the scale is closed-form, so maximise over k."""
        s = sample
        x, d = s.values / np.max(s.values), len(s.observed)
        obs_logs = np.log(s.observed / np.max(s.values))

        def negative(log_k: float) -> float:
            k = math.exp(log_k)
            sk = float(np.sum(x**k))
            return -(d * math.log(k) - d * math.log(sk / d) + (k - 1) * float(np.sum(obs_logs))
                     - d)

        res = optimize.minimize_scalar(negative, bounds=(-6.0, 4.0), method="bounded",
                                       options={"xatol": 1e-12})
        k = math.exp(res.x)
        scale = (float(np.sum(x**k)) / d) ** (1 / k) * float(np.max(s.values))
        return {"shape": k, "scale": scale}

    def expected_min(self, p: Params, cores: np.ndarray) -> np.ndarray:
        k = p["shape"]
        return p["scale"] * math.gamma(1 + 1 / k) * np.asarray(cores, float) ** (-1 / k)

    def log_width(self, p: Params) -> float | None:
        return 1 / p["shape"]
