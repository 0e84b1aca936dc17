"""The bot's data access: async methods with keyword-only arguments returning frozen records.

Each method is one short transaction. Uniqueness (one proposal per submission, one vote per
member, one reminder per proposal, kind and day, one claim per delivery) is enforced by the
database with upserts, so concurrent callers and several replicas stay exact.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.persistence.database import ping
from bot.persistence.records import (
    Choice,
    CommitteeAction,
    CommitteeChangeRecord,
    DecisionSummary,
    DeliveryState,
    EvaluationRecord,
    HomeData,
    Outcome,
    ProposalRecord,
    ReminderRecord,
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


def model_json(model: BaseModel) -> str:
    """A model as JSON text; unlike `model_dump_json`, infinite figures survive (`Infinity`)."""
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"))


def _evaluation_from_json(text: str) -> Evaluation:
    return Evaluation.model_validate(json.loads(text))


def _proposal_from_json(text: str) -> Proposal:
    return Proposal.model_validate_json(text)


def _proposal_record(row: ProposalRow, evaluation: EvaluationRow) -> ProposalRecord:
    return ProposalRecord(
        id=cast(int, row.id),
        team_id=row.team_id,
        channel_id=row.channel_id,
        author_id=row.author_id,
        title=row.title,
        proposal=_proposal_from_json(row.proposal_json),
        evaluation=_evaluation_from_json(evaluation.evaluation_json),
        revision=row.revision,
        policy_hash=evaluation.policy_hash,
        message_ts=row.message_ts,
        delivery_state=DeliveryState(row.delivery_state),
        delivery_error=row.delivery_error,
        vote_deadline=row.vote_deadline,
        secret_ballot=row.secret_ballot,
        quorum=row.quorum,
        vote_state=VoteState(row.vote_state),
        outcome=Outcome(row.outcome) if row.outcome else None,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _evaluation_record(row: EvaluationRow) -> EvaluationRecord:
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


def _evaluation_row(
    *,
    proposal_id: int,
    revision: int,
    proposal: Proposal,
    evaluation: Evaluation,
    created_by: str,
    now: datetime,
) -> EvaluationRow:
    return EvaluationRow(
        proposal_id=proposal_id,
        revision=revision,
        proposal_json=model_json(proposal),
        evaluation_json=model_json(evaluation),
        verdict=evaluation.verdict.value,
        recommendation=evaluation.recommendation.value,
        policy_json=model_json(evaluation.policy),
        policy_hash=evaluation.policy.hash,
        created_by=created_by,
        created_at=now,
    )


def _revision_columns(proposal: Proposal, evaluation: Evaluation) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "proposal_json": model_json(proposal),
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
    }


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
        """Store a proposal and its first evaluation; a known submission_key gives (it, False)."""
        existing = await self._proposal_where(PROPOSALS.c.submission_key == submission_key)
        if existing is not None:
            return existing, False
        row = ProposalRow(
            team_id=team_id,
            channel_id=channel_id,
            author_id=author_id,
            submission_key=submission_key,
            vote_deadline=vote_deadline,
            secret_ballot=secret_ballot,
            quorum=quorum,
            created_at=now,
            updated_at=now,
            **_revision_columns(proposal, evaluation),
            revision=1,
            delivery_state=DeliveryState.PENDING.value,
            vote_state=VoteState.OPEN.value,
        )
        try:
            proposal_id = await self._insert_proposal(row, proposal, evaluation, created_by)
        except IntegrityError:
            existing = await self._proposal_where(PROPOSALS.c.submission_key == submission_key)
            if existing is None:
                raise
            return existing, False
        return await self._require_proposal(proposal_id), True

    async def _insert_proposal(
        self, row: ProposalRow, proposal: Proposal, evaluation: Evaluation, created_by: str
    ) -> int:
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            evaluation_row = _evaluation_row(
                proposal_id=cast(int, row.id),
                revision=1,
                proposal=proposal,
                evaluation=evaluation,
                created_by=created_by,
                now=row.created_at,
            )
            session.add(evaluation_row)
        return cast(int, row.id)

    async def get_proposal(self, *, proposal_id: int) -> ProposalRecord | None:
        """The proposal with this id, or None."""
        return await self._proposal_where(PROPOSALS.c.id == proposal_id)

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
        """Record where the verdict message was posted."""
        await self._update_proposal(
            proposal_id,
            channel_id=channel_id,
            message_ts=message_ts,
            delivery_state=DeliveryState.POSTED.value,
            delivery_error=None,
            updated_at=now,
        )
        return await self._require_proposal(proposal_id)

    async def mark_undeliverable(
        self, *, proposal_id: int, error: str, now: datetime
    ) -> ProposalRecord:
        """Record that the verdict could not be posted, and why."""
        await self._update_proposal(
            proposal_id,
            delivery_state=DeliveryState.UNDELIVERABLE.value,
            delivery_error=error,
            updated_at=now,
        )
        return await self._require_proposal(proposal_id)

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
        async with self._sessions.begin() as session:
            revision = await self._bump_revision(session, proposal_id, proposal, evaluation, now)
            session.add(
                _evaluation_row(
                    proposal_id=proposal_id,
                    revision=revision,
                    proposal=proposal,
                    evaluation=evaluation,
                    created_by=created_by,
                    now=now,
                )
            )
            if reset_votes:
                await session.execute(delete(VOTES).where(VOTES.c.proposal_id == proposal_id))
        return await self._require_proposal(proposal_id)

    async def _bump_revision(
        self,
        session: AsyncSession,
        proposal_id: int,
        proposal: Proposal,
        evaluation: Evaluation,
        now: datetime,
    ) -> int:
        statement = (
            update(PROPOSALS)
            .where(PROPOSALS.c.id == proposal_id)
            .values(
                revision=PROPOSALS.c.revision + 1,
                updated_at=now,
                **_revision_columns(proposal, evaluation),
            )
            .returning(PROPOSALS.c.revision)
        )
        revision = (await session.execute(statement)).scalar_one_or_none()
        if revision is None:
            raise ProposalNotFoundError(proposal_id)
        return int(revision)

    async def evaluation_history(self, *, proposal_id: int) -> list[EvaluationRecord]:
        """Every evaluation of the proposal, revision 1 first."""
        statement = (
            select(EvaluationRow)
            .where(EVALUATIONS.c.proposal_id == proposal_id)
            .order_by(EVALUATIONS.c.revision)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(statement)).all()
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

    async def reminder_candidates(self) -> list[ProposalRecord]:
        """Proposals still being voted on or approved by the committee, oldest first."""
        return await self._proposals_where(
            or_(
                PROPOSALS.c.vote_state == VoteState.OPEN.value,
                PROPOSALS.c.outcome == Outcome.APPROVED.value,
            ),
            newest_first=False,
        )

    async def _proposal_where(self, *conditions: Any) -> ProposalRecord | None:
        records = await self._proposals_where(*conditions, limit=1)
        return records[0] if records else None

    async def _require_proposal(self, proposal_id: int) -> ProposalRecord:
        record = await self.get_proposal(proposal_id=proposal_id)
        if record is None:
            raise ProposalNotFoundError(proposal_id)
        return record

    async def _proposals_where(
        self, *conditions: Any, limit: int | None = None, newest_first: bool = True
    ) -> list[ProposalRecord]:
        order = (PROPOSALS.c.created_at, PROPOSALS.c.id)
        statement = (
            select(ProposalRow, EvaluationRow)
            .join(
                EvaluationRow,
                and_(
                    EVALUATIONS.c.proposal_id == PROPOSALS.c.id,
                    EVALUATIONS.c.revision == PROPOSALS.c.revision,
                ),
            )
            .where(*conditions)
            .order_by(*(column.desc() for column in order) if newest_first else order)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [_proposal_record(row, evaluation) for row, evaluation in rows]

    async def _update_proposal(self, proposal_id: int, **values: Any) -> None:
        statement = (
            update(PROPOSALS)
            .where(PROPOSALS.c.id == proposal_id)
            .values(**values)
            .returning(PROPOSALS.c.id)
        )
        async with self._sessions.begin() as session:
            if (await session.execute(statement)).scalar_one_or_none() is None:
                raise ProposalNotFoundError(proposal_id)

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
        current = and_(
            EVALUATIONS.c.proposal_id == PROPOSALS.c.id,
            EVALUATIONS.c.revision == PROPOSALS.c.revision,
        )
        proposals = (
            select(*_SUMMARY_COLUMNS)
            .join(EVALUATIONS, current)
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
    ) -> VoteChange:
        """Record a member's vote (one per member): new, changed, unchanged, or refused as closed.

        A vote is unchanged only when both its choice and its reason are the same as before.
        The vote is written only while the proposal's vote is open, in the same statement, so a
        vote racing a close either lands before the close or is refused.
        """
        async with self._sessions.begin() as session:
            version = (
                await session.execute(self._vote_upsert(proposal_id, user_id, choice, reason, now))
            ).scalar_one_or_none()
            if version is not None:
                return VoteChange.NEW if version == 1 else VoteChange.CHANGED
            state = await session.scalar(
                select(PROPOSALS.c.vote_state).where(PROPOSALS.c.id == proposal_id)
            )
        if state is None:
            raise ProposalNotFoundError(proposal_id)
        return VoteChange.UNCHANGED if state == VoteState.OPEN.value else VoteChange.CLOSED

    def _vote_upsert(
        self, proposal_id: int, user_id: str, choice: Choice, reason: str | None, now: datetime
    ) -> Any:
        # INSERT … SELECT from the open proposal, locked FOR SHARE on PostgreSQL so that a
        # concurrent close waits for this vote (SQLite serialises writers anyway).
        values = {
            "proposal_id": PROPOSALS.c.id,
            "user_id": literal(user_id, VOTES.c.user_id.type),
            "choice": literal(choice.value, VOTES.c.choice.type),
            "reason": literal(reason, VOTES.c.reason.type),
            "version": literal(1, VOTES.c.version.type),
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
                "updated_at": incoming.updated_at,
            },
            where=or_(
                VOTES.c.choice != incoming.choice,
                VOTES.c.reason.is_distinct_from(incoming.reason),
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

    # -- reminder ledger ---------------------------------------------------------------

    def _reminder_key(self, proposal_id: int, kind: str, due_date: date) -> ColumnElement[bool]:
        return and_(
            REMINDERS.c.proposal_id == proposal_id,
            REMINDERS.c.kind == kind,
            REMINDERS.c.due_date == due_date,
        )

    async def reminder_sent(self, *, proposal_id: int, kind: str, due_date: date) -> bool:
        """Whether this reminder is recorded as sent."""
        statement = select(
            exists().where(
                self._reminder_key(proposal_id, kind, due_date), REMINDERS.c.sent_at.is_not(None)
            )
        )
        async with self._sessions() as session:
            return bool((await session.execute(statement)).scalar())

    async def record_reminder_sent(
        self,
        *,
        proposal_id: int,
        kind: str,
        due_date: date,
        days_before: int,
        channel_id: str,
        now: datetime,
    ) -> bool:
        """Mark the reminder sent; True only for the one caller that marked it (at most once).

        Call it before sending to claim the reminder; if the send then fails,
        `record_reminder_failure` releases the claim so that a later sweep retries.
        """
        statement = self._insert(REMINDERS).values(
            proposal_id=proposal_id,
            kind=kind,
            due_date=due_date,
            days_before=days_before,
            channel_id=channel_id,
            sent_at=now,
            attempts=0,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[REMINDERS.c.proposal_id, REMINDERS.c.kind, REMINDERS.c.due_date],
            set_={"sent_at": statement.excluded.sent_at},
            where=REMINDERS.c.sent_at.is_(None),
        ).returning(REMINDERS.c.id)
        async with self._sessions.begin() as session:
            return (await session.execute(statement)).scalar_one_or_none() is not None

    async def record_reminder_failure(
        self,
        *,
        proposal_id: int,
        kind: str,
        due_date: date,
        days_before: int,
        channel_id: str,
        error: str,
    ) -> ReminderRecord:
        """Record a failed send: not sent, one more attempt, the error; returns the ledger row."""
        statement = self._insert(REMINDERS).values(
            proposal_id=proposal_id,
            kind=kind,
            due_date=due_date,
            days_before=days_before,
            channel_id=channel_id,
            sent_at=None,
            attempts=1,
            last_error=error,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[REMINDERS.c.proposal_id, REMINDERS.c.kind, REMINDERS.c.due_date],
            set_={
                "sent_at": None,
                "attempts": REMINDERS.c.attempts + 1,
                "last_error": statement.excluded.last_error,
            },
        ).returning(*REMINDERS.c)
        async with self._sessions.begin() as session:
            return _reminder_record((await session.execute(statement)).one())

    async def get_reminder(
        self, *, proposal_id: int, kind: str, due_date: date
    ) -> ReminderRecord | None:
        """The ledger row of this reminder, or None when it was never attempted."""
        statement = select(REMINDERS).where(self._reminder_key(proposal_id, kind, due_date))
        async with self._sessions() as session:
            row = (await session.execute(statement)).one_or_none()
        return None if row is None else _reminder_record(row)

    async def reminders_on(self, *, due_date: date) -> list[ReminderRecord]:
        """Every ledger row for reminders due on this date."""
        statement = (
            select(REMINDERS)
            .where(REMINDERS.c.due_date == due_date)
            .order_by(REMINDERS.c.proposal_id, REMINDERS.c.kind)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        return [_reminder_record(row) for row in rows]

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
