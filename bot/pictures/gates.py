"""Every gate's value against its bar on one axis: how far each passes or misses.

The axis is the value as a multiple of the bar, on a log scale (twice the bar and half the bar
lie equally far from it), with gates where lower is better inverted, so that right of the bar is
always better. Values beyond ¼× or 4× sit at the edge of the scale, marked as such. Each row also
says PASS, FAIL or WARN, with its own marker: colour is never the only sign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes

from bot.pictures.canvas import (
    FAIL_COLOUR,
    GREY,
    INK,
    NOTE_BOX,
    NOTE_SIZE,
    PASS_COLOUR,
    TICK_SIZE,
    WARN_COLOUR,
    figure_and_axes,
    render,
)
from bot.pictures.picture import Picture
from core.evaluation import Check, CheckId, CheckKind, Evaluation, Status
from core.wording import exact

FILENAME = "gates.png"
SCALE = (0.25, 4.0)
TICKS = {0.25: "¼×", 0.5: "½×", 1.0: "the bar", 2.0: "2×", 4.0: "4×"}


@dataclass(frozen=True, slots=True)
class _Gate:
    """How a gate reads: its name, whether higher values are better, its value against its bar."""

    name: str
    higher_is_better: bool
    comparator: str
    unit: str
    prefix: str = ""

    def against(self, check: Check) -> str:
        """``6.2 %  (bar ≥ 5 %)``; for the locks ``1 of 2 met``."""
        value, bar = _number(check.value), _number(check.threshold)
        if self.comparator == "of":
            return f"{value} of {bar}{self.unit}"
        sign = _SIGNS[self.comparator]
        return f"{self.prefix}{value}{self.unit}  (bar {sign} {bar}{self.unit})"


def _number(value: float | None) -> str:
    """A gate's figure, to two decimals at most: ``0.94``, ``141,135``, ``∞``."""
    if value is None:
        return "—"
    return exact(round(value, 2) if isinstance(value, float) and math.isfinite(value) else value)


GATES: dict[CheckId, _Gate] = {
    CheckId.KPI_LIFT: _Gate("KPI lift", True, ">=", " %"),
    CheckId.CLEAN_DATA_VOLUME: _Gate("Clean data volume", True, ">=", " rows"),
    CheckId.DATA_HYGIENE: _Gate("Data hygiene", True, ">=", " %", "lowest axis "),
    CheckId.SIGNAL_WEIGHTED_ROI: _Gate("Signal-weighted ROI", True, ">", " %/day"),
    CheckId.DELIVERY_WINDOW: _Gate("Delivery window", False, "<=", " days"),
    CheckId.TIMING_ADJUSTED_ROI: _Gate("Timing-adjusted ROI", True, ">=", "×"),
    CheckId.LATENCY_SLA: _Gate("Latency SLA", False, "<=", " ms"),
    CheckId.PROMPT_ALTERNATIVE: _Gate("Prompt alternative", False, "<=", "", "prompt/target "),
    CheckId.METRIC_LOCK: _Gate("Metric locks", True, "of", " met"),
}
_SIGNS = {">=": "≥", ">": ">", "<=": "≤"}
STATUS_LOOK = {
    Status.PASS: ("PASS", PASS_COLOUR, "o", ""),
    Status.FAIL: ("FAIL", FAIL_COLOUR, "X", "//"),
    Status.WARN: ("WARN", WARN_COLOUR, "D", ".."),
}


def gates_picture(evaluation: Evaluation) -> Picture:
    """Each gate's value against its threshold, pass and fail told apart by word and marker."""
    gates = [check for check in evaluation.checks if check.kind == CheckKind.GATE]
    title = _title(gates)
    figure, axes = figure_and_axes(
        title,
        xlabel="Value as a multiple of its bar (log scale; lower-is-better gates inverted: "
        "right is better)",
        ylabel="",
    )
    axes.set_xscale("log", base=2)
    axes.set_xlim(SCALE[0] / 1.25, SCALE[1] * 1.6)
    axes.set_xticks(list(TICKS), list(TICKS.values()))
    axes.axvline(1.0, color=INK, linewidth=2)
    clamped = False
    for row, check in enumerate(reversed(gates)):
        clamped |= _row(axes, row, check)
    axes.set_yticks(range(len(gates)), [_label(check) for check in reversed(gates)])
    axes.set_ylim(-0.7, len(gates) - 0.3)
    axes.tick_params(axis="y", length=0, labelsize=TICK_SIZE)
    axes.grid(False, axis="y")
    if clamped:
        axes.text(
            0,
            -0.1,
            "◀ ▶ beyond the scale: the value is written beside the row",
            transform=axes.transAxes,
            fontsize=NOTE_SIZE,
            color=GREY,
            va="top",
        )
    return render(figure, filename=FILENAME, title=title, alt_text=finding(gates))


def score(check: Check) -> float | None:
    """The check's value as a multiple of its bar, inverted where lower is better; ``None`` when
    the gate was not assessed or has nothing to compare (no metric locks)."""
    value, bar = check.value, check.threshold
    if value is None or bar is None or (check.id == CheckId.METRIC_LOCK and bar == 0):
        return None
    if bar < 0:  # a KPI-lift minimum below zero: the margin, in units of the bar's size
        margin = value - bar if GATES[check.id].higher_is_better else bar - value
        return max(0.0, 1 + margin / -bar)
    if GATES[check.id].higher_is_better:
        return _ratio(value, bar)
    return 1.0 if value == bar == 0 else _ratio(bar, value) if value > 0 else math.inf


def _ratio(value: float, bar: float) -> float:
    """``value / bar`` for a bar of 0 or more: at a bar of 0, 1 for 0 and unbounded otherwise."""
    if bar == 0:
        return 1.0 if value == 0 else math.copysign(math.inf, value)
    return value / bar if math.isfinite(value) else math.inf


def _row(axes: Axes, row: int, check: Check) -> bool:
    """Draw one gate's row; whether its value lies beyond the scale."""
    position = score(check)
    if position is None:
        words = "not assessed" if check.status == Status.NOT_APPLICABLE else "no locks set: WARN"
        axes.text(
            1.0,
            row,
            f"  {words}",
            va="center",
            ha="left",
            fontsize=NOTE_SIZE,
            color=GREY,
            style="italic",
        )
        return False
    word, colour, marker, hatch = STATUS_LOOK[check.status]
    shown = min(max(position, SCALE[0]), SCALE[1])
    axes.barh(
        row,
        shown - 1.0,
        left=1.0,
        height=0.5,
        color=colour,
        alpha=0.35,
        edgecolor=colour,
        hatch=hatch,
        linewidth=1.5,
    )
    beyond = shown != position
    axes.plot(
        [shown],
        [row],
        marker=(">" if position > 1 else "<") if beyond else marker,
        markersize=14,
        color=colour,
        markeredgecolor=INK,
        linestyle="none",
    )
    note = f"{word}  {GATES[check.id].against(check)}{_why(check)}"
    # Right of the marker; inside the bar's end when that would run off the scale; right of the
    # bar line for a bar that reaches left (its label would run into the gate names).
    if shown >= 2.2:
        anchor, offset, inside = shown, -14, True
    elif shown < 1.0:
        anchor, offset, inside = 1.0, 10, False
    else:
        anchor, offset, inside = shown, 14, False
    axes.annotate(
        note,
        xy=(anchor, row),
        xytext=(offset, 0),
        textcoords="offset points",
        ha="right" if inside else "left",
        va="center",
        fontsize=NOTE_SIZE,
        color=INK,
        fontweight="bold" if word == "FAIL" else "normal",
        bbox=NOTE_BOX if inside else None,
    )
    return beyond


def _why(check: Check) -> str:
    """A reason the position alone would not give."""
    if (
        check.id == CheckId.PROMPT_ALTERNATIVE
        and check.status == Status.PASS
        and ((check.value or 0) > (check.threshold or 0))
    ):
        return ", ruled out"
    if check.id == CheckId.TIMING_ADJUSTED_ROI and check.value == math.inf:
        return " (no cost)"
    if check.id == CheckId.METRIC_LOCK and check.status == Status.WARN:
        return " (one anchor)"
    return ""


def _label(check: Check) -> str:
    return GATES[check.id].name


def _failing(gates: list[Check]) -> list[Check]:
    return [check for check in gates if check.status == Status.FAIL]


def _title(gates: list[Check]) -> str:
    failing = _failing(gates)
    assessed = [check for check in gates if check.status != Status.NOT_APPLICABLE]
    if not failing:
        return f"Gates: none of the {len(assessed)} assessed fail"
    names = [_in_sentence(GATES[check.id].name) for check in failing]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    count = (
        f"all {len(failing)}"
        if len(failing) == len(assessed)
        else f"{len(failing)} of {len(assessed)} assessed"
    )
    return f"Gates: {count} fail — {shown}"


def finding(gates: list[Check]) -> str:
    """The failing gates in the engine's words, then what passes and what was not assessed."""
    failing = _failing(gates)
    parts = []
    parts.append(" ".join(check.message for check in failing) if failing else "No gate fails.")
    passing = [_in_sentence(GATES[c.id].name) for c in gates if c.status == Status.PASS]
    warned = [c.message for c in gates if c.status == Status.WARN]
    unassessed = [
        _in_sentence(GATES[c.id].name) for c in gates if c.status == Status.NOT_APPLICABLE
    ]
    if passing:
        parts.append(f"Passing: {', '.join(passing)}.")
    parts.extend(warned)
    if unassessed:
        parts.append(f"Not assessed: {', '.join(unassessed)}.")
    return " ".join(parts)


def _in_sentence(name: str) -> str:
    """A gate's name inside a sentence: ``clean data volume``, but ``KPI lift``."""
    first = name.split()[0]
    return name if first.isupper() else name[0].lower() + name[1:]
