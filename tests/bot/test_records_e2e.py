"""Decision records end to end: `record <id>` and the verdict's button post the record in the
proposal's thread; bad ids and unposted verdicts are answered privately; Slack answering with
something that is not JSON still reaches the user as a readable sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.ids import ActionId
from bot.listeners.errors import SLACK_MESSAGE
from bot.modal.parsing import parse_proposal_form
from bot.modal.view import proposal_modal
from bot.models import ProposalRecord
from bot.persistence.stores import Stores
from core.evaluation import CheckId
from tests.bot import signing
from tests.bot.block_kit import block_kit_problems
from tests.bot.conftest import APPROVABLE, NOW, RunningApp, view_state
from tests.bot.fake_slack import TEAM_ID, Call, Failure, FakeSlack
from tests.bot.shown import CHECK_NAMES_SHOWN
from tests.builders import store_proposal

CHANNEL = signing.CHANNEL_ID
OTHER_CHANNEL = "C0ELSEWHERE"


async def post_proposal(app: RunningApp) -> tuple[int, str]:
    """Submit the modal; return the proposal id and the ts of its posted verdict."""
    await app.submit(APPROVABLE)
    [post] = await app.fake_slack.wait_for("chat.postMessage")
    assert await app.deps.background.drain(timeout=5) == 0
    return int(post.params["metadata"]["event_payload"]["proposal_id"]), str(post.answer["ts"])


async def record_command(
    app: RunningApp, text: str, *, channel_id: str = CHANNEL, user_id: str = signing.USER_ID
) -> dict[str, Any]:
    """Run `/finetune-check <text>` and return its ephemeral answer."""
    before = len(app.fake_slack.calls_to("respond/hook"))
    body = signing.slash_command(
        response_url=app.fake_slack.response_url(),
        text=text,
        channel_id=channel_id,
        user_id=user_id,
    )
    status, _ = await app.send(body, signing.FORM)
    assert status == 200
    answers = await app.fake_slack.wait_for("respond/hook", before + 1)
    return answers[before].params


async def click_record_button(app: RunningApp, value: str) -> None:
    body = signing.block_actions(
        action_id=ActionId.DECISION_RECORD.value,
        value=value,
        channel_id=CHANNEL,
        response_url=app.fake_slack.response_url("action"),
        block_id="verdict_actions",
    )
    status, _ = await app.click(body)
    assert status == 200


def thread_posts(fake: FakeSlack, thread_ts: str) -> list[Call]:
    return [
        call
        for call in fake.calls_to("chat.postMessage")
        if call.params.get("thread_ts") == thread_ts
    ]


def text_of(blocks: Any) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def stored(stores: Stores, proposal_id: int) -> ProposalRecord:
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)
    assert record is not None
    return record


async def test_record_posts_the_decision_record_in_the_verdict_s_thread(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await post_proposal(app)
    answer = await record_command(app, f"record {proposal_id}")
    [post] = thread_posts(app.fake_slack, ts)

    assert post.params["channel"] == CHANNEL
    assert (
        post.params["text"]
        == f"Decision record for proposal #{proposal_id}: Fraud classifier fine-tune"
    )
    assert block_kit_problems(post.params["blocks"]) == []
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        f"Posted the decision record of proposal #{proposal_id} in its thread in <#{CHANNEL}>."
    )


async def test_the_record_contains_every_check_id_and_the_policy_hash(
    app: RunningApp, stores: Stores
) -> None:
    proposal_id, ts = await post_proposal(app)
    await record_command(app, f"record #{proposal_id}")
    [post] = thread_posts(app.fake_slack, ts)
    shown = text_of(post.params["blocks"])
    record = await stored(stores, proposal_id)

    assert {check.id for check in record.evaluation.checks} == set(CheckId)
    for name in CHECK_NAMES_SHOWN:
        assert f"*{name}*" in shown
    assert record.policy_hash == app.deps.policy.hash
    assert record.policy_hash in shown


async def test_the_decision_record_button_posts_the_record_in_the_thread_and_says_nothing_else(
    app: RunningApp,
) -> None:
    proposal_id, ts = await post_proposal(app)
    await click_record_button(app, str(proposal_id))
    await app.fake_slack.wait_for("chat.postMessage", 2)
    await app.fake_slack.settle(0.1)
    [post] = thread_posts(app.fake_slack, ts)

    assert f"Decision record #{proposal_id}" in text_of(post.params["blocks"])
    assert app.fake_slack.calls_to("respond/action") == []


async def test_a_record_asked_for_in_another_channel_goes_in_the_proposal_s_own_thread(
    app: RunningApp,
) -> None:
    proposal_id, ts = await post_proposal(app)
    answer = await record_command(app, f"record {proposal_id}", channel_id=OTHER_CHANNEL)
    [post] = thread_posts(app.fake_slack, ts)

    assert post.params["channel"] == CHANNEL
    assert f"<#{CHANNEL}>" in answer["text"]


async def test_the_record_shows_the_votes_cast_so_far(app: RunningApp) -> None:
    proposal_id, ts = await post_proposal(app)
    vote = signing.block_actions(
        action_id=ActionId.VOTE_REJECT.value,
        value=str(proposal_id),
        user_id="U0MEMBER1",
        channel_id=CHANNEL,
        response_url=app.fake_slack.response_url("action"),
    )
    await app.click(vote)
    await app.fake_slack.wait_for("chat.postMessage", 2)
    await record_command(app, f"record {proposal_id}")
    record_post = thread_posts(app.fake_slack, ts)[-1]

    assert "<@U0MEMBER1>" in text_of(record_post.params["blocks"])
    assert "reject" in text_of(record_post.params["blocks"])


@pytest.mark.parametrize("text", ["record", "record twelve", "record 1.5", "record -3"])
async def test_record_without_a_proposal_number_says_how_to_use_it(
    app: RunningApp, text: str
) -> None:
    answer = await record_command(app, text)
    await app.fake_slack.settle(0.05)

    assert answer["text"] == "`record` needs a proposal number, e.g. `record 12`."
    assert app.fake_slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("number", ["99", "99999999999999999999"])
async def test_record_of_an_unknown_proposal_names_the_number(app: RunningApp, number: str) -> None:
    answer = await record_command(app, f"record {number}")
    assert answer["text"] == f"No proposal #{number} in this workspace."


async def test_a_proposal_of_another_workspace_is_unknown_here(
    app: RunningApp, stores: Stores
) -> None:
    modal = proposal_modal(channel_id=CHANNEL, policy=app.deps.policy)
    proposal = parse_proposal_form(view_state(modal, APPROVABLE)).proposal
    assert proposal is not None
    record = await store_proposal(
        stores,
        proposal,
        team_id="T0OTHER",
        channel_id=CHANNEL,
        author_id="U0OTHER",
        submission_key="V0OTHER",
        now=NOW,
        vote_window=None,
        policy=app.deps.policy,
    )
    assert record.team_id != TEAM_ID
    answer = await record_command(app, f"record {record.id}")
    assert answer["text"] == f"No proposal #{record.id} in this workspace."


async def test_a_proposal_whose_verdict_was_never_posted_gets_its_record_privately(
    app: RunningApp, stores: Stores
) -> None:
    app.fake_slack.fail("chat.postMessage", "not_in_channel")
    await app.submit(APPROVABLE)
    await app.fake_slack.wait_for("chat.postMessage", 2)  # the refusal, then the author's DM
    assert await app.deps.background.drain(timeout=5) == 0
    [record] = await stores.proposals.list_channel_proposals(team_id=TEAM_ID, channel_id=CHANNEL)
    posts_before = len(app.fake_slack.calls_to("chat.postMessage"))

    answer = await record_command(app, f"record {record.id}")
    await app.fake_slack.settle(0.05)
    blocks = answer["blocks"]

    assert record.message_ts is None
    assert len(app.fake_slack.calls_to("chat.postMessage")) == posts_before
    assert answer["response_type"] == "ephemeral"
    assert "never posted" in blocks[0]["elements"][0]["text"]
    assert f"Decision record #{record.id}" in text_of(blocks)
    assert block_kit_problems(blocks) == []


@pytest.mark.parametrize(
    ("failure", "code"), [("text_405", "http_405"), ("garbled_json", "unexpected_response")]
)
async def test_slack_answering_with_something_other_than_json_is_still_explained_to_the_user(
    app: RunningApp, failure: Failure, code: str
) -> None:
    proposal_id, _ts = await post_proposal(app)
    app.fake_slack.fail("chat.postMessage", failure)
    answer = await record_command(app, f"record {proposal_id}")
    [refused] = app.fake_slack.calls_to("chat.postMessage")[1:]

    assert refused.params["_failed"] == failure
    assert answer["text"] == SLACK_MESSAGE.format(code=code)
    assert answer["response_type"] == "ephemeral"
