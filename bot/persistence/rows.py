"""Rows to records and back: every table, and one mapping per record, in one place.

The stores (`bot.persistence.proposals`, `votes`, `committees`, `ledger`, `events`,
`read_models`) run the statements; what they read becomes records here, validated, and what a
caller just handed in (a new proposal) becomes a record without validating it again.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import Table, and_

from bot.models import (
    DecisionSummary,
    DeliveryState,
    EvaluationRecord,
    EvidenceRecord,
    LedgerKey,
    ProposalRecord,
    ReminderRecord,
    ReminderTarget,
    VoteRecord,
)
from bot.persistence.tables import (
    CommitteeChangeRow,
    CommitteeMemberRow,
    EvaluationRow,
    EvidenceRow,
    ProcessedEventRow,
    ProposalRow,
    ReminderRow,
    VoteRow,
)
from bot.voting.domain import Choice, Outcome, VoteState
from core.evaluation import Evaluation, Recommendation, Verdict
from core.proposal import Proposal


def table_of(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


PROPOSALS = table_of(ProposalRow)


EVALUATIONS = table_of(EvaluationRow)


VOTES = table_of(VoteRow)


MEMBERS = table_of(CommitteeMemberRow)


CHANGES = table_of(CommitteeChangeRow)


REMINDERS = table_of(ReminderRow)


EVENTS = table_of(ProcessedEventRow)
EVIDENCE = table_of(EvidenceRow)


CURRENT_EVALUATION = and_(
    EVALUATIONS.c.proposal_id == PROPOSALS.c.id,
    EVALUATIONS.c.revision == PROPOSALS.c.revision,
)
"""Joins a proposal to the evaluation of its current revision."""


PROPOSAL_COLUMNS = (*PROPOSALS.c, EVALUATIONS.c.evaluation_json, EVALUATIONS.c.policy_hash)


def model_json(model: BaseModel) -> str:
    """A model as JSON text; unlike `model_dump_json`, infinite figures survive (`Infinity`)."""
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"))


def evaluation_from_json(text: str) -> Evaluation:
    return Evaluation.model_validate(json.loads(text))


def proposal_from_json(text: str) -> Proposal:
    return Proposal.model_validate_json(text)


def in_utc(moment: datetime | None) -> datetime | None:
    """A timestamp as the database gives it back: in UTC."""
    return None if moment is None else moment.astimezone(UTC)


def proposal_fields(row: Any) -> dict[str, Any]:
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


def proposal_record(row: Any) -> ProposalRecord:
    """A proposal read with its current evaluation (`PROPOSAL_COLUMNS`), validated."""
    return ProposalRecord(
        **proposal_fields(row),
        proposal=proposal_from_json(row.proposal_json),
        evaluation=evaluation_from_json(row.evaluation_json),
        policy_hash=row.policy_hash,
    )


def evaluation_record(row: Any) -> EvaluationRecord:
    return EvaluationRecord(
        proposal_id=row.proposal_id,
        revision=row.revision,
        proposal=proposal_from_json(row.proposal_json),
        evaluation=evaluation_from_json(row.evaluation_json),
        policy_hash=row.policy_hash,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def vote_record(row: Any) -> VoteRecord:
    return VoteRecord(
        proposal_id=row.proposal_id,
        user_id=row.user_id,
        choice=Choice(row.choice),
        reason=row.reason,
        updated_at=row.updated_at,
    )


def reminder_record(row: Any) -> ReminderRecord:
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


def evaluation_values(
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


def revision_columns(
    proposal: Proposal, proposal_json: str, evaluation: Evaluation
) -> dict[str, Any]:
    return {
        "title": proposal.title,
        "proposal_json": proposal_json,
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
    }


def new_proposal_record(
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
        vote_deadline=in_utc(row["vote_deadline"]),
        secret_ballot=row["secret_ballot"],
        quorum=row["quorum"],
        vote_state=VoteState.OPEN,
        outcome=None,
        closed_at=None,
        closed_by=None,
        created_at=row["created_at"].astimezone(UTC),
        updated_at=row["updated_at"].astimezone(UTC),
    )


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def reminder_target(row: Any, zone: ZoneInfo) -> ReminderTarget:
    return ReminderTarget(
        proposal_id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        thread_ts=row.message_ts,
        title=row.title,
        proposal=proposal_from_json(row.proposal_json),
        posted_on=local_date(row.created_at, zone),
        vote_open=row.vote_state == VoteState.OPEN.value,
    )


def ledger_key(row: Any) -> LedgerKey:
    return (row.proposal_id, row.kind, row.due_date)


SUMMARY_COLUMNS = (
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


def decision_summary(row: Any, counts: VoteCounts) -> DecisionSummary:
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


def evidence_record(row: Any) -> EvidenceRecord:
    return EvidenceRecord(
        proposal_id=row.proposal_id,
        revision=row.revision,
        kind=row.kind,
        source=row.source,
        rows=row.rows,
        typed=json.loads(row.typed_json),
        measured=json.loads(row.measured_json),
        note=row.note,
        created_at=row.created_at,
    )
