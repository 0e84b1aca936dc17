"""Hugging Face Trainer's ``trainer_state.json``: ``log_history`` entries carry the epoch.

Evaluations log ``eval_loss`` (or whatever ``--metric`` names) with a fractional ``epoch``;
training steps log ``loss``. Both become one value per whole epoch, the last of each epoch
(see ``epochs``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.evidence.curve.epochs import by_epoch, every_epoch, loss_curve
from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve

DEFAULT_METRIC = "eval_loss"
TRAINING_METRIC = "loss"
MAX_BYTES = 64 * 1024 * 1024
_NOT_METRICS = frozenset({"epoch", "step"})


class _Entry(BaseModel):
    """One ``log_history`` entry: the epoch and step, every other key a logged value."""

    model_config = ConfigDict(extra="allow")

    epoch: float | None = None
    step: int | None = None


class _TrainerState(BaseModel):
    model_config = ConfigDict(extra="allow")

    log_history: list[_Entry]


def read_trainer_state(path: Path, *, metric: str | None = None) -> LossCurve:
    """The loss curve in a ``trainer_state.json`` file."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as failure:
        raise CurveError(f"{path}: cannot read the file ({failure.strerror or failure})") from None
    return read_trainer_state_bytes(data, str(path), metric=metric)


def read_trainer_state_bytes(data: bytes, name: str, *, metric: str | None = None) -> LossCurve:
    """The loss curve in the bytes of a ``trainer_state.json`` (a file uploaded to Slack);
    ``name`` names it in errors and becomes the curve's source."""
    if len(data) > MAX_BYTES:
        raise CurveError(f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB")
    entries = _log_history(data, name)
    wanted = metric or DEFAULT_METRIC
    if not entries:
        raise CurveError(f"{name}: log_history is empty (no evaluation was logged)")
    points = _points(entries, wanted, name)
    if not points:
        present = ", ".join(sorted(_metrics(entries))) or "none"
        raise CurveError(f"{name}: no {wanted} in log_history (metrics present: {present})")
    validation = every_epoch(by_epoch(points), source=name, metric=wanted)
    training = by_epoch(_points(entries, TRAINING_METRIC, name)) if wanted != "loss" else None
    return loss_curve(
        source=name, kind="trainer_state", metric=wanted, validation=validation, training=training
    )


def _log_history(data: bytes, name: str) -> list[_Entry]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as failure:
        raise CurveError(f"{name}: not a trainer_state.json (not JSON: {failure})") from None
    try:
        return _TrainerState.model_validate(document).log_history
    except ValidationError as failure:
        problem = failure.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise CurveError(
            f"{name}: not a trainer_state.json ({where}: {problem['msg'].lower()})"
        ) from None


def _points(entries: list[_Entry], metric: str, name: str) -> list[tuple[float, float]]:
    """(epoch, value) for every entry that logged ``metric``, in logging order."""
    points = []
    for index, entry in enumerate(entries):
        value = _number((entry.model_extra or {}).get(metric))
        if value is None:
            continue
        if entry.epoch is None:
            raise CurveError(f"{name}: log_history[{index}] logs {metric} without an epoch")
        points.append((entry.epoch, value))
    return points


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _metrics(entries: list[_Entry]) -> set[str]:
    return {
        key
        for entry in entries
        for key, value in (entry.model_extra or {}).items()
        if key not in _NOT_METRICS and _number(value) is not None
    }
