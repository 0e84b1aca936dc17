"""Days and fiscal-year settings as the command line takes them: options, then the environment."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli.errors import InputError

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
MAX_DELIVERY_DAYS = 3650


def parse_day(text: str) -> date:
    """A day given as YYYY-MM-DD."""
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError([f"--date: must be a date as YYYY-MM-DD (got {text!r})"])


def parse_start_month(given: str | None) -> int:
    """The fiscal-year start month from the option, else FISCAL_YEAR_START_MONTH, else 1."""
    source, text = "--fiscal-year-start-month", given
    if text is None:
        source, text = "FISCAL_YEAR_START_MONTH", os.environ.get("FISCAL_YEAR_START_MONTH")
    if text is None or text.strip() == "":
        return 1
    if not WHOLE_NUMBER.fullmatch(text.strip()) or not 1 <= int(text) <= 12:
        raise InputError([f"{source}: must be a month number 1-12 (got {text!r})"])
    return int(text)


def parse_delivery_days(text: str) -> int:
    """A delivery time in whole calendar days, 0 to 3650."""
    if not WHOLE_NUMBER.fullmatch(text.strip()) or int(text) > MAX_DELIVERY_DAYS:
        raise InputError(
            [f"--delivery-days: must be a whole number 0-{MAX_DELIVERY_DAYS} (got {text!r})"]
        )
    return int(text)


def today() -> date:
    """Today's date in the TIMEZONE of the settings (default UTC)."""
    name = os.environ.get("TIMEZONE") or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problem = f"TIMEZONE: unknown time zone {name!r} (e.g. UTC, Europe/Paris)"
        raise InputError([problem]) from None
    return datetime.now(zone).date()
