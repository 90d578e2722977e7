"""Where runs are made: the local process pool (default) or a dask.distributed cluster, both
behind the `Engine` protocol (base.py). This module stays light: `--help` lists ENGINES."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from satspeed.run.engines.base import Engine

ENGINES = ("local", "dask")


def make_engine(name: str, workers: int, max_flips: int | None, timeout: float | None,
                scheduler: str | None = None) -> Engine:
    """The engine called `name`, with `workers` processes (local, or a LocalCluster's)."""
    if name == "dask":
        from satspeed.run.engines.dask import DaskPool

        return DaskPool(scheduler, workers, max_flips, timeout)
    if name != "local":
        raise ValueError(f"unknown engine {name!r} (known: {', '.join(ENGINES)})")
    from satspeed.run.engines.local import LocalPool

    return LocalPool(workers, max_flips, timeout)
