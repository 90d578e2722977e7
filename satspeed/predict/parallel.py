"""Predict many groups at once: one task per group, on worker processes, in the CSV's order.

Each group's bootstrap seeds come from the group itself (prediction.predict_group), so the
numbers do not depend on which worker predicts which group, nor on how many there are (a
test compares one worker with two). Workers are forked where the platform can (no start-up:
they share the parent's imports), spawned elsewhere; they ignore Ctrl-C, which the parent
takes: it stops them and raises KeyboardInterrupt as a serial prediction would.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

MIN_TASKS = 4  # fewer groups are predicted here: a pool costs more than it saves


def usable_cores() -> int:
    """Cores this process may run on (its affinity where the platform says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_map(work: Callable[[Task], Result], tasks: Sequence[Task], workers: int
                ) -> Iterator[Result]:
    """work(task) for each task, in order, on up to `workers` processes (here, in this
    process, for one worker or fewer than MIN_TASKS tasks)."""
    if workers <= 1 or len(tasks) < MIN_TASKS:
        yield from map(work, tasks)
        return
    method = "fork" if "fork" in mp.get_all_start_methods() and sys.platform != "darwin" \
        else "spawn"
    with mp.get_context(method).Pool(min(workers, len(tasks)), _ignore_sigint) as pool:
        yield from pool.imap(work, tasks)  # leaving the block terminates the workers


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
