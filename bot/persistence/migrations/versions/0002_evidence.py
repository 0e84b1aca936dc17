"""Evidence: the figures a shared file (a data sample, a training log) measured for a revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-02-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the evidence table."""
    foreign_key = sa.ForeignKey("proposals.id", name="fk_evidence_proposal", ondelete="CASCADE")
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("proposal_id", sa.Integer(), foreign_key, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("typed_json", sa.Text(), nullable=False),
        sa.Column("measured_json", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("proposal_id", "revision", "kind", name="uq_evidence_revision_kind"),
    )


def downgrade() -> None:
    """Drop the evidence table."""
    op.drop_table("evidence")
