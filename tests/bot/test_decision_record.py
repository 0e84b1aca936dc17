"""The decision record: Markdown for audits and mrkdwn blocks for the verdict's thread."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.models import EvaluationRecord, ProposalRecord, VoteRecord
from bot.persistence.stores import Stores
from bot.reports.decision_record import (
    decision_record,
    decision_record_blocks,
    decision_record_message,
    markdown_to_mrkdwn,
)
from bot.voting.domain import Choice, Outcome, VoteState
from core.policy import Policy
from core.proposal import MetricLock, Proposal
from tests.bot.block_kit import block_kit_problems
from tests.bot.shown import CHECK_NAMES_SHOWN
from tests.builders import (
    FALSE_POSITIVES_LOCK,
    proposal_record,
    slow_lift_proposal,
    store_proposal,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AUTHOR, CHANNEL = "U_AUTHOR", "C_DEBRIEF"


def proposal_input(**overrides: Any) -> Proposal:
    values: dict[str, Any] = {
        "kpi_name": "false-positive rate",
        "delivery_days": 60,
        "metric_locks": [FALSE_POSITIVES_LOCK],
    }
    return slow_lift_proposal(**{**values, **overrides})


def record_of(proposal: Proposal, **overrides: Any) -> ProposalRecord:
    values: dict[str, Any] = {
        "id": 42,
        "team_id": "T001",
        "channel_id": CHANNEL,
        "author_id": AUTHOR,
        "message_ts": "1700000000.000100",
        "created_at": NOW,
    }
    return proposal_record(proposal, **{**values, **overrides})


def closed_record(proposal: Proposal, outcome: Outcome, **overrides: Any) -> ProposalRecord:
    values: dict[str, Any] = {
        "vote_state": VoteState.CLOSED,
        "outcome": outcome,
        "closed_at": NOW + timedelta(days=1),
        "closed_by": "U_CHAIR",
    }
    return record_of(proposal, **{**values, **overrides})


def vote(user_id: str, choice: Choice, reason: str | None = None) -> VoteRecord:
    return VoteRecord(proposal_id=42, user_id=user_id, choice=choice, reason=reason, updated_at=NOW)


def history_of(record: ProposalRecord) -> list[EvaluationRecord]:
    return [
        EvaluationRecord(
            proposal_id=record.id,
            revision=1,
            proposal=record.proposal,
            evaluation=record.evaluation,
            policy_hash=record.policy_hash,
            created_by=record.author_id,
            created_at=record.created_at,
        )
    ]


VOTES = [
    vote("U_ANA", Choice.APPROVE, "worth it"),
    vote("U_BEN", Choice.REJECT, "latency risk"),
    vote("U_CY", Choice.ABSTAIN),
]


def markdown_for(record: ProposalRecord, votes: list[VoteRecord] = VOTES) -> str:
    return decision_record(record=record, votes=votes, history=history_of(record))


# --- the Markdown record -----------------------------------------------------------------------


def test_the_record_lists_every_check_of_the_evaluation() -> None:
    markdown = markdown_for(record_of(proposal_input()))
    for name in CHECK_NAMES_SHOWN:
        assert f"\n| {name} | " in markdown


def test_the_record_carries_the_flips_the_script_and_the_inputs() -> None:
    record = record_of(proposal_input())
    markdown = markdown_for(record)
    assert record.evaluation.flips, "the delivery of 60 days must fail a gate"
    # cost 2 × 12 × 28 000 / 24 + 4 000 = 32 000: ROI 2× needs 64 000 of 120 000 → day 42;
    # 0.6 × 12 / (0.92 × 0.95) = 8.24 % lift, or 6.2 × 0.874 / 0.6 = 9.03 days
    assert (
        "- Raise projected lift to ≥ 8.3 % (now 6.2 %): the signal-weighted ROI gate passes."
    ) in markdown
    assert (
        "- Lower sprint length to ≤ 9 days (now 12 days): the signal-weighted ROI gate passes."
    ) in markdown
    assert (
        "- Lower delivery time to ≤ 42 days (now 60 days): the delivery window and "
        "timing-adjusted ROI gates pass."
    ) in markdown
    assert "To approve: sprint length ≤ 9 days and delivery time ≤ 42 days." in markdown
    assert "Why: Weighted lift 0.45 pp/day (6.2 % lift × 0.87 clean ÷ 12 days)" in markdown
    assert "| delivery time | 60 days |" in markdown
    assert "# Fine-tuning decision record: Fraud classifier fine-tune" in markdown


def test_the_record_names_the_policy_by_hash_and_gives_every_value() -> None:
    record = record_of(proposal_input())
    markdown = markdown_for(record)
    assert f"`{record.policy_hash}`" in markdown
    for key in Policy.model_fields:
        assert f"| {key} |" in markdown


def test_an_open_vote_shows_each_members_vote_and_reason() -> None:
    markdown = markdown_for(record_of(proposal_input()))
    assert "**Tally:** 1 approve · 1 reject · 1 abstain" in markdown
    assert "| <@U_BEN> | reject | latency risk |" in markdown
    assert "the vote is open until 2026-03-05 09:00 UTC" in markdown


def test_a_secret_ballot_hides_names_and_reasons_while_the_vote_is_open() -> None:
    markdown = markdown_for(record_of(proposal_input(), secret_ballot=True))
    assert "**Tally:** 1 approve · 1 reject · 1 abstain" in markdown
    assert "names are hidden until the vote closes" in markdown
    for hidden in ("U_ANA", "U_BEN", "U_CY", "latency risk"):
        assert hidden not in markdown


def test_a_secret_ballot_shows_names_once_the_vote_is_closed() -> None:
    record = closed_record(proposal_input(), Outcome.NO_DECISION, secret_ballot=True, quorum=4)
    markdown = markdown_for(record)
    assert "| <@U_ANA> | approve | worth it |" in markdown
    assert "| <@U_BEN> | reject | latency risk |" in markdown


def test_the_outcome_says_who_closed_the_vote_and_whether_the_committee_overruled() -> None:
    record = closed_record(proposal_input(), Outcome.APPROVED)
    votes = [vote("U_ANA", Choice.APPROVE), vote("U_DEE", Choice.APPROVE), VOTES[1]]
    markdown = markdown_for(record, votes)
    assert "**Engine verdict:** reject" in markdown
    assert (
        "**Committee: 2–1 in favour → approved** (the committee overruled the engine's reject)"
        in (markdown)
    )
    assert "Closed 2026-03-03 09:00 UTC: closed by <@U_CHAIR>." in markdown


def test_a_vote_closed_by_the_deadline_says_so() -> None:
    record = closed_record(proposal_input(), Outcome.NO_DECISION, closed_by="deadline", quorum=3)
    markdown = markdown_for(record, [])
    assert "the vote window ended" in markdown
    assert "no decision" in markdown


def test_every_revision_is_listed_with_its_verdict_and_policy() -> None:
    first = record_of(proposal_input())
    revised = record_of(proposal_input(delivery_days=20, projected_lift_pct=9.0), revision=2)
    history = [
        *history_of(first),
        EvaluationRecord(
            proposal_id=42,
            revision=2,
            proposal=revised.proposal,
            evaluation=revised.evaluation,
            policy_hash=revised.policy_hash,
            created_by=AUTHOR,
            created_at=NOW + timedelta(hours=2),
        ),
    ]
    markdown = decision_record(record=revised, votes=[], history=history)
    assert f"| 1 | 2026-03-02 09:00 UTC | <@{AUTHOR}> | reject |" in markdown
    assert f"| 2 | 2026-03-02 11:00 UTC | <@{AUTHOR}> | approve |" in markdown


# --- in Slack ----------------------------------------------------------------------------------


def blocks_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_record_in_the_thread_is_valid_block_kit_with_every_check() -> None:
    record = closed_record(proposal_input(), Outcome.REJECTED)
    blocks = decision_record_blocks(record=record, votes=VOTES, history=history_of(record))
    assert block_kit_problems(blocks) == []
    shown = blocks_text(blocks)
    for name in CHECK_NAMES_SHOWN:
        assert f"*{name}*" in shown
    assert "<@U_BEN>" in shown
    assert "**" not in shown


def test_markdown_tables_become_bullets_and_headings_become_bold() -> None:
    lines = markdown_to_mrkdwn("## Votes\n\n| member | vote |\n|---|---|\n| a \\| b | approve |\n")
    assert lines == ["*Votes*", "• *a | b*: approve"]


def test_user_text_cannot_ping_anyone_from_the_record() -> None:
    proposal = proposal_input(title="<!channel> ping <@U_NOBODY>")
    record = record_of(proposal)
    message = decision_record_message(record=record, votes=VOTES, history=history_of(record))
    header, *mrkdwn_blocks = message["blocks"]
    assert header["text"]["type"] == "plain_text"  # Slack never parses mentions in plain text
    shown = blocks_text(mrkdwn_blocks) + message["text"]
    assert "<!channel>" not in shown
    assert "<@U_NOBODY>" not in shown
    assert "&lt;!channel&gt;" in shown


def test_a_huge_record_is_cut_to_one_message_with_a_note() -> None:
    locks = [
        MetricLock(
            name=f"lock {index} " + "x" * 70, comparator="<=", threshold=1, achieved=2, unit="ms"
        )
        for index in range(100)
    ]
    proposal = proposal_input(metric_locks=locks, validation_losses=[0.5] * 1000)
    record = closed_record(proposal, Outcome.REJECTED)
    votes = [vote(f"U{index:04d}", Choice.REJECT, "r" * 2000) for index in range(200)]
    blocks = decision_record_blocks(record=record, votes=votes, history=history_of(record))
    assert block_kit_problems(blocks) == []
    assert sum(len(json.dumps(block)) for block in blocks) < 40_000 * 1.2
    assert "longer than one Slack message" in blocks[-1]["elements"][0]["text"]


async def test_the_record_reads_what_the_stores_stored(stores: Stores) -> None:
    stored = await store_proposal(
        stores,
        proposal_input(),
        channel_id=CHANNEL,
        author_id=AUTHOR,
        submission_key="view-1",
        now=NOW,
        vote_window=None,
        secret_ballot=True,
    )
    await stores.votes.cast_vote(
        proposal_id=stored.id, user_id="U_ANA", choice=Choice.APPROVE, reason=None, now=NOW
    )
    markdown = decision_record(
        record=stored,
        votes=await stores.votes.votes_for(proposal_id=stored.id),
        history=await stores.proposals.evaluation_history(proposal_id=stored.id),
    )
    assert "**Tally:** 1 approve · 0 reject · 0 abstain" in markdown
    assert "U_ANA" not in markdown
    assert f"| 1 | 2026-03-02 09:00 UTC | <@{AUTHOR}> | reject |" in markdown


def test_a_tie_is_recorded_as_the_rejection_it_was() -> None:
    record = closed_record(
        proposal_input(delivery_days=20, projected_lift_pct=9.0), Outcome.REJECTED
    )
    markdown = markdown_for(record)
    assert (
        "**Committee: 1–1 tie → rejected** (the committee overruled the engine's approve)"
        in (markdown)
    )
