"""`finetune-check evaluate --data`: the training set scanned and its figures evaluated.

The file below is written so its figures can be worked out by hand: ten rows that share no
word (so every word 3-gram is distinct: phrase variety 100 %, pair dissimilarity 100 %,
diversity 100 %), then exact copies of rows 9 and 10 (2 duplicates of 12 rows: 16.67 %), and a
gold label on rows 1 to 5, one of which (row 3) disagrees with its label (4 of 5: 80 %).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.cli_kit import (
    CONTRACT_KEYS,
    EXAMPLES,
    VALID_PROPOSAL,
    assert_refused,
    run_cli,
    write_json,
)

WIDGET = EXAMPLES / "recommendation-widget.toml"  # 150,000 rows, 97 / 85 / 3 %


def training_set(tmp_path: Path, *, gold: bool = True, name: str = "support.jsonl") -> Path:
    rows = []
    for number in range(10):
        row = {
            "text": " ".join(f"r{number}w{word}" for word in range(8)),
            "label": "yes" if number % 2 else "no",
        }
        if gold and number < 5:
            flipped = {"yes": "no", "no": "yes"}[row["label"]]
            row["gold_label"] = flipped if number == 2 else row["label"]
        rows.append(row)
    rows += [dict(rows[8]), dict(rows[9])]
    path = tmp_path / name
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def evaluated(*args: str | Path) -> dict[str, object]:
    run = run_cli("evaluate", *args, "--format", "json")
    assert run.code == 0, run.stderr
    result: dict[str, object] = json.loads(run.stdout)
    return result


def check(result: dict[str, object], check_id: str) -> dict[str, object]:
    checks: list[dict[str, object]] = result["checks"]  # type: ignore[assignment]
    return next(entry for entry in checks if entry["id"] == check_id)


def test_the_measured_figures_are_named_in_the_report_beside_the_entered_ones(
    tmp_path: Path,
) -> None:
    data = training_set(tmp_path)
    run = run_cli("evaluate", WIDGET, "--data", data)
    assert run.code == 0, run.stderr
    assert (
        f"Measured from {data} (12 rows): training rows (entered 150,000 rows), "
        "label accuracy 80.0 % (entered 97.0 %), diversity 100.0 % (entered 85.0 %), "
        "duplicates 16.7 % (entered 3.0 %)."
    ) in run.stdout.splitlines()


def test_without_a_sample_the_files_rows_are_the_training_rows(tmp_path: Path) -> None:
    result = evaluated(WIDGET, "--data", training_set(tmp_path))
    volume = check(result, "clean_data_volume")
    # 12 rows × 0.80 accuracy × (1 − 2/12) = 8 clean examples: far below 100,000.
    assert (volume["status"], volume["value"]) == ("fail", 8)
    assert result["verdict"] == "reject"


def test_a_sample_keeps_the_entered_row_count_and_scales_the_measured_figures(
    tmp_path: Path,
) -> None:
    result = evaluated(WIDGET, "--data", training_set(tmp_path), "--data-is-sample")
    # 150,000 × 0.80 × 10/12 = 100,000 clean examples: exactly the minimum.
    assert check(result, "clean_data_volume")["value"] == 100_000
    assert result["figures"]["clean_proportion"] == 0.666666667  # type: ignore[index]
    assert check(result, "data_hygiene")["value"] == 80.0  # the lowest axis: label accuracy


def test_the_json_keeps_the_contract_and_adds_what_was_measured(tmp_path: Path) -> None:
    data = training_set(tmp_path)
    result = evaluated(WIDGET, "--data", data)
    assert set(result) == CONTRACT_KEYS | {"measured"}
    assert result["measured"] == {
        "data": {
            "source": str(data),
            "rows": 12,
            "sample": False,
            "fields": {
                "dataset_examples": {"value": 12, "entered": 150_000},
                "label_accuracy_pct": {"value": 80.0, "entered": 97.0},
                "diversity_pct": {"value": 100.0, "entered": 85.0},
                "duplicate_pct": {"value": 100 * 2 / 12, "entered": 3.0},
            },
            "as_entered": [],
        }
    }


def test_without_audited_rows_label_accuracy_stays_as_entered(tmp_path: Path) -> None:
    data = training_set(tmp_path, gold=False)
    result = evaluated(WIDGET, "--data", data, "--data-is-sample")
    measured = result["measured"]["data"]  # type: ignore[index]
    assert measured["as_entered"] == ["label_accuracy_pct"]
    assert set(measured["fields"]) == {"diversity_pct", "duplicate_pct"}
    text = run_cli("evaluate", WIDGET, "--data", data, "--data-is-sample").stdout
    assert (
        f"Measured from {data} (12 rows): diversity 100.0 % (entered 85.0 %), duplicates 16.7 % "
        "(entered 3.0 %); as entered: label accuracy (no audited rows), training rows (the "
        "file is a sample)."
    ) in text.splitlines()


def test_the_markdown_record_says_what_was_measured(tmp_path: Path) -> None:
    data = training_set(tmp_path)
    run = run_cli("evaluate", WIDGET, "--data", data, "--format", "markdown")
    assert run.code == 0, run.stderr
    top = run.stdout.split("## Inputs")[0]
    assert f"Measured from {data} (12 rows): training rows (entered 150,000 rows)" in top
    assert "| diversity | 100.0 % |" in run.stdout  # the inputs table shows what was evaluated


def test_a_measured_field_loses_its_entered_range(tmp_path: Path) -> None:
    ranged = {**VALID_PROPOSAL, "ranges": {"diversity_pct": [80, 90], "latency_ms": [130, 150]}}
    result = evaluated(write_json(tmp_path, ranged), "--data", training_set(tmp_path))
    fields = result["measured"]["data"]["fields"]  # type: ignore[index]
    assert fields["diversity_pct"]["entered_range"] == [80.0, 90.0]
    swing = result["uncertainty"]["swing"]  # type: ignore[index]
    assert [entry["field"] for entry in swing] == ["latency_ms"]


def test_a_csv_training_set_with_named_fields_is_measured(tmp_path: Path) -> None:
    data = tmp_path / "set.csv"
    lines = ["question,intent"] + [f"q{n}a q{n}b q{n}c q{n}d,i{n % 3}" for n in range(8)]
    data.write_text("\n".join([*lines, lines[1], lines[2]]) + "\n")
    result = evaluated(
        WIDGET, "--data", data, "--text-field", "question", "--label-field", "intent"
    )
    # 2 exact copies among 10 rows: 20 % duplicates.
    assert result["measured"]["data"]["fields"]["duplicate_pct"]["value"] == 20.0  # type: ignore[index]


def test_a_missing_training_set_is_refused_naming_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    run = run_cli("evaluate", WIDGET, "--data", missing)
    assert_refused(run, f"error: --data: {missing}: no such file")
    assert len(run.error_lines) == 1


def test_a_broken_json_line_is_refused_with_its_number(tmp_path: Path) -> None:
    data = training_set(tmp_path)
    data.write_text(data.read_text() + '{"text": "unfinished\n')
    run = run_cli("evaluate", WIDGET, "--data", data)
    assert_refused(run, f"error: --data: {data}: line 13 is not valid JSON")
    assert len(run.error_lines) == 1


def test_an_unknown_training_set_extension_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "set.yaml"
    data.write_text("text: hello\n")
    run = run_cli("evaluate", WIDGET, "--data", data)
    assert_refused(run, f"error: --data: {data}: unknown extension")
    assert len(run.error_lines) == 1


def test_a_text_field_the_file_lacks_is_refused_naming_the_fields_it_has(tmp_path: Path) -> None:
    run = run_cli("evaluate", WIDGET, "--data", training_set(tmp_path), "--text-field", "body")
    assert_refused(run, "error: --data: ")
    assert "'body'" in run.stderr and "text" in run.stderr
    assert len(run.error_lines) == 1


def test_data_options_without_data_are_refused_each_in_a_line() -> None:
    run = run_cli("evaluate", WIDGET, "--label-field", "intent", "--data-is-sample")
    assert run.error_lines == [
        "error: --label-field: needs --data",
        "error: --data-is-sample: needs --data",
    ]
    assert run.code == 2


def test_a_bad_proposal_is_refused_before_the_file_is_scanned(tmp_path: Path) -> None:
    bad = write_json(tmp_path, {**VALID_PROPOSAL, "engineers": 0})
    run = run_cli("evaluate", bad, "--data", tmp_path / "nowhere.jsonl")
    assert_refused(run, "error: engineers: ")
    assert "--data" not in run.stderr
