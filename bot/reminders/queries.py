"""Kept for callers outside `bot.reminders`: the ledger queries now live in `Repository`."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.records import ReminderRecord
from bot.persistence.repository import Repository


async def ledger_on(engine: AsyncEngine, *, day: date) -> list[ReminderRecord]:
    """Every ledger row due on this day (`Repository.reminders_on`)."""
    return await Repository(engine).reminders_on(due_date=day)
