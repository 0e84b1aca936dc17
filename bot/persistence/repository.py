"""The bot's data access: async methods with keyword-only arguments returning frozen records.

Each method is one short transaction. Uniqueness (one proposal per submission, one vote per
member, one reminder per proposal, kind and day, one claim per delivery) is enforced by the
database with upserts, so concurrent callers and several replicas stay exact.

What is read from the database is validated into records; a record built from what the caller
just handed in (a new proposal, a revision) is assembled without validating it again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import Label

from bot.persistence import ledger
from bot.persistence.database import ping
from bot.persistence.records import (
    Choice,
    CommitteeAction,
    CommitteeChangeRecord,
    DecisionSummary,
    DeliveryState,
    EvaluationRecord,
    HomeData,
    LedgerEntry,
    LedgerKey,
    NudgeTarget,
    Outcome,
    ProposalRecord,
    ReminderRecord,
    ReminderTarget,
    VoteChange,
    VoteRecord,
    VoteState,
)
from bot.persistence.tables import (
    CommitteeChangeRow,
    CommitteeMemberRow,
    EvaluationRow,
    ProcessedEventRow,
    ProposalRow,
    ReminderRow,
    VoteRow,
)
from core.evaluation import Evaluation, Recommendation, Verdict
from core.proposal import Proposal

MAX_EVENT_KEY_LENGTH = 255


class ProposalNotFoundError(LookupError):
    """No proposal has this id."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"proposal {proposal_id} does not exist")
        self.proposal_id = proposal_id


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


PROPOSALS = _table(ProposalRow)
EVALUATIONS = _table(EvaluationRow)
VOTES = _table(VoteRow)
MEMBERS = _table(CommitteeMemberRow)
CHANGES = _table(CommitteeChangeRow)
REMINDERS = _table(ReminderRow)
EVENTS = _table(ProcessedEventRow)

CURRENT_EVALUATION = and_(
    EVALUATIONS.c.proposal_id == PROPOSALS.c.id,
    EVALUATIONS.c.revision == PROPOSALS.c.revision,
)
"""Joins a proposal to the evaluation of its current revision."""


_PROPOSAL_COLUMNS = (*PROPOSALS.c, EVALUATIONS.c.evaluation_json, EVALUATIONS.c.policy_hash)

# The proposal's current evaluation as seen from an UPDATE of ``proposals`` (for RETURNING).
# Its columns are written out qualified: SQLite compiles the columns of a correlated subquery
# inside UPDATE … RETURNING unqualified (``WHERE proposal_id = id``), where ``id`` is then the
# evaluation's own column and the first evaluation of all matches.
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

# Statements built once, their values given at execution (the SET of `_UPDATE_PROPOSAL` is
# the columns passed besides ``target_id``): building a statement costs more than running it.
_INSERT_EVALUATION = EVALUATIONS.insert()
_UPDATE_PROPOSAL = (
    update(PROPOSALS)
    .where(PROPOSALS.c.id == bindparam("target_id"))
    .returning(*_RETURNED_PROPOSAL)
)


def model_json(model: BaseModel) -> str:
    """A model as JSON text; unlike `model_dump_json`, infinite figures survive (`Infinity`)."""
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"))


def _evaluation_from_json(text: str) -> Evaluation:
    return Evaluation.model_validate(json.loads(text))


def _proposal_from_json(text: str) -> Proposal:
    return Proposal.model_validate_json(text)


def _in_utc(moment: datetime | None) -> datetime | None:
    """A timestamp as the database gives it back: in UTC."""
    return None if moment is None else moment.astimezone(UTC)


def _record_fields(row: Any) -> dict[str, Any]:
    """A proposal row's own columns as `ProposalRecord` fields."""
    return {
        "id": row.id,
        "team_id": row.team_id,
        "channel_id": row.channel_id,
        "author_id": row.author_id,
        "title": row.title,
        "revision": row.revision,
        "message_ts": row.message_ts,
        "delivery_state": DeliveryState(row.delivery_state),
        "delivery_error": row.delivery_error,
        "vote_deadline": row.vote_deadline,
        "secret_ballot": row.secret_ballot,
        "quorum": row.quorum,
        "vote_state": VoteState(row.vote_state),
        "outcome": Outcome(row.outcome) if row.outcome else None,
        "closed_at": row.closed_at,
        "closed_by": row.closed_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _proposal_record(row: Any) -> ProposalRecord:
    """A proposal read with its current evaluation (`_PROPOSAL_COLUMNS`), validated."""
    return ProposalRecord(
        **_record_fields(row),
        proposal=_proposal_from_json(row.proposal_json),
        evaluation=_evaluation_from_json(row.evaluation_json),
        policy_hash=row.policy_hash,
    )


def _evaluation_record(row: Any) -> EvaluationRecord:
    return EvaluationRecord(
        proposal_id=row.proposal_id,
        revision=row.revision,
        proposal=_proposal_from_json(row.proposal_json),
        evaluation=_evaluation_from_json(row.evaluation_json),
        policy_hash=row.policy_hash,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _vote_record(row: Any) -> VoteRecord:
    return VoteRecord(
        proposal_id=row.proposal_id,
        user_id=row.user_id,
        choice=Choice(row.choice),
        reason=row.reason,
        updated_at=row.updated_at,
    )


def _reminder_record(row: Any) -> ReminderRecord:
    return ReminderRecord(
        proposal_id=row.proposal_id,
        kind=row.kind,
        due_date=row.due_date,
        days_before=row.days_before,
        channel_id=row.channel_id,
        sent_at=row.sent_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )


def _evaluation_values(
    *,
    proposal_id: int,
    revision: int,
    proposal_json: str,
    evaluation: Evaluation,
    created_by: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "proposal_id": proposal_id,
        "revision": revision,
        "proposal_json": proposal_json,
        "evaluation_json": model_json(evaluation),
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
        "policy_json": model_json(evaluation.policy),
        "policy_hash": evaluation.policy.hash,
        "created_by": created_by,
        "created_at": now,
    }


def _revision_columns(
    proposal: Proposal, proposal_json: str, evaluation: Evaluation
) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "proposal_json": proposal_json,
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
    }


def _new_proposal(
    proposal_id: int, row: dict[str, Any], proposal: Proposal, evaluation: Evaluation
) -> ProposalRecord:
    """The record of a proposal just inserted, from what was written (nothing re-validated)."""
    return ProposalRecord.model_construct(
        id=proposal_id,
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        author_id=row["author_id"],
        title=row["title"],
        proposal=proposal,
        evaluation=evaluation,
        revision=1,
        policy_hash=evaluation.policy.hash,
        message_ts=None,
        delivery_state=DeliveryState.PENDING,
        delivery_error=None,
        vote_deadline=_in_utc(row["vote_deadline"]),
        secret_ballot=row["secret_ballot"],
        quorum=row["quorum"],
        vote_state=VoteState.OPEN,
        outcome=None,
        closed_at=None,
        closed_by=None,
        created_at=row["created_at"].astimezone(UTC),
        updated_at=row["updated_at"].astimezone(UTC),
    )


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


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


def _reminder_target(row: Any, zone: ZoneInfo) -> ReminderTarget:
    return ReminderTarget(
        proposal_id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        thread_ts=row.message_ts,
        title=row.title,
        proposal=_proposal_from_json(row.proposal_json),
        posted_on=_local_date(row.created_at, zone),
        vote_open=row.vote_state == VoteState.OPEN.value,
    )


def _key(row: Any) -> LedgerKey:
    return (row.proposal_id, row.kind, row.due_date)


_SUMMARY_COLUMNS = (
    PROPOSALS.c.id,
    PROPOSALS.c.team_id,
    PROPOSALS.c.channel_id,
    PROPOSALS.c.author_id,
    PROPOSALS.c.title,
    PROPOSALS.c.created_at,
    PROPOSALS.c.verdict,
    PROPOSALS.c.recommendation,
    PROPOSALS.c.proposal_json,
    PROPOSALS.c.delivery_state,
    PROPOSALS.c.vote_state,
    PROPOSALS.c.vote_deadline,
    PROPOSALS.c.secret_ballot,
    PROPOSALS.c.outcome,
    PROPOSALS.c.closed_at,
    EVALUATIONS.c.evaluation_json,
    EVALUATIONS.c.policy_hash,
)

VoteCounts = dict[int, dict[str, int]]


def _decision_summary(row: Any, counts: VoteCounts) -> DecisionSummary:
    evaluation = json.loads(row.evaluation_json)
    figures = evaluation["figures"]
    proposal = json.loads(row.proposal_json)
    votes = counts.get(row.id, {})
    return DecisionSummary(
        id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        author_id=row.author_id,
        title=row.title,
        created_at=row.created_at,
        verdict=Verdict(row.verdict),
        recommendation=Recommendation(row.recommendation),
        primary_reason=evaluation.get("primary_reason"),
        total_cost_usd=float(figures["total_cost_usd"]),
        projected_revenue_usd=float(proposal["projected_revenue_usd"]),
        timing_adjusted_roi=float(figures["timing_adjusted_roi"]),
        delivery_days=int(proposal["delivery_days"]),
        policy_hash=row.policy_hash,
        delivery_state=DeliveryState(row.delivery_state),
        vote_state=VoteState(row.vote_state),
        vote_deadline=row.vote_deadline,
        secret_ballot=row.secret_ballot,
        outcome=Outcome(row.outcome) if row.outcome else None,
        approve=votes.get(Choice.APPROVE.value, 0),
        reject=votes.get(Choice.REJECT.value, 0),
        abstain=votes.get(Choice.ABSTAIN.value, 0),
        closed_at=row.closed_at,
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _event_key(key: str) -> str:
    if len(key) <= MAX_EVENT_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class Repository:
    """Stores proposals, evaluations, votes, committees, the reminder ledger and deliveries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert
        self._insert_proposal = (
            self._insert(PROPOSALS)
            .on_conflict_do_nothing(index_elements=[PROPOSALS.c.submission_key])
            .returning(PROPOSALS.c.id)
        )
        self._claim = ledger.claim_statement(self._insert)

    @property
    def engine(self) -> AsyncEngine:
        """The engine the repository runs on."""
        return self._engine

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        await ping(self._engine)

    # -- proposals ---------------------------------------------------------------------

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
            **_revision_columns(proposal, proposal_json, evaluation),
            "revision": 1,
            "delivery_state": DeliveryState.PENDING.value,
            "vote_deadline": vote_deadline,
            "secret_ballot": secret_ballot,
            "quorum": quorum,
            "vote_state": VoteState.OPEN.value,
            "created_at": now,
            "updated_at": now,
        }
        async with self._engine.begin() as connection:
            inserted = await connection.execute(self._insert_proposal, row)
            proposal_id = inserted.scalar_one_or_none()
            if proposal_id is not None:
                first = _evaluation_values(
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
        return _new_proposal(proposal_id, row, proposal, evaluation), True

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
        async with self._engine.begin() as connection:
            row = await self._bump_revision(
                connection, proposal_id, _revision_columns(proposal, proposal_json, evaluation), now
            )
            revision = _evaluation_values(
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
            **_record_fields(row),
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
        return [_evaluation_record(row) for row in rows]

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
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).one_or_none()
        return None if row is None else _proposal_record(row)

    async def _proposal_where(self, *conditions: Any) -> ProposalRecord | None:
        records = await self._proposals_where(*conditions, limit=1)
        return records[0] if records else None

    async def _proposals_where(
        self, *conditions: Any, limit: int | None = None, newest_first: bool = True
    ) -> list[ProposalRecord]:
        order = (PROPOSALS.c.created_at, PROPOSALS.c.id)
        statement = (
            select(*_PROPOSAL_COLUMNS)
            .join(EVALUATIONS, CURRENT_EVALUATION)
            .where(*conditions)
            .order_by(*(column.desc() for column in order) if newest_first else order)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_proposal_record(row) for row in rows]

    async def _update_proposal(self, proposal_id: int, **values: Any) -> ProposalRecord:
        parameters = {"target_id": proposal_id, **values}
        async with self._engine.begin() as connection:
            row = (await connection.execute(_UPDATE_PROPOSAL, parameters)).one_or_none()
        if row is None:
            raise ProposalNotFoundError(proposal_id)
        return _proposal_record(row)

    # -- decisions: the audit export and the App Home -----------------------------------

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
            select(*_SUMMARY_COLUMNS)
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
        return [_decision_summary(row, tallies) for row in rows]

    # -- votes -------------------------------------------------------------------------

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
        async with self._sessions.begin() as session:
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
        return [_vote_record(row) for row in rows]

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
        async with self._sessions.begin() as session:
            return (await session.execute(statement)).scalar_one_or_none() is not None

    # -- committee ---------------------------------------------------------------------

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
        async with self._sessions.begin() as session:
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
        async with self._sessions.begin() as session:
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

    # -- reminders: who gets them ------------------------------------------------------

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
        return [_reminder_target(row, zone) for row in rows]

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

    # -- reminder ledger: the claim protocol (`bot.persistence.ledger`) ------------------

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
            return {_key(row) for row in await connection.execute(statement)}

    async def settled_reminders_among(self, *, keys: Sequence[LedgerKey]) -> set[LedgerKey]:
        """Which of these keys are sent or given up."""
        settled: set[LedgerKey] = set()
        async with self._engine.connect() as connection:
            for some in ledger.chunks(keys):
                statement = select(*ledger.KEY_COLUMNS).where(ledger.settled(), ledger.key_in(some))
                settled |= {_key(row) for row in await connection.execute(statement)}
        return settled

    async def claim_reminders(
        self, *, entries: Iterable[LedgerEntry], now: datetime
    ) -> dict[LedgerKey, int]:
        """Claim ledger rows for sending, all in one transaction; the keys this caller won
        (at most one concurrent caller wins each), with their row ids."""
        parameters = ledger.claim_parameters(entries, now)
        if not parameters:
            return {}
        async with self._engine.begin() as connection:
            rows = await connection.execute(self._claim, parameters)
            return {_key(row): row.id for row in rows}

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
        async with self._engine.begin() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                result = await connection.execute(ledger.RENEW, {**values, "row_ids": some})
                held |= set(result.scalars())
        return held

    async def mark_reminders_sent(self, *, row_ids: Iterable[int], now: datetime) -> None:
        """Record claimed rows as sent (Slack accepted their messages)."""
        async with self._engine.begin() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                await connection.execute(ledger.MARK_SENT, {"row_ids": some, "sent_at": now})

    async def release_reminders(
        self, *, row_ids: Iterable[int], error: str
    ) -> list[ReminderRecord]:
        """Release claimed rows with the error of their failed send, for the next sweep."""
        values = {"error": error[: ledger.ERROR_LENGTH]}
        rows: list[Any] = []
        async with self._engine.begin() as connection:
            for some in ledger.chunks(sorted(row_ids)):
                rows += await connection.execute(ledger.RELEASE, {**values, "row_ids": some})
        return [_reminder_record(row) for row in rows]

    def _reminder_key(self, proposal_id: int, kind: str, due_date: date) -> ColumnElement[bool]:
        return and_(
            REMINDERS.c.proposal_id == proposal_id,
            REMINDERS.c.kind == kind,
            REMINDERS.c.due_date == due_date,
        )

    async def reminders_on(self, *, due_date: date) -> list[ReminderRecord]:
        """Every ledger row due on this date (thread and channel copies and nudges included)."""
        statement = (
            select(REMINDERS)
            .where(REMINDERS.c.due_date == due_date)
            .order_by(REMINDERS.c.proposal_id, REMINDERS.c.kind)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [_reminder_record(row) for row in rows]

    @asynccontextmanager
    async def advisory_lock(self, *, key: int) -> AsyncIterator[bool]:
        """Hold a PostgreSQL session advisory lock for the block: True when taken, False when
        another session holds it (no waiting). Elsewhere there is no such lock: always True."""
        if self._engine.dialect.name != "postgresql":
            yield True
            return
        async with self._engine.connect() as connection:
            taken = await connection.scalar(select(func.pg_try_advisory_lock(literal(key))))
            try:
                yield bool(taken)
            finally:
                if taken:
                    await connection.execute(select(func.pg_advisory_unlock(literal(key))))

    # -- processed deliveries ----------------------------------------------------------

    async def claim_event(self, *, key: str, now: datetime) -> bool:
        """True the first time this delivery key is seen, False for every repeat."""
        statement = (
            self._insert(EVENTS)
            .values(key=_event_key(key), seen_at=now)
            .on_conflict_do_nothing()
            .returning(EVENTS.c.id)
        )
        async with self._sessions.begin() as session:
            return (await session.execute(statement)).scalar_one_or_none() is not None

    async def forget_events(self, *, seen_before: datetime) -> int:
        """Delete delivery keys older than the given time; returns how many were deleted."""
        statement = delete(EVENTS).where(EVENTS.c.seen_at < seen_before).returning(EVENTS.c.id)
        async with self._sessions.begin() as session:
            return len((await session.scalars(statement)).all())
