"""Delivery keys are forgotten once Slack can no longer retry them, by an hourly sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.infrastructure.scheduler import FORGET_EVENTS_JOB, build_scheduler
from bot.persistence.stores import Stores
from bot.services.event_keys import EVENT_KEY_RETENTION, forget_old_event_keys
from tests.clock import FixedClock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def nothing() -> None:
    return None


def test_keys_are_kept_a_day_well_past_slacks_five_minute_retries() -> None:
    assert timedelta(days=1) == EVENT_KEY_RETENTION


async def test_keys_older_than_a_day_are_forgotten_and_newer_ones_still_stop_a_repeat(
    stores: Stores,
) -> None:
    ages = [timedelta(days=3), timedelta(days=1, seconds=1), timedelta(hours=23), timedelta(0)]
    for number, age in enumerate(ages):
        assert await stores.events.claim_event(key=f"Ev{number}", now=NOW - age)

    assert await forget_old_event_keys(stores, FixedClock(NOW)) == 2

    assert await stores.events.claim_event(key="Ev0", now=NOW)  # forgotten: new again
    assert await stores.events.claim_event(key="Ev1", now=NOW)
    assert not await stores.events.claim_event(key="Ev2", now=NOW)  # still a repeat
    assert not await stores.events.claim_event(key="Ev3", now=NOW)
    assert await forget_old_event_keys(stores, FixedClock(NOW)) == 0


async def test_the_scheduler_runs_the_forgetting_sweep_hourly() -> None:
    ran = asyncio.Event()

    async def forget() -> None:
        ran.set()

    clock = FixedClock(datetime(2026, 11, 13, 8, tzinfo=UTC))
    scheduler = build_scheduler(
        hour=9,
        zone=ZoneInfo("UTC"),
        clock=clock,
        reminder_sweep=nothing,
        nudge_sweep=nothing,
        forget_event_keys=forget,
        hourly_seconds=0.05,
    )
    job = scheduler.get_job(FORGET_EVENTS_JOB)
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=0.05)
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        scheduler.shutdown(wait=False)
    assert ran.is_set()


def test_by_default_the_forgetting_sweep_runs_every_hour() -> None:
    scheduler = build_scheduler(
        hour=9,
        zone=ZoneInfo("UTC"),
        clock=FixedClock(NOW),
        reminder_sweep=nothing,
        nudge_sweep=nothing,
        forget_event_keys=nothing,
    )
    job = scheduler.get_job(FORGET_EVENTS_JOB)
    assert job is not None
    assert job.trigger.interval == timedelta(hours=1)
