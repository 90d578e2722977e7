"""Test-only: a LocalPool whose worker processes die (SIGKILL themselves) on chosen seeds.

The worker target must be importable by spawned children: they get the parent's sys.path,
on which pytest puts tests/.
"""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection

from satspeed.backends.local import LocalPool, _Slot, _worker_main
from satspeed.worker import Worker


def crashy_main(conn: Connection, max_flips: int | None, timeout: float | None, parent: int,
                deadly: frozenset[int]) -> None:
    """The normal worker loop, except that a run with a seed in `deadly` kills the process."""
    original = Worker.run

    def run(self: Worker, run, stop=None):  # type: ignore[no-untyped-def]
        if run.seed in deadly:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, run, stop)

    Worker.run = run  # type: ignore[method-assign]
    _worker_main(conn, max_flips, timeout, parent)


class CrashyPool(LocalPool):
    def __init__(self, workers: int, max_flips: int | None, timeout: float | None,
                 deadly: set[int]) -> None:
        super().__init__(workers, max_flips, timeout)
        self.deadly = frozenset(deadly)
        self.started = 0

    def _start(self) -> _Slot:
        parent_end, child_end = self._ctx.Pipe()
        process = self._ctx.Process(
            target=crashy_main, daemon=True,
            args=(child_end, self.max_flips, self.timeout, os.getpid(), self.deadly))
        process.start()
        child_end.close()
        self.started += 1
        return _Slot(process, parent_end)
