"""Fiscal quarters and the Quarterly Impact Timing deadline (docs/framework.md §7). No clock."""

from __future__ import annotations

import calendar as gregorian
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

MONTHS_PER_QUARTER = 3


class FiscalQuarter(BaseModel):
    """One fiscal quarter: its year (named after the calendar year it ends in), number and days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fiscal_year: int
    quarter: int
    start: date
    close: date


def check_start_month(start_month: int) -> int:
    """Return the fiscal-year start month, or refuse one outside 1–12 with a clear message."""
    if isinstance(start_month, bool) or not isinstance(start_month, int):
        raise ValueError(f"fiscal_year_start_month: must be 1-12 (got {start_month!r})")
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal_year_start_month: must be 1-12 (got {start_month})")
    return start_month


def fiscal_quarter(day: date, start_month: int) -> FiscalQuarter:
    """The fiscal quarter that contains ``day`` for a fiscal year beginning in ``start_month``."""
    check_start_month(start_month)
    months_into_year = (day.month - start_month) % 12
    start_year = day.year if day.month >= start_month else day.year - 1
    quarter_index = months_into_year // MONTHS_PER_QUARTER
    first_year, first_month = _add_months(start_year, start_month, quarter_index * 3)
    last_year, last_month = _add_months(first_year, first_month, MONTHS_PER_QUARTER - 1)
    return FiscalQuarter(
        fiscal_year=start_year if start_month == 1 else start_year + 1,
        quarter=quarter_index + 1,
        start=date(first_year, first_month, 1),
        close=date(last_year, last_month, gregorian.monthrange(last_year, last_month)[1]),
    )


def next_quarter(quarter: FiscalQuarter, start_month: int) -> FiscalQuarter:
    """The fiscal quarter that follows ``quarter``."""
    return fiscal_quarter(quarter.close + timedelta(days=1), start_month)


def days_to_close(day: date, quarter: FiscalQuarter) -> int:
    """Calendar days from ``day`` to the quarter's close: 0 on the closing day."""
    return (quarter.close - day).days


def qit_deadline(day: date, start_month: int, delivery_days: int) -> date:
    """The last day work can start and still ship in the quarter of ``day`` (may be past)."""
    if isinstance(delivery_days, bool) or not isinstance(delivery_days, int) or delivery_days < 0:
        raise ValueError(f"delivery_days: must be a whole number >= 0 (got {delivery_days!r})")
    return fiscal_quarter(day, start_month).close - timedelta(days=delivery_days)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    """The (year, month) that lies ``months`` months after (year, month)."""
    zero_based = year * 12 + (month - 1) + months
    return zero_based // 12, zero_based % 12 + 1
