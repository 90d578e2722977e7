"""The local backend: long-lived worker processes, one pipe each, runs handed out in batches.

Each worker loads an instance once and keeps it; the parent sends it batches of runs of one
instance, sized so that a batch takes about BATCH_SECONDS, and the worker streams rows back as
they end (at least every FLUSH_SECONDS). A worker that dies is replaced: the runs of its batch
that did not report are retried one by one, and a run that kills a worker again is recorded as
an `error` row. Workers ignore Ctrl-C (the parent handles it) and stop when the parent is gone.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait

from satspeed.plan import Run
from satspeed.worker import Worker, error_row

BATCH_SECONDS = 0.2
FLUSH_SECONDS = 0.05
MAX_BATCH = 1024


def _worker_main(conn: Connection, max_flips: int | None, timeout: float | None,
                 parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker = Worker(max_flips, timeout)

    def orphaned() -> bool:
        return os.getppid() != parent

    while True:
        try:
            runs = conn.recv()
        except (EOFError, OSError):
            return
        if runs is None:
            return
        rows: list[dict[str, object]] = []
        last = time.monotonic()
        for run in runs:
            row = worker.run(run, stop=orphaned)
            if row is None:
                return
            rows.append(row)
            if time.monotonic() - last >= FLUSH_SECONDS:
                if not _send(conn, ("rows", rows)):
                    return
                rows, last = [], time.monotonic()
        if not _send(conn, ("done", rows)):
            return


def _send(conn: Connection, message: object) -> bool:
    """Send to the parent; False if it is gone (killed): then the worker just exits."""
    try:
        conn.send(message)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Start worker processes with SIGINT blocked (they inherit the mask and keep it), so that
    a Ctrl-C while they import numba prints no traceback from them; a Ctrl-C meanwhile is held
    for the parent and raised when they are started, not in the middle of starting one."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    resource_tracker.ensure_running()  # starting the tracker unblocks SIGINT: start it first
    held: list[int] = []
    main = (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is not None)
    if main:  # other threads (numpy's) may take the signal too: hold it at the handler
        previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if main:
            signal.signal(signal.SIGINT, previous)
            if held:
                signal.raise_signal(signal.SIGINT)


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    batch: list[Run] = field(default_factory=list)  # runs sent and not yet reported
    active: bool = False  # a batch was sent and its "done" has not come back
    retry: bool = False  # the batch is a single run retried after a worker died


class LocalPool:
    """Makes runs on `workers` local processes; `on_row` receives each row as it arrives."""

    def __init__(self, workers: int, max_flips: int | None, timeout: float | None) -> None:
        self.workers = workers
        self.max_flips = max_flips
        self.timeout = timeout
        self._ctx = mp.get_context("spawn")
        self._seconds: dict[str, float] = {}  # mean wall seconds per run, per instance

    def _start(self) -> _Slot:
        parent_end, child_end = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, daemon=True,
                                    args=(child_end, self.max_flips, self.timeout, os.getpid()))
        try:
            with _ctrl_c_held():
                process.start()
        finally:
            child_end.close()
        return _Slot(process, parent_end)

    def _batch_size(self, instance: str) -> int:
        seconds = self._seconds.get(instance)
        if seconds is None:
            return 4
        return max(1, min(MAX_BATCH, int(BATCH_SECONDS / max(seconds, 1e-6))))

    def run(self, runs: list[Run], on_row: Callable[[dict[str, object]], None]) -> None:
        queue: deque[tuple[list[Run], bool]] = deque()
        todo = deque(runs)
        slots: list[_Slot] = []
        errors = Worker(self.max_flips, self.timeout)

        def next_batch() -> tuple[list[Run], bool] | None:
            if queue:
                return queue.popleft()
            if not todo:
                return None
            instance = todo[0].instance
            batch: list[Run] = []
            left = sum(1 for r in todo if r.instance == instance) if len(todo) < 4096 else 4096
            size = min(self._batch_size(instance), max(1, -(-left // self.workers)))
            while todo and len(batch) < size and todo[0].instance == instance:
                batch.append(todo.popleft())
            return batch, False

        def feed(slot: _Slot) -> None:
            item = next_batch()
            if item is None:
                slot.batch, slot.active = [], False
                return
            (slot.batch, slot.retry), slot.active = item, True
            with contextlib.suppress(OSError):  # if it died, its sentinel fires: _replace retries
                slot.conn.send(slot.batch)

        def receive(slot: _Slot, rows: list[dict[str, object]]) -> None:
            del slot.batch[: len(rows)]  # a worker reports its batch's runs in order
            for row in rows:
                instance = str(row["instance"])
                wall = float(str(row["wall_s"]))
                old = self._seconds.get(instance)
                self._seconds[instance] = wall if old is None else 0.8 * old + 0.2 * wall
                on_row(row)

        try:
            for _ in range(min(self.workers, len(runs))):
                slots.append(self._start())
            for slot in slots:
                feed(slot)
            while any(slot.active for slot in slots):
                busy = [s for s in slots if s.active]
                ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy])
                for slot in busy:
                    if slot.conn in ready:
                        try:
                            kind, rows = slot.conn.recv()
                        except (EOFError, OSError):  # the worker died; all it sent was read
                            kind, rows = "died", []
                        receive(slot, rows)
                        if kind == "done":
                            feed(slot)
                        if kind != "died":
                            continue
                    elif slot.process.sentinel not in ready:
                        continue
                    self._replace(slot, slots, queue, errors, on_row)
                    feed(slots[-1])
        finally:
            self._shutdown(slots)

    def _replace(self, slot: _Slot, slots: list[_Slot], queue: deque[tuple[list[Run], bool]],
                 errors: Worker, on_row: Callable[[dict[str, object]], None]) -> None:
        """A worker died: retry its unreported runs one by one, or record the one that kills
        workers as an error; start a replacement."""
        slot.process.join()
        code = slot.process.exitcode
        reason = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        if slot.retry:
            for run in slot.batch:
                on_row(error_row(run, f"worker process died ({reason})", errors))
        else:
            queue.extendleft(([run], True) for run in reversed(slot.batch))
        slot.batch, slot.active = [], False
        slot.conn.close()
        slots.remove(slot)
        slots.append(self._start())

    @staticmethod
    def _shutdown(slots: list[_Slot]) -> None:
        for slot in slots:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
        deadline = time.monotonic() + 1.0
        for slot in slots:
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.terminate()
                slot.process.join(1.0)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.conn.close()
