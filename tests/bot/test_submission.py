"""Submitting the modal: errors go onto their blocks; a valid proposal is stored and posted once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.deps import Deps
from bot.infrastructure.background import BACKGROUND_CONCURRENCY
from bot.infrastructure.settings import Settings
from bot.modal.parsing import parse_proposal_form
from bot.modal.view import proposal_modal
from bot.models import DeliveryState, ProposalRecord
from bot.persistence.database import create_engine
from bot.persistence.stores import Stores
from core.evaluation import Verdict
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, NOW, RunningApp, make_deps, serve, view_state
from tests.bot.fake_slack import TEAM_ID, FakeSlack
from tests.builders import store_proposal
from tests.clock import FixedClock

REQUIRED_FIELDS = [
    "title",
    "projected_lift_pct",
    "dataset_examples",
    "label_accuracy_pct",
    "diversity_pct",
    "duplicate_pct",
    "engineers",
    "engineering_days",
    "compute_cost_usd",
    "projected_revenue_usd",
    "delivery_days",
    "latency_ms",
]

BAD_VALUES = [
    ("projected_lift_pct", "lots"),
    ("projected_lift_pct", "1001"),
    ("dataset_examples", "5.5"),
    ("dataset_examples", "-1"),
    ("label_accuracy_pct", "101"),
    ("diversity_pct", "-3"),
    ("duplicate_pct", "120"),
    ("engineers", "0"),
    ("engineering_days", "0"),
    ("engineer_day_cost_usd", "-5"),
    ("compute_cost_usd", "-1"),
    ("projected_revenue_usd", "NaN"),
    ("revenue_horizon_days", "0"),
    ("delivery_days", "3651"),
    ("latency_ms", "0"),
    ("latency_sla_ms", "-150"),
    ("target_result", "0"),
    ("prompt_maintenance_hours_per_week", "-2"),
    ("planned_epochs", "0"),
    ("validation_losses", "0.9, x, 0.7"),
    ("lock_1_threshold", "high"),
    ("lock_2_achieved", "fast"),
]


async def submitted_errors(app: RunningApp, answers: dict) -> dict[str, str]:
    status, body = await app.submit(answers)
    assert status == 200
    payload = json.loads(body)
    assert payload["response_action"] == "errors"
    return payload["errors"]


async def test_a_valid_submission_closes_the_modal_and_posts_one_verdict(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    status, body = await app.submit(APPROVABLE)
    [post] = await fake_slack.wait_for("chat.postMessage")
    await fake_slack.settle(0.2)
    assert (status, body) == (200, "")
    assert post.params["channel"] == signing.CHANNEL_ID
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_the_verdict_carries_blocks_metadata_and_vote_buttons(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores, deps: Deps
) -> None:
    await app.submit(APPROVABLE)
    [post] = await fake_slack.wait_for("chat.postMessage")
    record = await stores.proposals.latest_proposal_by_author(
        team_id="T0001", channel_id=signing.CHANNEL_ID, author_id=signing.USER_ID
    )
    assert record is not None
    blocks = post.params["blocks"]
    assert blocks[0]["text"]["text"] == "Engine: approve · Fraud classifier fine-tune"
    assert post.params["text"] == (
        f"Engine: approve · Fraud classifier fine-tune (proposal #{record.id})"
    )
    ballot = next(block for block in blocks if block.get("block_id") == "ballot")
    assert ballot["text"]["text"].startswith("*Committee vote* (open")
    assert "✅ Approve 0 · ❌ Reject 0 · ➖ Abstain 0" in ballot["text"]["text"]
    assert post.params["metadata"] == {
        "event_type": "finetune_verdict",
        "event_payload": {
            "proposal_id": record.id,
            "verdict": "approve",
            "recommendation": "fine_tune",
        },
    }
    for block in post.params["blocks"]:
        Block.parse(block).validate_json()
    action_ids = {
        element.get("action_id")
        for block in post.params["blocks"]
        for element in block.get("elements", [])
    }
    assert {"vote_approve", "vote_reject", "vote_abstain"} <= action_ids


async def test_the_proposal_is_stored_with_its_evaluation_and_message(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    await app.submit(APPROVABLE)
    [post] = await fake_slack.wait_for("chat.postMessage")
    await fake_slack.settle(0.1)
    [record] = await stores.proposals.list_channel_proposals(
        team_id="T0001", channel_id=signing.CHANNEL_ID, limit=10
    )
    assert record.title == APPROVABLE["title"]
    assert record.evaluation.verdict is Verdict.APPROVE
    assert record.policy_hash == app.deps.policy.hash
    assert record.delivery_state is DeliveryState.POSTED
    assert record.message_ts == post.answer["ts"]
    assert record.author_id == signing.USER_ID
    assert record.created_at.replace(tzinfo=record.created_at.tzinfo or NOW.tzinfo) == NOW


async def test_a_rejected_proposal_is_posted_too(app: RunningApp, fake_slack: FakeSlack) -> None:
    await app.submit({**APPROVABLE, "projected_lift_pct": "1.5"})
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert post.params["metadata"]["event_payload"]["verdict"] == "reject"


@pytest.mark.parametrize("field", REQUIRED_FIELDS)
async def test_a_missing_required_field_is_an_error_on_its_block(
    app: RunningApp, fake_slack: FakeSlack, field: str
) -> None:
    answers = {key: value for key, value in APPROVABLE.items() if key != field}
    errors = await submitted_errors(app, answers)
    assert field in errors
    assert errors[field]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
async def test_a_bad_value_is_an_error_on_its_block_and_nothing_is_posted(
    app: RunningApp, fake_slack: FakeSlack, field: str, value: str
) -> None:
    errors = await submitted_errors(app, {**APPROVABLE, field: value})
    await fake_slack.settle(0.05)
    assert list(errors) == [field]
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_half_filled_lock_names_the_missing_part(app: RunningApp) -> None:
    answers = {key: value for key, value in APPROVABLE.items() if key != "lock_2_comparator"}
    assert "lock_2_comparator" in await submitted_errors(app, answers)


async def test_every_error_is_reported_at_once(app: RunningApp) -> None:
    answers = {**APPROVABLE, "engineers": "0", "latency_ms": "slow"}
    assert {"engineers", "latency_ms"} <= set(await submitted_errors(app, answers))


async def test_a_double_submit_makes_one_proposal_and_one_post(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    first, second = await app.submit(APPROVABLE), await app.submit(APPROVABLE)
    await fake_slack.wait_for("chat.postMessage")
    await fake_slack.settle(0.2)
    assert first[0] == second[0] == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    records = await stores.proposals.list_channel_proposals(
        team_id="T0001", channel_id=signing.CHANNEL_ID, limit=10
    )
    assert len(records) == 1


async def test_a_redelivered_submission_with_a_retry_header_posts_once(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.submit(APPROVABLE)
    await fake_slack.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    status, _ = await app.submit(APPROVABLE, extra_headers=retry)
    await fake_slack.settle(0.2)
    assert status == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_two_different_modals_make_two_proposals(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.submit(APPROVABLE, view_id="V0FIRST")
    await app.submit({**APPROVABLE, "title": "Second"}, view_id="V0SECOND")
    posts = await fake_slack.wait_for("chat.postMessage", 2)
    assert {post.params["metadata"]["event_payload"]["proposal_id"] for post in posts} == {1, 2}


async def test_the_database_survives_a_restart_of_the_app(
    app: RunningApp,
    fake_slack: FakeSlack,
    settings: Settings,
    clock: FixedClock,
    database_url: str,
    engine: AsyncEngine,
) -> None:
    await app.submit(APPROVABLE)
    await fake_slack.wait_for("chat.postMessage")
    assert await app.deps.background.drain(timeout=5) == 0
    await engine.dispose()
    fresh_engine = create_engine(database_url)
    try:
        deps = make_deps(settings, Stores.on(fresh_engine), clock)
        async with serve(deps, fake_slack) as restarted:
            await restarted.command("list")
            [reply] = await fake_slack.wait_for("respond/hook")
    finally:
        await fresh_engine.dispose()
    assert APPROVABLE["title"] in json.dumps(reply.params["blocks"])


# -- nothing acknowledged is lost --------------------------------------------------------------


async def channel_proposals(stores: Stores) -> list[ProposalRecord]:
    return await stores.proposals.list_channel_proposals(
        team_id=TEAM_ID, channel_id=signing.CHANNEL_ID, limit=10
    )


async def held_until(release: asyncio.Event) -> None:
    await release.wait()


async def test_the_proposal_is_stored_before_the_submission_is_answered(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    release = asyncio.Event()
    for _ in range(BACKGROUND_CONCURRENCY):  # every background slot busy: only the ack runs
        app.deps.background.start(held_until(release))
    status, body = await app.submit(APPROVABLE)
    stored_at_the_answer = await channel_proposals(stores)
    release.set()
    [post] = await fake_slack.wait_for("chat.postMessage")

    assert (status, body) == (200, "")
    assert [record.title for record in stored_at_the_answer] == [APPROVABLE["title"]]
    assert stored_at_the_answer[0].delivery_state is DeliveryState.PENDING
    assert post.params["metadata"]["event_payload"]["proposal_id"] == stored_at_the_answer[0].id


async def test_a_slow_slack_neither_delays_the_answer_nor_keeps_the_proposal_unsaved(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.slow("chat.postMessage", 0.5)
    status, _ = await app.submit(APPROVABLE)
    [record] = await channel_proposals(stores)
    posts_at_the_answer = len(fake_slack.calls_to("chat.postMessage"))
    [post] = await fake_slack.wait_for("chat.postMessage")
    assert await app.deps.background.drain(timeout=5) == 0
    [posted] = await channel_proposals(stores)

    assert status == 200
    assert (record.delivery_state, posts_at_the_answer) == (DeliveryState.PENDING, 0)
    assert (posted.delivery_state, posted.message_ts) == (DeliveryState.POSTED, post.answer["ts"])


async def test_a_modal_sent_again_after_a_crash_posts_the_verdict_that_never_went_out(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    modal = proposal_modal(channel_id=signing.CHANNEL_ID, policy=app.deps.policy)
    proposal = parse_proposal_form(view_state(modal, APPROVABLE)).proposal
    assert proposal is not None
    await store_proposal(  # what a crash between storing and answering leaves
        stores,
        proposal,
        team_id=TEAM_ID,
        channel_id=signing.CHANNEL_ID,
        author_id=signing.USER_ID,
        submission_key="V0SUBMIT1",
        now=NOW,
        vote_window=None,
        policy=app.deps.policy,
    )
    status, _ = await app.submit(APPROVABLE, view_id="V0SUBMIT1")
    await fake_slack.wait_for("chat.postMessage")
    await fake_slack.settle(0.1)
    [record] = await channel_proposals(stores)

    assert status == 200
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert record.delivery_state is DeliveryState.POSTED


async def test_a_database_failure_keeps_the_modal_open_with_the_answers_in_it(
    fake_slack: FakeSlack, settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    unmigrated = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-tables.db'}")
    try:
        deps = make_deps(settings, Stores.on(unmigrated), clock)
        async with serve(deps, fake_slack) as app:
            status, body = await app.submit(APPROVABLE)
            await fake_slack.settle(0.1)
    finally:
        await unmigrated.dispose()
    answer = json.loads(body)

    assert status == 200
    assert answer["response_action"] == "errors"
    assert answer["errors"]["title"].startswith("Your proposal could not be saved just now (")
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_a_verdict_answered_with_a_page_that_is_not_json_is_kept_and_its_author_told(
    app: RunningApp, fake_slack: FakeSlack, stores: Stores
) -> None:
    fake_slack.fail("chat.postMessage", "text_405")
    await app.submit(APPROVABLE)
    refused, direct_message = await fake_slack.wait_for("chat.postMessage", 2)
    [record] = await channel_proposals(stores)

    assert refused.status == 405
    assert (record.delivery_state, record.delivery_error) == (
        DeliveryState.UNDELIVERABLE,
        "http_405",
    )
    assert direct_message.params["channel"] == signing.USER_ID
    assert "`http_405`" in direct_message.params["text"]
