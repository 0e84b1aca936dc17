"""Channel committees and their audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import CommitteeAction, CommitteeChangeRecord
from bot.persistence.rows import CHANGES, MEMBERS
from bot.persistence.store import Store
from bot.persistence.tables import CommitteeChangeRow


class CommitteeStore(Store):
    """Who sits on each channel's committee, and every change to it."""

    async def committee_members(self, *, team_id: str, channel_id: str) -> list[str]:
        """The channel committee's user ids, in the order they were added."""
        statement = (
            select(MEMBERS.c.user_id)
            .where(MEMBERS.c.team_id == team_id, MEMBERS.c.channel_id == channel_id)
            .order_by(MEMBERS.c.added_at, MEMBERS.c.id)
        )
        async with self._sessions() as session:
            return list((await session.scalars(statement)).all())

    async def add_committee_members(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_ids: Sequence[str],
        actor_id: str,
        now: datetime,
    ) -> list[str]:
        """Add members (existing ones are skipped) and audit each addition; returns the added."""
        added: list[str] = []
        async with self._writing_session() as session:
            for user_id in dict.fromkeys(user_ids):
                statement = (
                    self._insert(MEMBERS)
                    .values(
                        team_id=team_id,
                        channel_id=channel_id,
                        user_id=user_id,
                        added_by=actor_id,
                        added_at=now,
                    )
                    .on_conflict_do_nothing()
                    .returning(MEMBERS.c.id)
                )
                if (await session.execute(statement)).scalar_one_or_none() is not None:
                    added.append(user_id)
            await self._audit(
                session, team_id, channel_id, actor_id, CommitteeAction.ADD, added, now
            )
        return added

    async def remove_committee_members(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_ids: Sequence[str],
        actor_id: str,
        now: datetime,
    ) -> list[str]:
        """Remove members (absent ones are skipped) and audit each removal; returns the removed."""
        statement = (
            delete(MEMBERS)
            .where(
                MEMBERS.c.team_id == team_id,
                MEMBERS.c.channel_id == channel_id,
                MEMBERS.c.user_id.in_(list(user_ids)),
            )
            .returning(MEMBERS.c.user_id)
        )
        async with self._writing_session() as session:
            gone = set((await session.scalars(statement)).all())
            removed = [user_id for user_id in dict.fromkeys(user_ids) if user_id in gone]
            await self._audit(
                session, team_id, channel_id, actor_id, CommitteeAction.REMOVE, removed, now
            )
        return removed

    @staticmethod
    async def _audit(
        session: AsyncSession,
        team_id: str,
        channel_id: str,
        actor_id: str,
        action: CommitteeAction,
        user_ids: list[str],
        now: datetime,
    ) -> None:
        session.add_all(
            CommitteeChangeRow(
                team_id=team_id,
                channel_id=channel_id,
                actor_id=actor_id,
                action=action.value,
                user_id=user_id,
                at=now,
            )
            for user_id in user_ids
        )

    async def committee_changes(
        self, *, team_id: str, channel_id: str
    ) -> list[CommitteeChangeRecord]:
        """The channel committee's audit trail, oldest change first."""
        statement = (
            select(CHANGES)
            .where(CHANGES.c.team_id == team_id, CHANGES.c.channel_id == channel_id)
            .order_by(CHANGES.c.at, CHANGES.c.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [
            CommitteeChangeRecord(
                team_id=row.team_id,
                channel_id=row.channel_id,
                actor_id=row.actor_id,
                action=CommitteeAction(row.action),
                user_id=row.user_id,
                at=row.at,
            )
            for row in rows
        ]

    async def committees_of(
        self, *, channels: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """The committee of each (team, channel) that has one, in the order members were added."""
        wanted = list(dict.fromkeys(channels))
        found: dict[tuple[str, str], list[str]] = {}
        if not wanted:
            return found
        statement = (
            select(MEMBERS.c.team_id, MEMBERS.c.channel_id, MEMBERS.c.user_id)
            .where(tuple_(MEMBERS.c.team_id, MEMBERS.c.channel_id).in_(wanted))
            .order_by(MEMBERS.c.added_at, MEMBERS.c.id)
        )
        async with self._engine.connect() as connection:
            for row in await connection.execute(statement):
                found.setdefault((row.team_id, row.channel_id), []).append(row.user_id)
        return found
