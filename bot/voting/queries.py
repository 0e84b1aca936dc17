"""The SQL the Slack side of voting needs that the repository lacks (to be folded into it later).

Async functions with keyword-only arguments over the tables of `bot/persistence/tables.py`,
each one short read.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.tables import ProposalRow

PROPOSALS = cast(Table, cast(Any, ProposalRow).__table__)


async def proposal_id_for_thread(
    engine: AsyncEngine, *, team_id: str, channel_id: str, thread_ts: str
) -> int | None:
    """The proposal whose verdict message starts the thread `thread_ts` in this channel."""
    statement = (
        select(PROPOSALS.c.id)
        .where(
            PROPOSALS.c.team_id == team_id,
            PROPOSALS.c.channel_id == channel_id,
            PROPOSALS.c.message_ts == thread_ts,
        )
        .limit(1)
    )
    async with engine.connect() as connection:
        found = (await connection.execute(statement)).scalar_one_or_none()
    return None if found is None else int(found)
