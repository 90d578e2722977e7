"""Test-only: a LocalPool whose worker processes die (SIGKILL themselves) on chosen seeds.

The worker target must be importable by spawned children: they get the parent's sys.path,
on which pytest puts tests/.
"""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection

from satspeed.run.engines.local import LocalPool, RaceBoard, _Slot, _worker_main
from satspeed.run.worker import Worker


def crashy_main(conn: Connection, max_flips: int | None, timeout: float | None, parent: int,
                board: RaceBoard, deadly: frozenset[int]) -> None:
    """The normal worker loop, except that a run (or race walker) with a seed in `deadly`
    kills the process."""
    original = Worker.attempt

    def attempt(self: Worker, spec, instance, seed, stop=None, chunk=None, restart=None):  # type: ignore[no-untyped-def]
        if seed in deadly:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, spec, instance, seed, stop, chunk, restart)

    Worker.attempt = attempt  # type: ignore[method-assign]
    _worker_main(conn, max_flips, timeout, parent, board)


class CrashyPool(LocalPool):
    def __init__(self, workers: int, max_flips: int | None, timeout: float | None,
                 deadly: set[int]) -> None:
        super().__init__(workers, max_flips, timeout)
        self.deadly = frozenset(deadly)
        self.started = 0

    def _start(self, slots: list[_Slot]) -> None:
        self.started += 1
        self._spawn(slots, crashy_main, self.deadly)
