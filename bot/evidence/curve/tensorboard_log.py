"""A TensorBoard event file or log directory, read with TensorBoard's own event accumulator.

The validation loss is the ``eval/loss`` scalar (Hugging Face's Trainer through its TensorBoard
callback) or ``eval_loss``; ``--metric`` names another (Keras writes ``epoch_loss`` in its
``validation`` run). Steps become epochs through the ``train/epoch`` or ``epoch`` scalar when the
run logged one (the epoch last logged at or before each step); without one, each logged value,
in step order, is one epoch. TensorBoard stores scalars as 32-bit floats: each value is read
back as the shortest decimal that float holds (0.9, not 0.8999999761581421).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.evidence.curve.epochs import by_epoch, epochs_at_steps, every_epoch, loss_curve
from bot.evidence.curve.errors import CurveError
from bot.evidence.curve.model import LossCurve

DEFAULT_METRICS = ("eval/loss", "eval_loss")
EPOCH_TAGS = ("train/epoch", "epoch")
TRAINING_TAGS = ("train/loss", "loss")
EVENT_FILE_MARK = "tfevents"
_SCALARS_PLUGIN = "scalars"


@dataclass(frozen=True, slots=True)
class _Run:
    """The scalars of one run (a directory of event files, or one file): tag → (step, value)."""

    name: str
    scalars: dict[str, list[tuple[int, float]]]


def is_event_source(path: Path) -> bool:
    """Whether ``path`` is a TensorBoard log directory or event file (by its name)."""
    return path.is_dir() or EVENT_FILE_MARK in path.name


def read_tensorboard(path: Path, *, metric: str | None = None) -> LossCurve:
    """The loss curve in a TensorBoard event file, or in the one run of a log directory that
    logged the metric."""
    source = str(path)
    runs = [_load(place, _run_name(place, path)) for place in _run_places(path)]
    wanted = metric or _default_metric(runs)
    run = _the_run(runs, wanted, source)
    points = run.scalars[wanted]
    training = _training(run, points) if wanted not in TRAINING_TAGS else None
    validation = every_epoch(by_epoch(_epoch_points(run, points)), source=source, metric=wanted)
    return loss_curve(
        source=source, kind="tensorboard", metric=wanted, validation=validation, training=training
    )


def _run_places(path: Path) -> list[Path]:
    """The event file itself, or each directory under ``path`` that holds event files."""
    if not path.exists():
        raise CurveError(f"{path}: no such file or directory")
    if path.is_file():
        return [path]
    places = sorted({file.parent for file in path.rglob(f"*{EVENT_FILE_MARK}*") if file.is_file()})
    if not places:
        raise CurveError(f"{path}: no TensorBoard event files (events.out.tfevents.*) in it")
    return places


def _run_name(place: Path, root: Path) -> str:
    return "." if place == root else str(place.relative_to(root))


def _load(place: Path, name: str) -> _Run:
    # Imported here: TensorBoard and numpy take a fifth of a second, paid only for event files.
    from tensorboard.backend.event_processing import plugin_event_accumulator

    try:
        accumulator = plugin_event_accumulator.EventAccumulator(
            str(place), size_guidance={plugin_event_accumulator.TENSORS: 0}
        )
        accumulator.Reload()
    except Exception as failure:  # a damaged file: one line naming it
        raise CurveError(f"{place}: cannot read the TensorBoard events ({failure})") from None
    scalars = {}
    for tag in accumulator.Tags()[plugin_event_accumulator.TENSORS]:
        if accumulator.SummaryMetadata(tag).plugin_data.plugin_name != _SCALARS_PLUGIN:
            continue
        events = accumulator.Tensors(tag)
        scalars[tag] = [(event.step, _decimal(event.tensor_proto)) for event in events]
    return _Run(name, scalars)


def _decimal(tensor_proto: object) -> float:
    """The scalar's value as the shortest decimal its own precision holds."""
    import numpy as np
    from tensorboard.util import tensor_util

    array = tensor_util.make_ndarray(tensor_proto).reshape(())
    return float(np.format_float_positional(array[()], unique=True, trim="0"))


def _default_metric(runs: list[_Run]) -> str:
    for metric in DEFAULT_METRICS:
        if any(metric in run.scalars for run in runs):
            return metric
    return DEFAULT_METRICS[0]


def _the_run(runs: list[_Run], metric: str, source: str) -> _Run:
    having = [run for run in runs if metric in run.scalars]
    if len(having) == 1:
        return having[0]
    if having:
        names = ", ".join(run.name for run in having)
        raise CurveError(
            f"{source}: {metric} is in several runs ({names}); give the run's directory"
        )
    tags = sorted({tag for run in runs for tag in run.scalars})
    if not tags:
        raise CurveError(f"{source}: no scalars in the TensorBoard events (empty or damaged)")
    raise CurveError(f"{source}: no {metric} scalar (scalars present: {', '.join(tags)})")


def _epoch_points(run: _Run, points: list[tuple[int, float]]) -> list[tuple[float, float]]:
    """(epoch, value) for each logged point, in step order."""
    ordered = sorted(points, key=lambda point: point[0])
    epoch_log = next((run.scalars[tag] for tag in EPOCH_TAGS if tag in run.scalars), None)
    if epoch_log is None:
        return [(float(number), value) for number, (_, value) in enumerate(ordered, start=1)]
    epochs = epochs_at_steps(epoch_log, [step for step, _ in ordered])
    return list(zip(epochs, [value for _, value in ordered], strict=True))


def _training(run: _Run, validation: list[tuple[int, float]]) -> dict[int, float] | None:
    """The training loss per epoch, when the run logged one and the epoch scalar to place it."""
    tag = next((tag for tag in TRAINING_TAGS if tag in run.scalars), None)
    if tag is None or not any(epoch_tag in run.scalars for epoch_tag in EPOCH_TAGS):
        return None
    return by_epoch(_epoch_points(run, run.scalars[tag]))
