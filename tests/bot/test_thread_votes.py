"""Thread replies as votes: what text is a vote, and which message events count at all."""

from __future__ import annotations

from typing import Any

import pytest

from bot.voting.domain import Choice
from bot.voting.thread_votes import (
    REASON_LIMIT,
    ParsedVote,
    ThreadVote,
    is_countable_message,
    parse_vote,
    vote_from_event,
)

BOT = "UBOT"
PARENT_TS = "1700000000.000100"


@pytest.mark.parametrize(
    ("text", "choice", "reason"),
    [
        ("approve", Choice.APPROVE, None),
        ("Approve", Choice.APPROVE, None),
        ("REJECT", Choice.REJECT, None),
        ("abstain", Choice.ABSTAIN, None),
        ("reject — latency risk", Choice.REJECT, "latency risk"),
        ("reject – latency risk", Choice.REJECT, "latency risk"),
        ("reject - latency risk", Choice.REJECT, "latency risk"),
        ("reject: latency risk", Choice.REJECT, "latency risk"),
        ("reject, latency risk", Choice.REJECT, "latency risk"),
        ("reject latency risk", Choice.REJECT, "latency risk"),
        ("APPROVE: yes", Choice.APPROVE, "yes"),
        ("approve.", Choice.APPROVE, None),
        ("approve!", Choice.APPROVE, None),
        ("  abstain  ", Choice.ABSTAIN, None),
        ("reject\n\nlatency   risk\nand cost", Choice.REJECT, "latency risk and cost"),
        ("reject — ", Choice.REJECT, None),
        ("approve: ships &lt;120 ms &amp; cheap", Choice.APPROVE, "ships <120 ms & cheap"),
    ],
)
def test_a_reply_starting_with_a_vote_word_is_a_vote(
    text: str, choice: Choice, reason: str | None
) -> None:
    assert parse_vote(text) == ParsedVote(choice=choice, reason=reason)


@pytest.mark.parametrize(
    "text",
    [
        "approved!",
        "rejected the idea",
        "I approve",
        "approve?",
        "approves",
        "abstaining",
        "",
        "   ",
        "why reject this?",
        "*approve*",
    ],
)
def test_text_that_only_resembles_a_vote_is_not_a_vote(text: str) -> None:
    assert parse_vote(text) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("reject: <!channel> look", "@channel look"),
        ("reject: ask <@U123|bob>", "ask @bob"),
        ("reject: ask <@U123>", "ask @U123"),
        ("reject: see <#C1|dev-ml>", "see #dev-ml"),
        ("reject: see <https://example.com|the doc>", "see the doc"),
        ("reject: see <https://example.com>", "see https://example.com"),
        ("reject: <!subteam^S1|@ml-team> decide", "@ml-team decide"),
    ],
)
def test_slack_tokens_in_a_reason_become_plain_labels_that_cannot_ping(
    text: str, reason: str
) -> None:
    parsed = parse_vote(text)
    assert parsed is not None
    assert parsed.reason == reason


def test_a_long_reason_is_cut_with_an_ellipsis() -> None:
    parsed = parse_vote("reject " + "x" * 2000)
    assert parsed is not None
    assert parsed.reason is not None
    assert len(parsed.reason) == REASON_LIMIT
    assert parsed.reason.endswith("…")


def reply(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": "C1",
        "user": "U1",
        "text": "reject — latency risk",
        "ts": "1700000100.000200",
        "thread_ts": PARENT_TS,
    }
    event.update(overrides)
    return {key: value for key, value in event.items() if value is not None}


def test_a_person_s_reply_in_a_thread_counts() -> None:
    assert is_countable_message(reply(), BOT)


def test_a_reply_also_sent_to_the_channel_counts() -> None:
    assert is_countable_message(reply(subtype="thread_broadcast"), BOT)


@pytest.mark.parametrize(
    "event",
    [
        reply(user=BOT),
        reply(subtype="message_changed"),
        reply(subtype="message_deleted"),
        reply(subtype="bot_message"),
        reply(subtype="channel_join"),
        reply(bot_id="B1"),
        reply(thread_ts=None),
        reply(thread_ts=PARENT_TS, ts=PARENT_TS),
        reply(user=None),
        reply(text=None),
        reply(type="app_mention"),
    ],
    ids=[
        "own message",
        "edit",
        "deletion",
        "bot message",
        "channel join",
        "another app",
        "top level",
        "thread parent",
        "no user",
        "no text",
        "not a message",
    ],
)
def test_edits_bots_and_messages_outside_a_thread_never_count(event: dict[str, Any]) -> None:
    assert not is_countable_message(event, BOT)


def test_vote_from_event_reads_the_vote_and_where_it_was_cast() -> None:
    assert vote_from_event(reply(), BOT) == ThreadVote(
        channel_id="C1",
        thread_ts=PARENT_TS,
        message_ts="1700000100.000200",
        user_id="U1",
        choice=Choice.REJECT,
        reason="latency risk",
    )


def test_thread_chatter_and_edited_votes_are_not_votes() -> None:
    assert vote_from_event(reply(text="looks good to me"), BOT) is None
    assert vote_from_event(reply(subtype="message_changed"), BOT) is None
