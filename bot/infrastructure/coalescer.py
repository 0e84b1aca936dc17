"""Coalesced updates: a burst of requests for one message makes at most one render per interval.

Per key (a verdict message) one worker runs at a time. The first request renders at once
(unless the key rendered less than `interval` ago); requests that arrive while a render is
waiting are absorbed by it, and a request that arrives while a render runs schedules exactly
one more, no sooner than `interval` after the previous render started. The render re-reads
the state when it runs, so the last state always lands.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

Render = Callable[[], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_INTERVAL_SECONDS = 1.0


@dataclass
class _Slot:
    """One key's state: the render to run next and whether a request came in since it started."""

    render: Render
    pending: bool = False
    worker: asyncio.Task[None] | None = None


class UpdateCoalescer:
    """Runs at most one render per key per interval, the first promptly and the last always."""

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be 0 seconds or more, not {interval}")
        self._interval = interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._slots: dict[Hashable, _Slot] = {}
        self._last_started: dict[Hashable, float] = {}

    def request(self, key: Hashable, render: Render) -> None:
        """Ask for a render of `key`; the latest `render` given is the one that runs."""
        slot = self._slots.get(key)
        if slot is not None:
            slot.render, slot.pending = render, True
            return
        self._forget_stale_keys()
        slot = _Slot(render=render)
        self._slots[key] = slot
        slot.worker = asyncio.create_task(self._work(key, slot), name=f"coalesced-update-{key}")

    async def drain(self) -> None:
        """Wait until every requested render has run (for shutdown and tests)."""
        while self._slots:
            workers = [slot.worker for slot in self._slots.values() if slot.worker is not None]
            await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, key: Hashable, slot: _Slot) -> None:
        try:
            while True:
                await self._wait_for_turn(key)
                slot.pending = False
                self._last_started[key] = self._monotonic()
                await self._run(key, slot.render)
                if not slot.pending:
                    return
        finally:
            del self._slots[key]

    async def _wait_for_turn(self, key: Hashable) -> None:
        last = self._last_started.get(key)
        if last is None:
            return
        wait = last + self._interval - self._monotonic()
        if wait > 0:
            await self._sleep(wait)

    @staticmethod
    async def _run(key: Hashable, render: Render) -> None:
        try:
            await render()
        except Exception:
            logger.exception("update of %s failed; the next request will try again", key)

    def _forget_stale_keys(self) -> None:
        """Drop the start times that can no longer delay a render, so memory stays bounded."""
        horizon = self._monotonic() - self._interval
        stale = [key for key, at in self._last_started.items() if at <= horizon]
        for key in stale:
            if key not in self._slots:
                del self._last_started[key]
