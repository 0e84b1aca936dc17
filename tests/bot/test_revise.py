"""Revise: the author re-opens the modal prefilled; a revision re-evaluates, keeps the history
and resets the votes only after a confirmation that says so."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from bot.deps import Deps
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings
from bot.modal.fields import decode_private_metadata
from bot.modal.view import proposal_modal
from bot.persistence.stores import Stores
from bot.voting.domain import Choice
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, RunningApp, make_deps, sent_view, view_state
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_voting_e2e import (
    AUTHOR,
    CHANNEL,
    MEMBERS,
    ballot_text,
    click,
    last_update,
    payload,
    post_proposal,
    proposal_id_of,
    seat_committee,
    stored_votes,
    thread_lines,
    vote,
    wait_for_thread_lines,
)
from tests.clock import FixedClock

REJECTED_NOW = {**APPROVABLE, "projected_lift_pct": "1.5"}


@pytest.fixture
def deps(settings: Settings, stores: Stores, clock: FixedClock) -> Deps:
    """The app's collaborators, with message refreshes coalesced over 50 ms."""
    return replace(make_deps(settings, stores, clock), coalescer=UpdateCoalescer(0.05))


@pytest.fixture
async def posted(app: RunningApp, stores: Stores) -> tuple[int, str]:
    """A proposal posted in a channel with a committee of three: (proposal id, verdict ts)."""
    await seat_committee(stores)
    post = await post_proposal(app)
    return proposal_id_of(post), str(post.answer["ts"])


async def open_revise_modal(app: RunningApp, proposal_id: int, user_id: str = AUTHOR) -> None:
    await click(app, "revise_proposal", proposal_id, user_id)


async def opened_modal(fake: FakeSlack) -> dict[str, Any]:
    [opened] = await fake.wait_for("views.open")
    return sent_view(opened.params)


def block_ids(view: Mapping[str, Any]) -> list[str]:
    return [block.get("block_id", "") for block in view["blocks"]]


async def submit_revision(
    app: RunningApp,
    proposal_id: int,
    answers: Mapping[str, Any],
    *,
    votes_shown: int = 0,
    view_id: str = "V0REVISE",
) -> tuple[int, str]:
    """Submit the revise modal (showing the reset confirmation for `votes_shown` votes)."""
    record = await app.deps.stores.proposals.get_proposal(proposal_id=proposal_id)
    assert record is not None
    modal = proposal_modal(
        channel_id=CHANNEL,
        policy=app.deps.policy,
        prefill=record.proposal,
        proposal_id=proposal_id,
        votes_to_reset=votes_shown,
    )
    body = signing.view_submission(
        values=view_state(modal, answers),
        private_metadata=modal["private_metadata"],
        view_id=view_id,
    )
    return await app.send(body, signing.FORM)


async def two_votes(app: RunningApp, proposal_id: int, ts: str) -> None:
    await vote(app, proposal_id, MEMBERS[0], Choice.APPROVE)
    await vote(app, proposal_id, MEMBERS[1], Choice.REJECT)
    await wait_for_thread_lines(app.fake_slack, ts, 2)


# -- opening ---------------------------------------------------------------------------------


async def test_the_author_gets_the_modal_prefilled_with_the_proposal_id(
    app: RunningApp, posted: tuple[int, str]
) -> None:
    proposal_id, _ = posted
    await open_revise_modal(app, proposal_id)
    view = await opened_modal(app.fake_slack)

    assert decode_private_metadata(view["private_metadata"]).proposal_id == proposal_id
    assert view["title"]["text"] == "Revise proposal"
    [title] = [block for block in view["blocks"] if block.get("block_id") == "title"]
    assert title["element"]["initial_value"] == APPROVABLE["title"]
    assert "reset_votes" not in block_ids(view)


async def test_someone_else_is_told_privately_that_only_the_author_revises(
    app: RunningApp, posted: tuple[int, str]
) -> None:
    proposal_id, _ = posted
    await open_revise_modal(app, proposal_id, user_id=MEMBERS[0])
    [refusal] = await app.fake_slack.wait_for("chat.postEphemeral")

    assert refusal.params["user"] == MEMBERS[0]
    assert refusal.params["text"].startswith(f"Only the author (<@{AUTHOR}>) can revise")
    assert app.fake_slack.calls_to("views.open") == []


async def test_with_votes_cast_the_modal_offers_to_reset_them_and_says_how_many(
    app: RunningApp, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await two_votes(app, proposal_id, ts)
    await open_revise_modal(app, proposal_id)
    view = await opened_modal(app.fake_slack)

    [reset] = [block for block in view["blocks"] if block.get("block_id") == "reset_votes"]
    assert reset["type"] == "input"
    assert reset["element"]["options"][0]["text"]["text"] == "Reset the 2 votes cast so far"


# -- submitting ------------------------------------------------------------------------------


async def test_a_revision_without_votes_re_evaluates_keeps_the_history_and_updates_the_message(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    status, body = await submit_revision(app, proposal_id, REJECTED_NOW)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 1)
    assert await app.deps.background.drain(timeout=5) == 0
    update = await last_update(app)
    history = await stores.proposals.evaluation_history(proposal_id=proposal_id)

    assert (status, body) == (200, "")
    assert [entry.evaluation.verdict.value for entry in history] == ["approve", "reject"]
    assert payload(update)["verdict"] == "reject"
    assert update["blocks"][0]["text"]["text"] == "Engine: reject · Fraud classifier fine-tune"
    assert lines == [f"<@{AUTHOR}> revised proposal #{proposal_id} (revision 2): Engine: reject."]


async def test_submitting_with_votes_but_without_the_tick_is_an_error_on_the_confirmation(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await two_votes(app, proposal_id, ts)
    status, body = await submit_revision(app, proposal_id, REJECTED_NOW, votes_shown=2)
    await app.fake_slack.settle(0.1)

    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {
            "reset_votes": "Revising changes the numbers the committee voted on: "
            "tick this to reset the 2 votes, or cancel"
        },
    }
    assert len(await stores.proposals.evaluation_history(proposal_id=proposal_id)) == 1
    assert len(await stored_votes(stores, proposal_id)) == 2


async def test_ticking_the_confirmation_resets_the_votes_and_says_so_in_the_thread(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await two_votes(app, proposal_id, ts)
    answers = {**REJECTED_NOW, "reset_votes": ["reset"]}
    status, body = await submit_revision(app, proposal_id, answers, votes_shown=2)
    lines = await wait_for_thread_lines(app.fake_slack, ts, 3)
    assert await app.deps.background.drain(timeout=5) == 0
    update = await last_update(app)

    assert (status, body) == (200, "")
    assert await stored_votes(stores, proposal_id) == {}
    assert payload(update)["tally"] == {"approve": 0, "reject": 0, "abstain": 0}
    assert "Not voted yet: <@U0MEMBER1>, <@U0MEMBER2>, <@U0MEMBER3>" in ballot_text(update)
    assert lines[-1].endswith("The 2 votes cast so far were reset: please vote again.")


async def test_votes_cast_after_the_modal_opened_bring_the_confirmation_into_the_modal(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await two_votes(app, proposal_id, ts)
    status, body = await submit_revision(app, proposal_id, REJECTED_NOW, votes_shown=0)
    answer = json.loads(body)

    assert status == 200
    assert answer["response_action"] == "update"
    assert "reset_votes" in block_ids(answer["view"])
    [lift] = [b for b in answer["view"]["blocks"] if b.get("block_id") == "projected_lift_pct"]
    assert lift["element"]["initial_value"] == "1.5"
    assert len(await stores.proposals.evaluation_history(proposal_id=proposal_id)) == 1


async def test_a_closed_vote_is_revised_without_touching_its_votes_or_outcome(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await two_votes(app, proposal_id, ts)
    await click(app, "close_vote", proposal_id, AUTHOR)
    await wait_for_thread_lines(app.fake_slack, ts, 3)
    await submit_revision(app, proposal_id, REJECTED_NOW)
    await wait_for_thread_lines(app.fake_slack, ts, 4)
    assert await app.deps.background.drain(timeout=5) == 0
    update = await last_update(app)

    assert len(await stored_votes(stores, proposal_id)) == 2
    assert payload(update)["outcome"] == "rejected"
    assert payload(update)["verdict"] == "reject"


async def test_a_revision_delivered_twice_is_applied_once(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, ts = posted
    await submit_revision(app, proposal_id, REJECTED_NOW)
    await submit_revision(app, proposal_id, REJECTED_NOW)
    await wait_for_thread_lines(app.fake_slack, ts, 1)
    assert await app.deps.background.drain(timeout=5) == 0
    await app.fake_slack.settle(0.2)

    assert len(await stores.proposals.evaluation_history(proposal_id=proposal_id)) == 2
    assert len(thread_lines(app.fake_slack, ts)) == 1


async def test_only_the_author_s_revision_is_applied(
    app: RunningApp, stores: Stores, posted: tuple[int, str]
) -> None:
    proposal_id, _ = posted
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)
    assert record is not None
    modal = proposal_modal(
        channel_id=CHANNEL, policy=app.deps.policy, prefill=record.proposal, proposal_id=proposal_id
    )
    body = signing.view_submission(
        values=view_state(modal, REJECTED_NOW),
        private_metadata=modal["private_metadata"],
        user_id=MEMBERS[0],
    )
    status, answer = await app.send(body, signing.FORM)
    assert await app.deps.background.drain(timeout=5) == 0

    assert status == 200
    refusal = json.loads(answer)
    assert refusal["response_action"] == "errors"
    assert "Only the author" in refusal["errors"]["title"]
    assert len(app.fake_slack.calls_to("chat.postMessage")) == 1
    assert len(await stores.proposals.evaluation_history(proposal_id=proposal_id)) == 1
