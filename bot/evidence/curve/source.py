"""Which reader a SOURCE goes to: ``mlflow:RUN_ID``, a TensorBoard log, or a trainer_state.json."""

from __future__ import annotations

from pathlib import Path

from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.mlflow_run import is_mlflow_source, read_mlflow_run
from bot.evidence.curve.model import LossCurve
from bot.evidence.curve.tensorboard_log import is_event_source, read_tensorboard
from bot.evidence.curve.trainer_state import read_trainer_state


def read_curve(source: str, *, metric: str | None = None) -> LossCurve:
    """The validation loss per epoch in ``source``: ``mlflow:RUN_ID`` (the tracking server in
    ``MLFLOW_TRACKING_URI``), a TensorBoard event file or log directory, or a Hugging Face
    ``trainer_state.json``. ``metric`` overrides the metric's name. Raises ``CurveError``."""
    if metric is not None and not metric.strip():
        raise CurveError(f"{source}: the metric name is empty")
    if is_mlflow_source(source):
        return read_mlflow_run(source, metric=metric)
    path = Path(source)
    if not path.exists():
        raise CurveError(f"{source}: no such file or directory")
    if is_event_source(path):
        return read_tensorboard(path, metric=metric)
    return read_trainer_state(path, metric=metric)
