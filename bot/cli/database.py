"""The database the bot's commands read: DATABASE_URL, checked before anything opens it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.cli.errors import InputError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///finetune-check.db"


def database_url() -> str:
    """DATABASE_URL, or the default SQLite file."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def require_existing_database(url: str) -> None:
    """Refuse an unusable DATABASE_URL, or a SQLite file that does not exist (never create one)."""
    from bot.persistence.database import SQLITE_DRIVER, DatabaseUrlError
    from bot.persistence.database import database_url as parsed_url

    try:
        parsed = parsed_url(url)
    except DatabaseUrlError as problem:
        raise InputError([str(problem)]) from None
    if (
        parsed.drivername == SQLITE_DRIVER
        and not Path(parsed.database or "").expanduser().is_file()
    ):
        raise InputError(
            [
                f"DATABASE_URL: no database at {parsed.database}; point DATABASE_URL at the "
                "bot's database, or run `finetune-check migrate` to create one"
            ]
        )


def hide_password(url: str) -> str:
    """A database URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def one_line(text: str) -> str:
    """A message with its white space (and any line breaks in a driver's error) collapsed."""
    return " ".join(text.split())
