"""Read models: decisions for the App Home and the export, and who gets reminders and nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select

from bot.models import (
    DecisionSummary,
    DeliveryState,
    HomeData,
    NudgeTarget,
    ReminderTarget,
)
from bot.persistence.rows import (
    CURRENT_EVALUATION,
    EVALUATIONS,
    MEMBERS,
    PROPOSALS,
    SUMMARY_COLUMNS,
    VOTES,
    VoteCounts,
    decision_summary,
    reminder_target,
)
from bot.persistence.store import Store
from bot.voting.domain import Choice, Outcome, VoteState


def _eligible_for_reminders() -> ColumnElement[bool]:
    """SQL for `bot.reminders.plan.is_eligible`: posted, and under vote or approved."""
    return and_(
        PROPOSALS.c.delivery_state == DeliveryState.POSTED.value,
        PROPOSALS.c.message_ts.is_not(None),
        or_(
            PROPOSALS.c.vote_state == VoteState.OPEN.value,
            PROPOSALS.c.outcome == Outcome.APPROVED.value,
        ),
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class ReadModels(Store):
    """What the App Home, the export and the reminder planner read."""

    async def all_decisions(self) -> list[DecisionSummary]:
        """Every proposal as a decision summary with its vote counts, oldest first (two queries)."""
        return await self._decisions_where()

    async def home_data(
        self,
        *,
        team_id: str,
        user_id: str,
        fallback_committee: Sequence[str],
        since: date,
        channel_ids: Sequence[str] = (),
    ) -> HomeData:
        """What the user's App Home shows (four queries, however many proposals there are).

        The user's channels are those whose committee includes them (every channel without a
        committee of its own when they are on the fallback committee), those where they
        proposed or voted, and ``channel_ids`` (e.g. the channels Slack says they are in).
        """
        committees = await self._team_committees(team_id)
        fallback = list(dict.fromkeys(fallback_committee))
        theirs = self._their_channels(team_id, user_id, committees, fallback, channel_ids)
        recent = or_(
            PROPOSALS.c.vote_state == VoteState.OPEN.value,
            PROPOSALS.c.created_at >= _start_of(since),
            PROPOSALS.c.closed_at >= _start_of(since),
        )
        proposals = await self._decisions_where(
            PROPOSALS.c.team_id == team_id,
            or_(PROPOSALS.c.author_id == user_id, and_(theirs, recent)),
        )
        return HomeData(
            proposals=proposals,
            committees=committees,
            fallback_committee=fallback,
            my_votes=await self._votes_of(team_id, user_id),
        )

    @staticmethod
    def _their_channels(
        team_id: str,
        user_id: str,
        committees: dict[str, list[str]],
        fallback: list[str],
        channel_ids: Sequence[str],
    ) -> ColumnElement[bool]:
        member_of = {channel for channel, members in committees.items() if user_id in members}
        authored = PROPOSALS.alias("authored")
        voted = PROPOSALS.alias("voted")
        conditions = [
            PROPOSALS.c.channel_id.in_(sorted(member_of | set(channel_ids))),
            PROPOSALS.c.channel_id.in_(
                select(authored.c.channel_id).where(
                    authored.c.team_id == team_id, authored.c.author_id == user_id
                )
            ),
            PROPOSALS.c.channel_id.in_(
                select(voted.c.channel_id)
                .join(VOTES, VOTES.c.proposal_id == voted.c.id)
                .where(voted.c.team_id == team_id, VOTES.c.user_id == user_id)
            ),
        ]
        if user_id in fallback:
            conditions.append(PROPOSALS.c.channel_id.not_in(sorted(committees)))
        return or_(*conditions)

    async def _team_committees(self, team_id: str) -> dict[str, list[str]]:
        statement = (
            select(MEMBERS.c.channel_id, MEMBERS.c.user_id)
            .where(MEMBERS.c.team_id == team_id)
            .order_by(MEMBERS.c.added_at, MEMBERS.c.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        committees: dict[str, list[str]] = {}
        for channel_id, member in rows:
            committees.setdefault(channel_id, []).append(member)
        return committees

    async def _votes_of(self, team_id: str, user_id: str) -> dict[int, Choice]:
        statement = (
            select(VOTES.c.proposal_id, VOTES.c.choice)
            .join(PROPOSALS, PROPOSALS.c.id == VOTES.c.proposal_id)
            .where(PROPOSALS.c.team_id == team_id, VOTES.c.user_id == user_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return {proposal_id: Choice(choice) for proposal_id, choice in rows}

    async def _decisions_where(self, *conditions: Any) -> list[DecisionSummary]:
        proposals = (
            select(*SUMMARY_COLUMNS)
            .join(EVALUATIONS, CURRENT_EVALUATION)
            .where(*conditions)
            .order_by(PROPOSALS.c.id)
        )
        counts = (
            select(VOTES.c.proposal_id, VOTES.c.choice, func.count())
            .join(PROPOSALS, PROPOSALS.c.id == VOTES.c.proposal_id)
            .where(*conditions)
            .group_by(VOTES.c.proposal_id, VOTES.c.choice)
        )
        async with self._sessions() as session:
            rows = (await session.execute(proposals)).all()
            tallies: VoteCounts = {}
            for proposal_id, choice, number in (await session.execute(counts)).all():
                tallies.setdefault(proposal_id, {})[choice] = number
        return [decision_summary(row, tallies) for row in rows]

    async def reminder_targets(self, *, zone: ZoneInfo) -> list[ReminderTarget]:
        """Every proposal eligible for reminders (posted; open, or approved), oldest first."""
        columns = PROPOSALS.c
        statement = (
            select(
                columns.id,
                columns.team_id,
                columns.channel_id,
                columns.message_ts,
                columns.title,
                columns.proposal_json,
                columns.created_at,
                columns.vote_state,
            )
            .where(_eligible_for_reminders())
            .order_by(columns.created_at, columns.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [reminder_target(row, zone) for row in rows]

    async def nudge_targets(self, *, now: datetime, lead: timedelta) -> list[NudgeTarget]:
        """Posted proposals whose vote is open and closes after now, within ``lead``."""
        columns = PROPOSALS.c
        statement = (
            select(
                columns.id,
                columns.team_id,
                columns.channel_id,
                columns.title,
                columns.vote_deadline,
                columns.created_at,
            )
            .where(
                columns.delivery_state == DeliveryState.POSTED.value,
                columns.vote_state == VoteState.OPEN.value,
                columns.vote_deadline > now,
                columns.vote_deadline <= now + lead,
            )
            .order_by(columns.vote_deadline, columns.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [
            NudgeTarget(
                proposal_id=row.id,
                team_id=row.team_id,
                channel_id=row.channel_id,
                title=row.title,
                vote_deadline=row.vote_deadline,
                created_at=row.created_at,
            )
            for row in rows
        ]
