"""The Dask engine: the same campaign on a dask.distributed cluster (`--engine dask`).

Sequential runs go out as tasks of a batch of runs of one instance, sized to take about
BATCH_SECONDS, so that the per-task cost of Dask (milliseconds) is spread over many runs; each
dask worker process keeps its formulas and kernels loaded between tasks (one Worker per
process thread). Rows come back as tasks complete and the caller appends them to the CSV, so
resuming works as with the local engine. Dask reruns the tasks of a worker that dies; a batch
that keeps killing workers is split into single runs, and a run that does is an `error` row.

A race of k walkers is k tasks pinned to k different dask workers. They meet at a barrier of
distributed Events, walk, and poll the race's stop Event between kernel chunks (at most every
STOP_POLL_SECONDS); the first with a verified model sets it. The race's wall time is the
winner's, from the barrier to its model: it carries the cluster's start skew (milliseconds).

Without a scheduler address a LocalCluster of `workers` single-threaded processes is started.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from satspeed.errors import SatspeedError
from satspeed.results import Row
from satspeed.run.builtin import RunResult
from satspeed.run.engines.base import More, OnRow
from satspeed.run.plan import Run
from satspeed.run.worker import WalkerResult, Worker, error_row, race_result, result_row

BATCH_SECONDS = 0.5
MAX_BATCH = 4096
STOP_POLL_SECONDS = 0.02
BARRIER_SECONDS = 120.0
WORKERS_SECONDS = 1.0  # how often the list of dask workers is refreshed
_local = threading.local()


def _worker(max_flips: int | None, timeout: float | None) -> Worker:
    """This dask worker thread's Worker (formulas and kernels stay loaded between tasks)."""
    key = (max_flips, timeout)
    if getattr(_local, "key", None) != key:
        _local.key, _local.worker = key, Worker(max_flips, timeout)
    return _local.worker


def run_batch(runs: list[Run], max_flips: int | None, timeout: float | None
              ) -> tuple[list[Row], float]:
    """Task: make sequential runs; their rows, and the seconds the batch took."""
    start = time.perf_counter()
    worker = _worker(max_flips, timeout)
    rows = [row for run in runs if (row := worker.run(run)) is not None]
    return rows, time.perf_counter() - start


def run_walker(run: Run, index: int, race: str, max_flips: int | None,
               timeout: float | None) -> WalkerResult:
    """Task: walker `index` of a race named `race` (its Events are named after it)."""
    from distributed import Event

    worker = _worker(max_flips, timeout)
    with contextlib.suppress(Exception):  # a failure shows again in the walk, as its result
        worker.prepare(run.instance, run.specs[index])
    Event(f"{race}-ready-{index}").set()
    deadline = time.monotonic() + BARRIER_SECONDS
    for other in range(run.walkers):
        if not Event(f"{race}-ready-{other}").wait(max(0.0, deadline - time.monotonic())):
            return WalkerResult(RunResult(
                "error", 0, 0.0, 0.0, None,
                f"the {run.walkers} walkers of a race could not all start within "
                f"{BARRIER_SECONDS:.0f} s (fewer free dask workers than walkers?)"))
    stop_event = Event(f"{race}-stop")
    start = time.monotonic()
    last_poll = [start]

    def stop() -> bool:
        now = time.monotonic()
        if now - last_poll[0] < STOP_POLL_SECONDS:
            return False
        last_poll[0] = now
        return stop_event.is_set()

    result = worker.walker(run, index, stop)
    race_wall = time.monotonic() - start
    if result.status in ("sat", "error"):
        stop_event.set()
    return WalkerResult(result, race_wall)


def _clear_events(race: str, walkers: int) -> None:
    from distributed import Event

    for name in [f"{race}-stop", *(f"{race}-ready-{i}" for i in range(walkers))]:
        with contextlib.suppress(Exception):
            Event(name).clear()


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A dask Client: to the given scheduler (address or scheduler file), or to a new
    LocalCluster of `workers` single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SatspeedError("--engine dask needs dask.distributed: "
                            "pip install 'satspeed[dask]'") from None
    if scheduler is None:
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            yield client
        return
    try:
        if Path(scheduler).is_file():
            client = Client(scheduler_file=scheduler, timeout="10s")
        else:
            client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SatspeedError(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
    with client:
        yield client


class DaskPool:
    """Makes runs and races on a dask.distributed cluster; `on_row` receives each row."""

    def __init__(self, scheduler: str | None, workers: int, max_flips: int | None,
                 timeout: float | None) -> None:
        self.scheduler = scheduler
        self.workers = workers
        self.max_flips = max_flips
        self.timeout = timeout
        self._seconds: dict[str, float] = {}  # mean seconds per run, per instance

    def run(self, runs: list[Run], on_row: OnRow, more: More | None = None) -> None:
        with connect(self.scheduler, self.workers) as client:
            _DaskCampaign(self, client, runs, on_row, more).run()

    def batch_size(self, instance: str, threads: int, left: int) -> int:
        seconds = self._seconds.get(instance)
        size = 8 if seconds is None else int(BATCH_SECONDS / max(seconds, 1e-6))
        return max(1, min(MAX_BATCH, size, -(-left // threads)))


class _DaskCampaign:
    """One DaskPool.run: keeps the cluster busy with batches, then races, streaming rows."""

    def __init__(self, pool: DaskPool, client: Any, runs: list[Run], on_row: OnRow,
                 more: More | None = None) -> None:
        from distributed import as_completed

        self.pool, self.client, self.on_row, self.more = pool, client, on_row, more
        self.todo = deque(runs)
        self.errors = Worker(pool.max_flips, pool.timeout)
        self.pending = as_completed()
        self.in_flight: dict[Any, tuple[str, Any]] = {}  # future -> (kind, what it holds)
        self.races: dict[str, tuple[Run, bool, list[str], dict[int, WalkerResult]]] = {}
        self.busy_workers: set[str] = set()
        self.started: dict[str, str] = {}  # race name -> when it was sent
        self.retried: set[Run] = set()
        self.workers_seen: tuple[float, list[str]] = (0.0, [])  # when, addresses

    def workers(self) -> list[str]:
        """The cluster's worker addresses, asked of the scheduler (a round trip) at most every
        WORKERS_SECONDS, not at every completed task."""
        now = time.monotonic()
        if now - self.workers_seen[0] >= WORKERS_SECONDS or not self.workers_seen[1]:
            info = self.client.scheduler_info()["workers"]
            if not info:
                self.client.wait_for_workers(1, timeout=120)
                info = self.client.scheduler_info()["workers"]
            self.workers_seen = (now, sorted(info))
        return self.workers_seen[1]

    def run(self) -> None:
        try:
            self.submit_more()
            for future in self.pending:
                kind, what = self.in_flight.pop(future)
                self.collect(future, kind, what)
                if self.more is not None:
                    self.todo.extend(self.more())
                self.submit_more()
        except BaseException:
            for future in list(self.in_flight):
                future.cancel()
            for race in self.races:
                _clear_events(race, self.races[race][0].walkers)
            raise

    # -- handing out work ----------------------------------------------------------------

    def submit_more(self) -> None:
        """Batches while sequential runs are left (twice as many as workers in flight), then
        races on free workers once the batches are done."""
        workers = self.workers()
        threads = len(workers)
        while self.todo and self.todo[0].walkers == 1 and len(self.in_flight) < 2 * threads:
            self.submit_batch(self.sequential_batch(threads), retry=False)
        while self.todo and self.todo[0].walkers > 1:
            batches = any(kind == "batch" for kind, _ in self.in_flight.values())
            free = [w for w in workers if w not in self.busy_workers]
            run = self.todo[0]
            if run.walkers > len(workers):
                self.todo.popleft()
                self.on_row(error_row(run, f"a race of {run.walkers} walkers needs as many "
                                      f"dask workers; the cluster has {len(workers)}",
                                      self.errors))
                continue
            if batches or len(free) < run.walkers:
                return
            self.todo.popleft()
            self.submit_race(run, free[: run.walkers], retry=run in self.retried)

    def sequential_batch(self, threads: int) -> list[Run]:
        instance = self.todo[0].instance
        left = sum(1 for r in self.todo if r.instance == instance and r.walkers == 1)
        size = self.pool.batch_size(instance, threads, min(left, 4096))
        batch: list[Run] = []
        while (self.todo and len(batch) < size and self.todo[0].instance == instance
               and self.todo[0].walkers == 1):
            batch.append(self.todo.popleft())
        return batch

    def submit_batch(self, runs: list[Run], retry: bool) -> None:
        future = self.client.submit(run_batch, runs, self.pool.max_flips, self.pool.timeout,
                                    pure=False)
        self.in_flight[future] = ("batch", (runs, retry))
        self.pending.add(future)

    def submit_race(self, run: Run, workers: list[str], retry: bool) -> None:
        from satspeed.results import now_iso

        race = f"satspeed-race-{uuid.uuid4().hex}"
        self.races[race] = (run, retry, workers, {})
        self.started[race] = now_iso()
        self.busy_workers.update(workers)
        for index, address in enumerate(workers):
            future = self.client.submit(run_walker, run, index, race, self.pool.max_flips,
                                        self.pool.timeout, workers=[address],
                                        allow_other_workers=True, pure=False, priority=10)
            self.in_flight[future] = ("walker", (race, index))
            self.pending.add(future)

    # -- what comes back -----------------------------------------------------------------

    def collect(self, future: Any, kind: str, what: Any) -> None:
        failure = self.failure(future)
        if kind == "batch":
            runs, retry = what
            if failure is None:
                rows, seconds = future.result()
                self.note_seconds(runs, seconds)
                for row in rows:
                    self.on_row(row)
            elif retry or len(runs) == 1:
                for run in runs:
                    self.on_row(error_row(run, failure, self.errors))
            else:  # split: find the run that kills workers
                for run in runs:
                    self.submit_batch([run], retry=True)
            return
        race, index = what
        run, retry, workers, results = self.races[race]
        results[index] = (future.result() if failure is None else
                          WalkerResult(RunResult("error", 0, 0.0, 0.0, None, failure)))
        if failure is not None:
            from distributed import Event

            with contextlib.suppress(Exception):
                Event(f"{race}-stop").set()
        if len(results) < run.walkers:
            return
        del self.races[race]
        self.busy_workers.difference_update(workers)
        _clear_events(race, run.walkers)
        result = race_result([results[i] for i in range(run.walkers)])
        if result.status == "error" and not retry and "died" in result.message:
            self.retried.add(run)  # a worker died under it: run the race again, once
            self.todo.appendleft(run)
            return
        if result.status != "stopped":
            self.on_row(result_row(run, result, self.errors, self.started.pop(race)))

    @staticmethod
    def failure(future: Any) -> str | None:
        """Why a task failed (a dead worker, an exception), or None."""
        if future.status == "finished":
            return None
        try:
            future.result()
        except Exception as exc:
            name = type(exc).__name__
            if name == "KilledWorker":
                return "dask worker process died (KilledWorker)"
            return f"{name}: {exc}"
        return None

    def note_seconds(self, runs: list[Run], seconds: float) -> None:
        instance = runs[0].instance
        per_run = seconds / len(runs)
        old = self.pool._seconds.get(instance)
        self.pool._seconds[instance] = per_run if old is None else 0.7 * old + 0.3 * per_run
