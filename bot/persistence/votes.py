"""The committee's votes: one per member per proposal, the latest cast one kept; the close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, literal, or_, select, update

from bot.models import ProposalNotFoundError, VoteRecord
from bot.persistence.rows import PROPOSALS, VOTES, vote_record
from bot.persistence.store import Store
from bot.voting.domain import Choice, Outcome, VoteChange, VoteState


class VoteStore(Store):
    """Votes, cast and counted while the vote is open, and the close that ends it."""

    async def cast_vote(
        self,
        *,
        proposal_id: int,
        user_id: str,
        choice: Choice,
        reason: str | None,
        now: datetime,
        cast_at: datetime | None = None,
    ) -> VoteChange:
        """Record a member's vote (one per member): new, changed, unchanged, or refused as closed.

        ``cast_at`` is when the member cast the vote (Slack's time of the click or reply;
        ``now`` when not given). The member's vote with the latest cast time is the one that
        stays, whatever order concurrent callers or replicas store votes in: a vote cast before
        the stored one (or at the same moment: the first stored stays) changes nothing and is
        unchanged. A vote is also unchanged when both its choice and its reason are the same as
        before; its cast time still moves forward, so an older vote arriving later cannot
        replace it.

        The vote is written only while the proposal's vote is open, in the same statement, so a
        vote racing a close either lands before the close or is refused.
        """
        cast_at = now if cast_at is None else cast_at
        upsert = self._vote_upsert(proposal_id, user_id, choice, reason, now, cast_at)
        async with self._writing_session() as session:
            version = (await session.execute(upsert)).scalar_one_or_none()
            if version is not None:
                return VoteChange.NEW if version == 1 else VoteChange.CHANGED
            state = await session.scalar(
                select(PROPOSALS.c.vote_state).where(PROPOSALS.c.id == proposal_id)
            )
            if state == VoteState.OPEN.value:
                # The upsert left the member's row locked (PostgreSQL locks a conflicting row
                # even when the WHERE of DO UPDATE is false; SQLite holds the write lock), so
                # the row is still the one it compared with: a repeat of the stored choice and
                # reason, or an older vote. A repeat cast later moves the cast time forward.
                await session.execute(
                    update(VOTES)
                    .where(
                        VOTES.c.proposal_id == proposal_id,
                        VOTES.c.user_id == user_id,
                        VOTES.c.cast_at < cast_at,
                    )
                    .values(cast_at=cast_at)
                )
        if state is None:
            raise ProposalNotFoundError(proposal_id)
        return VoteChange.UNCHANGED if state == VoteState.OPEN.value else VoteChange.CLOSED

    def _vote_upsert(
        self,
        proposal_id: int,
        user_id: str,
        choice: Choice,
        reason: str | None,
        now: datetime,
        cast_at: datetime,
    ) -> Any:
        # INSERT … SELECT from the open proposal, locked FOR SHARE on PostgreSQL so that a
        # concurrent close waits for this vote (SQLite serialises writers anyway). An existing
        # vote is replaced only by a different one cast after it.
        values = {
            "proposal_id": PROPOSALS.c.id,
            "user_id": literal(user_id, VOTES.c.user_id.type),
            "choice": literal(choice.value, VOTES.c.choice.type),
            "reason": literal(reason, VOTES.c.reason.type),
            "version": literal(1, VOTES.c.version.type),
            "cast_at": literal(cast_at, VOTES.c.cast_at.type),
            "created_at": literal(now, VOTES.c.created_at.type),
            "updated_at": literal(now, VOTES.c.updated_at.type),
        }
        source = (
            select(*values.values())
            .where(PROPOSALS.c.id == proposal_id, PROPOSALS.c.vote_state == VoteState.OPEN.value)
            .with_for_update(read=True)
        )
        statement = self._insert(VOTES).from_select(list(values), source)
        incoming = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[VOTES.c.proposal_id, VOTES.c.user_id],
            set_={
                "choice": incoming.choice,
                "reason": incoming.reason,
                "version": VOTES.c.version + 1,
                "cast_at": incoming.cast_at,
                "updated_at": incoming.updated_at,
            },
            where=and_(
                VOTES.c.cast_at < incoming.cast_at,
                or_(
                    VOTES.c.choice != incoming.choice,
                    VOTES.c.reason.is_distinct_from(incoming.reason),
                ),
            ),
        ).returning(VOTES.c.version)

    async def votes_for(self, *, proposal_id: int) -> list[VoteRecord]:
        """The current vote of every member who voted, first voter first."""
        statement = (
            select(VOTES)
            .where(VOTES.c.proposal_id == proposal_id)
            .order_by(VOTES.c.created_at, VOTES.c.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [vote_record(row) for row in rows]

    async def close_vote(
        self, *, proposal_id: int, outcome: Outcome, closed_by: str, now: datetime
    ) -> bool:
        """Close the vote with its outcome; only the first close wins (True), later ones False."""
        statement = (
            update(PROPOSALS)
            .where(PROPOSALS.c.id == proposal_id, PROPOSALS.c.vote_state == VoteState.OPEN.value)
            .values(
                vote_state=VoteState.CLOSED.value,
                outcome=outcome.value,
                closed_at=now,
                closed_by=closed_by,
                updated_at=now,
            )
            .returning(PROPOSALS.c.id)
        )
        async with self._writing_session() as session:
            return (await session.execute(statement)).scalar_one_or_none() is not None

    async def voters_of(self, *, proposal_ids: Sequence[int]) -> dict[int, set[str]]:
        """Who has voted, per proposal (an empty set for a proposal without votes)."""
        statement = select(VOTES.c.proposal_id, VOTES.c.user_id).where(
            VOTES.c.proposal_id.in_(list(proposal_ids))
        )
        found: dict[int, set[str]] = {proposal_id: set() for proposal_id in proposal_ids}
        async with self._engine.connect() as connection:
            for row in await connection.execute(statement):
                found[row.proposal_id].add(row.user_id)
        return found
