"""``finetune-check quarter``: the fiscal quarter of a day and the QIT deadline for a delivery."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from bot.cli.days import parse_day, parse_delivery_days, parse_start_month, today
from bot.cli.errors import EXIT_OK
from bot.cli.options import add_date, add_format
from bot.reports.evaluation_report import render_quarter_text
from core.calendar import days_to_close, fiscal_quarter, qit_deadline

NAME = "quarter"
HELP = "show the fiscal quarter and the QIT deadline"
DESCRIPTION = (
    "Show the fiscal quarter containing a day, the days to its close and, with --delivery-days, "
    "the last day work can start and still ship this quarter."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    add_date(parser)
    parser.add_argument(
        "--fiscal-year-start-month",
        metavar="M",
        help="month the fiscal year starts, 1-12 (default: FISCAL_YEAR_START_MONTH or 1)",
    )
    parser.add_argument("--delivery-days", metavar="N", help="calendar days until delivery")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    """Print the fiscal quarter of a day, and the QIT deadline for a delivery time."""
    day = parse_day(args.date) if args.date is not None else today()
    start_month = parse_start_month(args.fiscal_year_start_month)
    delivery_days = None if args.delivery_days is None else parse_delivery_days(args.delivery_days)
    report = quarter_report(day, start_month, delivery_days)
    if args.format == "json":
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(render_quarter_text(report, delivery_days))
    return EXIT_OK


def quarter_report(day: date, start_month: int, delivery_days: int | None) -> dict[str, Any]:
    """The quarter of a day as the JSON of docs/contracts.md, with the QIT deadline when a
    delivery is given."""
    quarter = fiscal_quarter(day, start_month)
    report: dict[str, Any] = {
        "fiscal_year": quarter.fiscal_year,
        "quarter": quarter.quarter,
        "start": quarter.start.isoformat(),
        "close": quarter.close.isoformat(),
        "days_to_close": days_to_close(day, quarter),
    }
    if delivery_days is not None:
        deadline = qit_deadline(day, start_month, delivery_days)
        report["qit_deadline"] = deadline.isoformat()
        report["days_to_qit_deadline"] = (deadline - day).days
    return report
