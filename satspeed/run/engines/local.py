"""The local backend: long-lived worker processes, one pipe each, runs handed out in batches.

Sequential runs: each worker loads an instance once and keeps it; the parent sends it batches
of runs of one instance, sized so that a batch takes about BATCH_SECONDS, and the worker streams
rows back as they end (at least every FLUSH_SECONDS).

Races: a race of k walkers takes k idle workers. Each loads the instance and its kernels, then
meets the others at a barrier in shared memory (the last to arrive notes the start time), so
that all k start within microseconds. The first walker with a verified model raises the race's
shared stop flag, which the others poll between kernel chunks; each reports its flips and CPU
seconds, a solver also its seconds since the start, and the parent writes the race's row when
all k have reported.

A worker that dies is replaced: the runs of its batch that did not report are retried one by
one (a race is retried whole), and a run that kills a worker again is recorded as an `error`
row. Workers ignore Ctrl-C and SIGHUP (the parent handles them), exit on SIGTERM (as the
parent's shutdown sends to a busy worker) and stop when the parent is gone.
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
from dataclasses import dataclass, field, replace
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait
from typing import Any

from satspeed.results import Row
from satspeed.run.builtin import RunResult
from satspeed.run.engines.base import STOP_SIGNALS, More, OnRow
from satspeed.run.plan import Run
from satspeed.run.worker import WalkerResult, Worker, error_row, race_result, result_row

BATCH_SECONDS = 0.2
FLUSH_SECONDS = 0.05
MAX_BATCH = 1024
RUNNING, WON, ABANDONED = 0, 1, 2  # a race's shared flag


@dataclass
class RaceBoard:
    """Shared memory for races in flight: per race slot, a stop flag, the number of walkers
    ready and the start time (time.monotonic: one clock for all processes of the machine)."""

    flags: Any
    ready: Any
    starts: Any
    lock: Any

    @classmethod
    def create(cls, ctx: Any, size: int) -> RaceBoard:
        return cls(ctx.RawArray("i", size), ctx.RawArray("i", size), ctx.RawArray("d", size),
                   ctx.Lock())

    def reset(self, slot: int) -> None:
        self.flags[slot], self.ready[slot] = RUNNING, 0

    def meet(self, slot: int, walkers: int, stop: Callable[[], bool]) -> bool:
        """Wait until all `walkers` of the race are ready (False if it was called off)."""
        with self.lock:
            self.ready[slot] += 1
            if self.ready[slot] == walkers:
                self.starts[slot] = time.monotonic()
        while self.ready[slot] < walkers:
            if stop():
                return False
            time.sleep(0)  # yield the core: a walker may still be loading on it
        return True


def _worker_main(conn: Connection, max_flips: int | None, timeout: float | None,
                 parent: int, board: RaceBoard) -> None:
    _worker_signals()
    worker = Worker(max_flips, timeout)

    def orphaned() -> bool:
        return os.getppid() != parent

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if isinstance(message, tuple):  # ("race", run, walker index, race slot)
            if not _race_walker(conn, worker, board, *message[1:], orphaned):
                return
            continue
        rows: list[Row] = []
        last = time.monotonic()
        for run in message:
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


def _worker_signals() -> None:
    """A worker ignores SIGINT and SIGHUP (a terminal sends them to the whole process group:
    the parent decides) and exits on SIGTERM, killing an external solver it runs on the way
    (SystemExit unwinds through run_external); it was started with them blocked."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _race_walker(conn: Connection, worker: Worker, board: RaceBoard, run: Run, index: int,
                 slot: int, orphaned: Callable[[], bool]) -> bool:
    """Get ready, meet the other walkers, walk until a model or the race's stop flag; report.
    False: the parent is gone."""
    with contextlib.suppress(Exception):  # a failure shows again in the walk, as its result
        worker.prepare(run.instance, run.specs[index])

    def stop() -> bool:
        return board.flags[slot] != RUNNING or orphaned()

    if not board.meet(slot, run.walkers, stop):
        return _send(conn, ("walker", WalkerResult(RunResult("stopped", 0, 0.0, 0.0, None))))
    result = worker.walker(run, index, stop)
    race_wall = 0.0
    if result.status in ("sat", "error"):
        board.flags[slot] = WON  # a model, or a failed walker: either way the race is over
        race_wall = time.monotonic() - board.starts[slot]
    # the model was verified here; the parent needs only the numbers
    return _send(conn, ("walker", WalkerResult(replace(result, model=None), race_wall)))


def _send(conn: Connection, message: object) -> bool:
    """Send to the parent; False if it is gone (killed): then the worker just exits."""
    try:
        conn.send(message)
    except OSError:
        return False
    return True




def _start_tracker() -> None:
    """Start multiprocessing's resource tracker (it unlinks the race board's semaphore when
    this process ends) with SIGHUP blocked, for life: it ignores SIGINT and SIGTERM itself,
    and a hangup sent to the whole process group must not kill it either, or the semaphore
    is left behind (the "leaked semaphore" warning)."""
    if not hasattr(signal, "pthread_sigmask") or not hasattr(signal, "SIGHUP"):
        resource_tracker.ensure_running()
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextlib.contextmanager
def _stop_signals_held() -> Iterator[None]:
    """Start worker processes with the stop signals (SIGINT, SIGTERM, SIGHUP) blocked: they
    inherit the mask, so that a signal to the whole group while they import numba prints no
    traceback from them (`_worker_signals` then sets them up). A stop signal meanwhile is
    held for the parent and raised when they are started, not in the middle of starting one."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    _start_tracker()  # starting the tracker unblocks SIGINT and SIGTERM: start it first
    held: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number in STOP_SIGNALS:  # other threads (numpy's) may take a signal too: hold
            handler = signal.getsignal(number)  # it at the handler as well
            if handler not in (signal.SIG_IGN, None):
                previous[number] = signal.signal(number, lambda n, frame: held.append(n))
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for number, handler in previous.items():
            signal.signal(number, handler)
        if held:
            signal.raise_signal(held[0])


@dataclass
class _Race:
    """A race in flight: its walkers' slots and what they have reported."""

    run: Run
    board_slot: int
    retry: bool
    started: str
    results: dict[int, WalkerResult] = field(default_factory=dict)
    died: str = ""  # why a walker's process died, if one did


@dataclass
class _Slot:
    process: mp.process.BaseProcess
    conn: Connection
    batch: list[Run] = field(default_factory=list)  # runs sent and not yet reported
    active: bool = False  # a batch or a race walker was sent and has not reported back
    retry: bool = False  # the batch is a single run retried after a worker died
    race: _Race | None = None  # the race this worker walks in, and its walker index
    walker: int = 0


class LocalPool:
    """Makes runs and races on `workers` local processes; `on_row` receives each row."""

    def __init__(self, workers: int, max_flips: int | None, timeout: float | None) -> None:
        self.workers = workers
        self.max_flips = max_flips
        self.timeout = timeout
        self._ctx = mp.get_context("spawn")
        _start_tracker()  # before the board's lock registers with it
        self._board = RaceBoard.create(self._ctx, workers)
        self._seconds: dict[str, float] = {}  # mean wall seconds per run, per instance

    def _start(self, slots: list[_Slot]) -> None:
        """Start a worker, into `slots`."""
        self._spawn(slots, _worker_main)

    def _spawn(self, slots: list[_Slot], target: Callable[..., None], *extra: object) -> None:
        """Start a worker process running `target`, and add it to `slots` before a stop
        signal held meanwhile is raised (so that the shutdown that follows stops it too: one
        left out would die of its pool's semaphores, gone with the parent, with a traceback)."""
        parent_end, child_end = self._ctx.Pipe()
        process = self._ctx.Process(
            target=target, daemon=True,
            args=(child_end, self.max_flips, self.timeout, os.getpid(), self._board, *extra))
        try:
            with _stop_signals_held():
                process.start()
                slots.append(_Slot(process, parent_end))
        finally:
            child_end.close()

    def _batch_size(self, instance: str) -> int:
        seconds = self._seconds.get(instance)
        if seconds is None:
            return 4
        return max(1, min(MAX_BATCH, int(BATCH_SECONDS / max(seconds, 1e-6))))

    def run(self, runs: list[Run], on_row: OnRow, more: More | None = None) -> None:
        """Make `runs` (sequential runs and races, in that order of preference), and those
        `more` adds as rows come in."""
        _Campaign(self, runs, on_row, more).run()

    def _replace(self, slot: _Slot, slots: list[_Slot]) -> str:
        """A worker died: start a replacement; returns why it died."""
        slot.process.join()
        code = slot.process.exitcode
        slot.conn.close()
        slots.remove(slot)
        self._start(slots)
        return f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"

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


class _Campaign:
    """One LocalPool.run: hands out batches and races to idle workers, collects rows."""

    def __init__(self, pool: LocalPool, runs: list[Run], on_row: OnRow,
                 more: More | None = None) -> None:
        self.pool = pool
        self.on_row = on_row
        self.more = more
        self.todo: deque[Run] = deque()
        self.add(runs)
        self.queue: deque[tuple[list[Run], bool]] = deque()  # retries first
        self.slots: list[_Slot] = []
        self.free_boards = list(range(pool.workers))
        self.errors = Worker(pool.max_flips, pool.timeout)

    def add(self, runs: list[Run]) -> None:
        too_big = [r for r in runs if r.walkers > self.pool.workers]
        if too_big:
            raise ValueError(f"a race of {too_big[0].walkers} walkers needs as many workers")
        self.todo.extend(runs)

    def run(self) -> None:
        try:
            self.schedule()
            while any(slot.active for slot in self.slots):
                busy = [s for s in self.slots if s.active]
                ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy])
                for slot in busy:
                    if slot.conn in ready:
                        try:
                            message = slot.conn.recv()
                        except (EOFError, OSError):  # the worker died; all it sent was read
                            message = ("died", [])
                        if self.handle(slot, message):
                            continue
                    elif slot.process.sentinel not in ready:
                        continue
                    self.died(slot)
                if self.more is not None:
                    self.add(self.more())
                self.schedule()
        finally:
            for race in {id(s.race): s.race for s in self.slots if s.race}.values():
                self.pool._board.flags[race.board_slot] = ABANDONED
            self.pool._shutdown(self.slots)

    # -- handing out work ----------------------------------------------------------------

    def grow(self) -> None:
        """Start workers (up to the pool's) while there is work for more than are started."""
        if len(self.slots) >= self.pool.workers:
            return
        wanted = sum(s.active for s in self.slots) + len(self.queue)
        for run in self.todo:
            if wanted >= self.pool.workers:
                break
            wanted += run.walkers
        while len(self.slots) < min(wanted, self.pool.workers):
            self.pool._start(self.slots)

    def schedule(self) -> None:
        """Give work to idle workers (started as needed): retries, then batches of sequential
        runs, then races (a race waits until it has as many idle workers as walkers)."""
        self.grow()
        while True:
            idle = [s for s in self.slots if not s.active]
            if not idle:
                return
            if self.queue:
                runs, retry = self.queue[0]
            elif self.todo:
                runs, retry = [self.todo[0]], False
            else:
                return
            head = runs[0]
            if head.walkers > 1:
                if len(idle) < head.walkers or not self.free_boards:
                    return
                if self.queue:
                    self.queue.popleft()
                else:
                    self.todo.popleft()
                self.start_race(head, idle[: head.walkers], retry)
                continue
            if self.queue:
                self.queue.popleft()
            else:
                runs = self.sequential_batch()
            self.send_batch(idle[0], runs, retry)

    def sequential_batch(self) -> list[Run]:
        todo, instance = self.todo, self.todo[0].instance
        batch: list[Run] = []
        left = sum(1 for r in todo if r.instance == instance) if len(todo) < 4096 else 4096
        size = min(self.pool._batch_size(instance), max(1, -(-left // self.pool.workers)))
        while (todo and len(batch) < size and todo[0].instance == instance
               and todo[0].walkers == 1):
            batch.append(todo.popleft())
        return batch

    def send_batch(self, slot: _Slot, runs: list[Run], retry: bool) -> None:
        slot.batch, slot.retry, slot.active = runs, retry, True
        with contextlib.suppress(OSError):  # if it died, its sentinel fires: then it is retried
            slot.conn.send(runs)

    def start_race(self, run: Run, slots: list[_Slot], retry: bool) -> None:
        from satspeed.results import now_iso

        board = self.free_boards.pop()
        self.pool._board.reset(board)
        race = _Race(run, board, retry, now_iso())
        for index, slot in enumerate(slots):
            slot.race, slot.walker, slot.active, slot.batch = race, index, True, []
            with contextlib.suppress(OSError):
                slot.conn.send(("race", run, index, board))

    # -- what comes back -----------------------------------------------------------------

    def handle(self, slot: _Slot, message: tuple[str, Any]) -> bool:
        """Act on a worker's message; False when the worker died."""
        kind, payload = message
        if kind == "died":
            return False
        if kind == "walker":
            race = slot.race
            assert race is not None
            race.results[slot.walker] = payload
            slot.race, slot.active = None, False
            self.maybe_finish(race)
            return True
        del slot.batch[: len(payload)]  # a worker reports its batch's runs in order
        for row in payload:
            instance = str(row["instance"])
            wall = float(str(row["wall_s"]))
            old = self.pool._seconds.get(instance)
            self.pool._seconds[instance] = wall if old is None else 0.8 * old + 0.2 * wall
            self.on_row(row)
        if kind == "done":
            slot.active = False
        return True

    def maybe_finish(self, race: _Race) -> None:
        """Once every walker of `race` has reported (or died), record it or retry it."""
        if any(s.race is race for s in self.slots):
            return
        self.free_boards.append(race.board_slot)
        if race.died:
            if race.retry:
                self.on_row(error_row(race.run, f"worker process died ({race.died})",
                                      self.errors))
            else:
                self.queue.appendleft(([race.run], True))
            return
        walkers = [race.results[i] for i in range(race.run.walkers)]
        result = race_result(walkers)
        if result.status == "stopped":  # abandoned (the campaign is ending): nothing to record
            return
        self.on_row(result_row(race.run, result, self.errors, race.started))

    def died(self, slot: _Slot) -> None:
        """A worker died: retry its unreported runs one by one (a race whole), or record the
        run that kills workers as an error; start a replacement."""
        reason = self.pool._replace(slot, self.slots)
        race = slot.race
        if race is not None:
            race.died = race.died or reason
            self.pool._board.flags[race.board_slot] = ABANDONED
            race.results[slot.walker] = WalkerResult(RunResult("error", 0, 0.0, 0.0, None))
            slot.race = None
            self.maybe_finish(race)
        elif slot.retry:
            for run in slot.batch:
                self.on_row(error_row(run, f"worker process died ({reason})", self.errors))
        else:
            self.queue.extendleft(([run], True) for run in reversed(slot.batch))
        slot.batch, slot.active = [], False
