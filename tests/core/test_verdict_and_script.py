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


def test_a_satisfied_metric_lock_script_names_the_first_two_locks() -> None:
    evaluation = run(load_case("fraud-metric-lock")["proposal"])
    assert evaluation.script == (
        "Our fine-tuned model delivers a 5.3 % reduction in false positives while staying at "
        "115 ms latency, satisfying the dual threshold set for this quarter."
    )


def test_the_lock_script_reads_numbers_aloud_with_the_right_article() -> None:
    locks = [
        {"name": "uplift in recall", "comparator": ">=", "threshold": 5, "achieved": 8.1,
         "unit": "%"},
        {"name": "rise in precision", "comparator": ">=", "threshold": 5, "achieved": 11,
         "unit": "%"},
        {"name": "latency", "comparator": "<=", "threshold": 200, "achieved": 180, "unit": "ms"},
    ]  # fmt: skip
    script = run(passing_proposal(metric_locks=locks)).script
    assert script == (
        "Our fine-tuned model delivers an 8.1 % uplift in recall and an 11 % rise in precision, "
        "satisfying all 3 thresholds set for this quarter."
    )


def test_an_approval_without_a_satisfied_lock_quotes_lift_prompt_latency_and_roi() -> None:
    evaluation = run(load_case("recommendation-widget")["proposal"])
    assert evaluation.script == (
        "Our fine-tuned model lifts click-through rate by 6.2 % (prompt engineering alone "
        "reaches 2.1 against the 6.2 target), runs at 140 ms against the 150 ms SLA and "
        "returns a timing-adjusted ROI of 8.5×."
    )


def test_a_rejection_script_gives_the_primary_reason_and_the_recommendation() -> None:
    evaluation = run(load_case("voice-assistant-duplicates")["proposal"])
    assert evaluation.script == (
        "Uniqueness 55.0 % (45.0 % duplicates) is below the 70.0 % Data Hygiene minimum. "
        "Clean and de-duplicate the data first, and use prompt engineering meanwhile."
    )
