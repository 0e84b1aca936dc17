"""The reminder plan and texts, pure: which reminders are due on which day, and what they say."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.plan import (
    MAX_KIND_LENGTH,
    DueReminder,
    NudgeTarget,
    ReminderKind,
    ReminderTarget,
    Schedule,
    due_on,
    group_by_channel,
    is_eligible,
    nudge_kind,
    nudges_due,
    reminders_in_quarter,
    to_sweep,
)
from bot.reminders.texts import (
    day_label,
    digest_message,
    evaluate_late,
    in_days,
    qit_deadline_text,
    qit_passed_text,
    quarter_close_text,
    timing_adjusted_roi,
)
from bot.voting.domain import Outcome
from core.calendar import fiscal_quarter
from core.policy import Policy
from core.proposal import Proposal
from tests.builders import approvable_proposal

SCHEDULE = Schedule(offsets=(14, 7, 3, 1), start_month=1)
UTC_ZONE = ZoneInfo("UTC")


def target(
    posted_on: date = date(2026, 10, 1),
    delivery_days: int = 45,
    proposal_id: int = 1,
    channel_id: str = "C1",
    title: str = "Fraud classifier fine-tune",
) -> ReminderTarget:
    return ReminderTarget(
        proposal_id=proposal_id,
        team_id="T1",
        channel_id=channel_id,
        thread_ts=f"1700000000.{proposal_id:06d}",
        title=title,
        proposal=approvable_proposal(delivery_days=delivery_days, title=title),
        posted_on=posted_on,
        vote_open=True,
    )


def summary(reminders: list[DueReminder]) -> list[tuple[str, date, int, bool]]:
    return sorted((r.kind.value, r.due_date, r.days_before, r.to_channel) for r in reminders)


# -- who gets reminders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "vote_open", "outcome", "expected"),
    [
        (True, True, None, True),
        (True, False, Outcome.APPROVED, True),
        (True, False, Outcome.REJECTED, False),
        (True, False, Outcome.NO_DECISION, False),
        (False, True, None, False),
        (False, False, Outcome.APPROVED, False),
    ],
)
def test_only_posted_proposals_under_vote_or_approved_by_the_committee_are_eligible(
    posted: bool, vote_open: bool, outcome: Outcome | None, expected: bool
) -> None:
    assert is_eligible(posted=posted, vote_open=vote_open, outcome=outcome) is expected


# -- when -------------------------------------------------------------------------------------


def test_a_quarter_has_four_qit_and_four_close_reminders_and_one_passed_deadline() -> None:
    quarter = fiscal_quarter(date(2026, 10, 1), 1)
    reminders = reminders_in_quarter(target(), quarter, SCHEDULE)
    qit, close = date(2026, 11, 16), date(2026, 12, 31)
    expected = [
        *[("qit_deadline", qit - timedelta(days=d), d, d == 1) for d in (14, 7, 3, 1)],
        *[("quarter_close", close - timedelta(days=d), d, d == 1) for d in (14, 7, 3, 1)],
        ("qit_passed", date(2026, 11, 17), -1, False),
    ]
    assert summary(reminders) == sorted(expected)


def test_a_qit_deadline_passed_before_posting_gets_no_qit_reminders_but_quarter_close_ones() -> (
    None
):
    late = target(posted_on=date(2026, 11, 20))
    reminders = reminders_in_quarter(late, fiscal_quarter(date(2026, 11, 20), 1), SCHEDULE)
    assert {r.kind for r in reminders} == {ReminderKind.QUARTER_CLOSE}
    assert len(reminders) == 4


def test_reminders_due_before_the_proposal_was_posted_are_dropped() -> None:
    posted = target(posted_on=date(2026, 11, 10))
    reminders = reminders_in_quarter(posted, fiscal_quarter(date(2026, 11, 10), 1), SCHEDULE)
    qit = sorted(r.days_before for r in reminders if r.kind is ReminderKind.QIT_DEADLINE)
    assert qit == [1, 3]


def test_a_proposal_is_reminded_about_its_posting_quarter_and_the_next_one_only() -> None:
    posted = target(posted_on=date(2026, 10, 1))
    next_one = fiscal_quarter(date(2027, 1, 1), 1)
    after = fiscal_quarter(date(2027, 4, 1), 1)
    assert len(reminders_in_quarter(posted, next_one, SCHEDULE)) == 9
    assert reminders_in_quarter(posted, after, SCHEDULE) == []


def test_yesterdays_missed_reminder_is_still_sent_but_not_one_two_days_late() -> None:
    on_time = summary(to_sweep([target()], day=date(2026, 11, 13), schedule=SCHEDULE))
    a_day_late = summary(to_sweep([target()], day=date(2026, 11, 14), schedule=SCHEDULE))
    two_days_late = summary(to_sweep([target()], day=date(2026, 11, 15), schedule=SCHEDULE))
    assert on_time == [("qit_deadline", date(2026, 11, 13), 3, False)]
    assert a_day_late == [("qit_deadline", date(2026, 11, 13), 3, False)]
    assert ("qit_deadline", date(2026, 11, 13), 3, False) not in two_days_late


def test_a_passed_deadline_stays_sendable_on_every_later_day_of_the_next_quarter() -> None:
    for day in (date(2026, 11, 17), date(2026, 12, 20), date(2027, 1, 5)):
        kinds = {r.kind for r in to_sweep([target()], day=day, schedule=SCHEDULE)}
        assert ReminderKind.QIT_PASSED in kinds, day
    assert not [
        r
        for r in to_sweep([target()], day=date(2026, 11, 16), schedule=SCHEDULE)
        if r.kind is ReminderKind.QIT_PASSED
    ]


def test_the_report_lists_only_what_is_due_exactly_that_day() -> None:
    assert summary(due_on([target()], day=date(2026, 11, 14), schedule=SCHEDULE)) == []
    assert summary(due_on([target()], day=date(2026, 11, 17), schedule=SCHEDULE)) == [
        ("qit_passed", date(2026, 11, 17), -1, False)
    ]


def test_a_fiscal_year_starting_in_february_puts_the_deadline_across_the_year_end() -> None:
    schedule = Schedule(offsets=(14, 7, 3, 1), start_month=2)
    posted = target(posted_on=date(2026, 12, 1), delivery_days=10)
    due = [r for r in to_sweep([posted], day=date(2027, 1, 20), schedule=schedule)]
    assert summary(due) == [("qit_deadline", date(2027, 1, 20), 1, True)]
    assert (due[0].quarter.fiscal_year, due[0].quarter.quarter) == (2027, 4)
    assert due[0].deadline == date(2027, 1, 21)


def test_a_fiscal_year_starting_in_december_closes_its_first_quarter_in_february() -> None:
    schedule = Schedule(offsets=(14, 7, 3, 1), start_month=12)
    posted = target(posted_on=date(2026, 12, 15), delivery_days=0)
    due = to_sweep([posted], day=date(2027, 2, 27), schedule=schedule)
    assert summary(due) == [
        ("qit_deadline", date(2027, 2, 27), 1, True),
        ("quarter_close", date(2027, 2, 27), 1, True),
    ]
    assert (due[0].quarter.fiscal_year, due[0].quarter.quarter) == (2027, 1)


def test_a_leap_year_february_close_is_the_29th() -> None:
    schedule = Schedule(offsets=(1,), start_month=12)
    posted = target(posted_on=date(2027, 12, 1), delivery_days=0)
    due = to_sweep([posted], day=date(2028, 2, 28), schedule=schedule)
    assert {r.deadline for r in due} == {date(2028, 2, 29)}


def test_last_day_reminders_of_one_channel_are_grouped_together() -> None:
    targets = [
        target(proposal_id=1, channel_id="C1"),
        target(proposal_id=2, channel_id="C1"),
        target(proposal_id=3, channel_id="C2"),
    ]
    groups = group_by_channel(to_sweep(targets, day=date(2026, 11, 15), schedule=SCHEDULE))
    assert {
        channel: [r.target.proposal_id for r in group] for channel, group in groups.items()
    } == {
        "C1": [1, 2],
        "C2": [3],
    }


# -- vote nudges --------------------------------------------------------------------------------

DEADLINE = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def nudge_target(created_at: datetime = DEADLINE - timedelta(days=3)) -> NudgeTarget:
    return NudgeTarget(
        proposal_id=7,
        team_id="T1",
        channel_id="C1",
        title="Fraud classifier fine-tune",
        vote_deadline=DEADLINE,
        created_at=created_at,
    )


def nudged(
    now: datetime,
    *,
    committee: list[str] | None = None,
    fallback: tuple[str, ...] = (),
    voted: set[str] | None = None,
    created_at: datetime = DEADLINE - timedelta(days=3),
) -> list[str]:
    found = nudges_due(
        [nudge_target(created_at)],
        now=now,
        zone=UTC_ZONE,
        committees={("T1", "C1"): committee} if committee else {},
        fallback_committee=fallback,
        voters={7: voted or set()},
    )
    return [nudge.user_id for nudge in found]


def test_members_who_have_not_voted_are_nudged_in_the_last_24_hours_only() -> None:
    committee = ["U1", "U2", "U3"]
    assert nudged(DEADLINE - timedelta(hours=25), committee=committee) == []
    assert nudged(DEADLINE - timedelta(hours=23), committee=committee, voted={"U2"}) == [
        "U1",
        "U3",
    ]
    assert nudged(DEADLINE, committee=committee) == []


def test_the_settings_committee_is_nudged_when_the_channel_has_none() -> None:
    assert nudged(DEADLINE - timedelta(hours=1), fallback=("U9",)) == ["U9"]
    assert nudged(DEADLINE - timedelta(hours=1), committee=["U1"], fallback=("U9",)) == ["U1"]


def test_nobody_is_nudged_without_a_committee_or_with_a_window_of_a_day_or_less() -> None:
    assert nudged(DEADLINE - timedelta(hours=1)) == []
    short = DEADLINE - timedelta(hours=12)
    assert nudged(DEADLINE - timedelta(hours=1), committee=["U1"], created_at=short) == []


def test_a_nudges_ledger_kind_fits_the_ledger_column_whatever_the_user_id() -> None:
    assert nudge_kind("U012ABCDEF") == "vote_nudge:U012ABCDEF"
    long_kind = nudge_kind("W" + "X" * 40)
    assert len(long_kind) <= MAX_KIND_LENGTH
    assert long_kind != nudge_kind("W" + "Y" * 40)


# -- texts --------------------------------------------------------------------------------------


def reminder_on(day: date, kind: ReminderKind, delivery_days: int = 45) -> DueReminder:
    due = to_sweep([target(delivery_days=delivery_days)], day=day, schedule=SCHEDULE)
    return next(r for r in due if r.kind is kind)


def test_the_qit_reminder_says_when_what_to_do_and_what_a_day_of_delay_costs() -> None:
    reminder = reminder_on(date(2026, 11, 13), ReminderKind.QIT_DEADLINE)
    text = qit_deadline_text(reminder, today=date(2026, 11, 13), policy=Policy())
    assert text == (
        "QIT deadline in 3 days (Mon 16 Nov): start by then to ship in FY2026 Q4; each day "
        "later costs 0.08× of timing-adjusted ROI (3.66× now; 21 days late and the 2.00× gate "
        "fails)."
    )


@given(
    revenue=st.floats(min_value=0, max_value=1e9),
    compute=st.floats(min_value=0, max_value=1e7),
    day_cost=st.one_of(st.none(), st.floats(min_value=0, max_value=5_000)),
    engineers=st.integers(min_value=1, max_value=50),
    engineering_days=st.floats(min_value=0.5, max_value=400),
    horizon=st.one_of(st.none(), st.integers(min_value=1, max_value=3650)),
    delivery_days=st.integers(min_value=0, max_value=3650),
    days_late=st.integers(min_value=0, max_value=4000),
)
def test_the_roi_a_reminder_quotes_is_the_engines_figure_for_that_late_start(
    revenue: float,
    compute: float,
    day_cost: float | None,
    engineers: int,
    engineering_days: float,
    horizon: int | None,
    delivery_days: int,
    days_late: int,
) -> None:
    planned = Proposal.model_validate(
        approvable_proposal().model_dump()
        | {
            "projected_revenue_usd": revenue,
            "compute_cost_usd": compute,
            "engineer_day_cost_usd": day_cost,
            "engineers": engineers,
            "engineering_days": engineering_days,
            "revenue_horizon_days": horizon,
            "delivery_days": delivery_days,
        }
    )
    engine = evaluate_late(planned, Policy(), days_late=days_late).figures.timing_adjusted_roi
    assert timing_adjusted_roi(planned, Policy(), days_late=days_late) == engine


def test_the_passed_deadline_message_recomputes_the_roi_with_the_days_lost() -> None:
    reminder = reminder_on(date(2026, 11, 17), ReminderKind.QIT_PASSED)
    one_day = qit_passed_text(reminder, today=date(2026, 11, 17), policy=Policy(), start_month=1)
    assert one_day == (
        "QIT deadline passed on Mon 16 Nov: it now ships in FY2027 Q1. Starting today (1 day "
        "late) the timing-adjusted ROI is 3.58× (the 2.00× gate still passes)."
    )
    month = qit_passed_text(reminder, today=date(2026, 12, 16), policy=Policy(), start_month=1)
    assert "(30 days late) the timing-adjusted ROI is 1.22× (the 2.00× gate fails)" in month


def test_the_quarter_close_reminder_tells_whether_the_qit_deadline_is_still_ahead() -> None:
    ahead = reminder_on(date(2026, 12, 17), ReminderKind.QUARTER_CLOSE, delivery_days=5)
    passed = reminder_on(date(2026, 12, 17), ReminderKind.QUARTER_CLOSE)
    assert quarter_close_text(ahead, today=date(2026, 12, 17), start_month=1) == (
        "FY2026 Q4 closes in 14 days (Thu 31 Dec). To ship inside it, start by the QIT "
        "deadline, Sat 26 Dec (in 9 days)."
    )
    assert quarter_close_text(passed, today=date(2026, 12, 17), start_month=1) == (
        "FY2026 Q4 closes in 14 days (Thu 31 Dec). Its QIT deadline (Mon 16 Nov) has passed: "
        "work starting today ships in FY2027 Q1."
    )


def test_the_channel_message_lists_each_proposal_on_one_line() -> None:
    targets = [target(proposal_id=1, title="Fraud <model>"), target(proposal_id=2, title="Search")]
    due = to_sweep(targets, day=date(2026, 11, 15), schedule=SCHEDULE)
    message = digest_message(group_by_channel(due)["C1"], today=date(2026, 11, 15))
    lines = message.text.splitlines()
    assert lines[1:] == [
        "• *Fraud &lt;model&gt;*: QIT deadline tomorrow (Mon 16 Nov): start by then to ship in "
        "FY2026 Q4.",
        "• *Search*: QIT deadline tomorrow (Mon 16 Nov): start by then to ship in FY2026 Q4.",
    ]


def test_dates_carry_their_weekday_and_the_year_when_it_is_not_this_one() -> None:
    assert day_label(date(2026, 11, 16), today=date(2026, 11, 1)) == "Mon 16 Nov"
    assert day_label(date(2027, 1, 4), today=date(2026, 12, 30)) == "Mon 4 Jan 2027"
    assert [in_days(0), in_days(1), in_days(3)] == ["today", "tomorrow", "in 3 days"]
