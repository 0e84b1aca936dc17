"""Ephemeral replies: help, policy, the proposal list, the quarter and the not-in-channel text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.blocks.replies import (
    help_blocks,
    not_in_channel_text,
    policy_blocks,
    proposal_list_blocks,
    quarter_blocks,
    unknown_subcommand_blocks,
)
from bot.models import DeliveryState, ProposalRecord
from bot.voting.domain import Outcome, VoteState
from core.calendar import fiscal_quarter
from core.policy import Policy
from tests.bot.block_kit import block_kit_problems
from tests.builders import fraud_upgrade, proposal_record

PROPOSAL = fraud_upgrade()


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def record(record_id: int, **updates: Any) -> ProposalRecord:
    created = datetime(2026, 4, 2, 10, tzinfo=UTC)
    return proposal_record(PROPOSAL, **{"id": record_id, "created_at": created, **updates})


def test_help_lists_every_sub_command() -> None:
    blocks = help_blocks()
    text = text_of(blocks)

    for command in (
        "help",
        "list",
        "policy",
        "quarter",
        "record 12",
        "committee show",
        "committee add",
        "committee remove",
    ):
        assert f"/finetune-check {command}" in text
    assert block_kit_problems(blocks) == []


def test_help_says_a_secret_ballot_still_stores_who_voted() -> None:
    assert "still stores who voted what, for the audit" in text_of(help_blocks())


def test_an_unknown_sub_command_is_named_before_the_help() -> None:
    blocks = unknown_subcommand_blocks("frobnicate <@U1>")

    assert blocks[0]["text"]["text"].startswith("I don't recognise `frobnicate &lt;@U1&gt;`")
    assert blocks[1:] == help_blocks()


def test_a_very_long_unknown_sub_command_still_fits() -> None:
    assert block_kit_problems(unknown_subcommand_blocks("x" * 5000)) == []


def test_policy_shows_every_threshold_with_its_value_and_the_hash() -> None:
    policy = Policy(min_kpi_lift_pct=3.0)
    blocks = policy_blocks(policy)
    text = text_of(blocks)

    assert all(f"`{name}`" in text for name in Policy.model_fields)
    assert "`min_kpi_lift_pct` = *3*" in text
    assert "`engineer_day_cost_usd` = *$1,166.67*" in text
    assert "`min_clean_examples` = *100,000*" in text
    assert policy.hash in text
    assert block_kit_problems(blocks) == []


def test_an_empty_channel_invites_the_user_to_start_a_proposal() -> None:
    blocks = proposal_list_blocks([])

    assert blocks[0]["text"]["text"] == (
        "No proposals in this channel yet — type `/finetune-check` to start one."
    )


def test_each_proposal_gets_a_line_with_id_title_verdict_vote_state_and_date() -> None:
    records = [
        record(1),
        record(2, vote_state=VoteState.CLOSED, outcome=Outcome.NO_DECISION),
        record(3, delivery_state=DeliveryState.UNDELIVERABLE),
    ]
    text = text_of(proposal_list_blocks(records))

    assert (
        "*#1* Fraud model upgrade · Engine: approve · vote open until 2026-04-05 · 2026-04-02"
    ) in text
    assert "*#2* Fraud model upgrade · Engine: approve · vote closed → no decision" in text
    assert "not posted (invite the bot)" in text
    assert "http" not in text


def test_a_long_list_stays_within_limits_and_says_how_many_are_left_out() -> None:
    records = [record(i, title="&" * 150) for i in range(1, 301)]
    blocks = proposal_list_blocks(records)

    assert block_kit_problems(blocks) == []
    assert "and 260 more" in text_of(blocks)


def test_the_quarter_reply_gives_the_quarter_its_close_and_the_deadlines() -> None:
    today = date(2026, 4, 10)
    quarter = fiscal_quarter(today, 2)
    blocks = quarter_blocks(
        today=today,
        quarter=quarter,
        start_month=2,
        timezone="Europe/Berlin",
        deadlines=[
            ("#12 Fraud model upgrade", date(2026, 4, 15)),
            ("#13 Old idea", date(2026, 4, 1)),
        ],
    )
    text = text_of(blocks)

    assert blocks[0]["text"]["text"] == "FY2027 Q1"
    assert "2026-02-01 → 2026-04-30" in text
    assert "*20 days* to the quarter's close" in text
    assert "Europe/Berlin" in text
    assert "#12 Fraud model upgrade: 2026-04-15 (5 days left)" in text
    assert "#13 Old idea: 2026-04-01 (passed)" in text
    assert "Fiscal year starts in February" in text
    assert block_kit_problems(blocks) == []


def test_the_quarter_reply_without_deadlines_has_no_deadline_section() -> None:
    today = date(2026, 3, 31)
    blocks = quarter_blocks(
        today=today, quarter=fiscal_quarter(today, 1), start_month=1, timezone="UTC"
    )

    assert "*0 days* to the quarter's close" in text_of(blocks)
    assert "QIT deadlines" not in text_of(blocks)


def test_not_in_channel_says_how_to_invite_the_bot_and_that_the_proposal_is_saved() -> None:
    text = not_in_channel_text(channel_id="C0123", proposal_id=12)

    assert "`/invite @finetune-check` in <#C0123>" in text
    assert "saved as #12" in text
