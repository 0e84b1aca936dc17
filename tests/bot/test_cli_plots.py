"""`finetune-check evaluate --plot DIR`: the pictures written, listed and linked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.bot.cli_kit import EXAMPLES, VALID_PROPOSAL, assert_refused, run_cli, write_json
from tests.bot.pictures.picture_kit import pixels

WITH_EVERYTHING = {
    **VALID_PROPOSAL,
    "validation_losses": [0.92, 0.71, 0.64, 0.66],
    "planned_epochs": 4,
    "ranges": {"latency_ms": [130, 170], "projected_lift_pct": [5.0, 8.0]},
}
ALL_FOUR = ["loss-curve.png", "gates.png", "timing.png", "tornado.png"]
IMAGE_LINK = re.compile(r"!\[([^\]]+)\]\(([^)]+)\)")


def assert_a_drawn_picture(path: Path) -> None:
    shown = pixels(path.read_bytes())
    assert shown.size[0] >= 600 and shown.size[1] >= 300, shown
    assert shown.distinct_colours > 10, shown  # not one flat colour
    assert shown.ink_share > 0.01, shown  # something is drawn on it


def test_every_picture_of_a_full_proposal_is_written_and_drawn(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    run = run_cli("evaluate", write_json(tmp_path, WITH_EVERYTHING), "--plot", plots)
    assert run.code == 0, run.stderr
    assert sorted(path.name for path in plots.iterdir()) == sorted(ALL_FOUR)
    for name in ALL_FOUR:
        assert_a_drawn_picture(plots / name)


def test_the_text_report_lists_the_files_written(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    run = run_cli("evaluate", write_json(tmp_path, WITH_EVERYTHING), "--plot", plots)
    lines = run.stdout.splitlines()
    start = lines.index("Pictures written")
    listed = lines[start + 1 :]
    assert [line.split(": ")[0] for line in listed] == [f"  - {plots / name}" for name in ALL_FOUR]


def test_a_proposal_without_losses_or_ranges_gets_the_gates_and_the_timing(
    tmp_path: Path,
) -> None:
    plots = tmp_path / "plots"
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--plot", plots)
    assert run.code == 0, run.stderr
    assert sorted(path.name for path in plots.iterdir()) == ["gates.png", "timing.png"]


def test_the_markdown_record_links_each_picture_relative_to_where_it_ran(
    tmp_path: Path,
) -> None:
    proposal = write_json(tmp_path, WITH_EVERYTHING)
    run = run_cli(
        "evaluate", proposal, "--plot", "figures/q2", "--format", "markdown", cwd=tmp_path
    )
    assert run.code == 0, run.stderr
    section = run.stdout.split("## Pictures\n\n")[1].split("\n## ")[0]
    links = IMAGE_LINK.findall(section)
    assert [target for _, target in links] == [f"figures/q2/{name}" for name in ALL_FOUR]
    for alt_text, target in links:
        assert (tmp_path / target).is_file()
        assert len(alt_text) > 20  # the finding, not a file name
    assert "Validation loss bottoms out at epoch 3" in links[0][0]


def test_the_json_lists_the_pictures_and_keeps_the_contract(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    run = run_cli(
        "evaluate", EXAMPLES / "q2-budget-timing.toml", "--plot", plots, "--format", "json"
    )
    result = json.loads(run.stdout)
    assert [entry["path"] for entry in result["pictures"]] == [
        f"{plots}/gates.png",
        f"{plots}/timing.png",
    ]
    assert all(entry["title"] and entry["alt_text"] for entry in result["pictures"])
    assert result["verdict"] == "reject"


def test_the_loss_curve_of_a_training_log_is_drawn(tmp_path: Path) -> None:
    from tests.bot.evidence.training_runs import trainer_state

    log = trainer_state(
        tmp_path / "trainer_state.json",
        [{"epoch": float(n), "eval_loss": loss, "step": n} for n, loss in [(1, 0.5), (2, 0.4)]],
    )
    plots = tmp_path / "plots"
    run = run_cli(
        "evaluate", EXAMPLES / "q2-budget-timing.toml", "--training-log", log, "--plot", plots
    )
    assert run.code == 0, run.stderr
    assert_a_drawn_picture(plots / "loss-curve.png")


def test_pictures_already_in_the_directory_are_replaced(tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    plots.mkdir()
    (plots / "gates.png").write_bytes(b"old")
    (plots / "notes.txt").write_text("kept")
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--plot", plots)
    assert run.code == 0, run.stderr
    assert_a_drawn_picture(plots / "gates.png")
    assert (plots / "notes.txt").read_text() == "kept"


def test_a_file_where_the_directory_should_be_is_refused_in_one_line(tmp_path: Path) -> None:
    in_the_way = tmp_path / "plots"
    in_the_way.write_text("not a directory")
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--plot", in_the_way)
    assert_refused(run, f"error: --plot: {in_the_way} is a file, not a directory")
    assert len(run.error_lines) == 1


def test_a_directory_below_a_file_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "plots").write_text("not a directory")
    below = tmp_path / "plots" / "q2"
    run = run_cli("evaluate", EXAMPLES / "q2-budget-timing.toml", "--plot", below)
    assert_refused(run, f"error: --plot: cannot create {below}: Not a directory")
    assert len(run.error_lines) == 1
