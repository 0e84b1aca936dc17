"""The `finetune-check` sub-commands as one package: each mounted, `scan` and `curve` among
them, and each importing only what it uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.cli_kit import EXAMPLES, ROOT, assert_refused, run_cli, write_json
from tests.bot.evidence.training_runs import trainer_state

COMMAND_NAMES = ["evaluate", "quarter", "reminders", "serve", "migrate", "export", "scan", "curve"]
HEAVY_LIBRARIES = ("numpy", "matplotlib", "pyarrow", "polars", "mlflow", "tensorboard")


def loaded_after(argv: list[str], roots: tuple[str, ...]) -> tuple[int, list[str]]:
    """The exit code of `main(argv)` in a fresh interpreter, and which of `roots` it imported."""
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main({argv!r})\n"
        f"loaded = sorted({{m.split('.')[0] for m in sys.modules}} & set({roots!r}))\n"
        "print(code, loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    code, loaded = done.stdout.strip().split(" ", 1)
    return int(code), json.loads(loaded.replace("'", '"'))


def test_the_help_lists_every_sub_command_with_its_one_line_help() -> None:
    run = run_cli("--help")
    listed = [line.split()[0] for line in run.stdout.splitlines() if line.startswith("    ")]
    assert run.code == 0
    assert listed == COMMAND_NAMES
    assert "scan       measure a training set" in run.stdout


def test_every_sub_command_module_has_the_same_small_interface() -> None:
    from bot.cli import COMMANDS

    assert [module.NAME for module in COMMANDS] == COMMAND_NAMES
    for module in COMMANDS:
        assert module.HELP and module.DESCRIPTION, module.NAME
        assert callable(module.add_arguments) and callable(module.run), module.NAME


def test_the_mounted_commands_keep_their_libraries_one_line_help() -> None:
    from bot.cli import curve
    from bot.evidence.curve import command

    assert curve.HELP == command.HELP


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_each_sub_command_has_its_own_help(name: str) -> None:
    run = run_cli(name, "--help")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"usage: finetune-check {name}")


def test_an_unknown_sub_command_is_a_usage_error() -> None:
    run = run_cli("evaluat")
    assert run.code == 2
    assert "invalid choice: 'evaluat'" in run.stderr


def test_a_plain_evaluation_imports_no_scanner_no_plotting_and_no_numpy() -> None:
    code, loaded = loaded_after(["evaluate", "examples/fraud-metric-lock.toml"], HEAVY_LIBRARIES)
    assert (code, loaded) == (0, [])


def test_the_quarter_imports_nothing_heavy() -> None:
    assert loaded_after(["quarter", "--date", "2026-05-14"], HEAVY_LIBRARIES) == (0, [])


def test_ranges_bring_in_numpy_and_nothing_else_heavy(tmp_path: Path) -> None:
    from tests.bot.cli_kit import VALID_PROPOSAL

    path = write_json(tmp_path, {**VALID_PROPOSAL, "ranges": {"latency_ms": [130, 150]}})
    assert loaded_after(["evaluate", str(path)], HEAVY_LIBRARIES) == (0, ["numpy"])


def test_the_scenarios_help_states_the_simulations_limits() -> None:
    from core.scenarios import DEFAULT_SCENARIOS, MAX_SCENARIOS

    run = run_cli("evaluate", "--help")
    help_text = " ".join(run.stdout.split())
    assert f"1 to {MAX_SCENARIOS:,} (default: {DEFAULT_SCENARIOS:,})" in help_text


# --- scan ----------------------------------------------------------------------------------


def test_scan_measures_a_file_as_json(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    texts = [f"a{n} b{n} c{n} d{n}" for n in range(4)] + ["a0 b0 c0 d0"]
    data.write_text("".join(json.dumps({"text": text}) + "\n" for text in texts))
    run = run_cli("scan", data, "--format", "json")
    report = json.loads(run.stdout)
    assert run.code == 0, run.stderr
    # 1 exact copy among 5 rows: 20 %; no gold labels.
    assert (report["rows"], report["exact_duplicate_rows"], report["duplicate_pct"]) == (5, 1, 20.0)
    assert report["hygiene"]["label_accuracy_pct"] is None


def test_scan_judges_the_axes_against_a_policy_file(tmp_path: Path) -> None:
    data = tmp_path / "set.jsonl"
    texts = [f"a{n} b{n} c{n} d{n}" for n in range(4)] + ["a0 b0 c0 d0"]
    data.write_text("".join(json.dumps({"text": text}) + "\n" for text in texts))
    strict = tmp_path / "policy.toml"
    strict.write_text("min_hygiene_axis_pct = 90.0\n")
    default = run_cli("scan", data)
    judged = run_cli("scan", data, "--policy", strict)
    assert (default.code, judged.code) == (0, 0)
    assert "90.0 %" in judged.stdout and "90.0 %" not in default.stdout


def test_scan_of_a_missing_file_exits_two_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.csv"
    run = run_cli("scan", missing)
    assert_refused(run, f"error: {missing}: no such file")
    assert len(run.error_lines) == 1


def test_scan_with_a_bad_policy_names_the_policy_key(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("min_hygiene_axis = 90\n")
    run = run_cli("scan", EXAMPLES / "q2-budget-timing.toml", "--policy", policy)
    assert_refused(run, "error: policy.min_hygiene_axis: is not a known field")


# --- curve ---------------------------------------------------------------------------------


def test_curve_reads_a_trainer_state_as_json(tmp_path: Path) -> None:
    log = trainer_state(
        tmp_path / "trainer_state.json",
        [{"epoch": float(n), "eval_loss": loss, "step": n} for n, loss in [(1, 0.8), (2, 0.6)]],
    )
    run = run_cli("curve", log, "--format", "json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout) == {
        "source": str(log),
        "metric": "eval_loss",
        "epochs": [1, 2],
        "validation_losses": [0.8, 0.6],
        "best_epoch": 2,
        "rise_after_best_pct": 0.0,
    }


def test_curve_of_a_missing_source_exits_two_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "trainer_state.json"
    run = run_cli("curve", missing)
    assert_refused(run, f"error: {missing}: no such file or directory")
    assert len(run.error_lines) == 1
