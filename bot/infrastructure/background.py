"""Work after the ack: a few pieces at a time, so a burst never delays the next ack."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

BACKGROUND_CONCURRENCY = 4


class BackgroundWork:
    """Runs what listeners do after their ack, a few at a time, so a burst never delays acks.

    Slack needs the ack within 3 seconds; the verdict can follow a moment later. The work is
    expected to report its own failures (see `bot.listeners.errors.failures_reported`).
    """

    def __init__(self, concurrency: int = BACKGROUND_CONCURRENCY) -> None:
        self._concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        """Schedule `work`; it starts when one of the slots is free."""
        task = asyncio.ensure_future(self._run(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._concurrency)
        async with self._slots:
            await work

    @property
    def pending(self) -> int:
        """How many pieces of work are queued or running."""
        return len(self._tasks)

    async def drain(self, timeout: float) -> int:
        """Wait for the queued and running work; return how many did not finish in time."""
        if not self._tasks:
            return 0
        _done, unfinished = await asyncio.wait(set(self._tasks), timeout=timeout)
        return len(unfinished)
