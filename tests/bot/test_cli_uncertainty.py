"""`finetune-check evaluate` on a proposal with ranges: how sure the verdict is.

The widget case approves with latency 140 ms against a 150 ms SLA. With latency ranged over
[140, 190] around its point of 140, the draws are triangular with the mode at the low end, so
P(latency > 150) = (190 − 150)² / ((190 − 140) × (190 − 140)) = 1600 / 2500 = 0.64: the SLA
gate fails in about 64 % of scenarios and the proposal approves in about 36 %. Held at 140 it
always approves; held at 190 it never does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bot.cli_kit import CONTRACT_KEYS, VALID_PROPOSAL, assert_refused, run_cli, write_json

LATENCY_RANGED = {**VALID_PROPOSAL, "ranges": {"latency_ms": [140, 190]}}
SENTENCE = (
    "Approves in 36 % of scenarios; latency is the swing factor (0 % at 190 ms, 100 % at 140 ms)."
)


def uncertainty(path: Path, *options: str) -> dict[str, object]:
    run = run_cli("evaluate", path, "--format", "json", *options)
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert set(result) == CONTRACT_KEYS | {"uncertainty"}
    shown: dict[str, object] = result["uncertainty"]
    return shown


def test_a_ranged_proposal_gets_the_share_of_scenarios_that_approve(tmp_path: Path) -> None:
    shown = uncertainty(write_json(tmp_path, LATENCY_RANGED))
    assert set(shown) == {"scenarios", "approve_probability", "gate_fail_probability", "swing"}
    assert shown["scenarios"] == 20_000
    assert shown["approve_probability"] == pytest.approx(0.36, abs=0.01)
    gates: dict[str, float] = shown["gate_fail_probability"]  # type: ignore[assignment]
    assert gates["latency_sla"] == pytest.approx(0.64, abs=0.01)
    assert {gate for gate, share in gates.items() if share > 0} == {"latency_sla"}
    assert shown["swing"] == [
        {
            "field": "latency_ms",
            "approve_probability_at_low": 1.0,
            "approve_probability_at_high": 0.0,
        }
    ]


def test_the_same_input_twice_gives_the_same_figures(tmp_path: Path) -> None:
    path = write_json(
        tmp_path,
        {**VALID_PROPOSAL, "ranges": {"latency_ms": [120, 170], "projected_lift_pct": [4.0, 8.0]}},
    )
    assert uncertainty(path) == uncertainty(path)


def test_the_number_of_scenarios_can_be_chosen(tmp_path: Path) -> None:
    shown = uncertainty(write_json(tmp_path, LATENCY_RANGED), "--scenarios", "500")
    assert shown["scenarios"] == 500


def test_the_text_report_says_how_sure_the_verdict_is_after_the_verdict_lines(
    tmp_path: Path,
) -> None:
    run = run_cli("evaluate", write_json(tmp_path, LATENCY_RANGED))
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[:4] == [
        "Fine-tuning check: Recommendation widget fine-tune",
        "Engine: approve",
        "Advice: Go ahead with the fine-tune.",
        SENTENCE,
    ]


def test_the_markdown_record_says_how_sure_the_verdict_is_after_the_verdict_lines(
    tmp_path: Path,
) -> None:
    run = run_cli("evaluate", write_json(tmp_path, LATENCY_RANGED), "--format", "markdown")
    top = run.stdout.split("## Inputs")[0]
    assert top.endswith(f"Advice: Go ahead with the fine-tune.\n\n{SENTENCE}\n\n")


def test_ranges_that_cannot_change_the_verdict_say_so(tmp_path: Path) -> None:
    # Latency 100–145 ms stays within the 150 ms SLA in every scenario.
    ranged = {**VALID_PROPOSAL, "ranges": {"latency_ms": [100, 145]}}
    run = run_cli("evaluate", write_json(tmp_path, ranged))
    assert "Approves in 100 % of scenarios; no single range moves it." in run.stdout.splitlines()


def test_the_inputs_table_shows_each_range_as_people_read_it(tmp_path: Path) -> None:
    ranges = {
        "latency_ms": [120, 170],
        "projected_revenue_usd": [250_000, 400_000],
        "delivery_days": [20, 45],
    }
    ranged = {**VALID_PROPOSAL, "latency_ms": 140, "ranges": ranges}
    run = run_cli("evaluate", write_json(tmp_path, ranged), "--format", "markdown")
    assert "| latency | 140 ms (range 120–170 ms) |" in run.stdout
    assert "| projected revenue | $300,000 (range $250,000–$400,000) |" in run.stdout
    assert "| delivery time | 30 days (range 20–45 days) |" in run.stdout
    assert "{" not in run.stdout.split("## Inputs")[1].split("## Checks")[0]


def test_without_ranges_the_json_is_the_contract_alone_even_with_scenarios(tmp_path: Path) -> None:
    run = run_cli(
        "evaluate", write_json(tmp_path, VALID_PROPOSAL), "--format", "json", "--scenarios", "10"
    )
    assert run.code == 0, run.stderr
    assert set(json.loads(run.stdout)) == CONTRACT_KEYS


@pytest.mark.parametrize("given", ["0", "1000001", "abc", "-5", "2.5", ""])
def test_a_bad_scenario_count_is_refused_naming_the_option(given: str, tmp_path: Path) -> None:
    run = run_cli("evaluate", write_json(tmp_path, LATENCY_RANGED), "--scenarios", given)
    assert_refused(run, "error: --scenarios: must be a whole number from 1 to 1,000,000")
    assert run.error_lines == [
        f"error: --scenarios: must be a whole number from 1 to 1,000,000 (got {given!r})"
    ]


def test_the_largest_scenario_count_is_accepted(tmp_path: Path) -> None:
    ranged = {**VALID_PROPOSAL, "ranges": {"latency_ms": [140, 190]}}
    shown = uncertainty(write_json(tmp_path, ranged), "--scenarios", "1000000")
    assert shown["scenarios"] == 1_000_000


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        (
            {"latency_ms": [170, 120]},
            "ranges.latency_ms: must be [low, high] with low at most high (got [170, 120])",
        ),
        (
            {"delivery_days": [20.5, 45]},
            "ranges.delivery_days: must be [low, high], two whole numbers (got [20.5, 45])",
        ),
        (
            {"projected_lift_pct": [7, 9]},
            "ranges.projected_lift_pct: must contain the point value 6.2 (got [7, 9])",
        ),
        ({"title": [1, 2]}, "ranges.title: is not a field that takes a range"),
        ({"latency": [1, 2]}, "ranges.latency: is not a known field"),
        ({"engineers": "2-3"}, "ranges.engineers: must be [low, high], two whole numbers"),
        (
            {"compute_cost_usd": [1, 2, 3]},
            "ranges.compute_cost_usd: must be [low, high], two numbers (got 3 values)",
        ),
        (
            {"diversity_pct": [80, 120]},
            "ranges.diversity_pct: both ends must be numbers between 0 and 100 (got [80, 120])",
        ),
        (
            {"engineering_days": [6, "ten"]},
            "ranges.engineering_days: must be [low, high], two numbers, not text",
        ),
        (
            {"latency_ms": [True, 150]},
            "ranges.latency_ms: must be [low, high], two numbers, not true or false",
        ),
        (
            {"prompt_result": [3, 5]},
            "ranges.prompt_result: must contain the point value 2.1 (got [3, 5])",
        ),
    ],
)
def test_each_kind_of_bad_range_is_refused_in_one_line_naming_it(
    ranges: dict[str, object], expected: str, tmp_path: Path
) -> None:
    run = run_cli("evaluate", write_json(tmp_path, {**VALID_PROPOSAL, "ranges": ranges}))
    assert run.code == 2
    assert run.error_lines == [f"error: {expected}"]


def test_every_bad_range_gets_its_own_line(tmp_path: Path) -> None:
    ranges = {"latency_ms": [170, 120], "delivery_days": [40, 50], "nonsense": [1, 2]}
    run = run_cli("evaluate", write_json(tmp_path, {**VALID_PROPOSAL, "ranges": ranges}))
    assert_refused(
        run,
        "error: ranges.latency_ms: ",
        "error: ranges.delivery_days: must contain the point value 30",
        "error: ranges.nonsense: ",
    )
    assert len(run.error_lines) == 3


def test_ranges_that_are_not_an_object_are_refused(tmp_path: Path) -> None:
    run = run_cli("evaluate", write_json(tmp_path, {**VALID_PROPOSAL, "ranges": [140, 190]}))
    assert_refused(run, "error: ranges: must be an object of field names to [low, high]")
    assert len(run.error_lines) == 1
