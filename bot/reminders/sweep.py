"""The reminder sweep: plan → ledger claim → paced sending → ledger.

`ReminderSweep.run` is the daily sweep (QIT-deadline, quarter-close and passed-deadline
reminders); `ReminderSweep.nudge` the frequent one (DMs to members who have not voted).
Both are safe to run at any time, any number of times, from any number of replicas: the
ledger claim (`bot.reminders.queries`) lets each message out at most once, and a message is
recorded as sent only after Slack accepted it. On PostgreSQL a sweep also takes an advisory
lock and skips when another replica is sweeping; on SQLite the claim alone guarantees it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.reminders import queries, texts
from bot.reminders.pacing import DEFAULT_INTERVAL_SECONDS, Outgoing, send_paced
from bot.reminders.plan import (
    CHANNEL_SUFFIX,
    NUDGE_LEAD,
    DueNudge,
    DueReminder,
    LedgerKey,
    Schedule,
    group_by_channel,
    nudge_kind,
    nudges_due,
    sweep_ledger_since,
    to_sweep,
)
from bot.reminders.queries import LedgerEntry
from bot.settings import Settings
from core.policy import Policy

logger = logging.getLogger(__name__)

REMINDER_LOCK_KEY = 0x4654_4352  # "FTCR": one daily sweep at a time across replicas
NUDGE_LOCK_KEY = 0x4654_434E  # "FTCN": one nudge sweep at a time across replicas


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    """What the sweep needs from the settings."""

    offsets: tuple[int, ...]
    start_month: int
    zone: ZoneInfo
    committee_user_ids: tuple[str, ...]
    policy: Policy
    pace_seconds: float = DEFAULT_INTERVAL_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings, policy: Policy) -> ReminderConfig:
        """The sweep's configuration from the bot's settings and the policy in force."""
        return cls(
            offsets=tuple(settings.reminder_offsets_days),
            start_month=settings.fiscal_year_start_month,
            zone=settings.zone,
            committee_user_ids=tuple(settings.committee_user_ids),
            policy=policy,
        )

    @property
    def schedule(self) -> Schedule:
        """The offsets and the fiscal calendar."""
        return Schedule(offsets=self.offsets, start_month=self.start_month)


@dataclass(frozen=True, slots=True)
class Message:
    """A message to post: a channel (or a user id for a DM), an optional thread, its content."""

    channel: str
    text: str
    blocks: list[dict[str, object]]
    thread_ts: str | None = None


class DeliveryError(Exception):
    """Slack did not accept a message; ``code`` is Slack's error (e.g. ``channel_not_found``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Poster(Protocol):
    """Posts one message; raises `DeliveryError` when it was not accepted."""

    async def post(self, message: Message) -> None:
        """Post the message."""
        ...


class SlackPoster:
    """Posts with `chat.postMessage` through the bot's client (429s retried by the client)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, message: Message) -> None:
        """Post the message, or raise `DeliveryError` with Slack's error code."""
        try:
            await self._client.chat_postMessage(
                channel=message.channel,
                text=message.text,
                blocks=message.blocks,
                thread_ts=message.thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            raise DeliveryError(str(error.response.get("error") or "unknown_error")) from None
        except (ClientError, TimeoutError) as error:
            raise DeliveryError(f"connection: {type(error).__name__}") from None


@dataclass(slots=True)
class SweepReport:
    """What one sweep did."""

    day: date | None = None
    locked_out: bool = False
    planned: int = 0
    messages_sent: int = 0
    reminders_sent: int = 0
    skipped: int = 0
    failed: int = 0
    given_up: list[LedgerKey] = field(default_factory=list)


class ReminderSweep:
    """Sends what is due and not yet in the ledger; restarts and replicas never send twice."""

    def __init__(
        self, *, engine: AsyncEngine, poster: Poster, clock: Clock, config: ReminderConfig
    ) -> None:
        self._engine = engine
        self._poster = poster
        self._clock = clock
        self._config = config

    def today(self) -> date:
        """The sweep's day in the configured time zone."""
        return self._clock.now().astimezone(self._config.zone).date()

    async def run(self) -> SweepReport:
        """The daily sweep: deadline reminders due today, yesterday's missed ones, passed ones."""
        return await self._locked(REMINDER_LOCK_KEY, self._sweep_deadlines)

    async def nudge(self) -> SweepReport:
        """The frequent sweep: DM committee members who have not voted, 24 h before closing."""
        return await self._locked(NUDGE_LOCK_KEY, self._sweep_nudges)

    async def _locked(self, key: int, sweep: Callable[[], Awaitable[SweepReport]]) -> SweepReport:
        async with self._engine.connect() as connection:
            if not await queries.try_advisory_lock(connection, key):
                logger.info("another replica is sweeping (advisory lock %#x); skipped", key)
                return SweepReport(locked_out=True)
            try:
                return await sweep()
            finally:
                await queries.advisory_unlock(connection, key)

    # -- deadline reminders ---------------------------------------------------------------

    async def _sweep_deadlines(self) -> SweepReport:
        day = self.today()
        report = SweepReport(day=day)
        due, settled = await self._due_and_settled(day)
        threads = [reminder for reminder in due if reminder.key not in settled]
        copies = [reminder for reminder in due if reminder.channel_key not in settled]
        report.planned = len(threads) + sum(reminder.to_channel for reminder in copies)
        sends = self._thread_sends(threads, day, report) + self._digest_sends(copies, day, report)
        await send_paced(sends, interval=self._config.pace_seconds)
        return report

    async def _due_and_settled(self, day: date) -> tuple[list[DueReminder], set[LedgerKey]]:
        schedule = self._config.schedule
        targets = await queries.reminder_targets(self._engine, zone=self._config.zone)
        settled = await queries.settled_reminder_keys(
            self._engine, day=day, since=sweep_ledger_since(day, schedule)
        )
        return to_sweep(targets, day=day, schedule=schedule), settled

    def _thread_sends(
        self, reminders: Sequence[DueReminder], day: date, report: SweepReport
    ) -> list[Outgoing]:
        return [
            Outgoing(reminder.target.channel_id, partial(self._send_thread, reminder, day, report))
            for reminder in reminders
        ]

    def _digest_sends(
        self, reminders: Sequence[DueReminder], day: date, report: SweepReport
    ) -> list[Outgoing]:
        return [
            Outgoing(channel, partial(self._send_digest, group, day, report))
            for channel, group in group_by_channel(reminders).items()
        ]

    async def _send_thread(self, reminder: DueReminder, day: date, report: SweepReport) -> bool:
        entry = _entry(reminder, reminder.kind.value)
        if not await self._claim([entry], report):
            return False
        rendered = texts.thread_message(
            reminder,
            today=day,
            policy=self._config.policy,
            start_month=self._config.start_month,
        )
        message = Message(
            reminder.target.channel_id, rendered.text, rendered.blocks, reminder.target.thread_ts
        )
        return await self._deliver(message, [entry], report)

    async def _send_digest(
        self, group: Sequence[DueReminder], day: date, report: SweepReport
    ) -> bool:
        copies = {reminder.channel_key: _copy_entry(reminder) for reminder in group}
        won = await self._claim(list(copies.values()), report)
        if not won:
            return False
        mine = [reminder for reminder in group if reminder.channel_key in won]
        rendered = texts.digest_message(mine, today=day)
        message = Message(mine[0].target.channel_id, rendered.text, rendered.blocks)
        return await self._deliver(message, [copies[key] for key in won], report)

    # -- vote nudges ----------------------------------------------------------------------

    async def _sweep_nudges(self) -> SweepReport:
        now = self._clock.now()
        report = SweepReport(day=now.astimezone(self._config.zone).date())
        targets = await queries.nudge_targets(self._engine, now=now, lead=NUDGE_LEAD)
        if not targets:
            return report
        due = nudges_due(
            targets,
            now=now,
            zone=self._config.zone,
            committees=await queries.committees(
                self._engine, channels=[(t.team_id, t.channel_id) for t in targets]
            ),
            fallback_committee=self._config.committee_user_ids,
            voters=await queries.voters(
                self._engine, proposal_ids=[t.proposal_id for t in targets]
            ),
        )
        settled = await queries.settled_keys_of(self._engine, keys=[n.key for n in due])
        pending = [nudge for nudge in due if nudge.key not in settled]
        report.planned = len(pending)
        sends = [
            Outgoing(nudge.user_id, partial(self._send_nudge, nudge, report)) for nudge in pending
        ]
        await send_paced(sends, interval=self._config.pace_seconds)
        return report

    async def _send_nudge(self, nudge: DueNudge, report: SweepReport) -> bool:
        entry = LedgerEntry(
            proposal_id=nudge.target.proposal_id,
            kind=nudge_kind(nudge.user_id),
            due_date=nudge.due_date,
            days_before=0,
            channel_id=nudge.user_id,
        )
        if not await self._claim([entry], report):
            return False
        rendered = texts.nudge_message(nudge)
        message = Message(nudge.user_id, rendered.text, rendered.blocks)
        return await self._deliver(message, [entry], report)

    # -- the ledger around one send -------------------------------------------------------

    async def _claim(self, entries: Sequence[LedgerEntry], report: SweepReport) -> set[LedgerKey]:
        won = await queries.claim(self._engine, entries=entries, now=self._clock.now())
        report.skipped += len(entries) - len(won)
        return won

    async def _deliver(
        self, message: Message, entries: Sequence[LedgerEntry], report: SweepReport
    ) -> bool:
        keys = [entry.key for entry in entries]
        try:
            await self._poster.post(message)
        except DeliveryError as error:
            await self._record_failure(keys, error.code, report)
            return True
        await queries.mark_sent(self._engine, keys=keys, now=self._clock.now())
        report.messages_sent += 1
        report.reminders_sent += len(keys)
        return True

    async def _record_failure(
        self, keys: Sequence[LedgerKey], code: str, report: SweepReport
    ) -> None:
        report.failed += len(keys)
        records = await queries.release(self._engine, keys=keys, error=code)
        for record in records:
            key = (record.proposal_id, record.kind, record.due_date)
            if queries.is_given_up(record):
                report.given_up.append(key)
                logger.error(
                    "reminder %s for proposal %s in %s: %s after %d attempts; giving up",
                    record.kind,
                    record.proposal_id,
                    record.channel_id,
                    code,
                    record.attempts,
                )
            else:
                logger.warning(
                    "reminder %s for proposal %s in %s failed (%s); the next sweep retries",
                    record.kind,
                    record.proposal_id,
                    record.channel_id,
                    code,
                )


def _entry(reminder: DueReminder, kind: str) -> LedgerEntry:
    return LedgerEntry(
        proposal_id=reminder.target.proposal_id,
        kind=kind,
        due_date=reminder.due_date,
        days_before=reminder.days_before,
        channel_id=reminder.target.channel_id,
    )


def _copy_entry(reminder: DueReminder) -> LedgerEntry:
    return _entry(reminder, reminder.kind.value + CHANNEL_SUFFIX)
