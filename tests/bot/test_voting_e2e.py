"""Committee voting end to end: signed requests into the real app, what reached the fake Slack.

Votes by button and thread reply, changes, refusals, every way a vote closes, the secret
ballot, repeated deliveries and the committee command, each read back from the calls the app
made (thread lines, ephemeral messages, `chat.update`s) and from the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.deps import Deps
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings, load_settings
from bot.models import CommitteeAction
from bot.persistence.stores import Stores
from bot.services.outbox import close_due_votes
from bot.voting.domain import Choice, Outcome, VoteState
from tests.bot import fake_slack as fake_slack_module
from tests.bot import signing
from tests.bot.block_kit import block_kit_problems
from tests.bot.conftest import APPROVABLE, NOW, RunningApp, environment, make_deps, serve
from tests.bot.fake_slack import BOT_USER_ID, TEAM_ID, Call, FakeSlack
from tests.clock import FixedClock

AUTHOR = signing.USER_ID
CHANNEL = signing.CHANNEL_ID
MEMBERS = ["U0MEMBER1", "U0MEMBER2", "U0MEMBER3"]
OUTSIDER = "U0OUTSIDER"
THREAD_ACTIONS = {
    Choice.APPROVE: "vote_approve",
    Choice.REJECT: "vote_reject",
    Choice.ABSTAIN: "vote_abstain",
}


@pytest.fixture
def deps(settings: Settings, stores: Stores, clock: FixedClock) -> Deps:
    """The app's collaborators, with message refreshes coalesced over 50 ms instead of a second
    (the one-per-second bound is proven by tests/bot/test_voting_concurrency.py)."""
    return replace(make_deps(settings, stores, clock), coalescer=UpdateCoalescer(0.05))


# -- driving the app -------------------------------------------------------------------------


async def post_proposal(app: RunningApp, answers: Mapping[str, Any] = APPROVABLE) -> Call:
    """Submit the modal and return the verdict's chat.postMessage, once the proposal is posted."""
    before = len(app.fake_slack.calls_to("chat.postMessage"))
    status, _ = await app.submit({**answers})
    assert status == 200
    posts = await app.fake_slack.wait_for("chat.postMessage", before + 1)
    assert await app.deps.background.drain(timeout=5) == 0
    return posts[before]


def proposal_id_of(post: Call) -> int:
    return int(post.params["metadata"]["event_payload"]["proposal_id"])


async def seat_committee(stores: Stores, members: list[str] = MEMBERS) -> None:
    """Give the channel a committee (the database as the committee command leaves it)."""
    await stores.committees.add_committee_members(
        team_id=TEAM_ID,
        channel_id=CHANNEL,
        user_ids=members,
        actor_id=AUTHOR,
        now=NOW,
    )


async def click(app: RunningApp, action_id: str, proposal_id: int, user_id: str) -> None:
    """Click a button of the verdict message."""
    body = signing.block_actions(
        action_id=action_id,
        value=str(proposal_id),
        user_id=user_id,
        channel_id=CHANNEL,
        response_url=app.fake_slack.response_url("action"),
        block_id="verdict_actions",
    )
    status, _ = await app.click(body)
    assert status == 200


async def vote(app: RunningApp, proposal_id: int, user_id: str, choice: Choice) -> None:
    await click(app, THREAD_ACTIONS[choice], proposal_id, user_id)


def message_event(
    *, user: str, text: str, thread_ts: str | None, ts: str, **extra: Any
) -> dict[str, Any]:
    """A `message` event as Slack delivers it for a channel message or thread reply."""
    event = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        **extra,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


async def deliver(
    app: RunningApp,
    event: dict[str, Any],
    event_id: str,
    headers: Mapping[str, str] | None = None,
) -> None:
    status, _ = await app.event(
        signing.event_callback(event=event, event_id=event_id), extra_headers=headers
    )
    assert status == 200


async def reply(
    app: RunningApp, thread_ts: str, user: str, text: str, number: int, **extra: Any
) -> None:
    """A thread reply by `user` under the verdict."""
    ts = f"1800000000.{number:06d}"
    event = message_event(user=user, text=text, thread_ts=thread_ts, ts=ts, **extra)
    await deliver(app, event, f"Ev{number:06d}")


# -- reading what reached Slack --------------------------------------------------------------


def thread_lines(fake: FakeSlack, thread_ts: str) -> list[str]:
    """The texts of the thread's posts that Slack accepted, in order."""
    return [
        call.params["text"]
        for call in fake.successful("chat.postMessage")
        if call.params.get("thread_ts") == thread_ts
    ]


def ephemerals_to(fake: FakeSlack, user_id: str) -> list[str]:
    return [
        call.params["text"]
        for call in fake.calls_to("chat.postEphemeral")
        if call.params.get("user") == user_id
    ]


def said_lines(fake: FakeSlack, thread_ts: str) -> list[str]:
    """Every line said in the thread, in order, across its posts (a burst's lines share one)."""
    return [line for text in thread_lines(fake, thread_ts) for line in text.split("\n")]


async def wait_for_said_lines(
    fake: FakeSlack, thread_ts: str, count: int, timeout: float = 5.0
) -> list[str]:
    """Wait until the thread holds at least `count` lines, however they were grouped."""
    async with asyncio.timeout(timeout):
        while len(said_lines(fake, thread_ts)) < count:
            await asyncio.sleep(0.01)
    return said_lines(fake, thread_ts)


async def wait_for_thread_lines(fake: FakeSlack, thread_ts: str, count: int) -> list[str]:
    await fake.wait_for("chat.postMessage", 1 + count)
    lines = thread_lines(fake, thread_ts)
    assert len(lines) >= count, lines
    return lines


async def updates(app: RunningApp) -> list[Call]:
    """Every chat.update once the coalesced refreshes have run."""
    await app.deps.coalescer.drain()
    return app.fake_slack.calls_to("chat.update")


async def last_update(app: RunningApp) -> dict[str, Any]:
    """The latest chat.update of the verdict message."""
    made = await updates(app)
    assert made, "the verdict message was never updated"
    return made[-1].params


def payload(update: Mapping[str, Any]) -> dict[str, Any]:
    return dict(update["metadata"]["event_payload"])


def ballot_text(update: Mapping[str, Any]) -> str:
    [ballot] = [block for block in update["blocks"] if block.get("block_id") == "ballot"]
    return str(ballot["text"]["text"])


def action_ids(message: Mapping[str, Any]) -> set[str]:
    return {
        element.get("action_id")
        for block in message["blocks"]
        for element in block.get("elements", [])
        if block["type"] == "actions"
    }


async def stored_votes(stores: Stores, proposal_id: int) -> dict[str, Choice]:
    return {
        vote.user_id: vote.choice for vote in await stores.votes.votes_for(proposal_id=proposal_id)
    }


@pytest.fixture
async def committee(stores: Stores) -> list[str]:
    await seat_committee(stores)
    return MEMBERS


@pytest.fixture
async def posted(app: RunningApp, committee: list[str]) -> tuple[int, str]:
    """A proposal posted in a channel with a committee of three: (proposal id, verdict ts)."""
    post = await post_proposal(app)
    return proposal_id_of(post), str(post.answer["ts"])


# -- the first post --------------------------------------------------------------------------


async def test_the_verdict_is_posted_with_an_open_ballot_naming_the_committee(
    app: RunningApp, committee: list[str]
) -> None:
    post = await post_proposal(app)
    text = ballot_text(post.params)
    assert "Committee of 3, quorum 2." in text
    assert "Not voted yet: <@U0MEMBER1>, <@U0MEMBER2>, <@U0MEMBER3>" in text
    assert "|2026-02-13 09:30 UTC>" in text
    assert {"vote_approve", "vote_reject", "vote_abstain", "close_vote"} <= action_ids(post.params)
    assert set(payload(post.params)) == {"proposal_id", "verdict", "recommendation"}


async def test_with_no_committee_the_message_says_anyone_in_the_channel_may_vote(
    app: RunningApp,
) -> None:
    post = await post_proposal(app)
    assert "Anyone in this channel may vote." in ballot_text(post.params)


async def test_the_configured_default_committee_votes_where_the_channel_has_none(
    fake_slack: FakeSlack, database_url: str, stores: Stores, clock: FixedClock
) -> None:
    settings = load_settings(
        environment(fake_slack, database_url, COMMITTEE_USER_IDS="U0DEFAULT1,U0DEFAULT2")
    )
    async with serve(make_deps(settings, stores, clock), fake_slack) as app:
        post = await post_proposal(app)
        await vote(app, proposal_id_of(post), OUTSIDER, Choice.APPROVE)
        [refusal] = await fake_slack.wait_for("chat.postEphemeral")
    assert "Committee of 2" in ballot_text(post.params)
    assert "<@U0DEFAULT1>" in refusal.params["text"]


# -- votes -----------------------------------------------------------------------------------


async def test_a_button_vote_is_stored_acknowledged_in_the_thread_and_shown(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.REJECT)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 1)
    update = await last_update(app)

    assert lines == ["<@U0MEMBER1> votes reject"]
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER1": Choice.REJECT}
    assert (update["channel"], update["ts"]) == (CHANNEL, ts)
    assert payload(update)["tally"] == {"approve": 0, "reject": 1, "abstain": 0}
    assert "❌ Reject: <@U0MEMBER1>" in ballot_text(update)
    assert "outcome" not in payload(update)


async def test_a_thread_reply_starting_with_a_vote_is_a_vote_with_its_reason(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await reply(app, ts, "U0MEMBER2", "Reject — latency risk", 1)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 1)

    assert lines == ["<@U0MEMBER2> votes reject: latency risk"]
    [stored] = await stores.votes.votes_for(proposal_id=proposal_id)
    assert (stored.user_id, stored.choice, stored.reason) == (
        "U0MEMBER2",
        Choice.REJECT,
        "latency risk",
    )
    assert payload(await last_update(app))["tally"]["reject"] == 1


async def test_voting_again_changes_the_vote_and_is_acknowledged_again(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.REJECT)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await reply(app, ts, "U0MEMBER1", "approve: the numbers convinced me", 2)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 2)

    assert lines[-1] == "<@U0MEMBER1> votes approve: the numbers convinced me"
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER1": Choice.APPROVE}
    assert payload(await last_update(app))["tally"] == {"approve": 1, "reject": 0, "abstain": 0}


async def test_the_same_button_payload_twice_counts_once_and_is_acknowledged_once(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    body = signing.block_actions(
        action_id="vote_approve", value=str(proposal_id), user_id="U0MEMBER1", channel_id=CHANNEL
    )
    await app.click(body)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await app.click(body)
    await app.fake_slack.settle(0.3)

    assert thread_lines(app.fake_slack, ts) == ["<@U0MEMBER1> votes approve"]
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER1": Choice.APPROVE}
    assert len(await updates(app)) == 1


async def test_two_clicks_delivered_newest_first_keep_the_newer_vote_and_say_it_once(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted

    def clicked(action_id: str, action_ts: str) -> str:
        return signing.block_actions(
            action_id=action_id,
            value=str(proposal_id),
            user_id="U0MEMBER1",
            channel_id=CHANNEL,
            block_id="verdict_actions",
            action_ts=action_ts,
        )

    newer = clicked("vote_reject", "1800000000.000002")
    older = clicked("vote_approve", "1800000000.000001")
    assert (await app.click(newer))[0] == 200
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    assert (await app.click(older))[0] == 200
    await app.fake_slack.settle(0.3)

    assert thread_lines(app.fake_slack, ts) == ["<@U0MEMBER1> votes reject"]
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER1": Choice.REJECT}
    assert app.fake_slack.calls_to("chat.postEphemeral") == []
    assert payload(await last_update(app))["tally"] == {"approve": 0, "reject": 1, "abstain": 0}
    assert len(await updates(app)) == 1


async def test_a_thread_reply_posted_before_the_stored_vote_does_not_replace_it(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await reply(app, ts, "U0MEMBER2", "abstain", 5)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await reply(app, ts, "U0MEMBER2", "reject: posted earlier, delivered later", 4)
    await app.fake_slack.settle(0.3)

    assert thread_lines(app.fake_slack, ts) == ["<@U0MEMBER2> votes abstain"]
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER2": Choice.ABSTAIN}


async def test_a_retried_vote_event_counts_once(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    event = message_event(user="U0MEMBER3", text="abstain", thread_ts=ts, ts="1800000000.000009")
    await deliver(app, event, "EvRETRIED")
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    await deliver(app, event, "EvRETRIED", headers=retry)
    await app.fake_slack.settle(0.3)

    assert thread_lines(app.fake_slack, ts) == ["<@U0MEMBER3> votes abstain"]
    assert await stored_votes(stores, proposal_id) == {"U0MEMBER3": Choice.ABSTAIN}


async def test_a_non_member_is_refused_privately_and_nothing_is_stored(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, OUTSIDER, Choice.APPROVE)
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")
    await app.fake_slack.settle(0.2)

    assert refusal.params["user"] == OUTSIDER
    assert refusal.params["channel"] == CHANNEL
    assert refusal.params["text"].startswith("Only the committee votes on #1")
    assert await stored_votes(stores, proposal_id) == {}
    assert thread_lines(app.fake_slack, ts) == []
    assert await updates(app) == []


async def test_a_non_member_s_thread_reply_is_refused_privately_in_the_thread(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await reply(app, ts, OUTSIDER, "approve", 1)
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")

    assert (refusal.params["user"], refusal.params["thread_ts"]) == (OUTSIDER, ts)
    assert await stored_votes(stores, proposal_id) == {}


async def test_the_bot_s_own_messages_edits_and_chatter_are_never_counted(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await reply(app, ts, BOT_USER_ID, "approve", 1, bot_id="B0001")
    await reply(app, ts, "U0MEMBER1", "I approve of the data work", 2)
    await reply(app, ts, "U0MEMBER1", "approved!", 3)
    edit = message_event(
        user="U0MEMBER2",
        text="",
        thread_ts=None,
        ts="1800000000.000004",
        subtype="message_changed",
        message={"type": "message", "user": "U0MEMBER2", "text": "reject", "thread_ts": ts},
    )
    await deliver(app, edit, "Ev000004")
    top_level = message_event(user="U0MEMBER2", text="reject", thread_ts=None, ts="1800.5")
    await deliver(app, top_level, "Ev000005")
    elsewhere = message_event(user="U0MEMBER2", text="reject", thread_ts="1.2", ts="1800.6")
    await deliver(app, elsewhere, "Ev000006")
    await reply(app, ts, "U0MEMBER3", "abstain", 7)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await app.fake_slack.settle(0.3)

    assert await stored_votes(stores, proposal_id) == {"U0MEMBER3": Choice.ABSTAIN}
    assert thread_lines(app.fake_slack, ts) == ["<@U0MEMBER3> votes abstain"]
    assert app.fake_slack.calls_to("conversations.replies") == []


async def test_a_vote_on_an_unknown_proposal_is_refused_privately(app: RunningApp) -> None:
    await vote(app, 999, "U0MEMBER1", Choice.APPROVE)
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")
    assert "#999 does not exist" in refusal.params["text"]


async def test_a_secret_ballot_hides_names_until_the_vote_closes(
    app: RunningApp, committee: list[str]
) -> None:
    post = await post_proposal(app, {**APPROVABLE, "secret_ballot": ["secret"]})
    proposal_id, ts = proposal_id_of(post), str(post.answer["ts"])
    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    [confirmation] = await app.fake_slack.wait_for("chat.postEphemeral")
    open_update = await last_update(app)
    await click(app, "close_vote", proposal_id, AUTHOR)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    closed_update = await last_update(app)

    assert confirmation.params["user"] == "U0MEMBER1"
    assert "Your vote is recorded: approve" in confirmation.params["text"]
    assert "<@U0MEMBER1>" not in json.dumps(open_update["blocks"])
    assert "Names are hidden until the vote closes." in ballot_text(open_update)
    assert payload(open_update)["tally"]["approve"] == 1
    assert "✅ Approve: <@U0MEMBER1>" in ballot_text(closed_update)
    assert all("U0MEMBER1" not in line for line in thread_lines(app.fake_slack, ts))


# -- closing ---------------------------------------------------------------------------------


async def test_the_author_closes_the_vote_by_button_and_the_outcome_is_posted_and_shown(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    await vote(app, proposal_id, "U0MEMBER2", Choice.APPROVE)
    await wait_for_thread_lines(app.fake_slack, ts, 2)
    await click(app, "close_vote", proposal_id, AUTHOR)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 3)
    update = await last_update(app)
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)

    assert lines[-1] == f"Committee: 2–0 in favour → approved (closed by <@{AUTHOR}>)"
    assert "*Committee: 2–0 in favour → approved*" in ballot_text(update)
    assert payload(update)["outcome"] == "approved"
    assert payload(update)["tally"] == {"approve": 2, "reject": 0, "abstain": 0}
    assert "vote_approve" not in action_ids(update)
    assert record is not None and record.vote_state is VoteState.CLOSED
    assert record.closed_by == AUTHOR


async def test_a_committee_member_may_close_the_vote(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await click(app, "close_vote", proposal_id, "U0MEMBER3")
    lines = await wait_for_thread_lines(app.fake_slack, ts, 1)
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)

    assert lines == [
        "Committee: no quorum (0 of 3 voted, 2 needed) → no decision (closed by <@U0MEMBER3>)"
    ]
    assert record is not None and record.outcome is Outcome.NO_DECISION
    assert payload(await last_update(app))["outcome"] == "no_decision"


async def test_anyone_else_is_refused_the_close_privately_and_the_vote_stays_open(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await click(app, "close_vote", proposal_id, OUTSIDER)
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")
    await app.fake_slack.settle(0.2)
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)

    assert refusal.params["user"] == OUTSIDER
    assert refusal.params["text"].startswith(f"Only the author (<@{AUTHOR}>)")
    assert record is not None and record.vote_state is VoteState.OPEN
    assert thread_lines(app.fake_slack, ts) == []


async def test_a_vote_after_the_close_is_refused_and_changes_nothing(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await click(app, "close_vote", proposal_id, AUTHOR)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")

    assert "is closed (no decision)" in refusal.params["text"]
    assert await stored_votes(stores, proposal_id) == {}


async def test_the_vote_closes_as_soon_as_every_member_has_voted(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    for member, choice in zip(
        MEMBERS, (Choice.APPROVE, Choice.REJECT, Choice.APPROVE), strict=True
    ):
        await vote(app, proposal_id, member, choice)
        await wait_for_thread_lines(app.fake_slack, ts, MEMBERS.index(member) + 1)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 4)
    update = await last_update(app)

    assert lines[-1] == "Committee: 2–1 in favour → approved (every member has voted)"
    assert payload(update)["outcome"] == "approved"
    assert (
        await stores.proposals.get_proposal(proposal_id=proposal_id)
    ).vote_state is VoteState.CLOSED  # type: ignore[union-attr]


async def test_the_deadline_closes_the_vote_when_the_sweep_runs_past_it(
    app: RunningApp, stores: Stores, clock: FixedClock, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.REJECT)
    await vote(app, proposal_id, "U0MEMBER2", Choice.REJECT)
    await wait_for_thread_lines(app.fake_slack, ts, 2)
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    await close_due_votes(app.deps.voting, app.deps.thread_lines, app.deps.clock)
    still_open = await stores.proposals.get_proposal(proposal_id=proposal_id)
    clock.advance(timedelta(seconds=1))
    await close_due_votes(app.deps.voting, app.deps.thread_lines, app.deps.clock)
    await close_due_votes(app.deps.voting, app.deps.thread_lines, app.deps.clock)
    update = await last_update(app)

    assert still_open is not None and still_open.vote_state is VoteState.OPEN
    assert thread_lines(app.fake_slack, ts)[2:] == [
        "Committee: 0–2 against → rejected (the vote window ended)"
    ]
    assert payload(update)["outcome"] == "rejected"
    assert "*Committee: 0–2 against → rejected*" in ballot_text(update)


async def test_a_tie_rejects(app: RunningApp, stores: Stores, posted: tuple[int, str]) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    await vote(app, proposal_id, "U0MEMBER2", Choice.REJECT)
    await wait_for_thread_lines(app.fake_slack, ts, 2)
    await click(app, "close_vote", proposal_id, "U0MEMBER1")
    lines = await wait_for_thread_lines(app.fake_slack, ts, 3)
    update = await last_update(app)

    assert lines[-1].startswith("Committee: 1–1 tie → rejected")
    assert payload(update)["outcome"] == "rejected"
    assert "*Committee: 1–1 tie → rejected*" in ballot_text(update)


async def test_without_quorum_there_is_no_decision(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    await click(app, "close_vote", proposal_id, AUTHOR)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 2)
    update = await last_update(app)

    assert lines[-1].startswith("Committee: no quorum (1 of 3 voted, 2 needed) → no decision")
    assert payload(update)["outcome"] == "no_decision"


async def test_every_update_keeps_the_metadata_and_stays_within_block_kit_limits(
    app: RunningApp, posted: tuple[int, str]
) -> None:
    _, ts = posted
    for member in MEMBERS:
        await reply(app, ts, member, "reject " + "because " * 200, MEMBERS.index(member))
    await wait_for_said_lines(app.fake_slack, ts, 4)
    made = await updates(app)

    assert made
    for update in made:
        assert block_kit_problems(update.params["blocks"]) == []
        assert update.params["metadata"]["event_type"] == "finetune_verdict"
        assert {"proposal_id", "verdict", "recommendation", "tally"} <= set(payload(update.params))
        assert update.params["text"]


# -- the committee command -------------------------------------------------------------------


async def committee_command(app: RunningApp, text: str, user_id: str = AUTHOR) -> str:
    before = len(app.fake_slack.calls_to("respond/hook"))
    body = signing.slash_command(
        response_url=app.fake_slack.response_url(), text=text, user_id=user_id
    )
    status, _ = await app.send(body, signing.FORM)
    assert status == 200
    replies = await app.fake_slack.wait_for("respond/hook", before + 1)
    answer = replies[before].params
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


async def test_committee_show_says_anyone_may_vote_while_there_is_none(app: RunningApp) -> None:
    answer = await committee_command(app, "committee show")
    assert answer.startswith("This channel has no committee, so anyone in it may vote.")


async def test_committee_add_and_remove_change_it_and_every_change_is_audited(
    app: RunningApp, stores: Stores
) -> None:
    added = await committee_command(app, "committee add <@U0MEMBER1|ann> <@U0MEMBER2|bo>")
    removed = await committee_command(app, "committee remove <@U0MEMBER2>", user_id="U0MEMBER1")
    shown = await committee_command(app, "committee show", user_id=OUTSIDER)
    trail = await stores.committees.committee_changes(team_id=TEAM_ID, channel_id=CHANNEL)

    assert added.startswith("Added <@U0MEMBER1>, <@U0MEMBER2>.")
    assert removed.startswith("Removed <@U0MEMBER2>.")
    assert shown == "This channel's committee: <@U0MEMBER1>."
    assert [(c.actor_id, c.action, c.user_id) for c in trail] == [
        (AUTHOR, CommitteeAction.ADD, "U0MEMBER1"),
        (AUTHOR, CommitteeAction.ADD, "U0MEMBER2"),
        ("U0MEMBER1", CommitteeAction.REMOVE, "U0MEMBER2"),
    ]


async def test_once_there_is_a_committee_an_outsider_may_not_change_it(
    app: RunningApp, stores: Stores, committee: list[str]
) -> None:
    answer = await committee_command(app, "committee add <@U0OUTSIDER>", user_id=OUTSIDER)
    [lookup] = app.fake_slack.calls_to("users.info")

    assert answer.startswith("Only committee members or a workspace admin can change")
    assert lookup.params["user"] == OUTSIDER
    assert await stores.committees.committee_members(team_id=TEAM_ID, channel_id=CHANNEL) == MEMBERS


async def test_a_member_changes_the_committee_without_asking_slack_who_is_admin(
    app: RunningApp, committee: list[str]
) -> None:
    answer = await committee_command(app, "committee add <@U0NEW>", user_id="U0MEMBER1")
    assert answer.startswith("Added <@U0NEW>.")
    assert app.fake_slack.calls_to("users.info") == []


@pytest.fixture
def slack_says_everyone_is_admin() -> Iterator[None]:
    """The fake's users.info answers that the user is a workspace admin (fake-side only)."""

    def admin(_fake: FakeSlack, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user": {"id": params.get("user"), "is_admin": True}}

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(fake_slack_module._ANSWERS, "users.info", admin)
        yield


async def test_a_workspace_admin_may_change_someone_else_s_committee(
    app: RunningApp,
    stores: Stores,
    committee: list[str],
    slack_says_everyone_is_admin: None,
) -> None:
    answer = await committee_command(app, "committee remove <@U0MEMBER3>", user_id=OUTSIDER)
    trail = await stores.committees.committee_changes(team_id=TEAM_ID, channel_id=CHANNEL)

    assert answer.startswith("Removed <@U0MEMBER3>.")
    assert (trail[-1].actor_id, trail[-1].action) == (OUTSIDER, CommitteeAction.REMOVE)


async def test_a_committee_command_that_cannot_be_read_says_how_to_use_it(
    app: RunningApp,
) -> None:
    answer = await committee_command(app, "committee add @alice")
    assert "is not a mention of a person" in answer


async def test_a_committee_change_refreshes_the_open_vote_s_message(
    app: RunningApp, posted: tuple[int, str]
) -> None:
    await committee_command(app, "committee add <@U0MEMBER4>", user_id="U0MEMBER1")
    update = await last_update(app)
    assert "Committee of 4, quorum 3." in ballot_text(update)
