"""``finetune-check migrate``: the database in DATABASE_URL brought up to the latest schema."""

from __future__ import annotations

import argparse
import sys

from bot.cli.database import DEFAULT_DATABASE_URL, database_url, hide_password, one_line
from bot.cli.errors import EXIT_INTERNAL_ERROR, EXIT_OK, report

NAME = "migrate"
HELP = "upgrade the database schema in DATABASE_URL"
DESCRIPTION = f"Run the Alembic migrations on DATABASE_URL (default {DEFAULT_DATABASE_URL})."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command takes no options: the database comes from DATABASE_URL."""


def run(args: argparse.Namespace) -> int:
    """Migrate, and say on stderr what that did."""
    from bot.persistence.database import describe_failure, run_migrations

    url = database_url()
    where = hide_password(url)
    try:
        result = run_migrations(url)
    except Exception as failure:  # a bad URL or an unreachable database: one line
        problem = f"DATABASE_URL: cannot migrate {where}: {describe_failure(url, failure)}"
        return report([one_line(problem)], EXIT_INTERNAL_ERROR)
    after = ",".join(result.after) or "none"
    if result.created:
        print(f"created the schema at revision {after} in {where}", file=sys.stderr)
    elif result.changed:
        before = ",".join(result.before)
        print(f"upgraded the schema from revision {before} to {after} in {where}", file=sys.stderr)
    else:
        print(f"already up to date at revision {after}: {where}", file=sys.stderr)
    return EXIT_OK
