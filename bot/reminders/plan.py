"""Which reminders are due for which proposals on a day. Pure: no clock, no I/O, no Slack.

The rules (docs/framework.md §7):

- **Eligible proposals.** A proposal gets reminders when its verdict message was posted (an
  undeliverable proposal has no thread to remind in) and either the committee approved it, or
  its vote is still open. An open vote counts whatever the engine said: the committee may
  overrule the engine, and the QIT deadline is exactly what it needs to know while it
  votes. A closed vote that ended ``rejected`` or ``no_decision`` never gets a reminder.
- **Deadlines.** The quarter is the fiscal quarter containing the sweep day (in ``TIMEZONE``).
  The QIT deadline is the quarter close − ``delivery_days``; the quarter close is its own
  deadline. A proposal is reminded about the quarter it was posted in and the one after it
  (where a missed QIT deadline slips it); later quarters stay quiet: by then the work has
  started or the proposal is stale.
- **Pre-deadline reminders** (kinds ``qit_deadline`` and ``quarter_close``) are due on
  ``deadline − offset`` for every offset of ``REMINDER_OFFSETS_DAYS``. Each goes in the
  proposal's thread; the smallest offset (the last reminder) also goes to the channel, where
  one day's channel copies are grouped into one message. A deadline that had already passed on
  the day the proposal was posted gets none, and neither does a reminder due before the
  proposal was posted.
- **Catch-up.** A sweep sends what is due today and what fell due yesterday and was missed
  (a restart after the reminder hour sends once). Older pre-deadline reminders are not sent
  late: a stale "in 14 days" is noise.
- **Passed deadline** (kind ``qit_passed``): once per passed QIT deadline that lay on or after
  the posting day. Its ledger date is the day after the deadline; the first sweep on or after
  that day sends it, however late.
- **Vote nudges** (ledger kind ``vote_nudge:<user>``, one row per member): a committee member
  who has not voted gets one DM in the 24 hours before the vote closes; a vote window of 24
  hours or less gets no nudge (everyone has just seen the proposal). The committee is the
  channel's, else ``COMMITTEE_USER_IDS``; with neither, nobody is nudged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

# The targets are the records the stores returns; the plan re-exports them with the key.
from bot.models import LedgerKey as LedgerKey
from bot.models import NudgeTarget as NudgeTarget
from bot.models import ReminderTarget as ReminderTarget
from bot.voting.domain import Outcome, effective_committee
from core.calendar import FiscalQuarter, fiscal_quarter, next_quarter

ONE_DAY = timedelta(days=1)
NUDGE_LEAD = timedelta(hours=24)
PASSED_DAYS_BEFORE = -1
CHANNEL_SUFFIX = ":channel"
VOTE_NUDGE = "vote_nudge"
MAX_KIND_LENGTH = 32
QUARTERS_COVERED = 2


class ReminderKind(StrEnum):
    """The reminders the sweep sends about deadlines (the kinds the `reminders` report lists)."""

    QIT_DEADLINE = "qit_deadline"
    QUARTER_CLOSE = "quarter_close"
    QIT_PASSED = "qit_passed"


@dataclass(frozen=True, slots=True)
class Schedule:
    """When reminders fire: the offsets in days before a deadline and the fiscal calendar."""

    offsets: tuple[int, ...]
    start_month: int

    @property
    def last_offset(self) -> int:
        """The smallest offset: the reminder that also goes to the channel."""
        return min(self.offsets)


@dataclass(frozen=True, slots=True)
class DueReminder:
    """One reminder about one deadline of one proposal."""

    target: ReminderTarget
    kind: ReminderKind
    quarter: FiscalQuarter
    deadline: date
    due_date: date
    days_before: int
    to_channel: bool

    @property
    def key(self) -> LedgerKey:
        """The ledger key of the thread message."""
        return (self.target.proposal_id, self.kind.value, self.due_date)

    @property
    def channel_key(self) -> LedgerKey:
        """The ledger key of the copy in the channel's grouped message."""
        return (self.target.proposal_id, self.kind.value + CHANNEL_SUFFIX, self.due_date)


def is_eligible(*, posted: bool, vote_open: bool, outcome: Outcome | None) -> bool:
    """Whether a proposal gets reminders: posted, and approved by the committee or under vote."""
    return posted and (vote_open or outcome is Outcome.APPROVED)


def covered_quarters(target: ReminderTarget, start_month: int) -> tuple[FiscalQuarter, ...]:
    """The quarters a proposal is reminded about: the one it was posted in and the next."""
    return _quarters_from(target.posted_on, start_month)


@lru_cache(maxsize=4096)
def _quarters_from(posted_on: date, start_month: int) -> tuple[FiscalQuarter, ...]:
    quarters = [fiscal_quarter(posted_on, start_month)]
    while len(quarters) < QUARTERS_COVERED:
        quarters.append(next_quarter(quarters[-1], start_month))
    return tuple(quarters)


def reminders_in_quarter(
    target: ReminderTarget, quarter: FiscalQuarter, schedule: Schedule
) -> list[DueReminder]:
    """Every reminder a proposal gets about one quarter's deadlines, whatever the day."""
    if quarter not in covered_quarters(target, schedule.start_month):
        return []
    qit = quarter.close - timedelta(days=target.proposal.delivery_days)
    found = _before(target, quarter, ReminderKind.QIT_DEADLINE, qit, schedule)
    found += _before(target, quarter, ReminderKind.QUARTER_CLOSE, quarter.close, schedule)
    if qit >= target.posted_on:
        found.append(_passed(target, quarter, qit))
    return found


def _before(
    target: ReminderTarget,
    quarter: FiscalQuarter,
    kind: ReminderKind,
    deadline: date,
    schedule: Schedule,
) -> list[DueReminder]:
    if deadline < target.posted_on:
        return []
    reminders = (
        DueReminder(
            target=target,
            kind=kind,
            quarter=quarter,
            deadline=deadline,
            due_date=deadline - timedelta(days=offset),
            days_before=offset,
            to_channel=offset == schedule.last_offset,
        )
        for offset in schedule.offsets
    )
    return [reminder for reminder in reminders if reminder.due_date >= target.posted_on]


def _passed(target: ReminderTarget, quarter: FiscalQuarter, deadline: date) -> DueReminder:
    return DueReminder(
        target=target,
        kind=ReminderKind.QIT_PASSED,
        quarter=quarter,
        deadline=deadline,
        due_date=deadline + ONE_DAY,
        days_before=PASSED_DAYS_BEFORE,
        to_channel=False,
    )


def _around(day: date, schedule: Schedule) -> list[FiscalQuarter]:
    """The quarter of the day and the one before it (whose passed deadline may be pending)."""
    current = fiscal_quarter(day, schedule.start_month)
    previous = fiscal_quarter(current.start - ONE_DAY, schedule.start_month)
    return [previous, current]


def _candidates(
    targets: Iterable[ReminderTarget], day: date, schedule: Schedule
) -> Iterable[DueReminder]:
    quarters = _around(day, schedule)
    for target in targets:
        for quarter in quarters:
            yield from reminders_in_quarter(target, quarter, schedule)


def due_on(
    targets: Iterable[ReminderTarget], *, day: date, schedule: Schedule
) -> list[DueReminder]:
    """The reminders whose due date is exactly this day (what the `reminders` report lists)."""
    candidates = _candidates(targets, day, schedule)
    return [reminder for reminder in candidates if reminder.due_date == day]


def to_sweep(
    targets: Iterable[ReminderTarget], *, day: date, schedule: Schedule
) -> list[DueReminder]:
    """What a sweep on this day may send: due today, missed yesterday, or a passed deadline."""
    return [reminder for reminder in _candidates(targets, day, schedule) if sendable(reminder, day)]


def sendable(reminder: DueReminder, day: date) -> bool:
    """Whether a sweep on ``day`` may still send this reminder."""
    if reminder.kind is ReminderKind.QIT_PASSED:
        return reminder.due_date <= day
    return day - ONE_DAY <= reminder.due_date <= day and reminder.deadline >= day


def sweep_ledger_since(day: date, schedule: Schedule) -> date:
    """The earliest ledger date a sweep on this day can touch (a passed deadline's day after)."""
    return _around(day, schedule)[0].start


def group_by_channel(reminders: Iterable[DueReminder]) -> dict[str, list[DueReminder]]:
    """The channel copies of the last reminders, one group (one message) per channel."""
    groups: dict[str, list[DueReminder]] = {}
    for reminder in reminders:
        if reminder.to_channel:
            groups.setdefault(reminder.target.channel_id, []).append(reminder)
    return groups


# -- vote nudges --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueNudge:
    """One DM to one committee member who has not voted yet."""

    target: NudgeTarget
    user_id: str
    due_date: date

    @property
    def key(self) -> LedgerKey:
        """The ledger key: one nudge per member per proposal."""
        return (self.target.proposal_id, nudge_kind(self.user_id), self.due_date)


def nudge_kind(user_id: str) -> str:
    """The ledger kind of a member's nudge, within the ledger's 32 characters."""
    kind = f"{VOTE_NUDGE}:{user_id}"
    if len(kind) <= MAX_KIND_LENGTH:
        return kind
    digest = hashlib.sha256(user_id.encode()).hexdigest()
    return f"{VOTE_NUDGE}#{digest}"[:MAX_KIND_LENGTH]


def nudges_due(
    targets: Iterable[NudgeTarget],
    *,
    now: datetime,
    zone: ZoneInfo,
    committees: Mapping[tuple[str, str], Sequence[str]],
    fallback_committee: Sequence[str],
    voters: Mapping[int, set[str]],
) -> list[DueNudge]:
    """The DMs due now: members of the committee who have not voted, 24 hours before closing."""
    nudges: list[DueNudge] = []
    for target in targets:
        if not _in_nudge_window(target, now):
            continue
        own = committees.get((target.team_id, target.channel_id))
        members = effective_committee(own, fallback_committee)
        voted = voters.get(target.proposal_id, set())
        due_date = target.vote_deadline.astimezone(zone).date()
        nudges += [
            DueNudge(target=target, user_id=member, due_date=due_date)
            for member in members
            if member not in voted
        ]
    return nudges


def _in_nudge_window(target: NudgeTarget, now: datetime) -> bool:
    opens = target.vote_deadline - NUDGE_LEAD
    return target.created_at <= opens <= now < target.vote_deadline
