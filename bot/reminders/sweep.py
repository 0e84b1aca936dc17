"""The reminder sweep: plan → ledger claim → paced sending → ledger.

`ReminderSweep.run` is the daily sweep (QIT-deadline, quarter-close and passed-deadline
reminders); `ReminderSweep.nudge` the frequent one (DMs to members who have not voted).
Both are safe to run at any time, any number of times, from any number of replicas: the
ledger claim (`bot.persistence.ledger`) lets each message out at most once, and a message is
recorded as sent only after Slack accepted it. Each channel claims its next messages' rows
in one transaction and sent rows are recorded in batches (`bot.reminders.batching`). On
PostgreSQL a sweep also takes an advisory lock and skips when another replica is sweeping; on
SQLite the claim alone guarantees it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol
from zoneinfo import ZoneInfo

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.clock import Clock
from bot.infrastructure.settings import Settings
from bot.models import LedgerEntry
from bot.persistence.ledger import is_given_up
from bot.persistence.stores import Stores
from bot.reminders import texts
from bot.reminders.batching import LaneClaims, SentRows, claim_batch
from bot.reminders.pacing import DEFAULT_INTERVAL_SECONDS, Outgoing, send_paced
from bot.reminders.plan import (
    CHANNEL_SUFFIX,
    NUDGE_LEAD,
    DueNudge,
    DueReminder,
    LedgerKey,
    ReminderKind,
    Schedule,
    group_by_channel,
    nudge_kind,
    nudges_due,
    sweep_ledger_since,
    to_sweep,
)
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


@dataclass(frozen=True, slots=True)
class Parcel:
    """One message and the ledger rows it delivers; rendered from the keys this sweeper won."""

    lane: str
    entries: tuple[LedgerEntry, ...]
    render: Callable[[Collection[LedgerKey]], Message]


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
        self, *, stores: Stores, poster: Poster, clock: Clock, config: ReminderConfig
    ) -> None:
        self._stores = stores
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
        async with self._stores.advisory_lock(key=key) as taken:
            if not taken:
                logger.info("another replica is sweeping (advisory lock %#x); skipped", key)
                return SweepReport(locked_out=True)
            return await sweep()

    # -- deadline reminders ---------------------------------------------------------------

    async def _sweep_deadlines(self) -> SweepReport:
        day = self.today()
        report = SweepReport(day=day)
        due, settled = await self._due_and_settled(day)
        threads = [reminder for reminder in due if reminder.key not in settled]
        copies = [reminder for reminder in due if reminder.channel_key not in settled]
        report.planned = len(threads) + sum(reminder.to_channel for reminder in copies)
        digests = group_by_channel(copies).values()
        parcels = [self._thread_parcel(reminder, day) for reminder in threads]
        await self._send(parcels + [_digest_parcel(group, day) for group in digests], report)
        return report

    async def _due_and_settled(self, day: date) -> tuple[list[DueReminder], set[LedgerKey]]:
        schedule = self._config.schedule
        targets = await self._stores.reads.reminder_targets(zone=self._config.zone)
        settled = await self._stores.ledger.settled_reminder_keys(
            day=day,
            late_kinds=[ReminderKind.QIT_PASSED.value],
            since=sweep_ledger_since(day, schedule),
        )
        return to_sweep(targets, day=day, schedule=schedule), settled

    def _thread_parcel(self, reminder: DueReminder, day: date) -> Parcel:
        entry = _entry(reminder, reminder.kind.value)
        return Parcel(entry.channel_id, (entry,), partial(self._thread_message, reminder, day))

    def _thread_message(
        self, reminder: DueReminder, day: date, _won: Collection[LedgerKey]
    ) -> Message:
        rendered = texts.thread_message(
            reminder,
            today=day,
            policy=self._config.policy,
            start_month=self._config.start_month,
        )
        target = reminder.target
        return Message(target.channel_id, rendered.text, rendered.blocks, target.thread_ts)

    # -- vote nudges ----------------------------------------------------------------------

    async def _sweep_nudges(self) -> SweepReport:
        now = self._clock.now()
        report = SweepReport(day=now.astimezone(self._config.zone).date())
        targets = await self._stores.reads.nudge_targets(now=now, lead=NUDGE_LEAD)
        if not targets:
            return report
        due = nudges_due(
            targets,
            now=now,
            zone=self._config.zone,
            committees=await self._stores.committees.committees_of(
                channels=[(target.team_id, target.channel_id) for target in targets]
            ),
            fallback_committee=self._config.committee_user_ids,
            voters=await self._stores.votes.voters_of(
                proposal_ids=[target.proposal_id for target in targets]
            ),
        )
        keys = [nudge.key for nudge in due]
        settled = await self._stores.ledger.settled_reminders_among(keys=keys)
        pending = [nudge for nudge in due if nudge.key not in settled]
        report.planned = len(pending)
        await self._send([_nudge_parcel(nudge) for nudge in pending], report)
        return report

    # -- the ledger around the sends ------------------------------------------------------

    async def _send(self, parcels: Sequence[Parcel], report: SweepReport) -> None:
        """Send every parcel, paced per lane: claimed a batch at a time, recorded in batches."""
        async with SentRows(self._stores.ledger, self._clock) as sent:
            outgoing = [
                item
                for queued in _by_lane(parcels).values()
                for item in self._lane(queued, sent, report)
            ]
            await send_paced(outgoing, interval=self._config.pace_seconds)

    def _lane(
        self, queued: Sequence[Parcel], sent: SentRows, report: SweepReport
    ) -> list[Outgoing]:
        """One lane's parcels, in order, sharing the lane's claims."""
        claims = LaneClaims(
            [parcel.entries for parcel in queued],
            batch=claim_batch(self._config.pace_seconds),
            ledger=self._stores.ledger,
            clock=self._clock,
        )
        return [
            Outgoing(parcel.lane, partial(self._deliver, parcel, claims, position, sent, report))
            for position, parcel in enumerate(queued)
        ]

    async def _deliver(
        self,
        parcel: Parcel,
        claims: LaneClaims,
        position: int,
        sent: SentRows,
        report: SweepReport,
    ) -> bool:
        won = await claims.won(position)
        report.skipped += len(parcel.entries) - len(won)
        if not won:
            return False
        try:
            await self._poster.post(parcel.render(won.keys()))
        except DeliveryError as error:
            await self._record_failure(list(won.values()), error.code, report)
            return True
        await sent.add(won.values())
        report.messages_sent += 1
        report.reminders_sent += len(won)
        return True

    async def _record_failure(self, row_ids: Sequence[int], code: str, report: SweepReport) -> None:
        report.failed += len(row_ids)
        records = await self._stores.ledger.release_reminders(row_ids=row_ids, error=code)
        for record in records:
            key = (record.proposal_id, record.kind, record.due_date)
            if is_given_up(record):
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


def _by_lane(parcels: Iterable[Parcel]) -> dict[str, list[Parcel]]:
    lanes: dict[str, list[Parcel]] = {}
    for parcel in parcels:
        lanes.setdefault(parcel.lane, []).append(parcel)
    return lanes


def _entry(reminder: DueReminder, kind: str) -> LedgerEntry:
    return LedgerEntry(
        proposal_id=reminder.target.proposal_id,
        kind=kind,
        due_date=reminder.due_date,
        days_before=reminder.days_before,
        channel_id=reminder.target.channel_id,
    )


def _digest_parcel(group: Sequence[DueReminder], day: date) -> Parcel:
    entries = tuple(_entry(reminder, reminder.kind.value + CHANNEL_SUFFIX) for reminder in group)
    return Parcel(group[0].target.channel_id, entries, partial(_digest_message, group, day))


def _digest_message(group: Sequence[DueReminder], day: date, won: Collection[LedgerKey]) -> Message:
    """The channel's grouped message, listing the proposals whose copies this sweeper won."""
    mine = [reminder for reminder in group if reminder.channel_key in won]
    rendered = texts.digest_message(mine, today=day)
    return Message(mine[0].target.channel_id, rendered.text, rendered.blocks)


def _nudge_parcel(nudge: DueNudge) -> Parcel:
    entry = LedgerEntry(
        proposal_id=nudge.target.proposal_id,
        kind=nudge_kind(nudge.user_id),
        due_date=nudge.due_date,
        days_before=0,
        channel_id=nudge.user_id,
    )
    return Parcel(nudge.user_id, (entry,), partial(_nudge_message, nudge))


def _nudge_message(nudge: DueNudge, _won: Collection[LedgerKey]) -> Message:
    rendered = texts.nudge_message(nudge)
    return Message(nudge.user_id, rendered.text, rendered.blocks)
