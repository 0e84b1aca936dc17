"""What the stores hand out: frozen records, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.voting.domain import Choice, Outcome, VoteState, effective_committee
from core.evaluation import Evaluation, Recommendation, Verdict
from core.proposal import Proposal

_FROZEN = ConfigDict(frozen=True)

LedgerKey = tuple[int, str, date]
"""The reminder ledger's unique key: proposal id, kind, due date."""


class DeliveryState(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    UNDELIVERABLE = "undeliverable"


class ProposalNotFoundError(LookupError):
    """No proposal has this id."""

    def __init__(self, proposal_id: int) -> None:
        super().__init__(f"proposal {proposal_id} does not exist")
        self.proposal_id = proposal_id


class CommitteeAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"


class ProposalRecord(BaseModel):
    """A stored proposal with its latest evaluation and its voting state."""

    model_config = _FROZEN

    id: int
    team_id: str
    channel_id: str
    author_id: str
    title: str
    proposal: Proposal
    evaluation: Evaluation
    revision: int
    policy_hash: str
    message_ts: str | None
    delivery_state: DeliveryState
    delivery_error: str | None
    vote_deadline: datetime | None
    secret_ballot: bool
    quorum: int | None
    vote_state: VoteState
    outcome: Outcome | None
    closed_at: datetime | None
    closed_by: str | None
    created_at: datetime
    updated_at: datetime


class VoteRecord(BaseModel):
    model_config = _FROZEN

    proposal_id: int
    user_id: str
    choice: Choice
    reason: str | None
    updated_at: datetime


class ReminderRecord(BaseModel):
    model_config = _FROZEN

    proposal_id: int
    kind: str
    due_date: date
    days_before: int
    channel_id: str
    sent_at: datetime | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A reminder ledger row to claim: its key, and what the row records besides."""

    proposal_id: int
    kind: str
    due_date: date
    days_before: int
    channel_id: str

    @property
    def key(self) -> LedgerKey:
        """The unique key of the row."""
        return (self.proposal_id, self.kind, self.due_date)


@dataclass(frozen=True, slots=True)
class ReminderTarget:
    """A proposal eligible for deadline reminders, as the planner needs it."""

    proposal_id: int
    team_id: str
    channel_id: str
    thread_ts: str
    title: str
    proposal: Proposal
    posted_on: date
    vote_open: bool


@dataclass(frozen=True, slots=True)
class NudgeTarget:
    """A posted proposal whose vote is open and closes within the nudge lead."""

    proposal_id: int
    team_id: str
    channel_id: str
    title: str
    vote_deadline: datetime
    created_at: datetime


class EvaluationRecord(BaseModel):
    """One revision of a proposal: its inputs, the evaluation and the policy it used."""

    model_config = _FROZEN

    proposal_id: int
    revision: int
    proposal: Proposal
    evaluation: Evaluation
    policy_hash: str
    created_by: str
    created_at: datetime


class CommitteeChangeRecord(BaseModel):
    """One entry of a channel committee's audit trail."""

    model_config = _FROZEN

    team_id: str
    channel_id: str
    actor_id: str
    action: CommitteeAction
    user_id: str
    at: datetime


class DecisionSummary(BaseModel):
    """One proposal as a row of the audit export and the App Home: its figures, vote and outcome."""

    model_config = _FROZEN

    id: int
    team_id: str
    channel_id: str
    author_id: str
    title: str
    created_at: datetime
    verdict: Verdict
    recommendation: Recommendation
    primary_reason: str | None
    total_cost_usd: float
    projected_revenue_usd: float
    timing_adjusted_roi: float
    delivery_days: int
    policy_hash: str
    delivery_state: DeliveryState
    vote_state: VoteState
    vote_deadline: datetime | None
    secret_ballot: bool
    outcome: Outcome | None
    approve: int
    reject: int
    abstain: int
    closed_at: datetime | None


class HomeData(BaseModel):
    """What the App Home of one user shows, as the stores found it.

    ``proposals`` holds the user's own proposals and, in the user's channels, every open one
    and every one created or closed since the quarter began. ``committees`` maps a channel to
    its own committee; channels without one fall back to ``fallback_committee``.
    """

    model_config = _FROZEN

    proposals: list[DecisionSummary] = []
    committees: dict[str, list[str]] = {}
    fallback_committee: list[str] = []
    my_votes: dict[int, Choice] = {}

    def committee_of(self, channel_id: str) -> list[str]:
        """The channel's own committee, else the fallback (empty: anyone may vote)."""
        return effective_committee(self.committees.get(channel_id), self.fallback_committee)


class EvidenceRecord(BaseModel):
    """One revision's evidence of one kind: what it measured, from which file."""

    model_config = _FROZEN

    proposal_id: int
    revision: int
    kind: str
    source: str
    rows: int | None
    typed: dict[str, Any]
    measured: dict[str, Any]
    note: str
    created_at: datetime

    def holds_for(self, proposal: Proposal) -> bool:
        """Whether the proposal still carries every measured value (a later revision may not)."""
        return all(
            getattr(proposal, field, None) == value for field, value in self.measured.items()
        )
