"""The initial schema: proposals, evaluations, votes, committees, reminders, processed events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLACK_ID = sa.String(32)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)


def _proposal_fk(table: str) -> sa.Column[object]:
    foreign_key = sa.ForeignKey("proposals.id", name=f"fk_{table}_proposal", ondelete="CASCADE")
    return sa.Column("proposal_id", sa.Integer(), foreign_key, nullable=False)


def upgrade() -> None:
    """Create every table of the bot."""
    _create_proposals()
    _create_evaluations()
    _create_votes()
    _create_committee_tables()
    _create_reminders()
    _create_processed_events()


def _create_proposals() -> None:
    op.create_table(
        "proposals",
        _id(),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        sa.Column("author_id", SLACK_ID, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("submission_key", sa.String(255), nullable=False),
        sa.Column("proposal_json", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("recommendation", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("delivery_state", sa.String(16), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        _timestamp("vote_deadline", nullable=True),
        sa.Column("secret_ballot", sa.Boolean(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=True),
        sa.Column("vote_state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        _timestamp("closed_at", nullable=True),
        sa.Column("closed_by", SLACK_ID, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint("submission_key", name="uq_proposals_submission_key"),
    )
    op.create_index("ix_proposals_channel", "proposals", ["team_id", "channel_id", "author_id"])
    op.create_index("ix_proposals_vote_state", "proposals", ["vote_state"])
    op.create_index("ix_proposals_vote_deadline", "proposals", ["vote_deadline"])
    op.create_index("ix_proposals_thread", "proposals", ["channel_id", "message_ts"])


def _create_evaluations() -> None:
    op.create_table(
        "evaluations",
        _id(),
        _proposal_fk("evaluations"),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("proposal_json", sa.Text(), nullable=False),
        sa.Column("evaluation_json", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("recommendation", sa.String(32), nullable=False),
        sa.Column("policy_json", sa.Text(), nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=False),
        sa.Column("created_by", SLACK_ID, nullable=False),
        _timestamp("created_at"),
        sa.UniqueConstraint("proposal_id", "revision", name="uq_evaluations_proposal_revision"),
    )


def _create_votes() -> None:
    op.create_table(
        "votes",
        _id(),
        _proposal_fk("votes"),
        sa.Column("user_id", SLACK_ID, nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _timestamp("cast_at"),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.UniqueConstraint("proposal_id", "user_id", name="uq_votes_proposal_user"),
    )


def _create_committee_tables() -> None:
    op.create_table(
        "committee_members",
        _id(),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        sa.Column("user_id", SLACK_ID, nullable=False),
        sa.Column("added_by", SLACK_ID, nullable=False),
        _timestamp("added_at"),
        sa.UniqueConstraint(
            "team_id", "channel_id", "user_id", name="uq_committee_members_channel_user"
        ),
    )
    op.create_table(
        "committee_changes",
        _id(),
        sa.Column("team_id", SLACK_ID, nullable=False),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        sa.Column("actor_id", SLACK_ID, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_id", SLACK_ID, nullable=False),
        _timestamp("at"),
    )
    op.create_index("ix_committee_changes_channel", "committee_changes", ["team_id", "channel_id"])


def _create_reminders() -> None:
    op.create_table(
        "reminders",
        _id(),
        _proposal_fk("reminders"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("channel_id", SLACK_ID, nullable=False),
        _timestamp("sent_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint(
            "proposal_id", "kind", "due_date", name="uq_reminders_proposal_kind_due"
        ),
    )
    op.create_index("ix_reminders_due_date", "reminders", ["due_date"])


def _create_processed_events() -> None:
    op.create_table(
        "processed_events",
        _id(),
        sa.Column("key", sa.String(255), nullable=False),
        _timestamp("seen_at"),
        sa.UniqueConstraint("key", name="uq_processed_events_key"),
    )


def downgrade() -> None:
    """Drop every table of the bot."""
    for table in ("processed_events", "reminders", "committee_changes", "committee_members"):
        op.drop_table(table)
    for table in ("votes", "evaluations", "proposals"):
        op.drop_table(table)
