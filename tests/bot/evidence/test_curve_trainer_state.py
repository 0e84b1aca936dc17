"""Reading the validation loss per epoch out of Hugging Face's trainer_state.json."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bot.evidence.curve import CurveError, read_curve, read_trainer_state_bytes
from tests.bot.evidence.training_runs import trainer_state

# Two evaluations per epoch, training loss logged in between, and the run's closing summary
# (``train_loss``, not ``loss``), as a Trainer with eval_steps of half an epoch logs them.
HALF_EPOCH_EVALUATIONS = [
    {"epoch": 0.25, "grad_norm": 3.1, "learning_rate": 4e-05, "loss": 1.9, "step": 10},
    {"epoch": 0.5, "grad_norm": 2.2, "learning_rate": 3e-05, "loss": 1.4, "step": 20},
    {"epoch": 0.5, "eval_loss": 1.1, "eval_runtime": 0.6, "step": 20},
    {"epoch": 1.0, "grad_norm": 1.5, "learning_rate": 2e-05, "loss": 0.9, "step": 40},
    {"epoch": 1.0, "eval_loss": 0.8, "eval_runtime": 0.6, "step": 40},
    {"epoch": 1.5, "eval_loss": 0.62, "eval_runtime": 0.6, "step": 60},
    {"epoch": 2.0, "grad_norm": 1.1, "learning_rate": 1e-05, "loss": 0.5, "step": 80},
    {"epoch": 2.0, "eval_loss": 0.6, "eval_runtime": 0.6, "step": 80},
    {"epoch": 2.5, "eval_loss": 0.63, "eval_runtime": 0.6, "step": 100},
    {"epoch": 3.0, "grad_norm": 0.9, "learning_rate": 1e-06, "loss": 0.3, "step": 120},
    {"epoch": 3.0, "eval_loss": 0.66, "eval_runtime": 0.6, "step": 120},
    {"epoch": 3.0, "step": 120, "train_loss": 0.9, "train_runtime": 80.2},
]


def test_the_last_evaluation_of_each_epoch_is_that_epochs_loss(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", HALF_EPOCH_EVALUATIONS)
    curve = read_curve(str(path))
    assert curve.validation_losses == (0.8, 0.6, 0.66)
    assert curve.epochs == [1, 2, 3]
    assert (curve.metric, curve.source, curve.kind) == ("eval_loss", str(path), "trainer_state")


def test_the_training_loss_comes_per_epoch_too(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", HALF_EPOCH_EVALUATIONS)
    assert read_curve(str(path)).training_losses == (0.9, 0.5, 0.3)


def test_best_epoch_and_rise_are_read_off_the_curve(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", HALF_EPOCH_EVALUATIONS)
    curve = read_curve(str(path))
    assert curve.best_epoch == 2
    assert curve.rise_after_best_pct == 10.0  # 0.66 against 0.6


def test_an_evaluation_just_past_an_epoch_boundary_counts_in_the_next_epoch(
    tmp_path: Path,
) -> None:
    log = [
        {"epoch": 1.0, "eval_loss": 0.9, "step": 10},
        {"epoch": 1.1, "eval_loss": 0.7, "step": 11},
        {"epoch": 2.0, "eval_loss": 0.5, "step": 20},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    assert read_curve(str(path)).validation_losses == (0.9, 0.5)


def test_float_noise_at_an_epoch_end_does_not_start_the_next_epoch(tmp_path: Path) -> None:
    log = [
        {"epoch": 1.0000000000000002, "eval_loss": 0.9, "step": 10},
        {"epoch": 2.0, "eval_loss": 0.5, "step": 20},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    assert read_curve(str(path)).validation_losses == (0.9, 0.5)


def test_an_evaluation_before_training_starts_is_no_epoch(tmp_path: Path) -> None:
    log = [
        {"epoch": 0, "eval_loss": 2.5, "step": 0},
        {"epoch": 1.0, "eval_loss": 0.9, "step": 10},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    assert read_curve(str(path)).validation_losses == (0.9,)


def test_another_metric_can_be_named(tmp_path: Path) -> None:
    log = [
        {"epoch": 1.0, "eval_val_loss": 0.4, "eval_loss": 9.0, "step": 10},
        {"epoch": 2.0, "eval_val_loss": 0.3, "eval_loss": 9.0, "step": 20},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    curve = read_curve(str(path), metric="eval_val_loss")
    assert (curve.metric, curve.validation_losses) == ("eval_val_loss", (0.4, 0.3))


def test_a_run_without_training_loss_has_none(tmp_path: Path) -> None:
    log = [{"epoch": 1.0, "eval_loss": 0.4, "step": 10}]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    assert read_curve(str(path)).training_losses is None


def test_an_epoch_without_training_loss_is_a_gap_in_the_training_curve(tmp_path: Path) -> None:
    log = [
        {"epoch": 1.0, "eval_loss": 0.4, "step": 10},
        {"epoch": 1.6, "loss": 0.7, "step": 16},
        {"epoch": 2.0, "eval_loss": 0.3, "step": 20},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    assert read_curve(str(path)).training_losses == (None, 0.7)


def test_bytes_uploaded_to_slack_read_the_same_and_keep_their_name() -> None:
    data = json.dumps({"log_history": HALF_EPOCH_EVALUATIONS}).encode()
    curve = read_trainer_state_bytes(data, "trainer_state.json")
    assert (curve.source, curve.validation_losses) == ("trainer_state.json", (0.8, 0.6, 0.66))


def test_a_missing_metric_names_the_metrics_present(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", HALF_EPOCH_EVALUATIONS[:2])
    with pytest.raises(CurveError) as refusal:
        read_curve(str(path))
    assert str(refusal.value) == (
        f"{path}: no eval_loss in log_history (metrics present: grad_norm, learning_rate, loss)"
    )


def test_an_empty_history_is_refused(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", [])
    with pytest.raises(CurveError, match="log_history is empty"):
        read_curve(str(path))


def test_evaluations_less_often_than_every_epoch_are_refused_naming_the_gaps(
    tmp_path: Path,
) -> None:
    log = [
        {"epoch": 2.44, "eval_loss": 0.31, "step": 1000},
        {"epoch": 4.89, "eval_loss": 0.36, "step": 2000},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    with pytest.raises(CurveError) as refusal:
        read_curve(str(path))
    assert "no eval_loss in epochs 1, 2, 4 of 5" in str(refusal.value)


def test_a_loss_that_diverged_to_nan_is_refused(tmp_path: Path) -> None:
    log = [
        {"epoch": 1.0, "eval_loss": 0.4, "step": 10},
        {"epoch": 2.0, "eval_loss": math.nan, "step": 20},
    ]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    with pytest.raises(CurveError, match="eval_loss at epoch 2 is nan, not a loss"):
        read_curve(str(path))


def test_a_negative_metric_is_no_loss(tmp_path: Path) -> None:
    log = [{"epoch": 1.0, "eval_reward": -0.4, "step": 10}]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    with pytest.raises(CurveError, match="below 0"):
        read_curve(str(path), metric="eval_reward")


def test_an_evaluation_without_its_epoch_is_refused(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", [{"eval_loss": 0.4, "step": 10}])
    with pytest.raises(CurveError, match=r"log_history\[0\] logs eval_loss without an epoch"):
        read_curve(str(path))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b'{"global_step": 3}', "log_history: field required"),
        (b'{"log_history": {"epoch": 1}}', "log_history: input should be a valid list"),
        (b'{"log_history": [{"epoch": "soon"}]}', "log_history.0.epoch"),
    ],
)
def test_a_file_that_is_no_trainer_state_is_refused_in_one_line(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "trainer_state.json"
    path.write_bytes(content)
    with pytest.raises(CurveError) as refusal:
        read_curve(str(path))
    message = str(refusal.value)
    assert problem in message
    assert message.startswith(f"{path}: not a trainer_state.json")
    assert "\n" not in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CurveError, match="no such file or directory"):
        read_curve(str(tmp_path / "trainer_state.json"))
