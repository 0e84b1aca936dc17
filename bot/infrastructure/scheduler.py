"""The bot's scheduler: fixed sweeps registered at start-up on APScheduler 3's AsyncIOScheduler.

- the daily reminder sweep, a cron trigger at ``REMINDER_HOUR``:00 in ``TIMEZONE`` (so it
  fires at 09:00 local on both sides of a DST change), coalesced, with a misfire grace time;
- a catch-up run of that sweep at start-up when the bot starts after the reminder hour (the
  ledger makes it send only what is still missing, so a restart sends once);
- frequent sweeps, every minute: the close of votes whose deadline passed (the voting
  service's `close_due_votes`, injected), the nudges to members who have not voted, and the
  redelivery of verdicts a crash left unposted (`bot.services.redelivery`, injected), which
  also runs once at start-up;
- an hourly sweep that forgets de-duplication keys past Slack's retry window
  (`bot.services.event_keys`, injected).

No job store: APScheduler 3's SQLAlchemy store is synchronous and cannot be shared by
replicas. What has been sent lives in the reminder ledger; the jobs themselves are rebuilt
at every start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.infrastructure.clock import Clock

Job = Callable[[], Awaitable[object]]

DAILY_SWEEP_JOB = "reminder-sweep"
CATCH_UP_JOB = "reminder-catch-up"
CLOSE_VOTES_JOB = "close-due-votes"
NUDGE_JOB = "vote-nudges"
REDELIVERY_JOB = "redeliver-verdicts"
FORGET_EVENTS_JOB = "forget-event-keys"
MISFIRE_GRACE_SECONDS = 3600
FREQUENT_SECONDS = 60.0
HOURLY_SECONDS = 3600.0
JOB_OPTIONS: dict[str, Any] = {
    "coalesce": True,  # runs missed while the loop was busy collapse into one
    "misfire_grace_time": MISFIRE_GRACE_SECONDS,  # a run up to an hour late still happens
    "max_instances": 1,  # a slow sweep is never overlapped by the next one
}


def daily_trigger(*, hour: int, zone: ZoneInfo) -> CronTrigger:
    """Every day at ``hour``:00 local time in ``zone``."""
    return CronTrigger(hour=hour, minute=0, second=0, timezone=zone)


def started_after_reminder_hour(now: datetime, *, hour: int, zone: ZoneInfo) -> bool:
    """Whether ``now`` is at or past today's reminder hour in ``zone`` (a catch-up is due)."""
    return now.astimezone(zone).hour >= hour


def build_scheduler(
    *,
    hour: int,
    zone: ZoneInfo,
    clock: Clock,
    reminder_sweep: Job,
    nudge_sweep: Job,
    close_due_votes: Job | None = None,
    redeliver_verdicts: Job | None = None,
    forget_event_keys: Job | None = None,
    frequent_seconds: float = FREQUENT_SECONDS,
    hourly_seconds: float = HOURLY_SECONDS,
) -> AsyncIOScheduler:
    """A scheduler (not started) with the daily sweep, its catch-up and the frequent sweeps.

    The redelivery sweep's first run is due at once, so it runs when the scheduler starts.
    """
    scheduler = AsyncIOScheduler(timezone=zone, job_defaults=JOB_OPTIONS)
    daily = daily_trigger(hour=hour, zone=zone)
    scheduler.add_job(reminder_sweep, daily, id=DAILY_SWEEP_JOB, **JOB_OPTIONS)
    if started_after_reminder_hour(clock.now(), hour=hour, zone=zone):
        now = DateTrigger(timezone=zone)
        scheduler.add_job(reminder_sweep, now, id=CATCH_UP_JOB, **JOB_OPTIONS)
    every = IntervalTrigger(seconds=frequent_seconds, timezone=zone)
    if close_due_votes is not None:
        scheduler.add_job(close_due_votes, every, id=CLOSE_VOTES_JOB, **JOB_OPTIONS)
    scheduler.add_job(nudge_sweep, every, id=NUDGE_JOB, **JOB_OPTIONS)
    if redeliver_verdicts is not None:
        at_start = datetime.now(zone)
        scheduler.add_job(
            redeliver_verdicts, every, id=REDELIVERY_JOB, next_run_time=at_start, **JOB_OPTIONS
        )
    if forget_event_keys is not None:
        hourly = IntervalTrigger(seconds=hourly_seconds, timezone=zone)
        scheduler.add_job(forget_event_keys, hourly, id=FORGET_EVENTS_JOB, **JOB_OPTIONS)
    return scheduler
