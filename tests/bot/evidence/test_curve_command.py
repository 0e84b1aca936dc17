"""The `curve` sub-command as the CLI mounts it: arguments, text and JSON, exit 2 on bad input."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from bot.evidence.curve import command
from tests.bot.evidence.training_runs import trainer_state

LOG = [
    {"epoch": 1.0, "eval_loss": 0.5, "loss": 0.9, "step": 10},
    {"epoch": 2.0, "eval_loss": 0.4, "loss": 0.6, "step": 20},
    {"epoch": 3.0, "eval_loss": 0.42, "loss": 0.3, "step": 30},
    {"epoch": 4.0, "eval_loss": 0.41, "loss": 0.2, "step": 40},
]


def run_curve(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="finetune-check curve")
    command.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = command.run(parser.parse_args(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_has_exactly_the_contract_fields(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", LOG)
    code, out, err = run_curve(str(path), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "source": str(path),
        "metric": "eval_loss",
        "epochs": [1, 2, 3, 4],
        "validation_losses": [0.5, 0.4, 0.42, 0.41],
        "best_epoch": 2,
        "rise_after_best_pct": 5.0,
    }


def test_a_curve_without_a_rise_reports_zero(tmp_path: Path) -> None:
    log = [{"epoch": 1.0, "eval_loss": 0.5, "step": 1}, {"epoch": 2.0, "eval_loss": 0.4, "step": 2}]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    _, out, _ = run_curve(str(path), "--format", "json")
    assert json.loads(out)["rise_after_best_pct"] == 0


def test_an_unbounded_rise_from_a_zero_loss_is_null_in_json(tmp_path: Path) -> None:
    log = [{"epoch": 1.0, "eval_loss": 0, "step": 1}, {"epoch": 2.0, "eval_loss": 0.1, "step": 2}]
    path = trainer_state(tmp_path / "trainer_state.json", log)
    _, out, _ = run_curve(str(path), "--format", "json")
    assert json.loads(out)["rise_after_best_pct"] is None


def test_text_shows_every_epoch_the_best_and_the_rise(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", LOG)
    code, out, _ = run_curve(str(path))
    assert code == 0
    assert out == (
        f"eval_loss from {path}\n"
        "epoch  validation  training\n"
        "    1         0.5       0.9\n"
        "    2         0.4       0.6  ← best\n"
        "    3        0.42       0.3\n"
        "    4        0.41       0.2\n"
        "best epoch 2 (0.4); rises 5.00 % after it, by epoch 3\n"
    )


def test_the_metric_option_is_passed_through(tmp_path: Path) -> None:
    path = trainer_state(tmp_path / "trainer_state.json", LOG)
    code, out, _ = run_curve(str(path), "--metric", "loss", "--format", "json")
    assert code == 0
    assert json.loads(out)["validation_losses"] == [0.9, 0.6, 0.3, 0.2]


@pytest.mark.parametrize(
    "argv",
    [
        ("missing.json",),
        ("trainer_state.json", "--metric", "eval_bleu"),
        ("mlflow:",),
        ("trainer_state.json", "--metric", " "),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, argv: tuple[str, ...]) -> None:
    trainer_state(tmp_path / "trainer_state.json", LOG)
    argv = (str(tmp_path / argv[0]) if argv[0] != "mlflow:" else argv[0], *argv[1:])
    code, out, err = run_curve(*argv)
    assert (code, out) == (2, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1
