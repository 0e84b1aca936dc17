"""Persistence: SQLModel tables, engines and migrations, and the repository."""

from bot.persistence.database import (
    DatabaseUrlError,
    create_engine,
    migrate,
    ping,
    run_migrations,
)
from bot.persistence.records import (
    Choice,
    CommitteeAction,
    CommitteeChangeRecord,
    DeliveryState,
    EvaluationRecord,
    Outcome,
    ProposalRecord,
    ReminderRecord,
    VoteChange,
    VoteRecord,
    VoteState,
)
from bot.persistence.repository import ProposalNotFoundError, Repository

__all__ = [
    "Choice",
    "CommitteeAction",
    "CommitteeChangeRecord",
    "DatabaseUrlError",
    "DeliveryState",
    "EvaluationRecord",
    "Outcome",
    "ProposalNotFoundError",
    "ProposalRecord",
    "ReminderRecord",
    "Repository",
    "VoteChange",
    "VoteRecord",
    "VoteState",
    "create_engine",
    "migrate",
    "ping",
    "run_migrations",
]
