"""`finetune-check reminders [--date D] [--format text|json]`: what is due on a day, sent or not.

The JSON is the contract of docs/contracts.md: ``[{proposal_id, channel, kind, due_date,
days_before, sent}]`` with ``kind`` one of ``qit_deadline``, ``quarter_close``, ``qit_passed``,
plus ``title`` (the proposal's) and ``text`` (what the bot posts in the proposal's thread, as
the sweep renders it that day under the policy in force). A reminder counts as sent when every
part of it is: its thread message and, on the last day, its copy in the channel's grouped
message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infrastructure.settings import Settings, SettingsError, load_settings
from bot.persistence.database import create_engine, describe_failure
from bot.persistence.stores import Stores
from bot.reminders.plan import DueReminder, LedgerKey, Schedule, due_on
from bot.reminders.texts import thread_text
from core.policy import Policy

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID_INPUT = 2
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RELEVANT_VARIABLES = (
    "DATABASE_URL",
    "POLICY_FILE",
    "FISCAL_YEAR_START_MONTH",
    "TIMEZONE",
    "REMINDER_OFFSETS_DAYS",
    "REMINDER_HOUR",
    "COMMITTEE_USER_IDS",
)
# The report never talks to Slack; these only satisfy the settings' required tokens.
_NO_SLACK = {"SLACK_BOT_TOKEN": "xoxb-not-used-by-reminders", "SLACK_SIGNING_SECRET": "unused"}


async def due_reminders_report(
    engine: AsyncEngine, *, day: date, settings: Settings
) -> list[dict[str, Any]]:
    """The reminders due on ``day`` for the eligible proposals, each with whether it was sent."""
    schedule = Schedule(
        offsets=tuple(settings.reminder_offsets_days),
        start_month=settings.fiscal_year_start_month,
    )
    stores = Stores.on(engine)
    targets = await stores.reads.reminder_targets(zone=settings.zone)
    reminders = due_on(targets, day=day, schedule=schedule)
    sent = {
        (row.proposal_id, row.kind, row.due_date)
        for row in await stores.ledger.reminders_on(due_date=day)
        if row.sent_at is not None
    }
    policy = settings.load_policy()
    rows = [
        _row(reminder, sent, policy=policy, settings=settings, day=day) for reminder in reminders
    ]
    return sorted(rows, key=lambda row: (row["channel"], row["proposal_id"], row["kind"]))


def _row(
    reminder: DueReminder, sent: set[LedgerKey], *, policy: Policy, settings: Settings, day: date
) -> dict[str, Any]:
    parts = [reminder.key, reminder.channel_key] if reminder.to_channel else [reminder.key]
    text = thread_text(
        reminder, today=day, policy=policy, start_month=settings.fiscal_year_start_month
    )
    return {
        "proposal_id": reminder.target.proposal_id,
        "channel": reminder.target.channel_id,
        "kind": reminder.kind.value,
        "due_date": reminder.due_date.isoformat(),
        "days_before": reminder.days_before,
        "sent": all(part in sent for part in parts),
        "title": reminder.target.title,
        "text": text,
    }


KIND_NAMES = {
    "qit_deadline": "QIT deadline",
    "quarter_close": "quarter close",
    "qit_passed": "QIT deadline passed",
}


def render_text(rows: list[dict[str, Any]], day: date) -> str:
    """The report as a person reads it: each proposal by title, and what the bot will say."""
    if not rows:
        return f"No reminders are due on {day.isoformat()}.\n"
    lines = [f"Reminders due on {day.isoformat()}:"]
    for row in rows:
        lines += ["", *_entry_lines(row)]
    return "\n".join(lines) + "\n"


def _entry_lines(row: dict[str, Any]) -> list[str]:
    title = " ".join(str(row["title"]).split())  # a title typed on two lines stays on one
    state = "sent" if row["sent"] else "not sent yet"
    timing = KIND_NAMES.get(row["kind"], row["kind"])
    if row["days_before"] >= 0:
        timing += f", {_days_before(row['days_before'])}"
    return [
        f"• {title} (proposal {row['proposal_id']}, channel {row['channel']}): {timing}; {state}",
        f"  {row['text']}",
    ]


def _days_before(days: int) -> str:
    if days < 0:
        return "deadline passed"
    return "1 day before" if days == 1 else f"{days} days before"


def reminders_command(args: argparse.Namespace) -> int:
    """Run `finetune-check reminders`; return the exit code (errors are one line on stderr)."""
    try:
        settings = reminder_settings(os.environ)
        day = _parse_day(args.date) if args.date else datetime.now(settings.zone).date()
    except SettingsError as problems:
        for line in problems.lines:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        rows = asyncio.run(_report(settings, day))
    except OSError as failure:  # the database server cannot be reached
        reason = describe_failure(settings.database_url, failure)
        print(f"error: DATABASE_URL: cannot read the proposals: {reason}", file=sys.stderr)
        return EXIT_FAILED
    except DBAPIError as failure:
        reason = describe_failure(settings.database_url, failure)
        never_migrated = "no such table" in reason or "does not exist" in reason
        hint = "; run `finetune-check migrate` first if the database is new"
        print(
            f"error: DATABASE_URL: cannot read the proposals ({reason})"
            f"{hint if never_migrated else ''}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    output = json.dumps(rows, indent=2) + "\n" if args.format == "json" else render_text(rows, day)
    sys.stdout.write(output)
    return EXIT_OK


def reminder_settings(environ: Mapping[str, str]) -> Settings:
    """The settings the report needs (calendar, offsets, database); no Slack token required."""
    relevant = {name: environ[name] for name in RELEVANT_VARIABLES if name in environ}
    return load_settings({**relevant, **_NO_SLACK})


def _parse_day(text: str) -> date:
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(f"--date: must be a date as YYYY-MM-DD (got {text!r})")


async def _report(settings: Settings, day: date) -> list[dict[str, Any]]:
    engine = create_engine(settings.database_url)
    try:
        return await due_reminders_report(engine, day=day, settings=settings)
    finally:
        await engine.dispose()
