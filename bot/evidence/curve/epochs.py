"""From logged points to one value per whole epoch, and from there to a checked ``LossCurve``.

Epoch ``e`` covers the fractional epochs (e−1, e]: an evaluation logged at epoch 2.5 belongs to
epoch 3, one at exactly 2.0 (the end of epoch 2, as Hugging Face's Trainer logs it) to epoch 2,
and the last value logged within an epoch is that epoch's value. Fractional epochs are rounded to
6 decimals first, so float noise (2.0000000001) does not push a value into the next epoch. A value
logged at epoch 0 or before (an evaluation before training starts) belongs to no epoch.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence

from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve, SourceKind

EPOCH_DECIMALS = 6
MAX_EPOCHS = 1000


def whole_epoch(epoch: float) -> int:
    """The whole epoch a fractional one falls in: (e−1, e] is epoch e."""
    return math.ceil(round(epoch, EPOCH_DECIMALS))


def by_epoch(points: Iterable[tuple[float, float]]) -> dict[int, float]:
    """The last value logged in each whole epoch, from (epoch, value) points in logging order."""
    values: dict[int, float] = {}
    for epoch, value in points:
        number = whole_epoch(epoch)
        if number >= 1:
            values[number] = value
    return values


def epochs_at_steps(epoch_log: Sequence[tuple[int, float]], steps: Iterable[int]) -> list[float]:
    """The fractional epoch at each step: the epoch last logged at or before it (0 before any).

    ``epoch_log`` holds (step, epoch) pairs; trainers log the epoch at the step of each
    evaluation, so the pair at the same step is the one used.
    """
    ordered = sorted(epoch_log)
    logged_steps = [step for step, _ in ordered]
    at_steps = []
    for step in steps:
        index = bisect.bisect_right(logged_steps, step) - 1
        at_steps.append(ordered[index][1] if index >= 0 else 0.0)
    return at_steps


def every_epoch(values: dict[int, float], *, source: str, metric: str) -> list[float]:
    """The values of epochs 1 to the last one, refusing a curve with epochs missing."""
    if not values:
        raise CurveError(f"{source}: {metric} was never logged within a training epoch")
    last = max(values)
    if last > MAX_EPOCHS:
        raise CurveError(f"{source}: {metric} runs to epoch {last:,}, more than {MAX_EPOCHS:,}")
    missing = [epoch for epoch in range(1, last + 1) if epoch not in values]
    if missing:
        raise CurveError(
            f"{source}: no {metric} in epoch{'s' if len(missing) > 1 else ''} "
            f"{_list(missing)} of {last}; a loss per epoch needs an evaluation in every epoch"
        )
    return [values[epoch] for epoch in range(1, last + 1)]


def loss_curve(
    *,
    source: str,
    kind: SourceKind,
    metric: str,
    validation: Sequence[float],
    training: dict[int, float] | None = None,
) -> LossCurve:
    """A checked ``LossCurve``: every loss finite and ≥ 0, training aligned to validation."""
    if not validation:
        raise CurveError(f"{source}: {metric} has no values")
    for epoch, value in enumerate(validation, start=1):
        _check_loss(value, source=source, metric=metric, epoch=epoch)
    aligned = None
    if training:
        aligned = tuple(_float(training.get(epoch)) for epoch in range(1, len(validation) + 1))
        aligned = aligned if any(value is not None for value in aligned) else None
        for epoch, loss in enumerate(aligned or (), start=1):
            if loss is not None:
                _check_loss(loss, source=source, metric="training loss", epoch=epoch)
    return LossCurve(
        source=source,
        kind=kind,
        metric=metric,
        validation_losses=tuple(float(value) for value in validation),
        training_losses=aligned,
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _check_loss(value: float, *, source: str, metric: str, epoch: int) -> None:
    if not math.isfinite(value):
        raise CurveError(f"{source}: {metric} at epoch {epoch} is {value}, not a loss")
    if value < 0:
        raise CurveError(f"{source}: {metric} at epoch {epoch} is {value}, below 0: not a loss")


def _list(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")
