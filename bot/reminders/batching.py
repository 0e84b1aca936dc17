"""The ledger around paced sending, in batches: claims a lane's rows ahead, records sends behind.

A lane (one channel, or one user's DMs) claims the ledger rows of its next messages in one
transaction (`LaneClaims`), as many as it sends in about `CLAIM_BATCH_SECONDS` at its pace,
so a claim is used long before it could grow stale; when the sending is slowed down anyway
(429s retried inside the calls), the lane renews what it holds before it does. Rows whose
messages Slack accepted are recorded as sent together (`SentRows`): every
`MARK_DELAY_SECONDS`, at `MARK_BATCH` rows, and when the sweep ends. A row is never recorded
before Slack accepted its message, and stays claimed until it is recorded.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol

from bot.infrastructure.clock import Clock
from bot.models import LedgerEntry, LedgerKey
from bot.persistence.ledger import CLAIM_STALE_AFTER
from bot.persistence.reminder_ledger import ReminderLedger

CLAIM_BATCH_SECONDS = 120.0
MAX_CLAIM_BATCH = 250
RENEW_AFTER = CLAIM_STALE_AFTER / 2
MARK_BATCH = 250
MARK_DELAY_SECONDS = 1.0


def claim_batch(interval: float) -> int:
    """How many messages a lane claims at once: what it sends in `CLAIM_BATCH_SECONDS`."""
    if interval <= 0:
        return MAX_CLAIM_BATCH
    return max(1, min(MAX_CLAIM_BATCH, math.floor(CLAIM_BATCH_SECONDS / interval)))


class LaneClaims:
    """One lane's ledger rows, claimed a batch of messages at a time as its sending reaches them.

    ``parts[n]`` are the ledger entries of the lane's n-th message; the lane asks for them in
    order, just before sending each.
    """

    def __init__(
        self,
        parts: Sequence[Sequence[LedgerEntry]],
        *,
        batch: int,
        ledger: ReminderLedger,
        clock: Clock,
    ) -> None:
        self._parts = parts
        self._batch = batch
        self._ledger = ledger
        self._clock = clock
        self._claimed_up_to = 0
        self._held: dict[LedgerKey, int] = {}
        self._since = clock.now()

    async def won(self, position: int) -> dict[LedgerKey, int]:
        """The rows of message ``position`` this sweeper holds (key → row id); empty when
        another sweeper has them or they are settled."""
        if position >= self._claimed_up_to:
            await self._claim_from(position)
        elif self._clock.now() - self._since >= RENEW_AFTER:
            await self._renew()
        held = self._held
        return {entry.key: held[entry.key] for entry in self._parts[position] if entry.key in held}

    async def _claim_from(self, position: int) -> None:
        batch = self._parts[position : position + self._batch]
        self._claimed_up_to = position + len(batch)
        self._since = self._clock.now()
        entries = [entry for part in batch for entry in part]
        self._held = await self._ledger.claim_reminders(entries=entries, now=self._since)

    async def _renew(self) -> None:
        """Renew the rows of the current batch not yet recorded (sent messages' ones too)."""
        held_since, now = self._since, self._clock.now()
        renewed = await self._ledger.renew_reminder_claims(
            row_ids=self._held.values(), held_since=held_since, now=now
        )
        self._held = {key: row_id for key, row_id in self._held.items() if row_id in renewed}
        self._since = now


class SentLedger(Protocol):
    """Where sent rows are recorded (`ReminderLedger.mark_reminders_sent`)."""

    async def mark_reminders_sent(self, *, row_ids: Iterable[int], now: datetime) -> None:
        """Record the rows as sent at ``now``."""
        ...


class SentRows:
    """Ledger rows whose messages Slack accepted, recorded as sent a batch at a time.

    Use it as an async context manager: it records what is noted every `MARK_DELAY_SECONDS`
    while the block runs, and the rest when it ends.
    """

    def __init__(self, ledger: SentLedger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock
        self._pending: list[int] = []
        self._recorder: asyncio.Task[None] | None = None

    async def __aenter__(self) -> SentRows:
        self._recorder = asyncio.create_task(self._record_every(MARK_DELAY_SECONDS))
        return self

    async def __aexit__(
        self,
        error_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._recorder is not None:
            self._recorder.cancel()
            await asyncio.gather(self._recorder, return_exceptions=True)
        await self.flush()

    async def add(self, row_ids: Iterable[int]) -> None:
        """Note rows as sent; the batch is recorded at once when it is full."""
        if self._recorder is not None and self._recorder.done():
            self._recorder.result()  # recording failed: the sweep fails with its error
        self._pending.extend(row_ids)
        if len(self._pending) >= MARK_BATCH:
            await self.flush()

    async def flush(self) -> None:
        """Record every noted row as sent now (kept noted if that fails or is cancelled)."""
        row_ids, self._pending = self._pending, []
        if not row_ids:
            return
        try:
            await self._ledger.mark_reminders_sent(row_ids=row_ids, now=self._clock.now())
        except BaseException:
            self._pending[:0] = row_ids
            raise

    async def _record_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.flush()
