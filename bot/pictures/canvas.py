"""The one look every picture shares: size, fonts, line styles and colours, and the PNG step.

1200 × 700 px; colours from the Okabe–Ito palette (safe for colour-blind readers), and never
colour alone: every distinction also has a marker, a line style, a hatch or a word.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.pictures.picture import Picture

WIDTH_PX, HEIGHT_PX, DPI = 1200, 700, 100
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 17, 14, 12, 12

BLUE, VERMILION, ORANGE, GREEN, SKY = "#0072B2", "#D55E00", "#E69F00", "#009E73", "#56B4E9"
GREY, LIGHT_GREY, INK = "#666666", "#DDDDDD", "#222222"
PASS_COLOUR, FAIL_COLOUR, WARN_COLOUR = BLUE, VERMILION, ORANGE
ALT_TEXT_LIMIT = 2000  # Slack's limit for an image's alt text
NOTE_BOX = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": LIGHT_GREY}


def figure_and_axes(title: str, *, xlabel: str, ylabel: str) -> tuple[Figure, Axes]:
    """A blank 1200 × 700 figure with one styled axes, titled."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    figure.set_facecolor("white")
    axes = figure.add_subplot()
    axes.set_title(title, fontsize=TITLE_SIZE, loc="left", color=INK, pad=12)
    axes.set_xlabel(xlabel, fontsize=LABEL_SIZE, color=INK)
    axes.set_ylabel(ylabel, fontsize=LABEL_SIZE, color=INK)
    axes.tick_params(labelsize=TICK_SIZE, colors=INK)
    axes.grid(True, color=LIGHT_GREY, linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def legend(axes: Axes, handles: Sequence[Artist] | None = None, **options: Any) -> None:
    """The axes' legend (of ``handles``, or of every labelled artist) on a white box."""
    if handles is not None:
        options["handles"] = handles
    axes.legend(fontsize=NOTE_SIZE, framealpha=0.95, edgecolor=LIGHT_GREY, **options)


def legend_below(axes: Axes, columns: int = 3, handles: Sequence[Artist] | None = None) -> None:
    """The legend in rows under the axes, where it can hide no data."""
    legend(axes, handles, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=columns)


def render(figure: Figure, *, filename: str, title: str, alt_text: str) -> Picture:
    """The figure as PNG bytes, with its title and alt text."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return Picture(
        filename=filename, png=buffer.getvalue(), title=title, alt_text=_shortened(alt_text)
    )


def _shortened(text: str) -> str:
    """The text, cut after its last whole sentence that fits Slack's alt-text limit."""
    if len(text) <= ALT_TEXT_LIMIT:
        return text
    cut = text.rfind(". ", 0, ALT_TEXT_LIMIT - 1)
    return text[: cut + 1] + "…" if cut > 0 else text[: ALT_TEXT_LIMIT - 1] + "…"
