"""Kept for the listeners: the voting look-ups now live in `Repository` (thin wrappers here)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.repository import Repository


async def proposal_id_for_thread(
    engine: AsyncEngine, *, team_id: str, channel_id: str, thread_ts: str
) -> int | None:
    """The proposal whose verdict message starts the thread `thread_ts` in this channel."""
    return await Repository(engine).proposal_id_for_thread(
        team_id=team_id, channel_id=channel_id, thread_ts=thread_ts
    )
