"""A tornado chart: how far each uncertain field, at the low and the high end of its range,
moves the probability of approval away from the overall probability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter
from pydantic import BaseModel, ConfigDict, Field

from bot.pictures.canvas import (
    BLUE,
    INK,
    NOTE_BOX,
    NOTE_SIZE,
    ORANGE,
    TICK_SIZE,
    figure_and_axes,
    legend_below,
    render,
)
from bot.pictures.picture import Picture

FILENAME = "tornado.png"
Probability = Annotated[float, Field(ge=0, le=1)]
HALF_BAR = 0.36
LABEL_WIDTH_PER_CHARACTER = 0.0075  # of the 0–100 % axis, at the labels' font size


class SwingBar(BaseModel):
    """One uncertain field: P(approve) with the field at the low and at the high end of its
    range, every other field left uncertain."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, Field(min_length=1)]
    low_label: str
    high_label: str
    probability_at_low: Probability
    probability_at_high: Probability

    @property
    def swing(self) -> float:
        """How far apart the two ends put P(approve)."""
        return abs(self.probability_at_high - self.probability_at_low)


def tornado_picture(approve_probability: float, swing: Sequence[SwingBar]) -> Picture:
    """P(approve) per uncertain field around the overall probability, largest swing on top;
    the low end hatched, the high end solid, each end labelled with its value."""
    bars = sorted(swing, key=lambda bar: bar.swing, reverse=True)
    title = _title(approve_probability, bars)
    figure, axes = figure_and_axes(title, xlabel="Probability of approval", ylabel="")
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.axvline(approve_probability, color=INK, linewidth=2)
    for row, bar in enumerate(reversed(bars)):
        _bar(axes, row, approve_probability, bar)
    axes.set_yticks(range(len(bars)), [bar.label for bar in reversed(bars)])
    axes.set_ylim(-0.8, max(len(bars), 1) - 0.2)
    axes.tick_params(axis="y", length=0, labelsize=TICK_SIZE)
    axes.grid(False, axis="y")
    if not bars:
        axes.text(approve_probability, 0, "  no uncertain fields", va="center", fontsize=NOTE_SIZE)
    ends = [
        Patch(facecolor="white", edgecolor=ORANGE, hatch="//", label="field at its low end"),
        Patch(facecolor=BLUE, alpha=0.6, edgecolor=BLUE, label="field at its high end"),
    ]
    overall = Line2D(
        [], [], color=INK, linewidth=2, label=f"overall: {_percent(approve_probability)}"
    )
    handles = [*ends, overall] if bars else [overall]
    legend_below(axes, handles=handles)
    return render(
        figure, filename=FILENAME, title=title, alt_text=finding(approve_probability, bars)
    )


def _bar(axes: Axes, row: int, centre: float, bar: SwingBar) -> None:
    """The low end just above the row's middle, the high end just below, both from the centre."""
    ends = (
        (row + HALF_BAR / 2, bar.probability_at_low, bar.low_label, "//", "white", ORANGE),
        (row - HALF_BAR / 2, bar.probability_at_high, bar.high_label, "", BLUE, BLUE),
    )
    for y, probability, label, hatch, face, edge in ends:
        axes.barh(
            y,
            probability - centre,
            left=centre,
            height=HALF_BAR,
            color=face,
            edgecolor=edge,
            hatch=hatch,
            linewidth=1.5,
            alpha=1.0 if hatch else 0.6,
        )
        _end_label(axes, y, centre, probability, f"{label}: {_percent(probability)}")


def _end_label(axes: Axes, y: float, centre: float, probability: float, text: str) -> None:
    """Beyond the bar's end, away from the centre; failing room before the axis edge, on the
    other side of the centre line (that side of this half-row is empty); failing that, inside
    the bar on a white box."""
    rightward = probability >= centre
    width = LABEL_WIDTH_PER_CHARACTER * len(text) + 0.01
    outward = 1 if rightward else -1
    box = None
    if (1 - probability if rightward else probability) >= width:
        anchor, side = probability, outward
    elif (centre if rightward else 1 - centre) >= width:
        anchor, side = centre, -outward
    else:
        anchor, side, box = probability, -outward, NOTE_BOX
    axes.annotate(
        text,
        xy=(anchor, y),
        xytext=(8 * side, 0),
        textcoords="offset points",
        ha="left" if side > 0 else "right",
        va="center",
        fontsize=NOTE_SIZE - 1,
        color=INK,
        bbox=box,
    )


def _percent(probability: float) -> str:
    return f"{probability * 100:.0f} %"


def _title(approve_probability: float, bars: list[SwingBar]) -> str:
    overall = f"P(approve) {_percent(approve_probability)}"
    if not bars:
        return f"{overall}: no uncertain fields"
    top = bars[0]
    low, high = sorted((top.probability_at_low, top.probability_at_high))
    return f"{overall}: {top.label} swings it most ({_percent(low)} to {_percent(high)})"


def finding(approve_probability: float, bars: list[SwingBar]) -> str:
    """The overall probability, then the fields that move it most, largest first."""
    overall = f"The proposal is approved in {_percent(approve_probability)} of scenarios"
    if not bars:
        return f"{overall}; no field was given a range."
    first, *others = bars[:3]
    said = (
        f"{overall}. {first.label} moves it most: {_percent(first.probability_at_low)} at "
        f"{first.low_label}, {_percent(first.probability_at_high)} at {first.high_label}"
    )
    rest = "; then ".join(
        f"{bar.label} ({_percent(bar.probability_at_low)} to {_percent(bar.probability_at_high)})"
        for bar in others
    )
    return f"{said}{'; then ' + rest if rest else ''}."
