"""A proposal's ranges: each bad one refused with one error named ``ranges.FIELD``
(docs/framework.md §9); without ranges nothing changes."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from core import FieldError, Policy, Proposal, evaluate, evaluation_json, field_errors
from tests.core.engine_kit import passing_proposal
from tests.worked_cases import load_case


def range_errors(ranges: Any, **overrides: Any) -> list[FieldError]:
    with pytest.raises(ValidationError) as caught:
        Proposal.model_validate(passing_proposal(ranges=ranges, **overrides))
    return field_errors(caught.value)


@pytest.mark.parametrize(
    ("ranges", "field", "message"),
    [
        ({"latency_ms": [170, 120]}, "ranges.latency_ms",
         "must be [low, high] with low at most high (got [170, 120])"),
        ({"latency_ms": [130, 170]}, "ranges.latency_ms",
         "must contain the point value 120 (got [130, 170])"),
        ({"latency_ms": [90.5, 119.5]}, "ranges.latency_ms",
         "must contain the point value 120 (got [90.5, 119.5])"),
        ({"title": [1, 2]}, "ranges.title", "is not a field that takes a range"),
        ({"latency_sla_ms": [100, 200]}, "ranges.latency_sla_ms",
         "is not a field that takes a range"),
        ({"latncy_ms": [100, 200]}, "ranges.latncy_ms", "is not a known field"),
        ({"latency_ms": ["100", 200]}, "ranges.latency_ms",
         "must be [low, high], two numbers, not text"),
        ({"latency_ms": [True, 200]}, "ranges.latency_ms",
         "must be [low, high], two numbers, not true or false"),
        ({"latency_ms": [math.nan, 200]}, "ranges.latency_ms",
         "must be [low, high], two finite numbers"),
        ({"latency_ms": [100, math.inf]}, "ranges.latency_ms",
         "must be [low, high], two finite numbers"),
        ({"latency_ms": [None, 200]}, "ranges.latency_ms", "must be [low, high], two numbers"),
        ({"latency_ms": 120}, "ranges.latency_ms", "must be [low, high], two numbers"),
        ({"latency_ms": [100]}, "ranges.latency_ms",
         "must be [low, high], two numbers (got 1 value)"),
        ({"latency_ms": [100, 120, 140]}, "ranges.latency_ms",
         "must be [low, high], two numbers (got 3 values)"),
        ({"latency_ms": [0, 150]}, "ranges.latency_ms",
         "both ends must be numbers above 0 (got [0, 150])"),
        ({"label_accuracy_pct": [90, 101]}, "ranges.label_accuracy_pct",
         "both ends must be numbers between 0 and 100 (got [90, 101])"),
        ({"engineering_days": [5, 4000]}, "ranges.engineering_days",
         "both ends must be numbers above 0 and at most 3650 (got [5, 4000])"),
        ({"dataset_examples": [-1, 200_000]}, "ranges.dataset_examples",
         "both ends must be whole numbers between 0 and 1,000,000,000,000 "
         "(got [-1, 200,000])"),
        ({"engineers": [1.5, 3]}, "ranges.engineers",
         "must be [low, high], two whole numbers (got [1.5, 3])"),
        ({"delivery_days": [20, 40.0]}, "ranges.delivery_days",
         "must be [low, high], two whole numbers (got [20, 40.0])"),
        ({"prompt_result": [70, 90]}, "ranges.prompt_result",
         "needs a prompt_result to range around"),
        ([["latency_ms", 100, 200]], "ranges", "must be an object of field names to [low, high]"),
    ],
)  # fmt: skip
def test_each_bad_range_is_named_ranges_dot_its_field(
    ranges: Any, field: str, message: str
) -> None:
    assert range_errors(ranges) == [FieldError(field, message)]


def test_every_bad_range_is_reported_in_the_order_given() -> None:
    problems = range_errors({"latency_ms": [170, 120], "title": [1, 2], "engineers": [3, 4]})
    assert [problem.field for problem in problems] == [
        "ranges.latency_ms",
        "ranges.title",
        "ranges.engineers",
    ]


def test_a_bad_range_is_reported_after_the_proposals_other_errors() -> None:
    problems = range_errors({"diversity_pct": [90, 80]}, projected_lift_pct="high")
    assert [str(problem) for problem in problems] == [
        "projected_lift_pct: must be a number, not text",
        "ranges.diversity_pct: must be [low, high] with low at most high (got [90, 80])",
    ]


def test_a_range_around_an_invalid_point_value_leaves_the_point_value_to_its_own_error() -> None:
    assert range_errors({"latency_ms": [100, 200]}, latency_ms=-5) == [
        FieldError("latency_ms", "must be a number above 0 (got -5)")
    ]


def test_a_range_read_from_json_is_named_the_same_way() -> None:
    text = (
        '{"title": "T", "projected_lift_pct": 6, "dataset_examples": 150000,'
        ' "label_accuracy_pct": 97, "diversity_pct": 85, "duplicate_pct": 3, "engineers": 2,'
        ' "engineering_days": 6, "compute_cost_usd": 5000, "projected_revenue_usd": 300000,'
        ' "delivery_days": 30, "latency_ms": 120, "ranges": {"latency_ms": [170, 120]}}'
    )
    with pytest.raises(ValidationError) as caught:
        Proposal.model_validate_json(text)
    assert [str(problem) for problem in field_errors(caught.value)] == [
        "ranges.latency_ms: must be [low, high] with low at most high (got [170, 120])"
    ]


def test_good_ranges_are_kept_in_field_order_whole_fields_as_ints() -> None:
    proposal = Proposal.model_validate(
        passing_proposal(
            prompt_result=70.0,
            target_result=85.0,
            ranges={
                "prompt_result": [60, 80],
                "latency_ms": [100, 170],
                "delivery_days": [20, 60],
                "projected_lift_pct": [6, 6],
            },
        )
    )
    assert proposal.ranges == {
        "projected_lift_pct": (6.0, 6.0),
        "delivery_days": (20, 60),
        "latency_ms": (100.0, 170.0),
        "prompt_result": (60.0, 80.0),
    }
    assert isinstance(proposal.ranges["delivery_days"][0], int)


def test_a_range_may_end_on_the_point_value_and_on_the_fields_own_limits() -> None:
    proposal = Proposal.model_validate(
        passing_proposal(ranges={"label_accuracy_pct": [97, 100], "duplicate_pct": [0, 3]})
    )
    assert proposal.ranges == {"label_accuracy_pct": (97.0, 100.0), "duplicate_pct": (0.0, 3.0)}


@pytest.mark.parametrize("absent", [None, {}, {"latency_ms": None}])
def test_null_or_empty_ranges_mean_no_ranges(absent: Any) -> None:
    assert Proposal.model_validate(passing_proposal(ranges=absent)).ranges is None


def test_ranges_survive_a_json_round_trip() -> None:
    proposal = Proposal.model_validate(passing_proposal(ranges={"engineers": [1, 4]}))
    assert Proposal.model_validate_json(proposal.model_dump_json()) == proposal


def test_ranges_leave_the_evaluation_of_the_point_values_unchanged() -> None:
    case = load_case("boundaries-all-exact")["proposal"]
    ranged = {**case, "ranges": {"latency_ms": [100, 150], "projected_lift_pct": [5, 9]}}
    plain, with_ranges = Proposal.model_validate(case), Proposal.model_validate(ranged)
    assert evaluation_json(evaluate(with_ranges, Policy())) == evaluation_json(
        evaluate(plain, Policy())
    )
