"""What the reminders say. Pure: the texts and blocks are built from the plan and `core` alone.

Every text says what to do and by when, with exact dates and weekdays ("Mon 16 Nov").
The timing-adjusted ROI figures come from `core`, never from a formula of their own: from
`core.figures` (the figures of docs/framework.md §2, the very functions the engine derives them
with) for the cost of a day's delay, and from a full `core.engine.evaluate` for a passed
deadline, whose text also says whether the gate still passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.blocks.format import safe, section, sections_from_lines, slack_date
from bot.reminders.plan import DueNudge, DueReminder, ReminderKind
from core.calendar import FiscalQuarter, fiscal_quarter
from core.engine import evaluate
from core.evaluation import CheckId, Evaluation, Status
from core.figures import Terms, return_multiple, timing_adjusted_gain, total_cost
from core.policy import Policy
from core.proposal import Proposal, bounds_of

TITLE_LIMIT = 150
MAX_DELIVERY_DAYS = int(bounds_of(Proposal, "delivery_days").upper or 3650)
DIGEST_HEADER = "*Deadlines coming up* (the details are in each proposal's thread):"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message's notification text and its blocks."""

    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class RoiOutlook:
    """The timing-adjusted ROI today, what each day of delay costs, and the gate it must meet."""

    now: float
    per_day: float
    gate: float

    @property
    def days_of_slack(self) -> int | None:
        """Days of delay before the gate fails; None when delay costs nothing or it fails now."""
        if self.per_day <= 0 or self.now < self.gate:
            return None
        return math.floor(round((self.now - self.gate) / self.per_day, 9)) + 1


def day_label(day: date, *, today: date) -> str:
    """A date with its weekday, "Mon 16 Nov"; the year is added when it is not today's."""
    label = f"{day:%a} {day.day} {day:%b}"
    return label if day.year == today.year else f"{label} {day.year}"


def quarter_label(quarter: FiscalQuarter) -> str:
    """A fiscal quarter as people say it: "FY2026 Q4"."""
    return f"FY{quarter.fiscal_year} Q{quarter.quarter}"


def in_days(days: int) -> str:
    """ "today", "tomorrow" or "in 3 days"."""
    if days == 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def ratio(value: float) -> str:
    """An ROI multiple: "2.40×" ("∞×" without cost)."""
    return "∞×" if math.isinf(value) else f"{value:,.2f}×"


def _per_day(value: float) -> str:
    return f"{value:,.2f}×" if value >= 0.01 else f"{value:.2g}×"


def _late_days(proposal: Proposal, days_late: int) -> int:
    return min(proposal.delivery_days + days_late, MAX_DELIVERY_DAYS)


def evaluate_late(proposal: Proposal, policy: Policy, *, days_late: int = 0) -> Evaluation:
    """The engine's evaluation of the proposal when its work starts ``days_late`` days late."""
    late = _late_days(proposal, days_late)
    return evaluate(proposal.model_copy(update={"delivery_days": late}), policy)


def timing_adjusted_roi(proposal: Proposal, policy: Policy, *, days_late: int = 0) -> float:
    """The engine's timing-adjusted ROI figure when the work starts ``days_late`` days late.

    The same number as ``evaluate_late(...).figures.timing_adjusted_roi``, from the same
    `core.figures` functions, without the rest of the evaluation.
    """
    terms = Terms.of(proposal, policy)
    late = terms._replace(delivery_days=_late_days(proposal, days_late))
    return return_multiple(timing_adjusted_gain(late), total_cost(late))


def roi_outlook(proposal: Proposal, policy: Policy) -> RoiOutlook | None:
    """How the timing-adjusted ROI falls per day of delay; None when it is infinite."""
    now = timing_adjusted_roi(proposal, policy)
    if not math.isfinite(now):
        return None
    later = timing_adjusted_roi(proposal, policy, days_late=1)
    return RoiOutlook(now=now, per_day=max(0.0, now - later), gate=policy.min_roi_multiple)


def shipping_quarter(start: date, proposal: Proposal, start_month: int) -> FiscalQuarter:
    """The quarter a proposal ships in when its work starts on ``start``."""
    return fiscal_quarter(start + timedelta(days=proposal.delivery_days), start_month)


# -- thread messages ----------------------------------------------------------------------------


def qit_deadline_text(reminder: DueReminder, *, today: date, policy: Policy) -> str:
    """ "QIT deadline in 3 days (Mon 16 Nov): start by then to ship in FY2026 Q4; …"."""
    when = in_days((reminder.deadline - today).days)
    head = (
        f"QIT deadline {when} ({day_label(reminder.deadline, today=today)}): start by then "
        f"to ship in {quarter_label(reminder.quarter)}"
    )
    outlook = roi_outlook(reminder.target.proposal, policy)
    return head + _cost_of_delay(outlook) + "."


def _cost_of_delay(outlook: RoiOutlook | None) -> str:
    if outlook is None or outlook.per_day == 0:
        return ""
    cost = f"; each day later costs {_per_day(outlook.per_day)} of timing-adjusted ROI"
    gate = ratio(outlook.gate)
    slack = outlook.days_of_slack
    if slack is None:
        return f"{cost} ({ratio(outlook.now)} now, already below the {gate} gate)"
    late = "1 day" if slack == 1 else f"{slack} days"
    return f"{cost} ({ratio(outlook.now)} now; {late} late and the {gate} gate fails)"


def quarter_close_text(reminder: DueReminder, *, today: date, start_month: int) -> str:
    """ "FY2026 Q4 closes in 7 days (Thu 31 Dec). …" with what it means for the QIT deadline."""
    proposal = reminder.target.proposal
    quarter = reminder.quarter
    head = (
        f"{quarter_label(quarter)} closes {in_days((quarter.close - today).days)} "
        f"({day_label(quarter.close, today=today)})."
    )
    qit = quarter.close - timedelta(days=proposal.delivery_days)
    if qit >= today:
        return (
            f"{head} To ship inside it, start by the QIT deadline, "
            f"{day_label(qit, today=today)} ({in_days((qit - today).days)})."
        )
    ships = quarter_label(shipping_quarter(today, proposal, start_month))
    return (
        f"{head} Its QIT deadline ({day_label(qit, today=today)}) has passed: "
        f"work starting today ships in {ships}."
    )


def qit_passed_text(reminder: DueReminder, *, today: date, policy: Policy, start_month: int) -> str:
    """ "QIT deadline passed on Mon 16 Nov: it now ships in FY2027 Q1. Starting today …"."""
    proposal = reminder.target.proposal
    days_late = (today - reminder.deadline).days
    evaluation = evaluate_late(proposal, policy, days_late=days_late)
    gate = evaluation.check(CheckId.TIMING_ADJUSTED_ROI)
    verdict = "fails" if gate.status is Status.FAIL else "still passes"
    ships = quarter_label(shipping_quarter(today, proposal, start_month))
    late = "1 day" if days_late == 1 else f"{days_late} days"
    return (
        f"QIT deadline passed on {day_label(reminder.deadline, today=today)}: it now ships in "
        f"{ships}. Starting today ({late} late) the timing-adjusted ROI is "
        f"{ratio(evaluation.figures.timing_adjusted_roi)} "
        f"(the {ratio(policy.min_roi_multiple)} gate {verdict})."
    )


def thread_text(reminder: DueReminder, *, today: date, policy: Policy, start_month: int) -> str:
    """The text of a reminder in its proposal's thread."""
    if reminder.kind is ReminderKind.QIT_DEADLINE:
        return qit_deadline_text(reminder, today=today, policy=policy)
    if reminder.kind is ReminderKind.QUARTER_CLOSE:
        return quarter_close_text(reminder, today=today, start_month=start_month)
    return qit_passed_text(reminder, today=today, policy=policy, start_month=start_month)


def thread_message(
    reminder: DueReminder, *, today: date, policy: Policy, start_month: int
) -> Rendered:
    """A reminder for its proposal's thread."""
    text = thread_text(reminder, today=today, policy=policy, start_month=start_month)
    return Rendered(text=text, blocks=[section(text)])


# -- the channel's grouped message --------------------------------------------------------------


def digest_line(reminder: DueReminder, *, today: date) -> str:
    """One proposal's line in the channel's grouped message."""
    title = f"*{safe(reminder.target.title, TITLE_LIMIT)}*"
    days = (reminder.deadline - today).days
    when = f"{in_days(days)} ({day_label(reminder.deadline, today=today)})"
    quarter = quarter_label(reminder.quarter)
    if reminder.kind is ReminderKind.QIT_DEADLINE:
        return f"• {title}: QIT deadline {when}: start by then to ship in {quarter}."
    return f"• {title}: {quarter} closes {when}."


def digest_message(reminders: Sequence[DueReminder], *, today: date) -> Rendered:
    """One message for the channel listing every proposal's last reminder of the day."""
    lines = [digest_line(reminder, today=today) for reminder in reminders]
    text = "\n".join([DIGEST_HEADER, *lines])
    return Rendered(text=text, blocks=sections_from_lines([DIGEST_HEADER, *lines]))


# -- vote nudges --------------------------------------------------------------------------------


def nudge_message(nudge: DueNudge) -> Rendered:
    """The DM to a committee member who has not voted yet."""
    target = nudge.target
    text = (
        f"The committee vote on *{safe(target.title, TITLE_LIMIT)}* in <#{target.channel_id}> "
        f"closes {slack_date(target.vote_deadline)} and you have not voted yet. Vote with the "
        "buttons on the verdict, or reply `approve`, `reject` or `abstain` in its thread."
    )
    return Rendered(text=text, blocks=[section(text)])
