"""Processed deliveries: a key per event, claim and revision, so a repeat changes nothing."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import delete

from bot.persistence.rows import EVENTS
from bot.persistence.store import Store

MAX_EVENT_KEY_LENGTH = 255


def _event_key(key: str) -> str:
    if len(key) <= MAX_EVENT_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class ProcessedEvents(Store):
    """The keys of deliveries already handled."""

    async def claim_event(self, *, key: str, now: datetime) -> bool:
        """True the first time this delivery key is seen, False for every repeat."""
        statement = (
            self._insert(EVENTS)
            .values(key=_event_key(key), seen_at=now)
            .on_conflict_do_nothing()
            .returning(EVENTS.c.id)
        )
        async with self._writing_session() as session:
            return (await session.execute(statement)).scalar_one_or_none() is not None

    async def forget_events(self, *, seen_before: datetime) -> int:
        """Delete delivery keys older than the given time; returns how many were deleted."""
        statement = delete(EVENTS).where(EVENTS.c.seen_at < seen_before).returning(EVENTS.c.id)
        async with self._writing_session() as session:
            return len((await session.scalars(statement)).all())
