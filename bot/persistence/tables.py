"""The database schema as SQLModel tables (docs/ARCHITECTURE.md "Database").

Constraint and index names are explicit so that the hand-written migration
(`bot/persistence/migrations/versions/0001_initial.py`) and every database agree on them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type and drops ``tzinfo``; PostgreSQL stores ``timestamptz``.
    Naive datetimes are refused: the bot's clock is always aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamp {value.isoformat()} has no time zone; pass an aware one")
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _proposal_fk(table: str) -> Any:
    foreign_key = ForeignKey("proposals.id", name=f"fk_{table}_proposal", ondelete="CASCADE")
    return Field(sa_type=Integer, sa_column_args=[foreign_key])


def _text() -> Any:
    return Field(sa_type=Text)


def _timestamp() -> Any:
    return Field(sa_type=UtcDateTime)


def _optional_timestamp() -> Any:
    return Field(default=None, sa_type=UtcDateTime)


class ProposalRow(SQLModel, table=True):
    """A proposal, its latest evaluation's verdict, its delivery and its vote."""

    __tablename__: ClassVar[str] = "proposals"
    __table_args__ = (
        UniqueConstraint("submission_key", name="uq_proposals_submission_key"),
        Index("ix_proposals_channel", "team_id", "channel_id", "author_id"),
        Index("ix_proposals_vote_state", "vote_state"),
        Index("ix_proposals_vote_deadline", "vote_deadline"),
        Index("ix_proposals_thread", "channel_id", "message_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(sa_type=String(32))
    channel_id: str = Field(sa_type=String(32))
    author_id: str = Field(sa_type=String(32))
    title: str = Field(sa_type=String(200))
    submission_key: str = Field(sa_type=String(255))
    proposal_json: str = _text()
    revision: int = Field(default=1, sa_type=Integer)
    verdict: str = Field(sa_type=String(16))
    recommendation: str = Field(sa_type=String(32))
    message_ts: str | None = Field(default=None, sa_type=String(32))
    delivery_state: str = Field(sa_type=String(16))
    delivery_error: str | None = Field(default=None, sa_type=Text)
    vote_deadline: datetime | None = _optional_timestamp()
    secret_ballot: bool = Field(default=False, sa_type=Boolean)
    quorum: int | None = Field(default=None, sa_type=Integer)
    vote_state: str = Field(sa_type=String(16))
    outcome: str | None = Field(default=None, sa_type=String(16))
    closed_at: datetime | None = _optional_timestamp()
    closed_by: str | None = Field(default=None, sa_type=String(32))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class EvaluationRow(SQLModel, table=True):
    """One revision of a proposal with the evaluation and the policy it was judged by."""

    __tablename__: ClassVar[str] = "evaluations"
    __table_args__ = (
        UniqueConstraint("proposal_id", "revision", name="uq_evaluations_proposal_revision"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = _proposal_fk("evaluations")
    revision: int = Field(sa_type=Integer)
    proposal_json: str = _text()
    evaluation_json: str = _text()
    verdict: str = Field(sa_type=String(16))
    recommendation: str = Field(sa_type=String(32))
    policy_json: str = _text()
    policy_hash: str = Field(sa_type=String(64))
    created_by: str = Field(sa_type=String(32))
    created_at: datetime = _timestamp()


class VoteRow(SQLModel, table=True):
    """A committee member's current vote on a proposal (one row per member).

    ``cast_at`` is when the member cast the vote stored here, by Slack's clock (a click's
    ``action_ts``, a reply's ``ts``), in UTC to the microsecond; it orders a member's votes,
    so an older vote never replaces a newer one whatever order replicas store them in.
    """

    __tablename__: ClassVar[str] = "votes"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="uq_votes_proposal_user"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = _proposal_fk("votes")
    user_id: str = Field(sa_type=String(32))
    choice: str = Field(sa_type=String(16))
    reason: str | None = Field(default=None, sa_type=Text)
    version: int = Field(default=1, sa_type=Integer)
    cast_at: datetime = _timestamp()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class CommitteeMemberRow(SQLModel, table=True):
    """A member of a channel's committee."""

    __tablename__: ClassVar[str] = "committee_members"
    __table_args__ = (
        UniqueConstraint(
            "team_id", "channel_id", "user_id", name="uq_committee_members_channel_user"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(sa_type=String(32))
    channel_id: str = Field(sa_type=String(32))
    user_id: str = Field(sa_type=String(32))
    added_by: str = Field(sa_type=String(32))
    added_at: datetime = _timestamp()


class CommitteeChangeRow(SQLModel, table=True):
    """The audit trail of committee changes: who added or removed whom, and when."""

    __tablename__: ClassVar[str] = "committee_changes"
    __table_args__ = (Index("ix_committee_changes_channel", "team_id", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(sa_type=String(32))
    channel_id: str = Field(sa_type=String(32))
    actor_id: str = Field(sa_type=String(32))
    action: str = Field(sa_type=String(16))
    user_id: str = Field(sa_type=String(32))
    at: datetime = _timestamp()


class ReminderRow(SQLModel, table=True):
    """The reminder ledger: at most one row per proposal, kind and due date."""

    __tablename__: ClassVar[str] = "reminders"
    __table_args__ = (
        UniqueConstraint("proposal_id", "kind", "due_date", name="uq_reminders_proposal_kind_due"),
        Index("ix_reminders_due_date", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = _proposal_fk("reminders")
    kind: str = Field(sa_type=String(32))
    due_date: date = Field(sa_type=Date)
    days_before: int = Field(sa_type=Integer)
    channel_id: str = Field(sa_type=String(32))
    sent_at: datetime | None = _optional_timestamp()
    attempts: int = Field(default=0, sa_type=Integer)
    last_error: str | None = Field(default=None, sa_type=Text)


class ProcessedEventRow(SQLModel, table=True):
    """A Slack delivery already handled (event ids, retried requests, double submits)."""

    __tablename__: ClassVar[str] = "processed_events"
    __table_args__ = (UniqueConstraint("key", name="uq_processed_events_key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(255))
    seen_at: datetime = _timestamp()


class EvidenceRow(SQLModel, table=True):
    """What a shared file measured for one revision of a proposal: the figures it replaced
    (typed and measured values) and where they came from (a data sample or a training log)."""

    __tablename__: ClassVar[str] = "evidence"
    __table_args__ = (
        UniqueConstraint("proposal_id", "revision", "kind", name="uq_evidence_revision_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = _proposal_fk("evidence")
    revision: int = Field(sa_type=Integer)
    kind: str = Field(sa_type=String(16))
    source: str = Field(sa_type=String(255))
    rows: int | None = Field(default=None, sa_type=Integer)
    typed_json: str = _text()
    measured_json: str = _text()
    note: str = _text()
    created_at: datetime = _timestamp()


METADATA = SQLModel.metadata
"""The metadata of every table above (what the migration must reproduce)."""
