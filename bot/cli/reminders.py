"""``finetune-check reminders``: the reminders due on a day, sent or not."""

from __future__ import annotations

import argparse

from bot.cli.database import database_url, require_existing_database
from bot.cli.options import add_date, add_format

NAME = "reminders"
HELP = "list the reminders due on a day"
DESCRIPTION = (
    "List the reminders due on a day (default today) for the proposals in DATABASE_URL, sent "
    "or not: each proposal's title and the text the bot posts."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    add_date(parser)
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    """List the reminders due on a day for the proposals in DATABASE_URL."""
    require_existing_database(database_url())
    from bot.reminders.report import reminders_command

    return reminders_command(args)
