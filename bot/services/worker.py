"""One worker process for the CPU-heavy work after an ack: rendering pictures, scanning files.

Measured (benchmarks/plots.py): rendering in a thread of the app's own process holds the GIL
most of the time, and a submission's ack went from 12 to 27 ms at the median and from 15 to
110 ms at p99 while pictures rendered. In a process of its own, at a lower CPU priority, the
event loop keeps the GIL and the CPU. One process serves the whole app (and the whole test
session), started on first use: `spawn`ed, so it never inherits the event loop's threads; it
imports matplotlib once, when it starts, and ends when the app does, however the app ends; a
job's arguments and answer travel pickled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

NICENESS = 10
"""How much lower the worker's CPU priority is than the app's."""

_Result = TypeVar("_Result")
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


PARENT_CHECK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def _prepare() -> None:
    """In the worker, once: end with the app, a lower priority, matplotlib loaded."""
    _die_with_parent(os.getppid())
    try:
        os.nice(NICENESS)
    except OSError:
        logger.info("the worker process runs at the app's priority")
    import bot.pictures  # noqa: F401  (0.5 s, paid here rather than by the first verdict)


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive an app killed outright (it would hold the app's stderr open):
    Linux sends it SIGKILL when the app dies, and a watch thread checks on any system."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_prepare)
        return _pool


def _forget(broken: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


async def in_worker(job: Callable[..., _Result], *args: Any, **kwargs: Any) -> _Result:
    """Run `job(*args, **kwargs)` in the worker process (started on first use); a worker that
    died is replaced once."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        executor = _executor()
        try:
            return await loop.run_in_executor(executor, partial(job, *args, **kwargs))
        except BrokenProcessPool:
            _forget(executor)
            if attempt == 2:
                raise
            logger.warning("the worker process died; starting another")
    raise AssertionError("unreachable")


def ready() -> bool:
    """A job that does nothing: its answer means the worker has started."""
    return True


async def warm_up() -> None:
    """Start the worker process now (it imports matplotlib as it starts), not on first use."""
    await in_worker(ready)


def shutdown() -> None:
    """Stop the worker process (at exit; it is also stopped when the app's process ends)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
