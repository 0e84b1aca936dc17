"""The scheduler: a daily cron at the reminder hour (DST-proof), catch-up, frequent jobs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.infrastructure.scheduler import (
    CATCH_UP_JOB,
    CLOSE_VOTES_JOB,
    DAILY_SWEEP_JOB,
    MISFIRE_GRACE_SECONDS,
    NUDGE_JOB,
    REDELIVERY_JOB,
    build_scheduler,
    daily_trigger,
)
from tests.clock import FixedClock

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def fire_times(trigger: CronTrigger, start: datetime, count: int) -> list[datetime]:
    """The trigger's next ``count`` fire times after ``start``, as APScheduler computes them."""
    times: list[datetime] = []
    previous: datetime | None = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire)
        previous, now = fire, fire + timedelta(seconds=1)
    return times


@pytest.mark.parametrize(
    ("zone", "start", "utc_hours"),
    [
        (NEW_YORK, datetime(2026, 3, 5, 12, tzinfo=NEW_YORK), [14, 14, 13, 13]),
        (NEW_YORK, datetime(2026, 10, 29, 12, tzinfo=NEW_YORK), [13, 13, 14, 14]),
        (BERLIN, datetime(2026, 3, 26, 12, tzinfo=BERLIN), [8, 8, 7, 7]),
        (BERLIN, datetime(2026, 10, 22, 12, tzinfo=BERLIN), [7, 7, 8, 8]),
    ],
)
def test_the_daily_sweep_fires_at_nine_local_on_both_sides_of_a_dst_change(
    zone: ZoneInfo, start: datetime, utc_hours: list[int]
) -> None:
    times = fire_times(daily_trigger(hour=9, zone=zone), start, 4)

    assert [(t.astimezone(zone).hour, t.astimezone(zone).minute) for t in times] == [(9, 0)] * 4
    assert [t.astimezone(UTC).hour for t in times] == utc_hours
    days = [t.astimezone(zone).date() for t in times]
    assert days == [days[0] + timedelta(days=n) for n in range(4)]


def test_the_daily_sweep_after_new_years_eve_fires_on_new_years_day() -> None:
    trigger = daily_trigger(hour=9, zone=NEW_YORK)
    [fire] = fire_times(trigger, datetime(2026, 12, 31, 10, tzinfo=NEW_YORK), 1)
    assert fire == datetime(2027, 1, 1, 9, tzinfo=NEW_YORK)


async def nothing() -> None:
    """A job that does nothing."""


def test_jobs_coalesce_run_one_at_a_time_and_have_a_misfire_grace_time() -> None:
    clock = FixedClock(datetime(2026, 11, 13, 8, tzinfo=BERLIN))
    scheduler = build_scheduler(
        hour=9,
        zone=BERLIN,
        clock=clock,
        reminder_sweep=nothing,
        nudge_sweep=nothing,
        close_due_votes=nothing,
        redeliver_verdicts=nothing,
    )
    jobs = {job.id: job for job in scheduler.get_jobs()}

    assert set(jobs) == {DAILY_SWEEP_JOB, CLOSE_VOTES_JOB, NUDGE_JOB, REDELIVERY_JOB}
    assert {job.coalesce for job in jobs.values()} == {True}
    assert {job.max_instances for job in jobs.values()} == {1}
    assert {job.misfire_grace_time for job in jobs.values()} == {MISFIRE_GRACE_SECONDS}
    assert str(jobs[DAILY_SWEEP_JOB].trigger.timezone) == "Europe/Berlin"


@pytest.mark.parametrize(
    ("local_time", "catches_up"),
    [((8, 59), False), ((9, 0), True), ((17, 30), True), ((0, 5), False)],
)
def test_a_start_after_the_reminder_hour_schedules_one_catch_up_sweep(
    local_time: tuple[int, int], catches_up: bool
) -> None:
    clock = FixedClock(datetime(2026, 3, 29, *local_time, tzinfo=BERLIN).astimezone(UTC))
    scheduler = build_scheduler(
        hour=9, zone=BERLIN, clock=clock, reminder_sweep=nothing, nudge_sweep=nothing
    )
    assert (scheduler.get_job(CATCH_UP_JOB) is not None) is catches_up


async def test_a_started_scheduler_runs_the_catch_up_and_the_frequent_sweeps_in_the_loop() -> None:
    ran: dict[str, asyncio.Event] = {name: asyncio.Event() for name in ("sweep", "close", "nudge")}

    def job(name: str) -> object:
        async def run() -> None:
            ran[name].set()

        return run

    scheduler = build_scheduler(
        hour=9,
        zone=NEW_YORK,
        clock=FixedClock(datetime(2026, 11, 1, 10, tzinfo=NEW_YORK)),
        reminder_sweep=job("sweep"),  # type: ignore[arg-type]
        nudge_sweep=job("nudge"),  # type: ignore[arg-type]
        close_due_votes=job("close"),  # type: ignore[arg-type]
        frequent_seconds=0.1,
    )
    scheduler.start()
    try:
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ran.values())), 5)
    finally:
        scheduler.shutdown(wait=False)
    assert all(event.is_set() for event in ran.values())


async def test_the_redelivery_sweep_runs_at_start_up_then_with_the_frequent_sweeps() -> None:
    runs: list[float] = []
    ran = asyncio.Event()

    async def redeliver() -> None:
        runs.append(asyncio.get_running_loop().time())
        ran.set()

    scheduler = build_scheduler(
        hour=9,
        zone=BERLIN,
        clock=FixedClock(datetime(2026, 11, 13, 8, tzinfo=BERLIN)),
        reminder_sweep=nothing,
        nudge_sweep=nothing,
        redeliver_verdicts=redeliver,
        frequent_seconds=3600,
    )
    job = scheduler.get_job(REDELIVERY_JOB)
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=3600)
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 5)
    finally:
        scheduler.shutdown(wait=False)
    assert len(runs) == 1
