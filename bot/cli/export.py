"""``finetune-check export``: every decision in DATABASE_URL as CSV or JSON, for audits."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.database import database_url, hide_password, one_line, require_existing_database
from bot.cli.errors import EXIT_INTERNAL_ERROR, EXIT_OK, InputError, report
from bot.cli.options import add_format

NAME = "export"
HELP = "write every decision in DATABASE_URL as CSV or JSON"
DESCRIPTION = (
    "Write every decision in DATABASE_URL (one row per proposal: figures, verdict, policy hash, "
    "votes and outcome) as CSV or JSON, for audits."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    add_format(parser, ("csv", "json"))
    parser.add_argument("--output", metavar="FILE", help="write to FILE (default: stdout)")


def run(args: argparse.Namespace) -> int:
    """Write every decision to stdout or --output."""
    url = database_url()
    require_existing_database(url)
    from sqlalchemy.exc import DBAPIError

    from bot.persistence.database import describe_failure

    try:
        text = asyncio.run(_export(url, args.format))
    except (DBAPIError, OSError) as failure:  # OSError: the server cannot be reached
        reason = describe_failure(url, failure)
        problem = f"DATABASE_URL: cannot read the decisions in {hide_password(url)} ({reason})"
        return report([one_line(problem)], EXIT_INTERNAL_ERROR)
    _write_output(text, args.output)
    return EXIT_OK


async def _export(url: str, output_format: str) -> str:
    """The export text, read through the read models on a short-lived engine."""
    from bot.persistence.database import create_engine
    from bot.persistence.read_models import ReadModels
    from bot.reports.export import export_decisions

    engine = create_engine(url, pooled=False)
    try:
        if output_format == "json":
            return await export_decisions(ReadModels(engine), format="json")
        return await export_decisions(ReadModels(engine), format="csv")
    finally:
        await engine.dispose()


def _write_output(text: str, output: str | None) -> None:
    """The text on stdout, or in the --output file (exactly as given: no newline translation)."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as failure:
        raise InputError([f"--output: cannot write {output}: {failure.strerror}"]) from None
