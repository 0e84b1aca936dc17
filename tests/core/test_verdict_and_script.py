"""Verdict, recommendation and primary reason (§4) and the talking-point script (§6)."""

from __future__ import annotations

from typing import Any

import pytest

from core.evaluation import CheckId, Recommendation, Verdict
from tests.core.engine_kit import failing, passing_proposal, run
from tests.worked_cases import load_case

BAD_PROMPT = {"prompt_result": 99.0, "target_result": 100.0}
BAD_HYGIENE = {"diversity_pct": 60.0}
BAD_LIFT = {"projected_lift_pct": 4.9}
BAD_DELIVERY = {"delivery_days": 50}
BAD_LATENCY = {"latency_ms": 151.0}
BAD_LOCK = {
    "metric_locks": [
        {"name": "recall", "comparator": ">=", "threshold": 0.9, "achieved": 0.8},
        {"name": "latency", "comparator": "<=", "threshold": 120, "achieved": 100},
    ]
}


@pytest.mark.parametrize(
    ("problems", "expected"),
    [
        ([BAD_PROMPT, BAD_HYGIENE, BAD_LIFT, BAD_DELIVERY, BAD_LATENCY],
         Recommendation.PROMPT_ENGINEERING),
        ([BAD_HYGIENE, BAD_LIFT, BAD_DELIVERY, BAD_LATENCY], Recommendation.CURATE_DATA),
        ([{"dataset_examples": 90_000}, BAD_DELIVERY], Recommendation.CURATE_DATA),
        ([BAD_LIFT, BAD_DELIVERY, BAD_LATENCY], Recommendation.PROMPT_OR_FEATURE_FLAG),
        ([{"engineering_days": 10.0}, BAD_DELIVERY], Recommendation.PROMPT_OR_FEATURE_FLAG),
        ([BAD_DELIVERY, BAD_LATENCY, BAD_LOCK], Recommendation.RESCOPE_OR_DEFER),
        ([{"projected_revenue_usd": 30_000.0}, BAD_LATENCY], Recommendation.RESCOPE_OR_DEFER),
        ([BAD_LATENCY, BAD_LOCK], Recommendation.MEET_LATENCY_AND_LOCKS),
        ([BAD_LOCK], Recommendation.MEET_LATENCY_AND_LOCKS),
        ([], Recommendation.FINE_TUNE),
    ],
)  # fmt: skip
def test_the_first_recommendation_that_applies_wins(
    problems: list[dict[str, Any]], expected: Recommendation
) -> None:
    overrides: dict[str, Any] = {}
    for problem in problems:
        overrides.update(problem)
    evaluation = run(passing_proposal(**overrides))
    assert evaluation.recommendation is expected
    assert evaluation.verdict is (Verdict.APPROVE if not problems else Verdict.REJECT)


def test_the_verdict_is_approve_exactly_when_no_gate_fails() -> None:
    warned = run(passing_proposal(metric_locks=[], dataset_examples=300_000, planned_epochs=12))
    assert not failing(warned)
    assert warned.verdict is Verdict.APPROVE


def test_the_primary_reason_is_the_first_failing_gates_message() -> None:
    evaluation = run(passing_proposal(**BAD_DELIVERY, **BAD_LATENCY))
    assert evaluation.primary_reason == evaluation.check(CheckId.DELIVERY_WINDOW).message
    assert run(passing_proposal()).primary_reason is None


def test_a_satisfied_metric_lock_script_names_both_locks_as_the_manager_set_them() -> None:
    evaluation = run(load_case("fraud-metric-lock")["proposal"])
    assert evaluation.script == (
        "Our fine-tuned model satisfies the dual threshold set for this quarter: reduction in "
        "false positives at 5.3 % against a locked ≥ 0.4 % and latency at 115 ms against a "
        "locked ≤ 120 ms."
    )


def test_the_lock_script_says_each_lock_in_its_own_unit_without_calling_a_lift_a_level() -> None:
    locks = [
        {"name": "first-contact resolution", "comparator": ">=", "threshold": 5,
         "achieved": 7.5, "unit": "%"},
        {"name": "rise in precision", "comparator": ">=", "threshold": 5, "achieved": 11,
         "unit": "%"},
        {"name": "latency", "comparator": "<=", "threshold": 200, "achieved": 180, "unit": "ms"},
        {"name": "cost per call", "comparator": "<=", "threshold": 2, "achieved": 1.5,
         "unit": "ct"},
    ]  # fmt: skip
    script = run(passing_proposal(metric_locks=locks)).script
    assert script == (
        "Our fine-tuned model satisfies all 4 thresholds set for this quarter: first-contact "
        "resolution at 7.5 % against a locked ≥ 5 %, rise in precision at 11 % against a "
        "locked ≥ 5 %, latency at 180 ms against a locked ≤ 200 ms and 1 more lock."
    )


def test_an_approval_without_a_satisfied_lock_quotes_lift_latency_roi_and_why_not_prompts() -> None:
    evaluation = run(load_case("recommendation-widget")["proposal"])
    assert evaluation.script == (
        "Our fine-tuned model lifts click-through rate by 6.2 %, runs at 140 ms against the "
        "150 ms SLA and returns a timing-adjusted ROI of 8.45×. Prompt engineering alone "
        "reaches only 0.34 of the target, so it cannot replace the fine-tune."
    )


def test_an_approval_for_heavy_prompt_upkeep_gives_the_upkeep_as_its_reason() -> None:
    evaluation = run(load_case("conversational-prompt-upkeep-too-high")["proposal"])
    assert evaluation.script == (
        "Our fine-tuned model lifts intent accuracy by 6.0 %, runs at 120 ms against the "
        "150 ms SLA and returns a timing-adjusted ROI of 10.53×. Prompt engineering would need "
        "10 h/week of upkeep, so over time the fine-tune is the cheaper route."
    )
    assert "84" not in evaluation.script  # the prompt route's result does not undercut it


def test_a_rejection_script_gives_the_reason_the_advice_and_what_would_approve() -> None:
    evaluation = run(load_case("voice-assistant-duplicates")["proposal"])
    assert evaluation.script == (
        "Uniqueness 55.0 % (45.0 % duplicates) is below the 70.0 % Data Hygiene minimum. "
        "Clean and de-duplicate the data first, and use prompt engineering meanwhile. "
        "It would approve with duplicates of at most 30.0 % and sprint length of at most "
        "7.5 days."
    )
