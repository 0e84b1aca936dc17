"""The redelivery sweep: a verdict a crash left pending is posted once, by one replica, late."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.blocks.replies import not_in_channel_text
from bot.blocks.verdict import verdict_metadata
from bot.deps import Deps
from bot.infrastructure.settings import Settings
from bot.modal.fields import ModalOptions
from bot.models import DeliveryState, ProposalRecord
from bot.persistence.database import create_engine
from bot.persistence.stores import Stores
from bot.services.intake import Submission
from bot.services.redelivery import REDELIVERY_GRACE, RedeliveryReport
from tests.bot import signing
from tests.bot.conftest import environment, make_deps
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_process import clean_environment, free_port, start_bot, wait_until_healthy
from tests.builders import approvable_proposal
from tests.clock import FixedClock

SECOND = timedelta(seconds=1)


async def submitted(deps: Deps, view_id: str = "V0CRASHED") -> ProposalRecord:
    """A proposal stored as a submission stores it, its verdict never posted (the crash)."""
    return await deps.intake.store(
        Submission(
            team_id="T0001",
            channel_id=signing.CHANNEL_ID,
            author_id=signing.USER_ID,
            submission_key=view_id,
            proposal=approvable_proposal(),
            options=ModalOptions(),
        ),
    )


async def delivery_of(deps: Deps, record: ProposalRecord) -> DeliveryState:
    stored = await deps.stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    return stored.delivery_state


async def test_a_verdict_left_pending_is_posted_by_the_sweep_once_the_grace_has_passed(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    record = await submitted(deps)

    clock.advance(REDELIVERY_GRACE - SECOND)
    early = await deps.redelivery.sweep()
    still = await delivery_of(deps, record)
    clock.advance(SECOND)
    late = await deps.redelivery.sweep()

    assert (early, still) == (RedeliveryReport(), DeliveryState.PENDING)
    assert late == RedeliveryReport(stale=1, posted=1)
    [post] = fake_slack.calls_to("chat.postMessage")
    assert post.params["channel"] == signing.CHANNEL_ID
    assert post.params["metadata"] == verdict_metadata(record.id, record.evaluation)
    stored = await deps.stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert (stored.delivery_state, stored.message_ts) == (DeliveryState.POSTED, post.answer["ts"])


async def test_running_the_sweep_twice_posts_the_verdict_once(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    await submitted(deps)
    clock.advance(REDELIVERY_GRACE)

    first = await deps.redelivery.sweep()
    clock.advance(REDELIVERY_GRACE * 3)
    second = await deps.redelivery.sweep()

    assert (first.posted, second) == (1, RedeliveryReport())
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_two_replicas_sweeping_at_once_on_one_database_post_each_verdict_once(
    deps: Deps,
    clock: FixedClock,
    fake_slack: FakeSlack,
    settings: Settings,
    database_url: str,
) -> None:
    records = [await submitted(deps, f"V0CRASH{n}") for n in range(4)]
    clock.advance(REDELIVERY_GRACE)
    fake_slack.slow("chat.postMessage", 0.05)  # so the two sweeps overlap
    other_engine = create_engine(database_url)
    other = make_deps(settings, Stores.on(other_engine), clock)
    try:
        reports = await asyncio.gather(
            deps.redelivery.sweep(), other.redelivery.sweep()
        )
    finally:
        await other_engine.dispose()

    posted = [call.params["metadata"]["event_payload"]["proposal_id"] for call in fake_slack.calls]
    assert sorted(posted) == [record.id for record in records]
    assert sum(report.posted for report in reports) == 4
    for record in records:
        assert await delivery_of(deps, record) is DeliveryState.POSTED


async def test_a_verdict_already_posted_or_undeliverable_is_left_alone(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    posted = await submitted(deps, "V0POSTED")
    given_up = await submitted(deps, "V0GIVENUP")
    await deps.stores.proposals.mark_posted(
        proposal_id=posted.id, channel_id=signing.CHANNEL_ID, message_ts="1.1", now=clock.now()
    )
    await deps.stores.proposals.mark_undeliverable(
        proposal_id=given_up.id, error="not_in_channel", now=clock.now()
    )
    clock.advance(REDELIVERY_GRACE * 2)

    report = await deps.redelivery.sweep()

    assert report == RedeliveryReport()
    assert fake_slack.calls == []


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
async def test_a_channel_out_of_reach_is_recorded_and_its_author_told_as_after_a_submission(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack, error: str
) -> None:
    record = await submitted(deps)
    clock.advance(REDELIVERY_GRACE)
    fake_slack.fail("chat.postMessage", error)  # type: ignore[arg-type]

    report = await deps.redelivery.sweep()
    again = await deps.redelivery.sweep()

    refused, direct_message = fake_slack.calls_to("chat.postMessage")
    assert (report, again) == (RedeliveryReport(stale=1, undeliverable=1), RedeliveryReport())
    assert refused.params["channel"] == signing.CHANNEL_ID
    assert direct_message.params["channel"] == signing.USER_ID
    assert direct_message.params["text"] == not_in_channel_text(
        channel_id=signing.CHANNEL_ID, proposal_id=record.id
    )
    stored = await deps.stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert (stored.delivery_state, stored.delivery_error) == (DeliveryState.UNDELIVERABLE, error)


async def test_slack_failing_past_every_retry_gives_the_verdict_up_and_tells_the_author(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    record = await submitted(deps)
    clock.advance(REDELIVERY_GRACE)
    fake_slack.fail("chat.postMessage", "http_500", times=3)

    report = await deps.redelivery.sweep()

    *failures, direct_message = fake_slack.calls_to("chat.postMessage")
    assert report == RedeliveryReport(stale=1, undeliverable=1)
    assert [call.status for call in failures] == [500, 500, 500]
    assert direct_message.params["channel"] == signing.USER_ID
    assert f"#{record.id}" in direct_message.params["text"]
    assert await delivery_of(deps, record) is DeliveryState.UNDELIVERABLE


async def test_a_background_post_that_claimed_the_verdict_and_died_is_redone_a_grace_later(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    record = await submitted(deps)
    clock.advance(timedelta(minutes=1))  # the background post started late, then the crash
    assert await deps.stores.events.claim_event(key=f"verdict:{record.id}", now=clock.now())
    claim = await deps.stores.proposals.claim_pending_delivery(
        proposal_id=record.id, untouched_since=record.updated_at, now=clock.now()
    )
    assert claim is not None

    clock.advance(REDELIVERY_GRACE - SECOND)
    while_claimed = await deps.redelivery.sweep()
    clock.advance(SECOND)
    after_the_claim = await deps.redelivery.sweep()

    assert while_claimed == RedeliveryReport()
    assert after_the_claim == RedeliveryReport(stale=1, posted=1)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_a_background_post_queued_until_after_the_sweep_posted_posts_nothing(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    record = await submitted(deps)
    clock.advance(REDELIVERY_GRACE)
    await deps.redelivery.sweep()

    await deps.delivery.deliver(record)  # the record as the submission handed it over: pending

    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert await delivery_of(deps, record) is DeliveryState.POSTED


async def test_a_submission_posts_its_verdict_and_leaves_nothing_for_the_sweep(
    deps: Deps, clock: FixedClock, fake_slack: FakeSlack
) -> None:
    record = await submitted(deps)

    await deps.delivery.deliver(record)
    clock.advance(REDELIVERY_GRACE)
    report = await deps.redelivery.sweep()

    assert report == RedeliveryReport()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert await delivery_of(deps, record) is DeliveryState.POSTED


async def test_the_bot_posts_a_verdict_left_pending_at_start_up_and_logs_the_sweep(
    fake_slack: FakeSlack,
    settings: Settings,
    stores: Stores,
    database_url: str,
    tmp_path: Path,
) -> None:
    before_the_crash = FixedClock(datetime.now(UTC) - REDELIVERY_GRACE - timedelta(minutes=1))
    crashed = make_deps(settings, stores, before_the_crash)
    record = await submitted(crashed)
    port = free_port()
    env = clean_environment(**environment(fake_slack, database_url), PORT=str(port))

    process = await start_bot(env, tmp_path)
    try:
        await wait_until_healthy(port)
        [post] = await fake_slack.wait_for("chat.postMessage", timeout=20)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)

    log = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    [run] = [
        entry for entry in log if entry.get("job") == "redeliver-verdicts" and "outcome" in entry
    ]
    assert run["outcome"] == "ok"
    assert run["counts"]["posted"] == 1
    assert post.params["metadata"]["event_payload"]["proposal_id"] == record.id
    assert await delivery_of(crashed, record) is DeliveryState.POSTED
