"""Fiscal quarters and the QIT deadline (docs/framework.md §7)."""

from __future__ import annotations

import calendar as gregorian
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.calendar import (
    FiscalQuarter,
    days_to_close,
    fiscal_quarter,
    next_quarter,
    qit_deadline,
)

ALL_START_MONTHS = list(range(1, 13))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))
start_months = st.integers(min_value=1, max_value=12)


def test_a_calendar_fiscal_year_is_named_after_its_own_year() -> None:
    quarter = fiscal_quarter(date(2026, 5, 14), 1)
    assert quarter == FiscalQuarter(
        fiscal_year=2026, quarter=2, start=date(2026, 4, 1), close=date(2026, 6, 30)
    )


def test_a_february_fiscal_year_is_named_after_the_year_in_which_it_ends() -> None:
    first = fiscal_quarter(date(2026, 2, 1), 2)
    last = fiscal_quarter(date(2027, 1, 31), 2)
    assert (first.fiscal_year, first.quarter, first.start) == (2027, 1, date(2026, 2, 1))
    assert (last.fiscal_year, last.quarter, last.close) == (2027, 4, date(2027, 1, 31))


def test_january_still_belongs_to_the_fiscal_year_that_began_last_february() -> None:
    quarter = fiscal_quarter(date(2027, 1, 15), 2)
    assert quarter == FiscalQuarter(
        fiscal_year=2027, quarter=4, start=date(2026, 11, 1), close=date(2027, 1, 31)
    )


def test_an_october_fiscal_year_spans_the_calendar_year_end() -> None:
    assert fiscal_quarter(date(2025, 10, 1), 10).fiscal_year == 2026
    assert fiscal_quarter(date(2026, 9, 30), 10).fiscal_year == 2026
    assert fiscal_quarter(date(2025, 12, 31), 10).close == date(2025, 12, 31)


def test_a_quarter_closing_in_a_leap_february_closes_on_the_29th() -> None:
    quarter = fiscal_quarter(date(2024, 1, 10), 12)
    assert (quarter.start, quarter.close) == (date(2023, 12, 1), date(2024, 2, 29))


def test_a_quarter_closing_in_an_ordinary_february_closes_on_the_28th() -> None:
    assert fiscal_quarter(date(2025, 2, 28), 12).close == date(2025, 2, 28)
    assert fiscal_quarter(date(2100, 2, 1), 12).close == date(2100, 2, 28)


@pytest.mark.parametrize("start_month", ALL_START_MONTHS)
def test_the_first_day_of_the_fiscal_year_opens_quarter_one(start_month: int) -> None:
    first_day = date(2030, start_month, 1)
    quarter = fiscal_quarter(first_day, start_month)
    expected_year = 2030 if start_month == 1 else 2031
    assert (quarter.fiscal_year, quarter.quarter, quarter.start) == (expected_year, 1, first_day)


@pytest.mark.parametrize("start_month", ALL_START_MONTHS)
def test_the_day_before_the_fiscal_year_closes_quarter_four(start_month: int) -> None:
    last_day = date(2030, start_month, 1) - timedelta(days=1)
    quarter = fiscal_quarter(last_day, start_month)
    expected_year = 2029 if start_month == 1 else 2030
    assert (quarter.fiscal_year, quarter.quarter, quarter.close) == (expected_year, 4, last_day)


@pytest.mark.parametrize("start_month", ALL_START_MONTHS)
@pytest.mark.parametrize("day", [date(2023, 12, 31), date(2024, 1, 1), date(2024, 2, 29)])
def test_every_start_month_puts_year_end_days_in_a_quarter_that_contains_them(
    start_month: int, day: date
) -> None:
    quarter = fiscal_quarter(day, start_month)
    assert quarter.start <= day <= quarter.close
    assert quarter.start.day == 1


@given(day=days, start_month=start_months)
def test_a_quarter_contains_its_day_and_spans_three_whole_months(
    day: date, start_month: int
) -> None:
    quarter = fiscal_quarter(day, start_month)
    last_month_length = gregorian.monthrange(quarter.close.year, quarter.close.month)[1]
    months_spanned = (quarter.close.year - quarter.start.year) * 12 + (
        quarter.close.month - quarter.start.month
    )
    assert quarter.start <= day <= quarter.close
    assert quarter.start.day == 1 and quarter.close.day == last_month_length
    assert months_spanned == 2
    assert (quarter.start.month - start_month) % 3 == 0


@given(day=days, start_month=start_months)
def test_the_fiscal_year_is_the_calendar_year_of_its_last_day(day: date, start_month: int) -> None:
    quarter = fiscal_quarter(day, start_month)
    fourth = quarter
    while fourth.quarter != 4:
        fourth = next_quarter(fourth, start_month)
    assert fourth.fiscal_year == quarter.fiscal_year
    assert fourth.close.year == quarter.fiscal_year


@given(day=st.dates(max_value=date(9999, 9, 1)), start_month=start_months)
def test_the_next_quarter_starts_the_day_after_the_close(day: date, start_month: int) -> None:
    quarter = fiscal_quarter(day, start_month)
    following = next_quarter(quarter, start_month)
    assert following.start == quarter.close + timedelta(days=1)
    assert following.quarter == quarter.quarter % 4 + 1


def test_the_quarter_after_quarter_four_opens_the_next_fiscal_year() -> None:
    fourth = fiscal_quarter(date(2027, 1, 31), 2)
    assert next_quarter(fourth, 2) == FiscalQuarter(
        fiscal_year=2028, quarter=1, start=date(2027, 2, 1), close=date(2027, 4, 30)
    )


def test_days_to_close_is_zero_on_the_closing_day() -> None:
    quarter = fiscal_quarter(date(2026, 6, 30), 1)
    assert days_to_close(date(2026, 6, 30), quarter) == 0


def test_days_to_close_is_the_plain_difference_of_dates() -> None:
    quarter = fiscal_quarter(date(2026, 4, 1), 1)
    assert days_to_close(date(2026, 4, 1), quarter) == 90
    assert days_to_close(date(2026, 6, 29), quarter) == 1


def test_the_qit_deadline_is_the_close_less_the_delivery_days() -> None:
    assert qit_deadline(date(2026, 5, 1), 1, 45) == date(2026, 5, 16)
    assert qit_deadline(date(2026, 5, 1), 1, 0) == date(2026, 6, 30)


def test_the_qit_deadline_may_already_have_passed() -> None:
    assert qit_deadline(date(2026, 6, 20), 1, 30) == date(2026, 5, 31)


def test_the_qit_deadline_follows_the_fiscal_calendar() -> None:
    assert qit_deadline(date(2027, 1, 5), 2, 10) == date(2027, 1, 21)


@pytest.mark.parametrize("start_month", [0, 13, -1])
def test_a_start_month_outside_one_to_twelve_is_refused_by_name(start_month: int) -> None:
    with pytest.raises(ValueError, match=r"fiscal_year_start_month: must be 1-12"):
        fiscal_quarter(date(2026, 1, 1), start_month)


def test_a_start_month_outside_one_to_twelve_is_refused_for_the_qit_deadline_too() -> None:
    with pytest.raises(ValueError, match="fiscal_year_start_month"):
        qit_deadline(date(2026, 1, 1), 13, 10)


def test_negative_delivery_days_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"delivery_days: must be a whole number >= 0"):
        qit_deadline(date(2026, 1, 1), 1, -1)


def test_a_fiscal_quarter_is_immutable() -> None:
    quarter = fiscal_quarter(date(2026, 1, 1), 1)
    with pytest.raises(ValueError, match="frozen"):
        quarter.quarter = 2  # type: ignore[misc]
