"""The reminder ledger's claim protocol: the SQL the stores runs for it.

A reminder is recorded as sent only after Slack accepted it, yet two sweepers must never both
send it. So a sender first *claims* the ledger row: an insert-or-update on the unique key
(proposal, kind, due date) that leaves ``sent_at`` NULL, adds one to ``attempts`` and writes a
claim marker ``claimed:<UTC time>`` into ``last_error``; the database lets exactly one
concurrent caller win it. The winner sends, then sets ``sent_at``; a failed send replaces the
marker with the error, which releases the row for the next sweep. A row cannot be claimed when
it is sent, when another sweeper's claim is younger than `CLAIM_STALE_AFTER` (an older one was
left by a crashed sweeper), or when it failed `MAX_ATTEMPTS_FOR_GONE_CHANNEL` times and the
last error says the channel is gone. A sweeper whose sending is slow renews its own claims
(`renew_statement`) before they grow stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, update
from sqlalchemy.sql.dml import Update

from bot.models import LedgerEntry, LedgerKey, ReminderRecord
from bot.persistence.tables import ReminderRow

CLAIM_PREFIX = "claimed:"
CLAIM_STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS_FOR_GONE_CHANNEL = 3
GONE_CHANNEL_ERRORS = ("channel_not_found", "not_in_channel", "is_archived")
ROWS_PER_STATEMENT = 500
ERROR_LENGTH = 500

REMINDERS = cast(Table, cast(Any, ReminderRow).__table__)
KEY_COLUMNS = (REMINDERS.c.proposal_id, REMINDERS.c.kind, REMINDERS.c.due_date)

Insert = Callable[[Table], Any]
"""The dialect's ``insert`` (SQLite's or PostgreSQL's: both have ``on_conflict_do_update``)."""


def claim_marker(moment: datetime) -> str:
    """The claim written into ``last_error``: fixed-width UTC, so markers sort by time."""
    return CLAIM_PREFIX + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_given_up(record: ReminderRecord) -> bool:
    """Whether the ledger stopped retrying this reminder (its channel is gone)."""
    return (
        record.sent_at is None
        and record.attempts >= MAX_ATTEMPTS_FOR_GONE_CHANNEL
        and (record.last_error or "") in GONE_CHANNEL_ERRORS
    )


def chunks(items: Sequence[Any], size: int = ROWS_PER_STATEMENT) -> Iterable[Sequence[Any]]:
    """The items in slices of at most ``size`` (one statement each)."""
    return (items[start : start + size] for start in range(0, len(items), size))


def key_in(keys: Iterable[LedgerKey]) -> ColumnElement[bool]:
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


def _given_up() -> ColumnElement[bool]:
    # Equalities rather than IN: an IN list cannot be part of an executemany (`CLAIM`).
    error = func.coalesce(REMINDERS.c.last_error, "")
    return and_(
        REMINDERS.c.attempts >= MAX_ATTEMPTS_FOR_GONE_CHANNEL,
        or_(*(error == gone for gone in GONE_CHANNEL_ERRORS)),
    )


def settled() -> ColumnElement[bool]:
    """Sent, or given up on: nothing more will be tried."""
    return or_(REMINDERS.c.sent_at.is_not(None), _given_up())


def _claimable() -> ColumnElement[bool]:
    """Not sent, not given up, and not held by a claim younger than the ``stale`` marker."""
    error = func.coalesce(REMINDERS.c.last_error, "")
    stale = bindparam("stale", type_=REMINDERS.c.last_error.type)
    live_claim = and_(error.like(CLAIM_PREFIX + "%"), error > stale)
    return and_(REMINDERS.c.sent_at.is_(None), ~live_claim, ~_given_up())


def unique_entries(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """One entry per key, in key order (so concurrent claimers lock rows in the same order)."""
    by_key = {entry.key: entry for entry in entries}
    return [by_key[key] for key in sorted(by_key)]


def claim_statement(insert: Insert) -> Any:
    """The upsert that claims one row: insert the claim, or take over a claimable row.

    Run as an executemany of `claim_parameters` (SQLAlchemy sends the rows as multi-row
    statements); it returns the id and the key of each row this caller won.
    """
    statement = insert(REMINDERS)
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={
            "attempts": REMINDERS.c.attempts + 1,
            "last_error": statement.excluded.last_error,
            "channel_id": statement.excluded.channel_id,
        },
        where=_claimable(),
    ).returning(REMINDERS.c.id, *KEY_COLUMNS)


def claim_parameters(entries: Iterable[LedgerEntry], now: datetime) -> list[dict[str, Any]]:
    """One parameter set of `claim_statement` per entry, each claim marked with ``now``."""
    marker, stale = claim_marker(now), claim_marker(now - CLAIM_STALE_AFTER)
    return [
        {
            "proposal_id": entry.proposal_id,
            "kind": entry.kind,
            "due_date": entry.due_date,
            "days_before": entry.days_before,
            "channel_id": entry.channel_id,
            "sent_at": None,
            "attempts": 1,
            "last_error": marker,
            "stale": stale,
        }
        for entry in unique_entries(entries)
    ]


def _unsent_rows() -> ColumnElement[bool]:
    return and_(
        REMINDERS.c.id.in_(bindparam("row_ids", expanding=True)),
        REMINDERS.c.sent_at.is_(None),
    )


MARK_SENT: Update = (
    update(REMINDERS)
    .where(_unsent_rows())
    .values(sent_at=bindparam("sent_at", type_=REMINDERS.c.sent_at.type), last_error=None)
)
"""Record claimed rows as sent (parameters: ``row_ids``, ``sent_at``)."""

RELEASE: Update = (
    update(REMINDERS)
    .where(_unsent_rows())
    .values(last_error=bindparam("error", type_=REMINDERS.c.last_error.type))
    .returning(*REMINDERS.c)
)
"""Release claimed rows with the error of their failed send (parameters: ``row_ids``,
``error``)."""

RENEW: Update = (
    update(REMINDERS)
    .where(
        _unsent_rows(),
        REMINDERS.c.last_error == bindparam("held", type_=REMINDERS.c.last_error.type),
    )
    .values(last_error=bindparam("renewed", type_=REMINDERS.c.last_error.type))
    .returning(REMINDERS.c.id)
)
"""Move this caller's claims (those still holding its marker ``held``) to a fresh marker
``renewed`` (parameters: ``row_ids``, ``held``, ``renewed``)."""
