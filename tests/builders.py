"""Shared test data: named proposals, a stored-proposal record, storing through the stores.

Each builder takes keyword overrides, so a test that depends on a number says so at the call.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import DeliveryState, ProposalRecord
from bot.persistence.stores import Stores
from bot.voting.domain import VoteState
from core.engine import evaluate
from core.policy import Policy
from core.proposal import MetricLock, Proposal

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# The two locks of the modal's worked example (and of `tests.bot.conftest.APPROVABLE`).
FALSE_POSITIVES_LOCK = MetricLock(
    name="reduction in false positives", comparator=">=", threshold=0.4, achieved=5.3, unit="%"
)
LATENCY_LOCK = MetricLock(name="latency", comparator="<=", threshold=120, achieved=115, unit="ms")


def approvable_proposal(**overrides: Any) -> Proposal:
    """Passes every gate under the default policy (7.2 % lift, $200k, 45 days, two met locks)."""
    values: dict[str, Any] = {
        "title": "Fraud classifier fine-tune",
        "projected_lift_pct": 7.2,
        "dataset_examples": 150_000,
        "label_accuracy_pct": 95.0,
        "diversity_pct": 80.0,
        "duplicate_pct": 5.0,
        "engineers": 2,
        "engineering_days": 10.0,
        "compute_cost_usd": 4_000.0,
        "projected_revenue_usd": 200_000.0,
        "delivery_days": 45,
        "latency_ms": 115.0,
        "metric_locks": [
            MetricLock(name="false positives", comparator=">=", threshold=0.4, achieved=5.3),
            MetricLock(name="latency", comparator="<=", threshold=120, achieved=115),
        ],
    }
    return Proposal(**{**values, **overrides})


def fraud_upgrade(**overrides: Any) -> Proposal:
    """ "Fraud model upgrade": approved under the default policy (5.3 % lift, $300k, 30 days)."""
    values: dict[str, Any] = {
        "title": "Fraud model upgrade",
        "projected_lift_pct": 5.3,
        "dataset_examples": 150_000,
        "label_accuracy_pct": 97,
        "diversity_pct": 85,
        "duplicate_pct": 3,
        "engineers": 2,
        "engineering_days": 6,
        "compute_cost_usd": 5000,
        "projected_revenue_usd": 300_000,
        "delivery_days": 30,
        "latency_ms": 115,
    }
    return Proposal(**{**values, **overrides})


def slow_lift_proposal(**overrides: Any) -> Proposal:
    """Rejected under the default policy: 6.2 % lift over 12 days is too slow ($120k, 30 days)."""
    values: dict[str, Any] = {
        "title": "Fraud classifier fine-tune",
        "projected_lift_pct": 6.2,
        "dataset_examples": 150_000,
        "label_accuracy_pct": 92.0,
        "diversity_pct": 80.0,
        "duplicate_pct": 5.0,
        "engineers": 2,
        "engineering_days": 12.0,
        "compute_cost_usd": 4_000.0,
        "projected_revenue_usd": 120_000.0,
        "delivery_days": 30,
        "latency_ms": 115.0,
    }
    return Proposal(**{**values, **overrides})


def proposal_record(proposal: Proposal, **overrides: Any) -> ProposalRecord:
    """`proposal` as stored: evaluated under the default policy, posted, its vote open 3 days."""
    created_at: datetime = overrides.pop("created_at", NOW)
    evaluation = evaluate(proposal, Policy())
    values: dict[str, Any] = {
        "id": 1,
        "team_id": "T1",
        "channel_id": "C1",
        "author_id": "U1",
        "title": proposal.title,
        "proposal": proposal,
        "evaluation": evaluation,
        "revision": 1,
        "policy_hash": evaluation.policy.hash,
        "message_ts": "1.2",
        "delivery_state": DeliveryState.POSTED,
        "delivery_error": None,
        "vote_deadline": created_at + timedelta(days=3),
        "secret_ballot": False,
        "quorum": None,
        "vote_state": VoteState.OPEN,
        "outcome": None,
        "closed_at": None,
        "closed_by": None,
        "created_at": created_at,
        "updated_at": created_at,
    }
    return ProposalRecord(**{**values, **overrides})


_keys = itertools.count()


async def store_proposal(
    stores: Stores,
    proposal: Proposal,
    *,
    team_id: str = "T001",
    channel_id: str = "C1",
    author_id: str = "U_AUTHOR",
    submission_key: str | None = None,
    now: datetime = NOW,
    vote_window: timedelta | None = timedelta(days=3),
    secret_ballot: bool = False,
    quorum: int | None = None,
    policy: Policy | None = None,
) -> ProposalRecord:
    """Store `proposal` as a submission does: evaluated (under the default policy unless one is
    given), not posted; no vote deadline without a window."""
    record, _ = await stores.proposals.create_proposal(
        team_id=team_id,
        channel_id=channel_id,
        author_id=author_id,
        submission_key=submission_key or f"view-{next(_keys)}",
        proposal=proposal,
        evaluation=evaluate(proposal, policy or Policy()),
        created_by=author_id,
        vote_deadline=None if vote_window is None else now + vote_window,
        secret_ballot=secret_ballot,
        quorum=quorum,
        now=now,
    )
    return record


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent on `engine` while the block runs, in order."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
