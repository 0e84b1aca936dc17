"""The validation loss per epoch: the best epoch, the rise after it, the epochs past the safe
limit, and the plan's epoch count."""

from __future__ import annotations

import math

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from bot.evidence.curve.model import LossCurve
from bot.pictures.canvas import (
    BLUE,
    GREY,
    INK,
    NOTE_BOX,
    NOTE_SIZE,
    ORANGE,
    VERMILION,
    figure_and_axes,
    legend_below,
    render,
)
from bot.pictures.numbers import loss, percent
from bot.pictures.picture import Picture
from core.policy import Policy
from core.wording import exact

FILENAME = "loss-curve.png"


def loss_curve_picture(curve: LossCurve, policy: Policy, planned_epochs: int | None) -> Picture:
    """Validation (and training) loss per epoch, the best epoch starred, the rise after it
    measured, the epochs past ``policy.max_safe_epochs`` hatched, the plan's last epoch drawn."""
    title = _title(curve)
    figure, axes = figure_and_axes(title, xlabel="Epoch", ylabel=f"Loss ({curve.metric})")
    last = max(len(curve.epochs), planned_epochs or 0)
    axes.set_xlim(0.5, last + 0.5)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _unsafe_epochs(axes, policy.max_safe_epochs, last)
    _losses(axes, curve)
    _loss_range(axes, curve)
    _best_and_rise(axes, curve, policy.overfit_rise_pct)
    if planned_epochs is not None:
        axes.axvline(
            planned_epochs,
            color=INK,
            linestyle=(0, (6, 3)),
            linewidth=1.5,
            label=f"the plan: {planned_epochs} epoch{'' if planned_epochs == 1 else 's'}",
        )
    legend_below(axes)
    alt_text = finding(curve, policy, planned_epochs)
    return render(figure, filename=FILENAME, title=title, alt_text=alt_text)


def _title(curve: LossCurve) -> str:
    best, rise = curve.best_epoch, curve.rise_after_best_pct
    if len(curve.epochs) == 1:
        return f"Validation loss: one epoch ({loss(curve.best_loss)})"
    if max(curve.validation_losses) == curve.best_loss:
        return f"Validation loss: flat at {loss(curve.best_loss)} over {len(curve.epochs)} epochs"
    if rise == 0:
        return f"Validation loss: lowest at epoch {best} ({loss(curve.best_loss)}), no rise after"
    if math.isinf(rise):
        top = max(curve.validation_losses[best:])
        return f"Validation loss: 0 at epoch {best}, then up to {loss(top)}"
    return (
        f"Validation loss: lowest at epoch {best} ({loss(curve.best_loss)}), "
        f"then up {percent(rise)}"
    )


def _unsafe_epochs(axes: Axes, safe: int, last: int) -> None:
    if last <= safe:
        return
    axes.axvspan(
        safe + 0.5,
        last + 0.5,
        facecolor="#F3F3F3",
        edgecolor="#BBBBBB",
        hatch="//",
        linewidth=0,
        label=f"past the safe {safe} epochs",
    )


def _losses(axes: Axes, curve: LossCurve) -> None:
    if curve.training_losses is not None:
        training = [math.nan if value is None else value for value in curve.training_losses]
        axes.plot(
            curve.epochs,
            training,
            color=GREY,
            linestyle="--",
            linewidth=2,
            marker="s",
            markersize=7,
            label="training loss",
        )
    axes.plot(
        curve.epochs,
        curve.validation_losses,
        color=BLUE,
        linewidth=3,
        marker="o",
        markersize=8,
        label="validation loss",
    )


def _loss_range(axes: Axes, curve: LossCurve) -> None:
    """Room above the curve for the notes, and a span of at least a fifth of the highest loss,
    so that a flat or nearly flat curve does not look steep."""
    shown = [*curve.validation_losses, *(value for value in curve.training_losses or () if value)]
    low, high = min(shown), max(shown)
    span = max(high - low, 0.2 * high) or 1.0
    axes.set_ylim(low - 0.08 * span, high + 0.3 * span)


def _best_and_rise(axes: Axes, curve: LossCurve, limit: float) -> None:
    best, lowest = curve.best_epoch, curve.best_loss
    axes.plot(
        [best],
        [lowest],
        linestyle="none",
        marker="*",
        markersize=24,
        color=ORANGE,
        markeredgecolor=INK,
        zorder=5,
        label=f"best: epoch {best} ({loss(lowest)})",
    )
    peak = curve.peak_after_best_epoch
    if peak is None:
        return
    top = curve.validation_losses[peak - 1]
    rise = curve.rise_after_best_pct
    axes.plot([best, peak], [lowest, lowest], color=VERMILION, linestyle=":", linewidth=2)
    axes.annotate(
        "",
        xy=(peak, top),
        xytext=(peak, lowest),
        arrowprops={"arrowstyle": "<|-|>", "color": VERMILION, "linewidth": 2},
    )
    verdict = f"over the {exact(limit)} % limit" if rise > limit else f"within {exact(limit)} %"
    left, right = axes.get_xlim()
    near_right_edge = peak > left + 0.6 * (right - left)
    axes.annotate(
        f"up {_rise(curve, limit)} by epoch {peak}\n({verdict})",
        xy=(peak, top),
        xytext=(-14, 16) if near_right_edge else (14, 16),
        textcoords="offset points",
        fontsize=NOTE_SIZE,
        color=INK,
        ha="right" if near_right_edge else "left",
        va="bottom",
        bbox=NOTE_BOX,
    )


def finding(curve: LossCurve, policy: Policy, planned: int | None) -> str:
    """What the curve says, in the over-fitting check's terms."""
    count, best, lowest = len(curve.epochs), curve.best_epoch, loss(curve.best_loss)
    rise, limit, safe = curve.rise_after_best_pct, policy.overfit_rise_pct, policy.max_safe_epochs
    if count == 1:
        said = (
            f"Only one epoch of validation loss ({lowest}): too short a curve to show over-fitting"
        )
    elif max(curve.validation_losses) == curve.best_loss:
        said = (
            f"Validation loss is flat at {lowest} over all {count} epochs: no sign of over-fitting"
        )
    elif rise == 0:
        said = f"Validation loss bottoms out at epoch {best} ({lowest}) and does not rise after it"
    elif rise <= limit:
        said = (
            f"Validation loss bottoms out at epoch {best} ({lowest}) and rises at most "
            f"{percent(rise, limit)} after it, within the {exact(limit)} % limit"
        )
    else:
        said = (
            f"Validation loss bottoms out at epoch {best} ({lowest}) and rises "
            f"{_rise(curve, limit)} by epoch {curve.peak_after_best_epoch}: stop at epoch {best}"
        )
        if planned is not None and planned > best:
            return f"{said}; the plan's {planned} epochs overtrain."
    return f"{said}{_plan(planned, safe)}."


def _rise(curve: LossCurve, limit: float) -> str:
    """The rise after the best epoch: ``6.5 %``, or ``from 0 to 0.1`` from a loss of 0."""
    rise = curve.rise_after_best_pct
    if math.isinf(rise):
        return f"from 0 to {loss(max(curve.validation_losses[curve.best_epoch :]))}"
    return percent(rise, limit)


def _plan(planned: int | None, safe: int) -> str:
    if planned is None:
        return ""
    epochs = f"{planned} epoch{'' if planned == 1 else 's'}"
    if planned > safe:
        return f"; the plan's {epochs} go past the safe {safe}"
    return f"; the plan's {epochs} stay within the safe {safe}"
