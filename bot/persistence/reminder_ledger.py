"""The reminder ledger as a store: what is settled, claims, renewals, sends and releases.

The claim protocol itself (the SQL and its rules) is `bot.persistence.ledger`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import LedgerEntry, LedgerKey, ReminderRecord
from bot.persistence import ledger
from bot.persistence.rows import REMINDERS, ledger_key, reminder_record
from bot.persistence.store import Store


class ReminderLedger(Store):
    """The ledger of reminders: one row per proposal, kind and day."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._claim = ledger.claim_statement(self._insert)
    async def settled_reminder_keys(
        self, *, day: date, late_kinds: Sequence[str], since: date
    ) -> set[LedgerKey]:
        """Keys a sweep on ``day`` need not try, sent or given up: those due yesterday or today,
        and those of ``late_kinds`` (sent however late) due since ``since``."""
        late = and_(REMINDERS.c.kind.in_(list(late_kinds)), REMINDERS.c.due_date >= since)
        statement = select(*ledger.KEY_COLUMNS).where(
            ledger.settled(),
            REMINDERS.c.due_date <= day,
            or_(REMINDERS.c.due_date >= day - timedelta(days=1), late),
        )
        async with self._engine.connect() as connection:
            return {ledger_key(row) for row in await connection.execute(statement)}

    async def settled_reminders_among(self, *, keys: Sequence[LedgerKey]) -> set[LedgerKey]:
        """Which of these keys are sent or given up."""
        settled: set[LedgerKey] = set()
        async with self._engine.connect() as connection:
            for some in ledger.chunks(keys):
                statement = select(*ledger.KEY_COLUMNS).where(ledger.settled(), ledger.key_in(some))
                settled |= {ledger_key(row) for row in await connection.execute(statement)}
        return settled

    async def claim_reminders(
        self, *, entries: Iterable[LedgerEntry], now: datetime
    ) -> dict[LedgerKey, int]:
        """Claim ledger rows for sending, all in one transaction; the keys this caller won
        (at most one concurrent caller wins each), with their row ids."""
        parameters = ledger.claim_parameters(entries, now)
        if not parameters:
            return {}
        async with self._writing() as connection:
            rows = await connection.execute(self._claim, parameters)
            return {ledger_key(row): row.id for row in rows}

    async def renew_reminder_claims(
        self, *, row_ids: Iterable[int], held_since: datetime, now: datetime
    ) -> set[int]:
        """Refresh the claims taken at ``held_since`` (before they grow stale); returns the rows
        still held, now as claimed at ``now``."""
        values = {
            "held": ledger.claim_marker(held_since),
            "renewed": ledger.claim_marker(now),
        }
        held: set[int] = set()
        async with self._writing() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                result = await connection.execute(ledger.RENEW, {**values, "row_ids": some})
                held |= set(result.scalars())
        return held

    async def mark_reminders_sent(self, *, row_ids: Iterable[int], now: datetime) -> None:
        """Record claimed rows as sent (Slack accepted their messages)."""
        async with self._writing() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                await connection.execute(ledger.MARK_SENT, {"row_ids": some, "sent_at": now})

    async def release_reminders(
        self, *, row_ids: Iterable[int], error: str
    ) -> list[ReminderRecord]:
        """Release claimed rows with the error of their failed send, for the next sweep."""
        values = {"error": error[: ledger.ERROR_LENGTH]}
        rows: list[Any] = []
        async with self._writing() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                rows += await connection.execute(ledger.RELEASE, {**values, "row_ids": some})
        return [reminder_record(row) for row in rows]

    async def reminders_on(self, *, due_date: date) -> list[ReminderRecord]:
        """Every ledger row due on this date (thread and channel copies and nudges included)."""
        statement = (
            select(REMINDERS)
            .where(REMINDERS.c.due_date == due_date)
            .order_by(REMINDERS.c.proposal_id, REMINDERS.c.kind)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [reminder_record(row) for row in rows]
