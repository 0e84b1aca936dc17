"""The proposals and their revisions: submissions, deliveries, revisions and their history.

Uniqueness (one proposal per submission, one claim per delivery) is enforced by the database,
so concurrent callers and several replicas stay exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import Label

from bot.models import (
    DeliveryState,
    EvaluationRecord,
    ProposalNotFoundError,
    ProposalRecord,
)
from bot.persistence.rows import (
    CURRENT_EVALUATION,
    EVALUATIONS,
    PROPOSAL_COLUMNS,
    PROPOSALS,
    VOTES,
    evaluation_record,
    evaluation_values,
    model_json,
    new_proposal_record,
    proposal_fields,
    proposal_record,
    revision_columns,
)
from bot.persistence.store import Store
from bot.voting.domain import VoteState
from core.evaluation import Evaluation
from core.proposal import Proposal

_CURRENT_IN_UPDATE = and_(
    literal_column("evaluations.proposal_id") == literal_column("proposals.id"),
    literal_column("evaluations.revision") == literal_column("proposals.revision"),
)


def _current(column: Any) -> Label[Any]:
    """A column of the proposal's current evaluation, as a scalar subquery (for RETURNING)."""
    return select(column).where(_CURRENT_IN_UPDATE).scalar_subquery().label(column.name)


_RETURNED_PROPOSAL = (
    *PROPOSALS.c,
    _current(EVALUATIONS.c.evaluation_json),
    _current(EVALUATIONS.c.policy_hash),
)


_INSERT_EVALUATION = EVALUATIONS.insert()


_UPDATE_PROPOSAL = (
    update(PROPOSALS)
    .where(PROPOSALS.c.id == bindparam("target_id"))
    .returning(*_RETURNED_PROPOSAL)
)


class ProposalStore(Store):
    """Proposals with their current evaluation, and every revision's evaluation."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._insert_proposal = (
            self._insert(PROPOSALS)
            .on_conflict_do_nothing(index_elements=[PROPOSALS.c.submission_key])
            .returning(PROPOSALS.c.id)
        )
    async def create_proposal(
        self,
        *,
        team_id: str,
        channel_id: str,
        author_id: str,
        submission_key: str,
        proposal: Proposal,
        evaluation: Evaluation,
        created_by: str,
        vote_deadline: datetime | None,
        secret_ballot: bool,
        quorum: int | None,
        now: datetime,
    ) -> tuple[ProposalRecord, bool]:
        """Store a proposal and its first evaluation; a known submission_key gives (it, False).

        The submission key's unique constraint decides a double submit: the insert that loses
        writes nothing, and the proposal stored first is read back.
        """
        proposal_json = model_json(proposal)
        row = {
            "team_id": team_id,
            "channel_id": channel_id,
            "author_id": author_id,
            "submission_key": submission_key,
            **revision_columns(proposal, proposal_json, evaluation),
            "revision": 1,
            "delivery_state": DeliveryState.PENDING.value,
            "vote_deadline": vote_deadline,
            "secret_ballot": secret_ballot,
            "quorum": quorum,
            "vote_state": VoteState.OPEN.value,
            "created_at": now,
            "updated_at": now,
        }
        async with self._writing() as connection:
            inserted = await connection.execute(self._insert_proposal, row)
            proposal_id = inserted.scalar_one_or_none()
            if proposal_id is not None:
                first = evaluation_values(
                    proposal_id=proposal_id,
                    revision=1,
                    proposal_json=proposal_json,
                    evaluation=evaluation,
                    created_by=created_by,
                    now=now,
                )
                await connection.execute(_INSERT_EVALUATION, first)
        if proposal_id is None:
            return await self._submitted(submission_key), False
        return new_proposal_record(proposal_id, row, proposal, evaluation), True

    async def _submitted(self, submission_key: str) -> ProposalRecord:
        existing = await self._proposal_where(PROPOSALS.c.submission_key == submission_key)
        if existing is None:
            raise LookupError(f"the proposal of submission {submission_key!r} disappeared")
        return existing

    async def get_proposal(self, *, proposal_id: int) -> ProposalRecord | None:
        """The proposal with this id, or None."""
        return await self._proposal_where(PROPOSALS.c.id == proposal_id)

    async def proposal_id_for_thread(
        self, *, team_id: str, channel_id: str, thread_ts: str
    ) -> int | None:
        """The proposal whose verdict message starts the thread `thread_ts` in this channel."""
        statement = (
            select(PROPOSALS.c.id)
            .where(
                PROPOSALS.c.channel_id == channel_id,
                PROPOSALS.c.message_ts == thread_ts,
                PROPOSALS.c.team_id == team_id,
            )
            .limit(1)
        )
        async with self._engine.connect() as connection:
            found = (await connection.execute(statement)).scalar_one_or_none()
        return None if found is None else int(found)

    async def latest_proposal_by_author(
        self, *, team_id: str, channel_id: str, author_id: str
    ) -> ProposalRecord | None:
        """The author's most recent proposal in this channel, or None."""
        records = await self._proposals_where(
            PROPOSALS.c.team_id == team_id,
            PROPOSALS.c.channel_id == channel_id,
            PROPOSALS.c.author_id == author_id,
            limit=1,
        )
        return records[0] if records else None

    async def list_channel_proposals(
        self, *, team_id: str, channel_id: str, limit: int = 20
    ) -> list[ProposalRecord]:
        """The channel's proposals, newest first."""
        return await self._proposals_where(
            PROPOSALS.c.team_id == team_id, PROPOSALS.c.channel_id == channel_id, limit=limit
        )

    async def mark_posted(
        self, *, proposal_id: int, channel_id: str, message_ts: str, now: datetime
    ) -> ProposalRecord:
        """Record where the verdict message was posted (one UPDATE, the record returned by it)."""
        return await self._update_proposal(
            proposal_id,
            channel_id=channel_id,
            message_ts=message_ts,
            delivery_state=DeliveryState.POSTED.value,
            delivery_error=None,
            updated_at=now,
        )

    async def mark_undeliverable(
        self, *, proposal_id: int, error: str, now: datetime
    ) -> ProposalRecord:
        """Record that the verdict could not be posted, and why."""
        return await self._update_proposal(
            proposal_id,
            delivery_state=DeliveryState.UNDELIVERABLE.value,
            delivery_error=error,
            updated_at=now,
        )

    async def add_revision(
        self,
        *,
        proposal_id: int,
        proposal: Proposal,
        evaluation: Evaluation,
        created_by: str,
        now: datetime,
        reset_votes: bool,
    ) -> ProposalRecord:
        """Store a re-evaluation as the next revision; with reset_votes, delete the votes."""
        proposal_json = model_json(proposal)
        async with self._writing() as connection:
            row = await self._bump_revision(
                connection, proposal_id, revision_columns(proposal, proposal_json, evaluation), now
            )
            revision = evaluation_values(
                proposal_id=proposal_id,
                revision=row.revision,
                proposal_json=proposal_json,
                evaluation=evaluation,
                created_by=created_by,
                now=now,
            )
            await connection.execute(_INSERT_EVALUATION, revision)
            if reset_votes:
                await connection.execute(delete(VOTES).where(VOTES.c.proposal_id == proposal_id))
        return ProposalRecord(
            **proposal_fields(row),
            proposal=proposal,
            evaluation=evaluation,
            policy_hash=evaluation.policy.hash,
        )

    @staticmethod
    async def _bump_revision(
        connection: AsyncConnection, proposal_id: int, columns: dict[str, Any], now: datetime
    ) -> Any:
        statement = (
            update(PROPOSALS)
            .where(PROPOSALS.c.id == proposal_id)
            .values(revision=PROPOSALS.c.revision + 1, updated_at=now, **columns)
            .returning(*PROPOSALS.c)
        )
        row = (await connection.execute(statement)).one_or_none()
        if row is None:
            raise ProposalNotFoundError(proposal_id)
        return row

    async def evaluation_history(self, *, proposal_id: int) -> list[EvaluationRecord]:
        """Every evaluation of the proposal, revision 1 first."""
        statement = (
            select(EVALUATIONS)
            .where(EVALUATIONS.c.proposal_id == proposal_id)
            .order_by(EVALUATIONS.c.revision)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [evaluation_record(row) for row in rows]

    async def open_proposals(self) -> list[ProposalRecord]:
        """Every proposal whose vote is open, oldest first."""
        return await self._proposals_where(
            PROPOSALS.c.vote_state == VoteState.OPEN.value, newest_first=False
        )

    async def open_proposals_due(self, *, now: datetime) -> list[ProposalRecord]:
        """Open proposals whose vote deadline has passed (at or before now)."""
        return await self._proposals_where(
            PROPOSALS.c.vote_state == VoteState.OPEN.value,
            PROPOSALS.c.vote_deadline.is_not(None),
            PROPOSALS.c.vote_deadline <= now,
            newest_first=False,
        )

    async def stale_pending_proposals(
        self, *, untouched_since: datetime, limit: int = 50
    ) -> list[ProposalRecord]:
        """Proposals whose verdict is still pending, neither stored nor touched (a delivery
        claim touches, see `claim_pending_delivery`) after ``untouched_since``, oldest first."""
        return await self._proposals_where(
            PROPOSALS.c.delivery_state == DeliveryState.PENDING.value,
            PROPOSALS.c.created_at <= untouched_since,
            PROPOSALS.c.updated_at <= untouched_since,
            limit=limit,
            newest_first=False,
        )

    async def claim_pending_delivery(
        self, *, proposal_id: int, untouched_since: datetime, now: datetime
    ) -> ProposalRecord | None:
        """Claim the post of a verdict still pending and untouched since ``untouched_since``.

        One conditional UPDATE sets its ``updated_at`` to ``now``, so of concurrent claimers
        exactly one gets the record, and nobody can claim it again before ``now`` is older
        than their own ``untouched_since`` (a lease). None when it was claimed meanwhile, or
        posted or given up.
        """
        statement = (
            update(PROPOSALS)
            .where(
                PROPOSALS.c.id == proposal_id,
                PROPOSALS.c.delivery_state == DeliveryState.PENDING.value,
                PROPOSALS.c.updated_at <= untouched_since,
            )
            .values(updated_at=now)
            .returning(*_RETURNED_PROPOSAL)
        )
        async with self._writing() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return None if row is None else proposal_record(row)

    async def _proposal_where(self, *conditions: Any) -> ProposalRecord | None:
        records = await self._proposals_where(*conditions, limit=1)
        return records[0] if records else None

    async def _proposals_where(
        self, *conditions: Any, limit: int | None = None, newest_first: bool = True
    ) -> list[ProposalRecord]:
        order = (PROPOSALS.c.created_at, PROPOSALS.c.id)
        statement = (
            select(*PROPOSAL_COLUMNS)
            .join(EVALUATIONS, CURRENT_EVALUATION)
            .where(*conditions)
            .order_by(*(column.desc() for column in order) if newest_first else order)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [proposal_record(row) for row in rows]

    async def _update_proposal(self, proposal_id: int, **values: Any) -> ProposalRecord:
        parameters = {"target_id": proposal_id, **values}
        async with self._writing() as connection:
            row = (await connection.execute(_UPDATE_PROPOSAL, parameters)).one_or_none()
        if row is None:
            raise ProposalNotFoundError(proposal_id)
        return proposal_record(row)
