"""Reading the validation loss per epoch out of TensorBoard event files and log directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evidence.curve import CurveError, read_curve
from tests.bot.evidence.training_runs import tensorboard_run, tensorboard_tf2_run

# Hugging Face's TensorBoard callback: the global step as step, the epoch beside every log.
HF_RUN = {
    "train/loss": [(20, 1.4), (40, 0.9), (80, 0.5), (120, 0.3)],
    "eval/loss": [(20, 1.1), (40, 0.8), (60, 0.62), (80, 0.6), (100, 0.63), (120, 0.66)],
    "train/epoch": [(20, 0.5), (40, 1.0), (60, 1.5), (80, 2.0), (100, 2.5), (120, 3.0)],
}


def test_steps_become_epochs_through_the_logged_epoch(tmp_path: Path) -> None:
    run = tensorboard_run(tmp_path / "runs" / "Dec02_run", HF_RUN)
    curve = read_curve(str(run))
    assert curve.validation_losses == (0.8, 0.6, 0.66)
    assert (curve.metric, curve.kind) == ("eval/loss", "tensorboard")


def test_values_are_the_decimals_that_were_logged_not_their_float32_neighbours(
    tmp_path: Path,
) -> None:
    run = tensorboard_run(tmp_path / "run", {"eval/loss": [(1, 0.9), (2, 0.7)]})
    assert read_curve(str(run)).validation_losses == (0.9, 0.7)


def test_the_training_loss_is_placed_per_epoch(tmp_path: Path) -> None:
    run = tensorboard_run(tmp_path / "run", HF_RUN)
    assert read_curve(str(run)).training_losses == (0.9, 0.5, 0.3)


def test_one_event_file_reads_like_its_directory(tmp_path: Path) -> None:
    run = tensorboard_run(tmp_path / "run", HF_RUN)
    (event_file,) = run.glob("events.out.tfevents.*")
    assert read_curve(str(event_file)).validation_losses == (0.8, 0.6, 0.66)


def test_a_log_directory_finds_the_one_run_that_logged_the_metric(tmp_path: Path) -> None:
    tensorboard_run(tmp_path / "runs" / "first", {"train/loss": [(1, 0.9)]})
    tensorboard_run(tmp_path / "runs" / "second", HF_RUN)
    assert read_curve(str(tmp_path / "runs")).validation_losses == (0.8, 0.6, 0.66)


def test_two_runs_with_the_metric_are_refused_naming_both(tmp_path: Path) -> None:
    tensorboard_run(tmp_path / "runs" / "first", HF_RUN)
    tensorboard_run(tmp_path / "runs" / "second", HF_RUN)
    with pytest.raises(CurveError) as refusal:
        read_curve(str(tmp_path / "runs"))
    assert "eval/loss is in several runs (first, second)" in str(refusal.value)


def test_without_an_epoch_scalar_each_value_is_one_epoch(tmp_path: Path) -> None:
    run = tensorboard_run(tmp_path / "run", {"eval_loss": [(500, 0.5), (1000, 0.4), (1500, 0.45)]})
    curve = read_curve(str(run))
    assert (curve.metric, curve.validation_losses) == ("eval_loss", (0.5, 0.4, 0.45))
    assert curve.training_losses is None


def test_tensorflow_2_tensor_scalars_read_too(tmp_path: Path) -> None:
    # Keras' TensorBoard callback: ``epoch_loss`` in the ``validation`` run, step = epoch from 0.
    run = tensorboard_tf2_run(tmp_path / "logs" / "validation", "epoch_loss", [(0, 0.9), (1, 0.7)])
    curve = read_curve(str(run), metric="epoch_loss")
    assert curve.validation_losses == (0.9, 0.7)


def test_a_missing_metric_names_the_scalars_present(tmp_path: Path) -> None:
    run = tensorboard_run(tmp_path / "run", {"train/loss": [(1, 0.9)], "train/epoch": [(1, 1.0)]})
    with pytest.raises(CurveError) as refusal:
        read_curve(str(run))
    assert str(refusal.value) == (
        f"{run}: no eval/loss scalar (scalars present: train/epoch, train/loss)"
    )


def test_a_directory_without_event_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(CurveError, match="no TensorBoard event files"):
        read_curve(str(tmp_path / "empty"))


def test_a_damaged_event_file_is_refused(tmp_path: Path) -> None:
    damaged = tmp_path / "events.out.tfevents.1700000000.host"
    damaged.write_bytes(b"\x00\x17not a record at all" * 40)
    with pytest.raises(CurveError) as refusal:
        read_curve(str(damaged))
    assert str(refusal.value) == (
        f"{damaged}: no scalars in the TensorBoard events (empty or damaged)"
    )
