"""Quarterly Impact Timing: the revenue a proposal keeps for each day its delivery takes,
against the ROI floor, with this plan's delivery day and this quarter's deadlines."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from bot.pictures.canvas import (
    BLUE,
    GREEN,
    GREY,
    INK,
    LIGHT_GREY,
    VERMILION,
    figure_and_axes,
    legend_below,
    render,
)
from bot.pictures.numbers import dollars, times
from bot.pictures.picture import Picture
from core.calendar import days_to_close, fiscal_quarter, qit_deadline
from core.evaluation import Evaluation
from core.proposal import Proposal
from core.wording import exact

FILENAME = "timing.png"


@dataclass(frozen=True, slots=True)
class _Timing:
    """The figures the picture draws, all in days from today or dollars."""

    revenue: float
    horizon: int
    floor: float
    cost: float
    min_roi: float
    delivery: int
    kept: float
    roi: float
    latest_clearing_day: float | None
    close_in: int
    close: date
    start_by_in: int
    start_by: date

    def kept_on(self, day: float) -> float:
        """Revenue kept when the model ships on ``day``."""
        return self.revenue * max(0.0, 1 - day / self.horizon)


def timing_picture(
    proposal: Proposal, evaluation: Evaluation, *, today: date, fiscal_year_start_month: int
) -> Picture:
    """Revenue kept against the delivery day, the ROI floor, this plan's day, the QIT deadline
    and the quarter close, all measured in days from ``today``."""
    timing = _timing(proposal, evaluation, today, fiscal_year_start_month)
    title = _title(timing)
    figure, axes = figure_and_axes(
        title, xlabel="Days from today until the model ships", ylabel="Revenue kept"
    )
    left, right = _day_range(timing)
    axes.set_xlim(left, right)
    _revenue_and_floor(axes, timing, left, right)
    _plan_and_deadlines(axes, timing)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: dollars(value)))
    axes.set_ylim(bottom=-0.04 * max(timing.revenue, timing.floor, 1.0))
    legend_below(axes, columns=2)
    return render(figure, filename=FILENAME, title=title, alt_text=finding(timing))


def _timing(proposal: Proposal, evaluation: Evaluation, today: date, start_month: int) -> _Timing:
    policy, figures = evaluation.policy, evaluation.figures
    horizon = proposal.revenue_horizon_days or policy.revenue_horizon_days
    revenue, cost = proposal.projected_revenue_usd, figures.total_cost_usd
    floor = policy.min_roi_multiple * cost
    quarter = fiscal_quarter(today, start_month)
    start_by = qit_deadline(today, start_month, proposal.delivery_days)
    latest = horizon * (1 - floor / revenue) if revenue > floor else None
    return _Timing(
        revenue=revenue,
        horizon=horizon,
        floor=floor,
        cost=cost,
        min_roi=policy.min_roi_multiple,
        delivery=proposal.delivery_days,
        kept=figures.timing_adjusted_gain_usd,
        roi=figures.timing_adjusted_roi,
        latest_clearing_day=latest,
        close_in=days_to_close(today, quarter),
        close=quarter.close,
        start_by_in=(start_by - today).days,
        start_by=start_by,
    )


def _day_range(timing: _Timing) -> tuple[float, float]:
    """From today (or the QIT deadline, when it has passed) to past the furthest day shown."""
    furthest = max(timing.horizon, timing.delivery, timing.close_in)
    left = min(0, timing.start_by_in)
    margin = 0.04 * (furthest - left)
    return left - margin, furthest + margin


def _revenue_and_floor(axes: Axes, timing: _Timing, left: float, right: float) -> None:
    days = np.linspace(0, right, 400)
    kept = np.array([timing.kept_on(day) for day in days])
    axes.plot(days, kept, color=BLUE, linewidth=3, label="revenue kept if it ships on that day")
    axes.axhline(
        timing.floor,
        color=VERMILION,
        linewidth=2.5,
        linestyle=(0, (8, 4)),
        label=f"ROI floor: {exact(timing.min_roi)}× the cost ({dollars(timing.floor)})",
    )
    if left < 0:
        axes.axvspan(left, 0, facecolor=LIGHT_GREY, alpha=0.5, linewidth=0, label="before today")
    below = kept < timing.floor
    if not below.any():
        return
    axes.fill_between(
        days,
        kept,
        timing.floor,
        where=below,
        facecolor="none",
        edgecolor=VERMILION,
        hatch="//",
        linewidth=0,
        label="below the floor",
    )


def _plan_and_deadlines(axes: Axes, timing: _Timing) -> None:
    axes.axvline(
        timing.start_by_in,
        color=GREEN,
        linewidth=2,
        linestyle=":",
        label=f"QIT deadline: start by {timing.start_by:%b %-d} ({_in_days(timing.start_by_in)})",
    )
    axes.axvline(
        timing.close_in,
        color=INK,
        linewidth=2,
        linestyle="-.",
        label=f"quarter closes {timing.close:%b %-d} ({_in_days(timing.close_in)})",
    )
    axes.plot(
        [timing.delivery],
        [timing.kept],
        marker="o",
        markersize=16,
        color=BLUE,
        markeredgecolor=INK,
        markeredgewidth=2,
        linestyle="none",
        label=f"this plan: ships on day {timing.delivery}, keeps {dollars(timing.kept)}",
    )
    axes.axvline(timing.delivery, color=GREY, linewidth=1, linestyle="--")


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    if days < 0:
        return f"{-days} day{'' if days == -1 else 's'} ago"
    return f"in {days} day{'' if days == 1 else 's'}"


def _title(timing: _Timing) -> str:
    if math.isinf(timing.roi):
        return f"Shipping on day {timing.delivery} keeps {dollars(timing.kept)} at no cost"
    verdict = "above" if timing.roi >= timing.min_roi else "below"
    return (
        f"Shipping on day {timing.delivery} keeps {dollars(timing.kept)}: "
        f"{_roi(timing)} the cost, {verdict} the {exact(timing.min_roi)}× floor"
    )


def _roi(timing: _Timing) -> str:
    return (
        "no cost, so unbounded against"
        if math.isinf(timing.roi)
        else times(timing.roi, timing.min_roi)
    )


def finding(timing: _Timing) -> str:
    """Revenue kept, its multiple of the cost against the floor, and the calendar."""
    verdict = "above" if timing.roi >= timing.min_roi else "below"
    kept = (
        f"Shipping on day {timing.delivery} keeps {dollars(timing.kept)} of the "
        f"{dollars(timing.revenue)} revenue over {timing.horizon} days"
    )
    if math.isinf(timing.roi):
        value = f"{kept}; with no cost, any revenue clears the floor."
    else:
        value = (
            f"{kept}, {times(timing.roi, timing.min_roi)} the {dollars(timing.cost)} cost, "
            f"{verdict} the {exact(timing.min_roi)}× floor."
        )
    return f"{value} {_clearing(timing)} {_calendar(timing)}"


def _clearing(timing: _Timing) -> str:
    latest = timing.latest_clearing_day
    if timing.cost == 0 and timing.revenue > 0:
        return f"Shipping before day {timing.horizon}, while any revenue is left, clears it."
    if latest is None:
        return "No delivery day clears the floor: the revenue is below it even on day 0."
    return f"Shipping by day {math.floor(latest)} clears the floor."


def _calendar(timing: _Timing) -> str:
    close = f"The quarter closes {timing.close.isoformat()} ({_in_days(timing.close_in)})"
    if timing.start_by_in < 0:
        return (
            f"{close}; the QIT deadline to start and still ship in it passed "
            f"{timing.start_by.isoformat()} ({_in_days(timing.start_by_in)})."
        )
    return (
        f"{close}; to ship in it, work must start by {timing.start_by.isoformat()} "
        f"({_in_days(timing.start_by_in)})."
    )
