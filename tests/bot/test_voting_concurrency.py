"""A burst of votes over HTTP: one stored vote per member (their last), a matching tally in the
last `chat.update`, and no more than one `chat.update` per second of burst (plus one); every
vote acknowledged once in the thread, in few posts (tests/bot/test_thread_acknowledgements.py
has the details of that grouping)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from bot.persistence.stores import Stores
from bot.voting.domain import Choice
from tests.bot.conftest import RunningApp
from tests.bot.test_voting_e2e import (
    payload,
    post_proposal,
    proposal_id_of,
    said_lines,
    seat_committee,
    stored_votes,
    thread_lines,
    updates,
    vote,
    wait_for_said_lines,
)

MEMBER_COUNT = 50
ACTIONS_PER_MEMBER = 4
VOTERS = [f"U0VOTER{number:03d}" for number in range(MEMBER_COUNT)]
ABSENT = "U0ABSENT"
"""A member who never votes, so the vote stays open for every change in the burst."""


def member_actions(seed: int) -> dict[str, list[Choice]]:
    """Four votes per member, each different from the one before (so each is a change)."""
    chooser = random.Random(seed)
    plans = {}
    for member in VOTERS:
        plan = [chooser.choice(list(Choice))]
        while len(plan) < ACTIONS_PER_MEMBER:
            plan.append(chooser.choice([c for c in Choice if c is not plan[-1]]))
        plans[member] = plan
    return plans


async def vote_in_order(app: RunningApp, proposal_id: int, member: str, plan: list[Choice]) -> None:
    """One member clicking: each click is sent once Slack got the answer to the previous one."""
    for choice in plan:
        await vote(app, proposal_id, member, choice)


async def test_200_votes_from_50_members_at_once_keep_each_last_vote_and_coalesce_updates(
    app: RunningApp, stores: Stores
) -> None:
    await seat_committee(stores, [*VOTERS, ABSENT])
    verdict = await post_proposal(app)
    proposal_id, ts = proposal_id_of(verdict), str(verdict.answer["ts"])
    plans = member_actions(seed=4)
    last = {member: plan[-1] for member, plan in plans.items()}

    await asyncio.gather(
        *(vote_in_order(app, proposal_id, member, plan) for member, plan in plans.items())
    )
    said = await wait_for_said_lines(
        app.fake_slack, ts, MEMBER_COUNT * ACTIONS_PER_MEMBER, timeout=30
    )
    made = await updates(app)
    posts = [
        call for call in app.fake_slack.calls_to("chat.postMessage") if call.params.get("thread_ts")
    ]

    assert await stored_votes(stores, proposal_id) == last
    counts = Counter(choice.value for choice in last.values())
    assert payload(made[-1].params)["tally"] == {choice.value: counts[choice] for choice in Choice}
    # Far fewer updates and thread posts than votes: the one-per-interval spacing is proven with
    # virtual time in test_coalescer.py, so nothing here depends on the machine's speed.
    clicks = MEMBER_COUNT * ACTIONS_PER_MEMBER
    assert len(made) <= clicks // 4
    assert said_lines(app.fake_slack, ts) == said
    assert sorted(said) == sorted(
        f"<@{member}> votes {choice.value}" for member, plan in plans.items() for choice in plan
    )
    for member, plan in plans.items():
        mine = [line for line in said if line.startswith(f"<@{member}> ")]
        assert mine == [f"<@{member}> votes {choice.value}" for choice in plan]
    assert len(thread_lines(app.fake_slack, ts)) == len(posts)
    assert len(posts) <= clicks // 4
    assert app.fake_slack.calls_to("chat.postEphemeral") == []
