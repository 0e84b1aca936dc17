"""Many proposals in one database: every read path returns each proposal's own evaluation.

A single row hides a join that matches the wrong row (an update's read-back once carried the
first proposal's evaluation on SQLite), so these tests store twelve proposals whose verdicts,
recommendations, titles and policies differ, and read each one back through every path:

- get, list (per channel), claim (pending delivery), mark posted, close, revise;
- the App Home, the decision record, the export, the reminder targets.

The message metadata of each post is checked end to end in tests/bot/test_many_posts.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.models import ProposalRecord
from bot.persistence.stores import Stores
from bot.reports.decision_record import decision_record
from bot.reports.export import export_decisions
from bot.voting.domain import Outcome, VoteState
from core.engine import evaluate
from core.evaluation import Evaluation
from core.policy import Policy
from core.proposal import Proposal
from tests.builders import NOW, store_proposal
from tests.worked_cases import worked_cases

TEAM = "T001"
CHANNELS = ("C_ALPHA", "C_BETA", "C_GAMMA")
LENIENT = Policy(min_kpi_lift_pct=3.0, min_weighted_lift_per_day_pct=0.2, min_roi_multiple=1.5)
STRICT = Policy(latency_sla_ms=90.0, min_hygiene_axis_pct=90.0)


@dataclass(frozen=True)
class Stored:
    """A proposal as the test stored it, with what its own evaluation must be."""

    record: ProposalRecord
    proposal: Proposal
    policy: Policy

    @property
    def expected(self) -> Evaluation:
        return evaluate(self.proposal, self.policy)


def many_proposals() -> list[tuple[Proposal, Policy]]:
    """The nine worked cases under their own policies, and three of them under other ones."""
    cases = [(case.proposal, case.policy) for case in worked_cases()]
    by_title = {proposal.title: proposal for proposal, _ in cases}
    q2, fraud = by_title["Q2 ranking fine-tune"], by_title["Fraud model upgrade"]
    cases += [
        (q2.model_copy(update={"title": "Q2 ranking, lenient policy"}), LENIENT),
        (fraud.model_copy(update={"title": "Fraud model, strict policy"}), STRICT),
        (fraud.model_copy(update={"title": "Fraud model, late", "delivery_days": 80}), Policy()),
    ]
    return cases


def test_the_proposals_differ_in_verdict_recommendation_title_and_policy() -> None:
    evaluations = [evaluate(proposal, policy) for proposal, policy in many_proposals()]
    assert len(evaluations) >= 10
    assert {evaluation.verdict.value for evaluation in evaluations} == {"approve", "reject"}
    assert len({evaluation.recommendation for evaluation in evaluations}) >= 5
    assert len({proposal.title for proposal, _ in many_proposals()}) == len(evaluations)
    assert len({policy.hash for _, policy in many_proposals()}) >= 3


@pytest.fixture
async def stored(stores: Stores) -> list[Stored]:
    """Twelve proposals stored as submissions, spread over three channels, not yet posted."""
    found = []
    for index, (proposal, policy) in enumerate(many_proposals()):
        record = await store_proposal(
            stores,
            proposal,
            team_id=TEAM,
            channel_id=CHANNELS[index % len(CHANNELS)],
            author_id=f"U_AUTHOR_{index % 4}",
            now=NOW + timedelta(minutes=index),
            policy=policy,
        )
        found.append(Stored(record, proposal, policy))
    return found


def assert_is_its_own(record: ProposalRecord, expected: Stored) -> None:
    assert record.id == expected.record.id
    assert record.title == expected.proposal.title
    assert record.proposal == expected.proposal
    assert record.evaluation == expected.expected
    assert record.policy_hash == expected.policy.hash


async def test_get_returns_each_proposal_with_its_own_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    for each in stored:
        found = await stores.proposals.get_proposal(proposal_id=each.record.id)
        assert found is not None
        assert_is_its_own(found, each)


async def test_the_channel_list_returns_each_proposal_with_its_own_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    for channel in CHANNELS:
        listed = await stores.proposals.list_channel_proposals(
            team_id=TEAM, channel_id=channel, limit=50
        )
        expected = [each for each in stored if each.record.channel_id == channel]
        assert sorted(record.id for record in listed) == sorted(e.record.id for e in expected)
        for record in listed:
            assert_is_its_own(record, next(e for e in expected if e.record.id == record.id))


async def test_claiming_each_pending_delivery_returns_its_own_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    later = NOW + timedelta(hours=1)
    for each in reversed(stored):  # the newest first: the first row must not win
        claimed = await stores.proposals.claim_pending_delivery(
            proposal_id=each.record.id, untouched_since=later, now=later
        )
        assert claimed is not None
        assert_is_its_own(claimed, each)


async def test_marking_each_posted_returns_its_own_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    for index, each in enumerate(reversed(stored)):
        posted = await stores.proposals.mark_posted(
            proposal_id=each.record.id,
            channel_id=each.record.channel_id,
            message_ts=f"1700000000.{index:06d}",
            now=NOW + timedelta(hours=1),
        )
        assert_is_its_own(posted, each)
        assert posted.message_ts == f"1700000000.{index:06d}"


async def test_closing_each_vote_keeps_its_own_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    outcomes = [Outcome.APPROVED, Outcome.REJECTED, Outcome.NO_DECISION]
    for index, each in enumerate(reversed(stored)):
        closed = await stores.votes.close_vote(
            proposal_id=each.record.id,
            outcome=outcomes[index % 3],
            closed_by="U_CHAIR",
            now=NOW + timedelta(days=1),
        )
        assert closed
    for index, each in enumerate(reversed(stored)):
        found = await stores.proposals.get_proposal(proposal_id=each.record.id)
        assert found is not None
        assert_is_its_own(found, each)
        assert (found.vote_state, found.outcome) == (VoteState.CLOSED, outcomes[index % 3])


async def test_revising_each_returns_and_keeps_its_own_new_evaluation(
    stores: Stores, stored: list[Stored]
) -> None:
    revised = []
    for each in reversed(stored):
        proposal = each.proposal.model_copy(update={"title": f"{each.proposal.title} (v2)"})
        record = await stores.proposals.add_revision(
            proposal_id=each.record.id,
            proposal=proposal,
            evaluation=evaluate(proposal, each.policy),
            created_by="U_AUTHOR_0",
            now=NOW + timedelta(hours=2),
            reset_votes=False,
        )
        again = Stored(each.record, proposal, each.policy)
        assert_is_its_own(record, again)
        assert record.revision == 2
        revised.append(again)
    for each in revised:
        found = await stores.proposals.get_proposal(proposal_id=each.record.id)
        assert found is not None
        assert_is_its_own(found, each)
        history = await stores.proposals.evaluation_history(proposal_id=each.record.id)
        assert [entry.revision for entry in history] == [1, 2]


async def test_the_app_home_shows_each_proposal_with_its_own_figures(
    stores: Stores, stored: list[Stored]
) -> None:
    data = await stores.reads.home_data(
        team_id=TEAM, user_id="U_CHAIR", fallback_committee=["U_CHAIR"], since=NOW.date()
    )
    assert sorted(summary.id for summary in data.proposals) == [e.record.id for e in stored]
    for summary in data.proposals:
        each = next(e for e in stored if e.record.id == summary.id)
        expected = each.expected
        assert summary.title == each.proposal.title
        assert (summary.verdict, summary.recommendation) == (
            expected.verdict,
            expected.recommendation,
        )
        assert summary.primary_reason == expected.primary_reason
        assert summary.total_cost_usd == expected.figures.total_cost_usd
        assert summary.timing_adjusted_roi == expected.figures.timing_adjusted_roi
        assert summary.policy_hash == each.policy.hash


async def test_each_decision_record_is_the_proposals_own(
    stores: Stores, stored: list[Stored]
) -> None:
    for each in stored:
        record = await stores.proposals.get_proposal(proposal_id=each.record.id)
        assert record is not None
        history = await stores.proposals.evaluation_history(proposal_id=each.record.id)
        markdown = decision_record(record=record, votes=[], history=history)
        assert markdown.startswith(f"# Fine-tuning decision record: {each.proposal.title}")
        assert f"`{each.policy.hash}`" in markdown
        assert (each.expected.primary_reason or "") in markdown
        others = [e for e in stored if e.expected.primary_reason != each.expected.primary_reason]
        for other in others:
            assert other.expected.primary_reason is None or (
                other.expected.primary_reason not in markdown
            )


async def test_the_export_has_each_proposals_own_verdict_and_figures(
    stores: Stores, stored: list[Stored]
) -> None:
    rows = json.loads(await export_decisions(stores.reads, format="json"))
    assert [row["id"] for row in rows] == [each.record.id for each in stored]
    for row, each in zip(rows, stored, strict=True):
        expected = each.expected
        assert row["title"] == each.proposal.title
        assert (row["verdict"], row["recommendation"]) == (
            expected.verdict.value,
            expected.recommendation.value,
        )
        assert row["primary_reason"] == expected.primary_reason
        assert row["total_cost_usd"] == expected.figures.total_cost_usd
        assert row["policy_hash"] == each.policy.hash


async def test_the_reminder_targets_carry_each_proposals_own_numbers(
    stores: Stores, stored: list[Stored]
) -> None:
    for index, each in enumerate(stored):
        await stores.proposals.mark_posted(
            proposal_id=each.record.id,
            channel_id=each.record.channel_id,
            message_ts=f"1700000000.{index:06d}",
            now=NOW,
        )
    targets = await stores.reads.reminder_targets(zone=ZoneInfo("UTC"))
    assert Counter(target.proposal_id for target in targets) == Counter(
        each.record.id for each in stored
    )
    for target in targets:
        each = next(e for e in stored if e.record.id == target.proposal_id)
        assert (target.title, target.channel_id) == (each.proposal.title, each.record.channel_id)
        assert target.proposal == each.proposal
