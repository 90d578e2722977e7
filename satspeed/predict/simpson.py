"""Simpson's rule weights, shared by every quadrature of predict (the lognormal E[Z_n], the
portfolio quadrature, the splice)."""

from __future__ import annotations

import numpy as np


def simpson_weights(count: int, step: float) -> np.ndarray:
    """Weights of Simpson's rule on `count` (odd) evenly spaced nodes `step` apart."""
    w = np.ones(count)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return w * step / 3.0
