"""Vote acknowledgements in the verdict's thread: a burst's lines share few posts.

Slack allows about one message per second per channel, so the lines of one proposal's votes
are gathered by `ThreadLines` and posted through the update coalescer: the first at once, then
at most one post per interval, one line per vote in arrival order, none lost or said twice,
the outcome of a vote in a post of its own after the lines that led to it. Through the real
app over HTTP and the fake Slack, with the app's coalescing interval of one second unless a
test says otherwise.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math

import pytest

from bot.infrastructure.coalescer import UpdateCoalescer
from bot.persistence.stores import Stores
from bot.services.outbox import ThreadLines
from bot.voting.domain import Choice
from tests.bot.conftest import RunningApp
from tests.bot.fake_slack import Call, FakeSlack
from tests.bot.test_voting_e2e import (
    MEMBERS,
    post_proposal,
    proposal_id_of,
    said_lines,
    seat_committee,
    thread_lines,
    vote,
    wait_for_said_lines,
)

VOTERS = [f"U0VOTER{number:03d}" for number in range(30)]
ABSENT = "U0ABSENT"
"""A member who never votes, so the vote stays open through the burst."""


async def open_vote(app: RunningApp, stores: Stores, members: list[str]) -> tuple[int, str]:
    """A verdict posted in a channel whose committee is `members`: (proposal id, verdict ts)."""
    await seat_committee(stores, members)
    post = await post_proposal(app)
    return proposal_id_of(post), str(post.answer["ts"])


def thread_posts(fake: FakeSlack, thread_ts: str) -> list[Call]:
    return [
        call
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("thread_ts") == thread_ts and call.succeeded
    ]


def line_of(member: str, choice: Choice) -> str:
    return f"<@{member}> votes {choice.value}"


async def test_a_burst_of_30_votes_is_acknowledged_once_each_in_at_most_one_post_per_second(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, [*VOTERS, ABSENT])
    choices = {voter: list(Choice)[number % 3] for number, voter in enumerate(VOTERS)}

    await asyncio.gather(*(vote(app, proposal_id, voter, choices[voter]) for voter in VOTERS))
    said = await wait_for_said_lines(app.fake_slack, ts, len(VOTERS))
    await app.deps.coalescer.drain()
    posts = thread_posts(app.fake_slack, ts)

    assert said_lines(app.fake_slack, ts) == said
    assert sorted(said) == sorted(line_of(voter, choices[voter]) for voter in VOTERS)
    # Fewer posts than votes; the one-per-interval spacing is proven with virtual time in
    # test_coalescer.py, so nothing here depends on the machine's speed.
    assert len(posts) <= len(VOTERS) // 2


async def test_votes_clicked_one_after_another_are_said_in_the_order_they_arrived(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, [*VOTERS, ABSENT])
    clicks = [
        (voter, choice) for voter, choice in zip(VOTERS[:10], itertools.cycle(Choice), strict=False)
    ]
    clicks += [
        (voter, Choice.REJECT if choice is Choice.APPROVE else Choice.APPROVE)
        for voter, choice in clicks[:5]
    ]

    for voter, choice in clicks:
        await vote(app, proposal_id, voter, choice)
    said = await wait_for_said_lines(app.fake_slack, ts, len(clicks))
    await app.deps.coalescer.drain()
    posts = thread_posts(app.fake_slack, ts)

    assert said == [line_of(voter, choice) for voter, choice in clicks]
    assert said_lines(app.fake_slack, ts) == said
    assert len(posts) < len(clicks)


async def test_a_single_vote_is_said_at_once_in_one_post_of_its_own_line(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)

    await vote(app, proposal_id, "U0MEMBER2", Choice.REJECT)
    [line] = await wait_for_said_lines(app.fake_slack, ts, 1)
    await app.deps.coalescer.drain()
    await app.fake_slack.settle(0.3)

    assert line == "<@U0MEMBER2> votes reject"
    assert said_lines(app.fake_slack, ts) == [line]  # in one post, the first at once
    assert thread_lines(app.fake_slack, ts) == [line]


async def test_the_outcome_of_a_vote_its_last_voter_closed_follows_every_vote_line(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)

    await asyncio.gather(*(vote(app, proposal_id, member, Choice.APPROVE) for member in MEMBERS))
    said = await wait_for_said_lines(app.fake_slack, ts, len(MEMBERS) + 1)
    await app.deps.coalescer.drain()

    assert sorted(said[:-1]) == sorted(line_of(member, Choice.APPROVE) for member in MEMBERS)
    assert thread_lines(app.fake_slack, ts)[-1] == (
        "Committee: 3–0 in favour → approved (every member has voted)"
    )


async def test_lines_beyond_one_post_s_size_wait_for_the_next_posts_and_keep_their_order(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)
    coalescer = UpdateCoalescer(0.05)
    lines = ThreadLines(
        client=app.deps.client, coalescer=coalescer, proposals=stores.proposals, limit=210
    )
    said = [f"<@U0VOTER{number:03d}> votes reject: {'x' * 40}" for number in range(20)]

    for line in said:
        lines.say(proposal_id, line)
    await coalescer.drain()
    posts = thread_posts(app.fake_slack, ts)

    assert said_lines(app.fake_slack, ts) == said
    assert all(len(post.params["text"]) <= 210 for post in posts)
    assert len(posts) == math.ceil(len(said) / 3)
    assert lines.pending == 0


async def test_a_thread_post_slack_refuses_is_tried_again_and_no_line_is_lost(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)
    app.fake_slack.fail("chat.postMessage", "channel_not_found", times=2)

    await vote(app, proposal_id, "U0MEMBER1", Choice.APPROVE)
    await vote(app, proposal_id, "U0MEMBER2", Choice.REJECT)
    said = await wait_for_said_lines(app.fake_slack, ts, 2, timeout=10)
    await app.deps.coalescer.drain()

    assert said == ["<@U0MEMBER1> votes approve", "<@U0MEMBER2> votes reject"]
    assert [call.params["text"] for call in thread_posts(app.fake_slack, ts)] == [
        "<@U0MEMBER1> votes approve\n<@U0MEMBER2> votes reject"
    ]
    assert app.deps.thread_lines.pending == 0


async def test_a_thread_post_slack_keeps_refusing_is_given_up_and_logged_and_later_lines_go_on(
    app: RunningApp, stores: Stores, caplog: pytest.LogCaptureFixture
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)
    coalescer = UpdateCoalescer(0.05)
    lines = ThreadLines(client=app.deps.client, coalescer=coalescer, proposals=stores.proposals)
    app.fake_slack.fail("chat.postMessage", "channel_not_found", times=3)

    with caplog.at_level(logging.ERROR, logger="bot.services.outbox"):
        lines.say(proposal_id, "<@U0MEMBER1> votes approve")
        await coalescer.drain()
        lines.say(proposal_id, "<@U0MEMBER2> votes reject")
        await coalescer.drain()

    assert said_lines(app.fake_slack, ts) == ["<@U0MEMBER2> votes reject"]
    [given_up] = [record for record in caplog.records if record.name == "bot.services.outbox"]
    assert "<@U0MEMBER1> votes approve" in given_up.getMessage()
    assert "not posted after 3 tries" in given_up.getMessage()


async def test_draining_the_coalescer_posts_the_lines_still_waiting_as_at_shutdown(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await open_vote(app, stores, MEMBERS)
    lines = app.deps.thread_lines

    lines.say(proposal_id, "<@U0MEMBER1> votes approve")
    await wait_for_said_lines(app.fake_slack, ts, 1)
    lines.say(proposal_id, "<@U0MEMBER2> votes reject")
    lines.announce(proposal_id, "Committee: closing soon")
    waiting = lines.pending
    await app.deps.coalescer.drain()

    assert waiting == 2
    assert lines.pending == 0
    assert thread_lines(app.fake_slack, ts) == [
        "<@U0MEMBER1> votes approve",
        "<@U0MEMBER2> votes reject",
        "Committee: closing soon",
    ]
