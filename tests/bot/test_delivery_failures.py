"""Slack rate-limited, failing, or the bot not in the channel: saved, posted once, user told."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp

from bot.blocks.replies import not_in_channel_text
from bot.models import DeliveryState, ProposalRecord
from bot.persistence.stores import Stores
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, RunningApp, serve
from tests.bot.fake_slack import FakeSlack


async def only_proposal(stores: Stores) -> ProposalRecord:
    [record] = await stores.proposals.list_channel_proposals(
        team_id="T0001", channel_id=signing.CHANNEL_ID, limit=10
    )
    return record


async def test_a_rate_limited_post_is_retried_after_retry_after_and_posted_once(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.fail("chat.postMessage", "ratelimited", retry_after=1)
    await app.submit(APPROVABLE)
    limited, posted = await fake_slack.wait_for("chat.postMessage", 2, timeout=8)
    await fake_slack.settle(0.2)
    assert limited.status == 429
    assert posted.succeeded
    assert posted.at - limited.at >= 1.0
    assert len(fake_slack.successful("chat.postMessage")) == 1
    assert (await only_proposal(stores)).delivery_state is DeliveryState.POSTED


async def test_a_server_error_is_retried_and_posted_once(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.fail("chat.postMessage", "http_500")
    await app.submit(APPROVABLE)
    failed, posted = await fake_slack.wait_for("chat.postMessage", 2, timeout=8)
    await fake_slack.settle(0.2)
    assert (failed.status, posted.status) == (500, 200)
    assert len(fake_slack.successful("chat.postMessage")) == 1
    assert (await only_proposal(stores)).delivery_state is DeliveryState.POSTED


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_an_unreachable_channel_keeps_the_proposal_and_tells_the_author_by_dm(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores, error: Any
) -> None:
    fake_slack.fail("chat.postMessage", error)
    await app.submit(APPROVABLE)
    refused, direct_message = await fake_slack.wait_for("chat.postMessage", 2)
    await fake_slack.settle(0.2)
    record = await only_proposal(stores)
    assert refused.params["channel"] == signing.CHANNEL_ID
    assert direct_message.params["channel"] == signing.USER_ID
    assert direct_message.params["text"] == not_in_channel_text(
        channel_id=signing.CHANNEL_ID, proposal_id=record.id
    )
    assert record.delivery_state is DeliveryState.UNDELIVERABLE
    assert record.delivery_error == error
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_slack_failing_past_every_retry_keeps_the_proposal_and_tells_the_author(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.fail("chat.postMessage", "http_500", times=3)
    await app.submit(APPROVABLE)
    *failures, direct_message = await fake_slack.wait_for("chat.postMessage", 4, timeout=8)
    record = await only_proposal(stores)
    assert [call.status for call in failures] == [500, 500, 500]
    assert direct_message.params["channel"] == signing.USER_ID
    assert "is saved" in direct_message.params["text"]
    assert f"#{record.id}" in direct_message.params["text"]
    assert record.delivery_state is DeliveryState.UNDELIVERABLE


async def test_a_failure_opening_the_modal_is_reported_to_the_user_ephemerally(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.open", "channel_not_found")
    status, body = await app.command("")
    [reply] = await fake_slack.wait_for("respond/hook")
    assert (status, body) == (200, "")
    assert reply.params["response_type"] == "ephemeral"
    assert "channel_not_found" in reply.params["text"]


def with_mention_listener(bolt_app: AsyncApp) -> None:
    """A stand-in for a later event listener: answers each app_mention with one message."""

    @bolt_app.event("app_mention")
    async def answer(event: dict[str, Any], say: Any) -> None:
        await say(text="seen", thread_ts=event["ts"])


MENTION = {
    "type": "app_mention",
    "user": signing.USER_ID,
    "text": "<@UBOT0001> hello",
    "ts": "1700000100.000100",
    "channel": signing.CHANNEL_ID,
    "event_ts": "1700000100.000100",
}


async def test_a_retried_events_delivery_reaches_the_listeners_once(
    deps: Any, fake_slack: FakeSlack
) -> None:
    body = signing.event_callback(event=MENTION, event_id="Ev0RETRIED")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    async with serve(deps, fake_slack, with_mention_listener) as running:
        first = await running.event(body)
        await fake_slack.wait_for("chat.postMessage")
        second = await running.event(body, extra_headers=retry)
        await fake_slack.settle(0.2)
    assert first[0] == second[0] == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_distinct_events_are_each_handled(deps: Any, fake_slack: FakeSlack) -> None:
    async with serve(deps, fake_slack, with_mention_listener) as running:
        await running.event(signing.event_callback(event=MENTION, event_id="Ev0ONE"))
        await running.event(signing.event_callback(event=MENTION, event_id="Ev0TWO"))
        await fake_slack.wait_for("chat.postMessage", 2)
        await fake_slack.settle(0.1)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
