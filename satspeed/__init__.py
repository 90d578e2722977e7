"""satspeed: benchmark SAT local search solvers and predict their multi-walk speedup."""

__version__ = "0.1.0"
