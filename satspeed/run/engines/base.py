"""What an engine is to a campaign: it makes the planned runs somewhere (local processes, a
Dask cluster, a test's fake) and hands back each run's CSV row as soon as it ends."""

from __future__ import annotations

import signal
from collections.abc import Callable
from typing import Protocol

from satspeed.results import Row
from satspeed.run.plan import Run

OnRow = Callable[[Row], None]
More = Callable[[], list[Run]]  # runs to add while the engine runs (a precision campaign's)
# What stops a campaign cleanly, as Ctrl-C does (the campaign's handlers, the workers' masks)
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Engine(Protocol):
    def run(self, runs: list[Run], on_row: OnRow, more: More | None = None) -> None:
        """Make every run (sequential runs, then races), calling `on_row` once per run with
        its row, in the calling thread, as runs end; after rows came in, `more()` (if given)
        may add runs, queued behind those left. A run that fails is an `error` row, not an
        exception. Returns when all are done and `more` adds none; on KeyboardInterrupt,
        stops its workers and lets it propagate (rows already handed over stay written)."""
