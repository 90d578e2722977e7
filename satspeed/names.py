"""Names the command line offers, defined once here (a light module: `satspeed --help` should
not have to import numba or scipy to list them)."""

MODELS = ("exp", "shifted-exp", "lognormal", "shifted-lognormal", "weibull")
