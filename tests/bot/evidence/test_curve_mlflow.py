"""Reading the validation loss per epoch from a run on a real MLflow tracking server."""

from __future__ import annotations

import pytest

from bot.evidence.curve import CurveError, read_curve
from tests.bot.evidence.training_runs import mlflow_run
from tests.bot.mlflow_server import free_port

URI = "MLFLOW_TRACKING_URI"


@pytest.fixture
def tracking_uri(mlflow_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The server's URI, in MLFLOW_TRACKING_URI as a training job would have it."""
    monkeypatch.setenv(URI, mlflow_server)
    return mlflow_server


def test_the_step_logged_with_each_loss_is_its_epoch(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {"eval_loss": [(1, 0.9), (2, 0.7), (3, 0.74)]})
    curve = read_curve(f"mlflow:{run_id}")
    assert curve.validation_losses == (0.9, 0.7, 0.74)
    assert (curve.source, curve.metric, curve.kind) == (f"mlflow:{run_id}", "eval_loss", "mlflow")


def test_epochs_counted_from_zero_start_at_epoch_one(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {"eval_loss": [(0, 0.9), (1, 0.7)]})
    assert read_curve(f"mlflow:{run_id}").validation_losses == (0.9, 0.7)


def test_a_logged_epoch_metric_places_global_steps_in_epochs(tracking_uri: str) -> None:
    # Hugging Face's MLflow callback: global steps, the epoch logged beside each evaluation.
    run_id = mlflow_run(
        tracking_uri,
        {
            "eval_loss": [(20, 1.1), (40, 0.8), (60, 0.62), (80, 0.6)],
            "epoch": [(20, 0.5), (40, 1.0), (60, 1.5), (80, 2.0)],
            "loss": [(40, 0.9), (80, 0.5)],
        },
    )
    curve = read_curve(f"mlflow:{run_id}")
    assert curve.validation_losses == (0.8, 0.6)
    assert curve.training_losses == (0.9, 0.5)


def test_the_last_value_logged_at_an_epoch_wins(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {"eval_loss": [(1, 0.9), (1, 0.85), (2, 0.7)]})
    assert read_curve(f"mlflow:{run_id}").validation_losses == (0.85, 0.7)


def test_another_metric_can_be_named(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {"val_loss": [(1, 0.5), (2, 0.4)]})
    assert read_curve(f"mlflow:{run_id}", metric="val_loss").validation_losses == (0.5, 0.4)


def test_a_missing_metric_names_the_metrics_present(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {"val_loss": [(1, 0.5)], "accuracy": [(1, 0.8)]})
    with pytest.raises(CurveError) as refusal:
        read_curve(f"mlflow:{run_id}")
    assert str(refusal.value) == (
        f"mlflow:{run_id}: no eval_loss metric in the run (metrics present: accuracy, val_loss)"
    )


def test_a_run_without_metrics_is_an_empty_history(tracking_uri: str) -> None:
    run_id = mlflow_run(tracking_uri, {})
    with pytest.raises(CurveError, match="the run has logged no metrics"):
        read_curve(f"mlflow:{run_id}")


def test_an_unknown_run_is_refused_naming_the_server(tracking_uri: str) -> None:
    host = tracking_uri.removeprefix("http://")
    with pytest.raises(CurveError) as refusal:
        read_curve("mlflow:0123456789abcdef0123456789abcdef")
    assert str(refusal.value) == (
        "mlflow:0123456789abcdef0123456789abcdef: no run 0123456789abcdef0123456789abcdef "
        f"on the tracking server at {host} (MLFLOW_TRACKING_URI)"
    )


def test_an_unreachable_server_is_named_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv(URI, closed)
    with pytest.raises(CurveError) as refusal:
        read_curve("mlflow:abc")
    message = str(refusal.value)
    assert message.startswith(
        f"mlflow:abc: cannot reach the MLflow tracking server at {closed.removeprefix('http://')}"
    )
    assert f"MLFLOW_TRACKING_URI={closed}" in message
    assert message.endswith("connection refused")


def test_no_tracking_uri_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(URI, raising=False)
    with pytest.raises(CurveError, match="MLFLOW_TRACKING_URI is not set"):
        read_curve("mlflow:abc")


def test_a_run_id_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URI, "http://127.0.0.1:1")
    with pytest.raises(CurveError, match="name the run, as mlflow:RUN_ID"):
        read_curve("mlflow:")
