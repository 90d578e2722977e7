"""The runtime distributions satspeed fits: the registry that `--dist`, the fits and the JSON
read from.

A model is one class in one module of this folder (a subclass of `base.Model`: its parameter
names, its scipy.stats family, a censored estimator and E[Z_n]); registering it is one line
below (`base` is the interface, `mle` the numba kernels of the fits). This module stays
light (no numpy, no scipy): `satspeed --help` lists the names from it, and a model's module
is imported only when the model is used.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from satspeed.predict.models.base import Model

# model name -> "module:Class" in this folder; the order is the one `--dist` and tables show
_REGISTRY = {
    "exp": "exponential:Exponential",
    "shifted-exp": "exponential:ShiftedExponential",
    "lognormal": "lognormal:Lognormal",
    "shifted-lognormal": "lognormal:ShiftedLognormal",
    "weibull": "weibull:Weibull",
    "shifted-weibull": "weibull:ShiftedWeibull",
}
MODELS = tuple(_REGISTRY)


@cache
def get(name: str) -> Model:
    """The model registered under `name` (a ValueError for an unknown name)."""
    try:
        module, cls = _REGISTRY[name].split(":")
    except KeyError:
        raise ValueError(f"unknown model {name!r} (known: {', '.join(MODELS)})") from None
    return getattr(import_module(f"{__name__}.{module}"), cls)(name)
