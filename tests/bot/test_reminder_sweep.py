"""The reminder sweep against the fake Slack server, a real SQLite file and an injected clock."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infrastructure.settings import Settings
from bot.infrastructure.slack_client import make_client
from bot.models import LedgerEntry
from bot.persistence.database import create_engine
from bot.persistence.stores import Stores
from bot.reminders.batching import SentRows
from bot.reminders.report import due_reminders_report, reminders_command
from bot.reminders.sweep import (
    DeliveryError,
    Message,
    ReminderConfig,
    ReminderSweep,
    SlackPoster,
    SweepReport,
)
from bot.voting.domain import Choice, Outcome
from core.policy import Policy
from tests.bot.fake_slack import Call, FakeSlack
from tests.builders import approvable_proposal, statements_sent, store_proposal
from tests.clock import FixedClock

TEAM = "T0001"
UTC_ZONE = ZoneInfo("UTC")


async def add_proposal(
    stores: Stores,
    title: str,
    *,
    channel: str = "C1",
    created: datetime = datetime(2026, 10, 1, 9, tzinfo=UTC),
    delivery_days: int = 45,
    latency_ms: float = 115.0,
    posted: bool = True,
    outcome: Outcome | None = None,
    vote_deadline: datetime | None = None,
) -> int:
    """Store a proposal as the app does: evaluated, posted in its channel, maybe closed."""
    record = await store_proposal(
        stores,
        approvable_proposal(title=title, delivery_days=delivery_days, latency_ms=latency_ms),
        team_id=TEAM,
        channel_id=channel,
        author_id="UAUTHOR",
        submission_key=f"view-{title}",
        now=created,
        vote_window=None if vote_deadline is None else vote_deadline - created,
    )
    if posted:
        await stores.proposals.mark_posted(
            proposal_id=record.id, channel_id=channel, message_ts=thread_of(record.id), now=created
        )
    if outcome is not None:
        await stores.votes.close_vote(
            proposal_id=record.id, outcome=outcome, closed_by="UCHAIR", now=created
        )
    return record.id


def thread_of(proposal_id: int) -> str:
    return f"1690000000.{proposal_id:06d}"


def config(**changes: object) -> ReminderConfig:
    values: dict[str, object] = {
        "offsets": (14, 7, 3, 1),
        "start_month": 1,
        "zone": UTC_ZONE,
        "committee_user_ids": (),
        "policy": Policy(),
        "pace_seconds": 0.0,
    }
    values.update(changes)
    return ReminderConfig(**values)  # type: ignore[arg-type]


def sweeper(
    engine: AsyncEngine, settings: Settings, clock: FixedClock, **changes: object
) -> ReminderSweep:
    return ReminderSweep(
        stores=Stores.on(engine),
        poster=SlackPoster(make_client(settings)),
        clock=clock,
        config=config(**changes),
    )


def at(day: date, hour: int = 9, minute: int = 0, zone: ZoneInfo = UTC_ZONE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def posts(fake: FakeSlack) -> list[Call]:
    return fake.successful("chat.postMessage")


def label(call: Call) -> tuple[str, ...]:
    """What a message says, short: where it went and each line's head up to the first ')'."""
    text = str(call.params["text"])
    if call.params.get("thread_ts"):
        return ("thread", str(call.params["thread_ts"]), text[: text.index(")") + 1])
    lines = text.splitlines()[1:]
    return (
        "channel",
        str(call.params["channel"]),
        *(line[: line.index(")") + 1] for line in lines),
    )


async def replay(
    sweep: ReminderSweep, clock: FixedClock, fake: FakeSlack, first: date, last: date
) -> dict[date, list[tuple[str, ...]]]:
    """Run the daily sweep at 09:00 on every day from first to last; the messages of each day."""
    seen: dict[date, list[tuple[str, ...]]] = {}
    day = first
    while day <= last:
        clock.set(at(day))
        before = len(posts(fake))
        await sweep.run()
        new = posts(fake)[before:]
        if new:
            seen[day] = sorted(label(call) for call in new)
        day += timedelta(days=1)
    return seen


# -- a quarter, day by day ----------------------------------------------------------------------


async def test_a_quarter_replayed_day_by_day_sends_every_reminder_once_on_its_day(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    approved = await add_proposal(stores, "Fraud classifier")
    await add_proposal(stores, "Rejected by committee", outcome=Outcome.REJECTED)
    await add_proposal(stores, "No decision", outcome=Outcome.NO_DECISION)
    await add_proposal(stores, "Never posted", posted=False)
    clock = FixedClock(at(date(2026, 10, 1)))
    thread = thread_of(approved)

    seen = await replay(
        sweeper(engine, settings, clock), clock, fake_slack, date(2026, 10, 1), date(2027, 1, 5)
    )

    assert seen == {
        date(2026, 11, 2): [("thread", thread, "QIT deadline in 14 days (Mon 16 Nov)")],
        date(2026, 11, 9): [("thread", thread, "QIT deadline in 7 days (Mon 16 Nov)")],
        date(2026, 11, 13): [("thread", thread, "QIT deadline in 3 days (Mon 16 Nov)")],
        date(2026, 11, 15): [
            ("channel", "C1", "• *Fraud classifier*: QIT deadline tomorrow (Mon 16 Nov)"),
            ("thread", thread, "QIT deadline tomorrow (Mon 16 Nov)"),
        ],
        date(2026, 11, 17): [
            (
                "thread",
                thread,
                "QIT deadline passed on Mon 16 Nov: it now ships in FY2027 Q1. "
                "Starting today (1 day late)",
            )
        ],
        date(2026, 12, 17): [("thread", thread, "FY2026 Q4 closes in 14 days (Thu 31 Dec)")],
        date(2026, 12, 24): [("thread", thread, "FY2026 Q4 closes in 7 days (Thu 31 Dec)")],
        date(2026, 12, 28): [("thread", thread, "FY2026 Q4 closes in 3 days (Thu 31 Dec)")],
        date(2026, 12, 30): [
            ("channel", "C1", "• *Fraud classifier*: FY2026 Q4 closes tomorrow (Thu 31 Dec)"),
            ("thread", thread, "FY2026 Q4 closes tomorrow (Thu 31 Dec)"),
        ],
    }


async def test_the_sample_texts_read_as_the_issue_describes(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    await add_proposal(stores, "Fraud classifier")
    clock = FixedClock(at(date(2026, 11, 13)))
    await sweeper(engine, settings, clock).run()
    clock.set(at(date(2026, 11, 17)))
    await sweeper(engine, settings, clock).run()

    assert [call.params["text"] for call in posts(fake_slack)] == [
        "QIT deadline in 3 days (Mon 16 Nov): start by then to ship in FY2026 Q4; each day later "
        "costs 0.08× of timing-adjusted ROI (3.66× now; 21 days late and the 2.00× gate fails).",
        "QIT deadline passed on Mon 16 Nov: it now ships in FY2027 Q1. Starting today (1 day "
        "late) the timing-adjusted ROI is 3.58× (the 2.00× gate still passes).",
    ]


# -- who gets reminders -------------------------------------------------------------------------


async def test_an_open_vote_is_reminded_whatever_the_engine_said_and_closed_rejections_are_not(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    under_vote = await add_proposal(stores, "Engine says no", latency_ms=400)
    overruled = await add_proposal(
        stores, "Committee says yes", latency_ms=400, outcome=Outcome.APPROVED
    )
    await add_proposal(stores, "Committee says no", outcome=Outcome.REJECTED)
    clock = FixedClock(at(date(2026, 11, 13)))

    await sweeper(engine, settings, clock).run()

    threads = sorted(str(call.params["thread_ts"]) for call in posts(fake_slack))
    assert threads == sorted([thread_of(under_vote), thread_of(overruled)])


# -- catch-up -----------------------------------------------------------------------------------


async def test_a_restart_after_the_reminder_hour_sends_todays_reminders_once(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    await add_proposal(stores, "Fraud classifier")
    clock = FixedClock(at(date(2026, 11, 13), hour=10, minute=30))

    await sweeper(engine, settings, clock).run()
    clock.set(at(date(2026, 11, 13), hour=11))
    await sweeper(engine, settings, clock).run()

    assert [label(call)[2] for call in posts(fake_slack)] == ["QIT deadline in 3 days (Mon 16 Nov)"]


async def test_a_reminder_missed_yesterday_is_sent_today_but_not_two_days_late(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    await add_proposal(stores, "Fraud classifier")
    clock = FixedClock(at(date(2026, 11, 4)))
    sweep = sweeper(engine, settings, clock)

    await sweep.run()  # the 14-day reminder of 2 Nov is two days old: not sent
    clock.set(at(date(2026, 11, 16)))
    await sweep.run()  # yesterday's last-day reminder, now due "today"

    assert sorted(label(call) for call in posts(fake_slack)) == [
        ("channel", "C1", "• *Fraud classifier*: QIT deadline today (Mon 16 Nov)"),
        ("thread", thread_of(1), "QIT deadline today (Mon 16 Nov)"),
    ]


async def test_a_passed_deadline_is_announced_on_the_first_sweep_after_it_however_late(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    await add_proposal(stores, "Fraud classifier")
    clock = FixedClock(at(date(2026, 12, 2)))
    sweep = sweeper(engine, settings, clock)

    await sweep.run()
    clock.set(at(date(2026, 12, 3)))
    await sweep.run()

    texts = [str(call.params["text"]) for call in posts(fake_slack)]
    assert len(texts) == 1
    assert texts[0].startswith("QIT deadline passed on Mon 16 Nov: it now ships in FY2027 Q1. ")
    assert "(16 days late)" in texts[0]


# -- several sweepers ---------------------------------------------------------------------------


async def test_three_sweepers_on_one_database_at_the_same_moment_send_each_reminder_once(
    engine: AsyncEngine,
    stores: Stores,
    settings: Settings,
    fake_slack: FakeSlack,
    database_url: str,
) -> None:
    ids = [await add_proposal(stores, f"Proposal {n}", channel=f"C{n % 2}") for n in range(6)]
    clock = FixedClock(at(date(2026, 11, 15)))
    engines = [engine, create_engine(database_url), create_engine(database_url)]
    try:
        sweeps = [sweeper(each, settings, clock) for each in engines]
        reports = await asyncio.gather(*(sweep.run() for sweep in sweeps))
    finally:
        for extra in engines[1:]:
            await extra.dispose()

    threads = Counter(call.params.get("thread_ts") for call in posts(fake_slack))
    channel_lines = Counter(
        line
        for call in posts(fake_slack)
        if not call.params.get("thread_ts")
        for line in str(call.params["text"]).splitlines()[1:]
    )
    assert threads.pop(None) >= 2
    assert threads == Counter({thread_of(proposal_id): 1 for proposal_id in ids})
    assert sorted(channel_lines.values()) == [1] * 6
    assert sum(report.reminders_sent for report in reports) == 12


async def test_a_claim_left_by_a_crashed_sweeper_is_taken_over_after_ten_minutes(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    proposal_id = await add_proposal(stores, "Fraud classifier")
    crashed_at = at(date(2026, 11, 13))
    entry = LedgerEntry(proposal_id, "qit_deadline", date(2026, 11, 13), 3, "C1")
    assert set(await stores.ledger.claim_reminders(entries=[entry], now=crashed_at)) == {entry.key}
    clock = FixedClock(crashed_at + timedelta(minutes=5))
    sweep = sweeper(engine, settings, clock)

    await sweep.run()
    assert posts(fake_slack) == []
    clock.set(crashed_at + timedelta(minutes=11))
    await sweep.run()
    assert len(posts(fake_slack)) == 1


# -- batches ------------------------------------------------------------------------------------


def reminder_writes(statements: list[str]) -> list[str]:
    """The first word of every statement that writes the reminder ledger."""
    writing = ("INSERT INTO reminders", "UPDATE reminders")
    return [statement.split()[0] for statement in statements if statement.startswith(writing)]


async def test_a_channels_reminders_are_claimed_in_one_statement_and_recorded_in_few(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    for n in range(10):
        await add_proposal(stores, f"Proposal {n}", channel="C1" if n < 8 else "C2")
    clock = FixedClock(at(date(2026, 11, 15)))

    with statements_sent(engine) as statements:
        report = await sweeper(engine, settings, clock).run()
    writes = reminder_writes(statements)

    assert (report.messages_sent, report.reminders_sent) == (12, 20)
    assert writes.count("INSERT") == 2  # one claim per channel
    assert 1 <= writes.count("UPDATE") < 12  # sends recorded together, not one by one
    ledger = await stores.ledger.reminders_on(due_date=date(2026, 11, 15))
    assert len(ledger) == 20
    assert all(row.sent_at == at(date(2026, 11, 15)) for row in ledger)


class SlowPoster:
    """Posts through the fake Slack; each post takes four minutes of the sweep's clock, and
    during the third one another sweeper tries to claim everything due."""

    def __init__(self, inner: SlackPoster, clock: FixedClock, intruder: Stores) -> None:
        self.inner, self.clock, self.intruder = inner, clock, intruder
        self.posted = 0
        self.intruder_won: dict[Any, int] | None = None

    async def post(self, message: Message) -> None:
        await self.inner.post(message)
        self.posted += 1
        self.clock.set(self.clock.now() + timedelta(minutes=4))
        if self.posted == 3:
            due = [
                LedgerEntry(row.proposal_id, row.kind, row.due_date, row.days_before, "C1")
                for row in await self.intruder.ledger.reminders_on(due_date=date(2026, 11, 15))
            ]
            self.intruder_won = await self.intruder.ledger.claim_reminders(
                entries=due, now=self.clock.now()
            )


async def test_a_lane_slowed_past_half_the_claim_window_renews_its_claims_so_none_is_taken_over(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    ids = [await add_proposal(stores, f"Proposal {n}") for n in range(5)]
    clock = FixedClock(at(date(2026, 11, 15)))
    poster = SlowPoster(SlackPoster(make_client(settings)), clock, Stores.on(engine))
    sweep = ReminderSweep(stores=Stores.on(engine), poster=poster, clock=clock, config=config())

    report = await sweep.run()

    assert poster.intruder_won == {}  # at 09:12 the 09:00 claims would have been stale
    assert report.messages_sent == 6
    threads = Counter(call.params.get("thread_ts") for call in posts(fake_slack))
    assert threads == Counter({None: 1} | {thread_of(proposal_id): 1 for proposal_id in ids})


class FailingOnce:
    """Slack refuses the second message with an error no retry helps."""

    def __init__(self, inner: SlackPoster) -> None:
        self.inner, self.calls = inner, 0

    async def post(self, message: Message) -> None:
        self.calls += 1
        if self.calls == 2:
            raise DeliveryError("msg_too_long")
        await self.inner.post(message)


async def test_in_a_batch_only_what_slack_accepted_is_recorded_and_a_refusal_is_retried_later(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    ids = [await add_proposal(stores, f"Proposal {n}") for n in range(3)]
    day = date(2026, 11, 13)
    clock = FixedClock(at(day))
    poster = FailingOnce(SlackPoster(make_client(settings)))
    sweep = ReminderSweep(stores=Stores.on(engine), poster=poster, clock=clock, config=config())

    first = await sweep.run()
    ledger = {row.proposal_id: row for row in await stores.ledger.reminders_on(due_date=day)}
    clock.set(at(day, hour=10))
    second = await sweep.run()

    assert (first.messages_sent, first.failed, second.messages_sent) == (2, 1, 1)
    assert [ledger[proposal_id].sent_at is None for proposal_id in ids] == [False, True, False]
    assert ledger[ids[1]].last_error == "msg_too_long"
    threads = sorted(str(call.params["thread_ts"]) for call in posts(fake_slack))
    assert threads == [thread_of(proposal_id) for proposal_id in ids]


class StallingLedger:
    """Records sent rows, except that its first recording hangs until it is cancelled."""

    def __init__(self) -> None:
        self.recorded: list[list[int]] = []
        self.started = asyncio.Event()

    async def mark_reminders_sent(self, *, row_ids: Iterable[int], now: datetime) -> None:
        if not self.started.is_set():
            self.started.set()
            await asyncio.Event().wait()
        self.recorded.append(sorted(row_ids))


async def test_sent_rows_whose_recording_was_cut_short_are_recorded_when_the_sweep_ends() -> None:
    ledger = StallingLedger()
    async with SentRows(ledger, FixedClock(at(date(2026, 11, 13)))) as sent:
        await sent.add([1, 2])
        stalled = asyncio.create_task(sent.flush())
        await ledger.started.wait()
        stalled.cancel()
        await asyncio.gather(stalled, return_exceptions=True)
        await sent.add([3])
        assert ledger.recorded == []

    assert ledger.recorded == [[1, 2, 3]]


# -- failures and rate limits -------------------------------------------------------------------


async def test_a_gone_channel_is_retried_on_later_sweeps_then_given_up_after_three_tries(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    proposal_id = await add_proposal(stores, "Fraud classifier")
    fake_slack.fail("chat.postMessage", "channel_not_found", times=5)
    clock = FixedClock(at(date(2026, 11, 17)))
    sweep = sweeper(engine, settings, clock)

    reports: list[SweepReport] = []
    for day in range(17, 21):
        clock.set(at(date(2026, 11, day)))
        reports.append(await sweep.run())

    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert [report.failed for report in reports] == [1, 1, 1, 0]
    assert reports[2].given_up == [(proposal_id, "qit_passed", date(2026, 11, 17))]
    [row] = await stores.ledger.reminders_on(due_date=date(2026, 11, 17))
    assert (row.sent_at, row.attempts, row.last_error) == (None, 3, "channel_not_found")


async def test_paced_sending_survives_429s_sends_each_once_and_spaces_each_channel(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    for n in range(5):
        await add_proposal(stores, f"Proposal {n}", channel="C1" if n < 3 else "C2")
    fake_slack.fail("chat.postMessage", "ratelimited", times=1, retry_after=1)
    clock = FixedClock(at(date(2026, 11, 13)))

    await sweeper(engine, settings, clock, pace_seconds=0.3).run()

    sent = Counter(call.params["thread_ts"] for call in posts(fake_slack))
    assert sent == Counter({thread_of(n): 1 for n in range(1, 6)})
    assert len(fake_slack.calls_to("chat.postMessage")) == 6
    by_channel: dict[str, list[float]] = {}
    for call in fake_slack.calls_to("chat.postMessage"):
        by_channel.setdefault(str(call.params["channel"]), []).append(call.at)
    for times in by_channel.values():
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert min(gaps) >= 0.25
    assert min(by_channel["C2"]) < max(by_channel["C1"])


# -- calendars ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "local_day", "delivery_days", "expected"),
    [
        ("America/New_York", date(2026, 3, 8), 20, "QIT deadline in 3 days (Wed 11 Mar)"),
        ("America/New_York", date(2026, 11, 1), 46, "QIT deadline in 14 days (Sun 15 Nov)"),
        ("Europe/Berlin", date(2026, 3, 29), 20, "FY2026 Q1 closes in 2 days (Tue 31 Mar)"),
        ("Europe/Berlin", date(2026, 10, 25), 60, "QIT deadline in 7 days (Sun 1 Nov)"),
    ],
)
async def test_on_a_dst_day_the_sweep_at_nine_local_sends_that_local_days_reminders(
    engine: AsyncEngine,
    stores: Stores,
    settings: Settings,
    fake_slack: FakeSlack,
    zone_name: str,
    local_day: date,
    delivery_days: int,
    expected: str,
) -> None:
    zone = ZoneInfo(zone_name)
    start = date(local_day.year, local_day.month - (local_day.month - 1) % 3, 1)
    await add_proposal(stores, "DST", created=at(start, zone=zone), delivery_days=delivery_days)
    offsets = (14, 7, 3, 2) if zone_name == "Europe/Berlin" else (14, 7, 3, 1)
    clock = FixedClock(at(local_day - timedelta(days=1), hour=23, minute=30, zone=zone))
    sweep = sweeper(engine, settings, clock, zone=zone, offsets=offsets)

    await sweep.run()  # the evening before, local time: nothing yet
    labels_before = [label(call)[2] for call in posts(fake_slack)]
    clock.set(at(local_day, zone=zone))
    await sweep.run()

    assert expected not in labels_before
    assert expected in [label(call)[2] for call in posts(fake_slack)]


async def test_across_a_year_end_in_a_december_fiscal_year_the_deadline_slips_a_quarter(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    await add_proposal(stores, "Year end", created=at(date(2026, 12, 20)), delivery_days=59)
    clock = FixedClock(at(date(2026, 12, 30)))
    seen = await replay(
        sweeper(engine, settings, clock, start_month=12),
        clock,
        fake_slack,
        date(2026, 12, 28),
        date(2027, 1, 2),
    )
    assert sorted(seen) == [date(2026, 12, 28), date(2026, 12, 30), date(2027, 1, 1)]
    [passed] = [call for call in posts(fake_slack) if "passed" in str(call.params["text"])]
    assert str(passed.params["text"]).startswith(
        "QIT deadline passed on Thu 31 Dec 2026: it now ships in FY2027 Q2."
    )


# -- vote nudges --------------------------------------------------------------------------------


async def test_members_who_have_not_voted_get_one_dm_a_day_before_the_vote_closes(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    closes = datetime(2026, 11, 20, 15, tzinfo=UTC)
    proposal_id = await add_proposal(
        stores, "Vote", created=closes - timedelta(days=3), vote_deadline=closes
    )
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id="C1", user_ids=["U1", "U2", "U3"], actor_id="U1", now=closes
    )
    await stores.votes.cast_vote(
        proposal_id=proposal_id, user_id="U2", choice=Choice.APPROVE, reason=None, now=closes
    )
    clock = FixedClock(closes - timedelta(hours=25))
    sweep = sweeper(engine, settings, clock, committee_user_ids=("U9",))

    await sweep.nudge()
    assert posts(fake_slack) == []
    for minutes in (0, 1, 2):
        clock.set(closes - timedelta(hours=23, minutes=-minutes))
        await sweep.nudge()

    assert sorted(call.params["channel"] for call in posts(fake_slack)) == ["U1", "U3"]
    assert "<#C1>" in str(posts(fake_slack)[0].params["text"])


async def test_without_a_channel_committee_the_settings_committee_is_nudged(
    engine: AsyncEngine, stores: Stores, settings: Settings, fake_slack: FakeSlack
) -> None:
    closes = datetime(2026, 11, 20, 15, tzinfo=UTC)
    await add_proposal(stores, "Vote", created=closes - timedelta(days=3), vote_deadline=closes)
    clock = FixedClock(closes - timedelta(hours=2))

    await sweeper(engine, settings, clock).nudge()
    assert posts(fake_slack) == []
    await sweeper(engine, settings, clock, committee_user_ids=("U9",)).nudge()
    assert [call.params["channel"] for call in posts(fake_slack)] == ["U9"]


# -- the report ---------------------------------------------------------------------------------

CONTRACT_KEYS = ("proposal_id", "channel", "kind", "due_date", "days_before", "sent")


def contract(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the contract's keys alone (the report adds the title and the text)."""
    return [{key: row[key] for key in CONTRACT_KEYS} for row in rows]


async def test_the_report_for_a_day_lists_sent_and_unsent_reminders(
    engine: AsyncEngine, stores: Stores, settings: Settings
) -> None:
    first = await add_proposal(stores, "First")
    second = await add_proposal(stores, "Second", channel="C2")
    day = date(2026, 11, 15)
    parts = [
        LedgerEntry(first, kind, day, 1, "C1") for kind in ("qit_deadline", "qit_deadline:channel")
    ]
    claimed = await stores.ledger.claim_reminders(entries=parts, now=at(day))
    await stores.ledger.mark_reminders_sent(row_ids=claimed.values(), now=at(day))

    rows = await due_reminders_report(engine, day=day, settings=settings)

    assert [(row["title"], row["text"][:36]) for row in rows] == [
        ("First", "QIT deadline tomorrow (Mon 16 Nov): "),
        ("Second", "QIT deadline tomorrow (Mon 16 Nov): "),
    ]
    assert contract(rows) == [
        {
            "proposal_id": first,
            "channel": "C1",
            "kind": "qit_deadline",
            "due_date": "2026-11-15",
            "days_before": 1,
            "sent": True,
        },
        {
            "proposal_id": second,
            "channel": "C2",
            "kind": "qit_deadline",
            "due_date": "2026-11-15",
            "days_before": 1,
            "sent": False,
        },
    ]


async def test_the_reminders_command_prints_the_report_as_json_and_refuses_a_bad_date(
    engine: AsyncEngine,
    stores: Stores,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = await add_proposal(stores, "First")
    monkeypatch.setenv("DATABASE_URL", database_url)

    code = await asyncio.to_thread(
        reminders_command, argparse.Namespace(date="2026-11-17", format="json")
    )
    printed = json.loads(capsys.readouterr().out)
    bad = await asyncio.to_thread(
        reminders_command, argparse.Namespace(date="17/11/2026", format="json")
    )

    assert code == 0
    assert printed[0]["text"].startswith("QIT deadline passed on Mon 16 Nov: it now ships in ")
    assert contract(printed) == [
        {
            "proposal_id": first,
            "channel": "C1",
            "kind": "qit_passed",
            "due_date": "2026-11-17",
            "days_before": -1,
            "sent": False,
        },
    ]
    assert bad == 2
    assert "--date: must be a date as YYYY-MM-DD" in capsys.readouterr().err
