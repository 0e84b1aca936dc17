"""The SQL the reminder sweep needs that the repository lacks (to be folded into it later).

Async functions with keyword-only arguments over the tables of `bot/persistence/tables.py`,
each one short transaction, returning frozen records.

**The ledger claim.** A reminder is recorded as sent only after Slack accepted it, yet two
sweepers must never both send it. So a sender first *claims* the ledger row: an
insert-or-update on the unique key (proposal, kind, due date) that leaves ``sent_at`` NULL,
adds one to ``attempts`` and writes a claim marker ``claimed:<UTC time>`` into
``last_error``; the database lets exactly one concurrent caller win it. The winner sends,
then sets ``sent_at``; a failed send replaces the marker with the error, which releases the
row for the next sweep. A row cannot be claimed when it is sent, when another sweeper's
claim is younger than `CLAIM_STALE_AFTER` (an older one was left by a crashed sweeper), or
when it failed `MAX_ATTEMPTS_FOR_GONE_CHANNEL` times and the last error says the channel is
gone. (The repository's `record_reminder_sent` sets ``sent_at`` at claim time, before the
send, so it cannot tell a sent reminder from a claimed one; hence these functions. A
``claimed_at`` column would be cleaner than the marker.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.records import DeliveryState, Outcome, ReminderRecord, VoteState
from bot.persistence.tables import CommitteeMemberRow, ProposalRow, ReminderRow, VoteRow
from bot.reminders.plan import LedgerKey, NudgeTarget, ReminderKind, ReminderTarget
from core.proposal import Proposal

CLAIM_PREFIX = "claimed:"
CLAIM_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS_FOR_GONE_CHANNEL = 3
GONE_CHANNEL_ERRORS = ("channel_not_found", "not_in_channel", "is_archived")
KEY_BATCH = 500
REPORT_KINDS = tuple(kind.value for kind in ReminderKind)


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


PROPOSALS = _table(ProposalRow)
REMINDERS = _table(ReminderRow)
VOTES = _table(VoteRow)
MEMBERS = _table(CommitteeMemberRow)
_KEY_COLUMNS = (REMINDERS.c.proposal_id, REMINDERS.c.kind, REMINDERS.c.due_date)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A ledger row to claim: its key, and what the row records besides."""

    proposal_id: int
    kind: str
    due_date: date
    days_before: int
    channel_id: str

    @property
    def key(self) -> LedgerKey:
        """The unique key of the row."""
        return (self.proposal_id, self.kind, self.due_date)


def claim_marker(moment: datetime) -> str:
    """The claim written into ``last_error``: fixed-width UTC, so markers sort by time."""
    return CLAIM_PREFIX + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _insert(engine: AsyncEngine) -> Any:
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


def _key_in(keys: Iterable[LedgerKey]) -> ColumnElement[bool]:
    """Rows with one of these keys, written so that SQLite uses the unique index."""
    return or_(
        *(
            and_(
                REMINDERS.c.proposal_id == proposal_id,
                REMINDERS.c.kind == kind,
                REMINDERS.c.due_date == due_date,
            )
            for proposal_id, kind, due_date in keys
        )
    )


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


# -- proposals ----------------------------------------------------------------------------------


def eligible_condition() -> ColumnElement[bool]:
    """SQL for `plan.is_eligible`: posted, and under vote or approved by the committee."""
    return and_(
        PROPOSALS.c.delivery_state == DeliveryState.POSTED.value,
        PROPOSALS.c.message_ts.is_not(None),
        or_(
            PROPOSALS.c.vote_state == VoteState.OPEN.value,
            PROPOSALS.c.outcome == Outcome.APPROVED.value,
        ),
    )


async def reminder_targets(engine: AsyncEngine, *, zone: ZoneInfo) -> list[ReminderTarget]:
    """Every proposal eligible for reminders, oldest first."""
    columns = PROPOSALS.c
    statement = (
        select(
            columns.id,
            columns.team_id,
            columns.channel_id,
            columns.message_ts,
            columns.title,
            columns.proposal_json,
            columns.created_at,
            columns.vote_state,
        )
        .where(eligible_condition())
        .order_by(columns.created_at, columns.id)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    return [_target(row, zone) for row in rows]


def _target(row: Any, zone: ZoneInfo) -> ReminderTarget:
    return ReminderTarget(
        proposal_id=row.id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        thread_ts=row.message_ts,
        title=row.title,
        proposal=Proposal.model_validate_json(row.proposal_json),
        posted_on=_local_date(row.created_at, zone),
        vote_open=row.vote_state == VoteState.OPEN.value,
    )


async def nudge_targets(
    engine: AsyncEngine, *, now: datetime, lead: timedelta
) -> list[NudgeTarget]:
    """Posted proposals whose vote is open and closes after now, within ``lead``."""
    columns = PROPOSALS.c
    statement = (
        select(
            columns.id,
            columns.team_id,
            columns.channel_id,
            columns.title,
            columns.vote_deadline,
            columns.created_at,
        )
        .where(
            columns.delivery_state == DeliveryState.POSTED.value,
            columns.vote_state == VoteState.OPEN.value,
            columns.vote_deadline > now,
            columns.vote_deadline <= now + lead,
        )
        .order_by(columns.vote_deadline, columns.id)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    return [
        NudgeTarget(
            proposal_id=row.id,
            team_id=row.team_id,
            channel_id=row.channel_id,
            title=row.title,
            vote_deadline=row.vote_deadline,
            created_at=row.created_at,
        )
        for row in rows
    ]


async def voters(engine: AsyncEngine, *, proposal_ids: Sequence[int]) -> dict[int, set[str]]:
    """Who has voted, per proposal."""
    statement = select(VOTES.c.proposal_id, VOTES.c.user_id).where(
        VOTES.c.proposal_id.in_(list(proposal_ids))
    )
    found: dict[int, set[str]] = {proposal_id: set() for proposal_id in proposal_ids}
    async with engine.connect() as connection:
        for row in await connection.execute(statement):
            found[row.proposal_id].add(row.user_id)
    return found


async def committees(
    engine: AsyncEngine, *, channels: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[str]]:
    """The committee of each (team, channel), in the order members were added."""
    wanted = list(dict.fromkeys(channels))
    statement = (
        select(MEMBERS.c.team_id, MEMBERS.c.channel_id, MEMBERS.c.user_id)
        .where(tuple_(MEMBERS.c.team_id, MEMBERS.c.channel_id).in_(wanted))
        .order_by(MEMBERS.c.added_at, MEMBERS.c.id)
    )
    found: dict[tuple[str, str], list[str]] = {}
    if not wanted:
        return found
    async with engine.connect() as connection:
        for row in await connection.execute(statement):
            found.setdefault((row.team_id, row.channel_id), []).append(row.user_id)
    return found


# -- the ledger ---------------------------------------------------------------------------------


def _given_up() -> ColumnElement[bool]:
    return and_(
        REMINDERS.c.attempts >= MAX_ATTEMPTS_FOR_GONE_CHANNEL,
        func.coalesce(REMINDERS.c.last_error, "").in_(GONE_CHANNEL_ERRORS),
    )


def _settled() -> ColumnElement[bool]:
    """Sent, or given up on: nothing more will be tried."""
    return or_(REMINDERS.c.sent_at.is_not(None), _given_up())


def _claimable(stale_marker: Any) -> ColumnElement[bool]:
    """Not sent, not given up, and not held by a claim younger than ``stale_marker``."""
    error = func.coalesce(REMINDERS.c.last_error, "")
    live_claim = and_(error.like(CLAIM_PREFIX + "%"), error > stale_marker)
    return and_(REMINDERS.c.sent_at.is_(None), ~live_claim, ~_given_up())


async def settled_reminder_keys(engine: AsyncEngine, *, day: date, since: date) -> set[LedgerKey]:
    """Keys a sweep on ``day`` need not try: sent or given up (yesterday's, today's, passed)."""
    statement = select(*_KEY_COLUMNS).where(
        _settled(),
        REMINDERS.c.due_date <= day,
        or_(
            REMINDERS.c.due_date >= day - timedelta(days=1),
            and_(
                REMINDERS.c.kind == ReminderKind.QIT_PASSED.value,
                REMINDERS.c.due_date >= since,
            ),
        ),
    )
    async with engine.connect() as connection:
        return {tuple(row) for row in await connection.execute(statement)}  # type: ignore[misc]


async def settled_keys_of(engine: AsyncEngine, *, keys: Sequence[LedgerKey]) -> set[LedgerKey]:
    """Which of these keys are sent or given up."""
    settled: set[LedgerKey] = set()
    for start in range(0, len(keys), KEY_BATCH):
        statement = select(*_KEY_COLUMNS).where(
            _settled(), _key_in(keys[start : start + KEY_BATCH])
        )
        async with engine.connect() as connection:
            settled |= {tuple(row) for row in await connection.execute(statement)}  # type: ignore[misc]
    return settled


async def claim(
    engine: AsyncEngine, *, entries: Sequence[LedgerEntry], now: datetime
) -> set[LedgerKey]:
    """Claim ledger rows for sending; returns the keys this caller won (at most one winner)."""
    statement = _claim_statement(engine)
    won: set[LedgerKey] = set()
    marker, stale = claim_marker(now), claim_marker(now - CLAIM_STALE_AFTER)
    async with engine.begin() as connection:
        for entry in entries:
            values = {**_entry_values(entry), "marker": marker, "stale": stale}
            row = (await connection.execute(statement, values)).one_or_none()
            if row is not None:
                won.add(entry.key)
    return won


def _entry_values(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "proposal_id": entry.proposal_id,
        "kind": entry.kind,
        "due_date": entry.due_date,
        "days_before": entry.days_before,
        "channel_id": entry.channel_id,
    }


def _claim_statement(engine: AsyncEngine) -> Any:
    """One cacheable upsert: insert the claim, or take over a claimable existing row."""
    columns = REMINDERS.c
    statement = _insert(engine)(REMINDERS).values(
        proposal_id=bindparam("proposal_id", type_=columns.proposal_id.type),
        kind=bindparam("kind", type_=columns.kind.type),
        due_date=bindparam("due_date", type_=columns.due_date.type),
        days_before=bindparam("days_before", type_=columns.days_before.type),
        channel_id=bindparam("channel_id", type_=columns.channel_id.type),
        sent_at=None,
        attempts=1,
        last_error=bindparam("marker", type_=columns.last_error.type),
    )
    return statement.on_conflict_do_update(
        index_elements=list(_KEY_COLUMNS),
        set_={
            "attempts": columns.attempts + 1,
            "last_error": statement.excluded.last_error,
            "channel_id": statement.excluded.channel_id,
        },
        where=_claimable(bindparam("stale", type_=columns.last_error.type)),
    ).returning(columns.id)


async def mark_sent(engine: AsyncEngine, *, keys: Sequence[LedgerKey], now: datetime) -> None:
    """Record claimed reminders as sent (Slack accepted them)."""
    statement = (
        update(REMINDERS)
        .where(_key_in(keys), REMINDERS.c.sent_at.is_(None))
        .values(sent_at=now, last_error=None)
    )
    async with engine.begin() as connection:
        await connection.execute(statement)


async def release(
    engine: AsyncEngine, *, keys: Sequence[LedgerKey], error: str
) -> list[ReminderRecord]:
    """Record a failed send: the claim is released with the error, for the next sweep."""
    statement = (
        update(REMINDERS)
        .where(_key_in(keys), REMINDERS.c.sent_at.is_(None))
        .values(last_error=error[:500])
        .returning(*REMINDERS.c)
    )
    async with engine.begin() as connection:
        rows = (await connection.execute(statement)).all()
    return [_record(row) for row in rows]


def is_given_up(record: ReminderRecord) -> bool:
    """Whether the ledger stopped retrying this reminder (its channel is gone)."""
    return (
        record.sent_at is None
        and record.attempts >= MAX_ATTEMPTS_FOR_GONE_CHANNEL
        and (record.last_error or "") in GONE_CHANNEL_ERRORS
    )


async def ledger_on(engine: AsyncEngine, *, day: date) -> list[ReminderRecord]:
    """Every ledger row due on this day, thread and channel copies and nudges included."""
    statement = (
        select(REMINDERS)
        .where(REMINDERS.c.due_date == day)
        .order_by(REMINDERS.c.proposal_id, REMINDERS.c.kind)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(statement)).all()
    return [_record(row) for row in rows]


def _record(row: Any) -> ReminderRecord:
    return ReminderRecord(
        proposal_id=row.proposal_id,
        kind=row.kind,
        due_date=row.due_date,
        days_before=row.days_before,
        channel_id=row.channel_id,
        sent_at=row.sent_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )


async def try_advisory_lock(connection: Any, key: int) -> bool:
    """On PostgreSQL, take a session advisory lock without waiting; True elsewhere."""
    if connection.dialect.name != "postgresql":
        return True
    result = await connection.execute(select(func.pg_try_advisory_lock(literal(key))))
    return bool(result.scalar())


async def advisory_unlock(connection: Any, key: int) -> None:
    """Release the session advisory lock taken by `try_advisory_lock` (PostgreSQL only)."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_unlock(literal(key))))
