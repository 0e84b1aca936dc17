"""`finetune-check evaluate --training-log`: the validation losses read from the training run."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.cli_kit import CONTRACT_KEYS, EXAMPLES, VALID_PROPOSAL, assert_refused, run_cli
from tests.bot.cli_kit import write_json as write_proposal
from tests.bot.evidence.training_runs import mlflow_run, tensorboard_run, trainer_state
from tests.bot.mlflow_server import free_port

WIDGET = EXAMPLES / "recommendation-widget.toml"
# Lowest at epoch 2 (0.40), then 0.42: a rise of 5 %, past the policy's 1 %.
LOG = [
    {"epoch": 1.0, "eval_loss": 0.5, "loss": 0.9, "step": 10},
    {"epoch": 2.0, "eval_loss": 0.4, "loss": 0.6, "step": 20},
    {"epoch": 3.0, "eval_loss": 0.42, "loss": 0.3, "step": 30},
    {"epoch": 4.0, "eval_loss": 0.41, "loss": 0.2, "step": 40},
]


def overfitting(result: dict[str, object]) -> dict[str, object]:
    checks: list[dict[str, object]] = result["checks"]  # type: ignore[assignment]
    return next(entry for entry in checks if entry["id"] == "overfitting")


def test_the_curve_fills_the_validation_losses_and_the_overfitting_check_reads_them(
    tmp_path: Path,
) -> None:
    log = trainer_state(tmp_path / "trainer_state.json", LOG)
    run = run_cli("evaluate", WIDGET, "--training-log", log, "--format", "json")
    result = json.loads(run.stdout)
    assert run.code == 0, run.stderr
    assert set(result) == CONTRACT_KEYS | {"measured"}
    assert result["measured"] == {
        "training_log": {
            "source": str(log),
            "metric": "eval_loss",
            "fields": {"validation_losses": {"value": [0.5, 0.4, 0.42, 0.41], "entered": None}},
        }
    }
    assert overfitting(result)["status"] == "warn"


def test_the_report_says_where_the_curve_came_from(tmp_path: Path) -> None:
    log = trainer_state(tmp_path / "trainer_state.json", LOG)
    text = run_cli("evaluate", WIDGET, "--training-log", log).stdout
    markdown = run_cli("evaluate", WIDGET, "--training-log", log, "--format", "markdown").stdout
    line = "Validation loss from trainer_state.json, 4 epochs."
    assert line in text.splitlines()
    assert line in markdown.split("## Inputs")[0].splitlines()
    assert "| validation losses | 0.5, 0.4, 0.42, 0.41 |" in markdown


def test_losses_entered_in_the_proposal_are_replaced_and_shown_beside_the_curve(
    tmp_path: Path,
) -> None:
    log = trainer_state(tmp_path / "trainer_state.json", LOG)
    proposal = write_proposal(tmp_path, {**VALID_PROPOSAL, "validation_losses": [0.9, 0.7]})
    run = run_cli("evaluate", proposal, "--training-log", log)
    assert "Validation loss from trainer_state.json, 4 epochs (entered: 0.9, 0.7)." in (
        run.stdout.splitlines()
    )


def test_a_tensorboard_log_directory_is_read_with_a_named_metric(tmp_path: Path) -> None:
    logs = tensorboard_run(tmp_path / "runs", {"val/loss": [(1, 0.8), (2, 0.6), (3, 0.5)]})
    run = run_cli(
        "evaluate", WIDGET, "--training-log", logs, "--loss-metric", "val/loss", "--format", "json"
    )
    result = json.loads(run.stdout)
    assert run.code == 0, run.stderr
    assert result["measured"]["training_log"]["fields"]["validation_losses"]["value"] == [
        0.8,
        0.6,
        0.5,
    ]
    assert overfitting(result)["status"] == "pass"


def test_a_missing_training_log_is_refused_in_one_line_naming_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "trainer_state.json"
    run = run_cli("evaluate", WIDGET, "--training-log", missing)
    assert_refused(run, f"error: --training-log: {missing}: no such file or directory")
    assert len(run.error_lines) == 1


def test_a_training_log_without_the_metric_names_the_metrics_it_has(tmp_path: Path) -> None:
    log = trainer_state(tmp_path / "trainer_state.json", LOG)
    run = run_cli("evaluate", WIDGET, "--training-log", log, "--loss-metric", "val_loss")
    assert_refused(run, f"error: --training-log: {log}: no val_loss in log_history")
    assert "eval_loss" in run.stderr
    assert len(run.error_lines) == 1


def test_a_file_that_is_not_a_training_log_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "trainer_state.json"
    log.write_text("not json")
    run = run_cli("evaluate", WIDGET, "--training-log", log)
    assert_refused(run, f"error: --training-log: {log}: not a trainer_state.json (not JSON")
    assert len(run.error_lines) == 1


def test_an_mlflow_run_without_a_server_is_refused_in_one_line() -> None:
    port = free_port()  # nothing listens there
    run = run_cli(
        "evaluate",
        WIDGET,
        "--training-log",
        "mlflow:0123abcd",
        env={"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{port}"},
    )
    assert_refused(
        run,
        f"error: --training-log: mlflow:0123abcd: cannot reach the MLflow tracking server at "
        f"127.0.0.1:{port}",
    )
    assert len(run.error_lines) == 1


def test_an_mlflow_run_without_a_tracking_uri_is_refused_naming_the_variable() -> None:
    run = run_cli("evaluate", WIDGET, "--training-log", "mlflow:0123abcd")
    assert_refused(run, "error: --training-log: mlflow:0123abcd: MLFLOW_TRACKING_URI is not set")


def test_the_curve_of_an_mlflow_run_is_read_from_the_tracking_server(mlflow_server: str) -> None:
    run_id = mlflow_run(mlflow_server, {"eval_loss": [(1, 0.9), (2, 0.7), (3, 0.74)]})
    run = run_cli(
        "evaluate",
        WIDGET,
        "--training-log",
        f"mlflow:{run_id}",
        env={"MLFLOW_TRACKING_URI": mlflow_server},
    )
    assert run.code == 0, run.stderr
    assert f"Validation loss from MLflow run {run_id}, 3 epochs." in run.stdout.splitlines()


def test_the_loss_metric_without_a_training_log_is_refused() -> None:
    run = run_cli("evaluate", WIDGET, "--loss-metric", "eval_loss")
    assert run.code == 2
    assert run.error_lines == ["error: --loss-metric: needs --training-log"]
