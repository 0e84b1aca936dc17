"""Bad input is refused with one plain-words error per offending field (docs/framework.md §1)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from core import FieldError, Policy, Proposal, field_errors
from tests.core.engine_kit import passing_proposal


def errors_of(data: Any) -> list[FieldError]:
    with pytest.raises(ValidationError) as caught:
        Proposal.model_validate(data)
    return field_errors(caught.value)


def only_error(**overrides: Any) -> FieldError:
    [error] = errors_of(passing_proposal(**overrides))
    return error


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"projected_lift_pct": 2000}, "projected_lift_pct",
         "must be a number between -100 and 1000 (got 2000)"),
        ({"projected_lift_pct": -100.5}, "projected_lift_pct",
         "must be a number between -100 and 1000 (got -100.5)"),
        ({"dataset_examples": 5.5}, "dataset_examples", "must be a whole number (got 5.5)"),
        ({"dataset_examples": -1}, "dataset_examples",
         "must be a whole number between 0 and 1,000,000,000,000 (got -1)"),
        ({"engineers": 0}, "engineers", "must be a whole number between 1 and 1000 (got 0)"),
        ({"engineering_days": 0}, "engineering_days",
         "must be a number above 0 and at most 3650 (got 0)"),
        ({"compute_cost_usd": -1}, "compute_cost_usd", "must be a number of at least 0 (got -1)"),
        ({"latency_ms": 0.0}, "latency_ms", "must be a number above 0 (got 0)"),
        ({"projected_lift_pct": "6.2"}, "projected_lift_pct", "must be a number, not text"),
        ({"dataset_examples": "150000"}, "dataset_examples", "must be a whole number, not text"),
        ({"projected_lift_pct": True}, "projected_lift_pct",
         "must be a number, not true or false"),
        ({"engineers": False}, "engineers", "must be a whole number, not true or false"),
        ({"projected_lift_pct": math.nan}, "projected_lift_pct", "must be a finite number"),
        ({"latency_ms": math.inf}, "latency_ms", "must be a finite number"),
        ({"prompt_result": -math.inf}, "prompt_result", "must be a finite number"),
        ({"projected_lift_pct": None}, "projected_lift_pct", "is required"),
        ({"title": ""}, "title", "must be between 1 and 150 characters (got 0)"),
        ({"title": 7}, "title", "must be text"),
        ({"prompt_space_well_understood": "yes"}, "prompt_space_well_understood",
         "must be true or false"),
        ({"validation_losses": []}, "validation_losses",
         "must hold between 1 and 1,000 values (got 0)"),
        ({"validation_losses": [0.5] * 1001}, "validation_losses",
         "must hold between 1 and 1,000 values (got 1,001)"),
        ({"validation_losses": [0.5, -0.1]}, "validation_losses[1]",
         "must be a number of at least 0 (got -0.1)"),
        ({"validation_losses": [0.5, "0.4"]}, "validation_losses[1]",
         "must be a number, not text"),
        ({"metric_locks": "latency"}, "metric_locks", "must be a list"),
        ({"metric_locks": [7]}, "metric_locks[0]", "must be an object of named fields"),
        ({"datset_examples": 5}, "datset_examples",
         "is not a known field (did you mean dataset_examples?)"),
        ({"colour": "red"}, "colour", "is not a known field"),
    ],
)  # fmt: skip
def test_each_bad_value_names_its_field_and_what_is_allowed(
    overrides: dict[str, Any], field: str, message: str
) -> None:
    assert only_error(**overrides) == FieldError(field, message)


def test_a_missing_required_field_is_required() -> None:
    proposal = passing_proposal()
    del proposal["latency_ms"]
    assert errors_of(proposal) == [FieldError("latency_ms", "is required")]


def test_a_lock_names_its_own_fields_with_a_zero_based_index() -> None:
    locks = [
        {"name": "recall", "comparator": ">=", "threshold": 0.9, "achieved": 0.95},
        {"name": "latency", "comparator": "<", "threshold": "120", "achieved": 100, "colour": 1},
    ]
    assert errors_of(passing_proposal(metric_locks=locks)) == [
        FieldError("metric_locks[1].comparator", "must be one of >=, <="),
        FieldError("metric_locks[1].threshold", "must be a number, not text"),
        FieldError("metric_locks[1].colour", "is not a known field"),
    ]


def test_a_misspelt_lock_field_is_matched_against_the_lock_s_own_fields() -> None:
    lock = {"name": "recall", "comparator": ">=", "threshhold": 0.9, "achieved": 0.95}
    assert errors_of(passing_proposal(metric_locks=[lock, lock]))[:2] == [
        FieldError("metric_locks[0].threshold", "is required"),
        FieldError("metric_locks[0].threshhold", "is not a known field (did you mean threshold?)"),
    ]


def test_a_lock_without_a_name_and_with_a_long_unit_is_refused() -> None:
    lock = {"comparator": ">=", "threshold": 1, "achieved": 2, "unit": "x" * 21}
    assert errors_of(passing_proposal(metric_locks=[lock])) == [
        FieldError("metric_locks[0].name", "is required"),
        FieldError("metric_locks[0].unit", "must be at most 20 characters (got 21)"),
    ]


def test_every_offending_field_is_reported_once() -> None:
    problems = errors_of(passing_proposal(projected_lift_pct="high", engineers=1.5, unknown=True))
    assert [problem.field for problem in problems] == [
        "projected_lift_pct",
        "engineers",
        "unknown",
    ]


def test_a_whole_number_written_with_a_decimal_point_is_refused_clearly() -> None:
    assert only_error(delivery_days=30.0) == FieldError(
        "delivery_days", "must be a whole number, written without a decimal point (got 30.0)"
    )


def test_something_that_is_not_a_proposal_at_all_is_named_input() -> None:
    assert errors_of([1, 2]) == [FieldError("input", "must be an object of named fields")]


def test_null_on_an_optional_field_means_absent() -> None:
    proposal = Proposal.model_validate(
        passing_proposal(
            engineer_day_cost_usd=None,
            revenue_horizon_days=None,
            latency_sla_ms=None,
            prompt_result=None,
            target_result=None,
            prompt_space_well_understood=None,
            prompt_maintenance_hours_per_week=None,
            planned_epochs=None,
            validation_losses=None,
            metric_locks=None,
        )
    )
    assert proposal.engineer_day_cost_usd is None
    assert proposal.prompt_space_well_understood is True
    assert proposal.metric_locks == []
    assert proposal.kpi_name == "click-through rate"


def test_a_policy_error_names_the_policy_key() -> None:
    with pytest.raises(ValidationError) as caught:
        Policy.from_toml('min_kpi_lift_pct = "five"\nmax_delivery_days = 4000\n')
    assert field_errors(caught.value) == [
        FieldError("min_kpi_lift_pct", "must be a number, not text"),
        FieldError("max_delivery_days", "must be a whole number between 0 and 3650 (got 4000)"),
    ]


def test_a_field_error_reads_as_field_colon_message() -> None:
    assert str(FieldError("metric_locks[0].comparator", "must be one of >=, <=")) == (
        "metric_locks[0].comparator: must be one of >=, <="
    )
