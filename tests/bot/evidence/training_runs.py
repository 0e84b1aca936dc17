"""Training runs as a training script records them: a trainer_state.json, TensorBoard events,
an MLflow run. Each writer is the library a trainer uses, never hand-made bytes."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Points = Sequence[tuple[int, float]]


def trainer_state(path: Path, log_history: list[dict[str, Any]]) -> Path:
    """A trainer_state.json as Hugging Face's Trainer writes it (``json.dumps``, indent 2)."""
    state = {
        "best_metric": None,
        "epoch": max((entry.get("epoch", 0) for entry in log_history), default=0),
        "global_step": max((entry.get("step", 0) for entry in log_history), default=0),
        "is_local_process_zero": True,
        "log_history": log_history,
        "logging_steps": 5,
        "num_train_epochs": 3,
    }
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    return path


def tensorboard_run(directory: Path, scalars: Mapping[str, Points]) -> Path:
    """Scalars written by tensorboardX's ``SummaryWriter`` (as PyTorch trainers write them)."""
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(str(directory))
    logged = [(step, tag, value) for tag, points in scalars.items() for step, value in points]
    for step, tag, value in sorted(logged, key=lambda point: point[0]):
        writer.add_scalar(tag, value, step)
    writer.close()
    return directory


def tensorboard_tf2_run(directory: Path, tag: str, points: Points) -> Path:
    """Scalars as TensorFlow 2 writes them (tensor summaries), with TensorBoard's own writer."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(directory))
    for step, value in points:
        writer.add_event(Event(step=step, wall_time=time.time(), summary=scalar_pb(tag, value)))
    writer.close()
    return directory


def mlflow_run(tracking_uri: str, metrics: Mapping[str, Points]) -> str:
    """A run logged with the MLflow client, as a training script logs it; its run id."""
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run() as run:
        for name, points in metrics.items():
            for step, value in points:
                mlflow.log_metric(name, value, step=step)
    return str(run.info.run_id)
