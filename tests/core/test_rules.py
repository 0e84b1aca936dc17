"""Each check of docs/framework.md §3 at, just below and just above its threshold."""

from __future__ import annotations

import math
from typing import Any

import pytest

from core import Policy
from core.evaluation import CheckId, Status
from tests.core.engine_kit import passing_proposal, run, status
from tests.worked_cases import load_case

PASS, FAIL, WARN, NA = Status.PASS, Status.FAIL, Status.WARN, Status.NOT_APPLICABLE

CLEAN_SET = {"label_accuracy_pct": 100.0, "duplicate_pct": 0.0}


def test_the_passing_proposal_passes_every_gate() -> None:
    evaluation = run(passing_proposal())
    assert [c.id for c in evaluation.checks] == list(CheckId)
    assert all(c.status is not FAIL for c in evaluation.checks)


@pytest.mark.parametrize(
    ("lift", "expected"),
    [(5.0, PASS), (4.999999, FAIL), (5.000001, PASS), (4.9999999999, PASS), (-100.0, FAIL)],
)
def test_kpi_lift_passes_from_the_minimum_up(lift: float, expected: Status) -> None:
    assert status(run(passing_proposal(projected_lift_pct=lift)), "kpi_lift") is expected


def test_kpi_lift_message_carries_both_numbers() -> None:
    check = run(passing_proposal(projected_lift_pct=4.0)).check(CheckId.KPI_LIFT)
    assert check.message == "Projected lift 4.0 % is below the 5.0 % minimum."
    assert (check.value, check.threshold) == (4.0, 5.0)


@pytest.mark.parametrize(
    ("rows", "expected"), [(100_000, PASS), (99_999, FAIL), (100_001, PASS), (0, FAIL)]
)
def test_clean_data_volume_passes_from_the_minimum_up(rows: int, expected: Status) -> None:
    proposal = passing_proposal(dataset_examples=rows, **CLEAN_SET)
    assert status(run(proposal), "clean_data_volume") is expected


def test_clean_examples_floor_the_nine_decimal_product() -> None:
    seventy_percent_clean = {"label_accuracy_pct": 70.0, "duplicate_pct": 0.0}
    just_enough = run(passing_proposal(dataset_examples=142_858, **seventy_percent_clean))
    short = run(passing_proposal(dataset_examples=142_857, **seventy_percent_clean))

    assert just_enough.figures.clean_examples == 100_000
    assert status(just_enough, "clean_data_volume") is PASS
    assert short.figures.clean_examples == 99_999
    assert status(short, "clean_data_volume") is FAIL


def test_clean_proportion_is_label_accuracy_times_uniqueness() -> None:
    figures = run(passing_proposal(label_accuracy_pct=92.0, duplicate_pct=45.0)).figures
    assert figures.clean_proportion == 0.506


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("label_accuracy_pct", 70.0, PASS),
        ("label_accuracy_pct", 69.999999, FAIL),
        ("label_accuracy_pct", 70.000001, PASS),
        ("diversity_pct", 70.0, PASS),
        ("diversity_pct", 69.999999, FAIL),
        ("diversity_pct", 70.000001, PASS),
        ("duplicate_pct", 30.0, PASS),
        ("duplicate_pct", 30.000001, FAIL),
        ("duplicate_pct", 29.999999, PASS),
    ],
)
def test_every_hygiene_axis_passes_from_seventy_up(
    field: str, value: float, expected: Status
) -> None:
    assert status(run(passing_proposal(**{field: value})), "data_hygiene") is expected


@pytest.mark.parametrize(
    ("axes", "lowest", "value"),
    [
        ({"label_accuracy_pct": 70.0, "diversity_pct": 70.0, "duplicate_pct": 30.0},
         "label accuracy", 70.0),
        ({"label_accuracy_pct": 80.0, "diversity_pct": 70.0, "duplicate_pct": 30.0},
         "diversity", 70.0),
        ({"label_accuracy_pct": 92.0, "diversity_pct": 75.0, "duplicate_pct": 45.0},
         "uniqueness", 55.0),
    ],
)  # fmt: skip
def test_data_hygiene_reports_the_lowest_axis_and_names_ties_in_matrix_order(
    axes: dict[str, float], lowest: str, value: float
) -> None:
    check = run(passing_proposal(**axes)).check(CheckId.DATA_HYGIENE)
    assert (check.value, check.threshold) == (value, 70.0)
    message = check.message.lower()
    assert message.index(lowest) == min(
        message.index(name)
        for name in ("label accuracy", "diversity", "uniqueness")
        if name in message
    )


def test_a_failing_hygiene_matrix_names_every_axis_below_the_minimum() -> None:
    check = run(passing_proposal(label_accuracy_pct=60.0, diversity_pct=65.0)).check(
        CheckId.DATA_HYGIENE
    )
    assert check.message == (
        "Label accuracy 60.0 % is below the 70.0 % Data Hygiene minimum, "
        "and so is diversity 65.0 %."
    )


@pytest.mark.parametrize(
    ("lift", "expected"), [(7.2, FAIL), (7.199999, FAIL), (7.2000001, PASS), (8.0, PASS)]
)
def test_signal_weighted_roi_must_exceed_the_minimum_strictly(
    lift: float, expected: Status
) -> None:
    proposal = passing_proposal(projected_lift_pct=lift, engineering_days=12.0, **CLEAN_SET)
    assert status(run(proposal), "signal_weighted_roi") is expected


def test_seven_point_two_over_twelve_days_counts_as_exactly_zero_point_six() -> None:
    proposal = passing_proposal(projected_lift_pct=7.2, engineering_days=12.0, **CLEAN_SET)
    evaluation = run(proposal)
    assert evaluation.figures.weighted_lift_per_day_pct == 0.6
    assert evaluation.check(CheckId.SIGNAL_WEIGHTED_ROI).message == (
        "Weighted lift 0.60 pp/day (7.2 % lift × 1.00 clean ÷ 12 days) does not exceed "
        "the 0.60 pp/day minimum."
    )


@pytest.mark.parametrize(("days", "expected"), [(45, PASS), (46, FAIL), (44, PASS), (0, PASS)])
def test_delivery_window_passes_up_to_forty_five_days(days: int, expected: Status) -> None:
    assert status(run(passing_proposal(delivery_days=days)), "delivery_window") is expected


# engineers × days × day cost + compute = 1 × 12 × 1000 + 8000 = 20 000; half the horizon left.
ROI_AT_TWO = {
    "engineers": 1,
    "engineering_days": 12.0,
    "engineer_day_cost_usd": 1000.0,
    "compute_cost_usd": 8000.0,
    "delivery_days": 45,
}


@pytest.mark.parametrize(
    ("revenue", "expected"), [(80_000.0, PASS), (79_999.99, FAIL), (80_000.01, PASS)]
)
def test_timing_adjusted_roi_passes_from_the_multiple_up(revenue: float, expected: Status) -> None:
    proposal = passing_proposal(projected_revenue_usd=revenue, **ROI_AT_TWO)
    assert status(run(proposal), "timing_adjusted_roi") is expected


def test_an_roi_a_float_hair_under_the_multiple_counts_as_the_multiple() -> None:
    # 100 000 × (1 − 72/90) / 10 000 is 2 exactly, 1.9999999999999996 in floating point.
    costs = {"engineers": 1, "engineering_days": 5.0, "engineer_day_cost_usd": 1000.0}
    proposal = passing_proposal(
        projected_revenue_usd=100_000.0, delivery_days=72, compute_cost_usd=5000.0, **costs
    )
    evaluation = run(proposal)
    assert evaluation.figures.timing_adjusted_roi == 2.0
    assert status(evaluation, "timing_adjusted_roi") is PASS


def test_timing_adjusted_roi_message_gives_the_raw_roi_and_the_days_lost() -> None:
    case = load_case("q2-budget-timing")
    check = run(case["proposal"]).check(CheckId.TIMING_ADJUSTED_ROI)
    assert check.message == (
        "Timing-adjusted ROI 1.82× is below the 2.00× minimum "
        "(raw ROI 3.64×, 45 of 90 revenue days lost to delivery)."
    )


def test_a_figure_just_under_the_threshold_is_not_rounded_onto_it() -> None:
    proposal = passing_proposal(projected_revenue_usd=78_400.0, **ROI_AT_TWO)
    message = run(proposal).check(CheckId.TIMING_ADJUSTED_ROI).message
    assert message.startswith("Timing-adjusted ROI 1.96× is below the 2.00× minimum")


def test_a_proposal_that_costs_nothing_has_an_unbounded_roi() -> None:
    free = {"engineer_day_cost_usd": 0.0, "compute_cost_usd": 0.0}
    evaluation = run(passing_proposal(**free))
    assert evaluation.figures.total_cost_usd == 0
    assert math.isinf(evaluation.figures.raw_roi)
    assert math.isinf(evaluation.figures.timing_adjusted_roi)
    assert status(evaluation, "timing_adjusted_roi") is PASS


def test_no_cost_and_no_revenue_is_an_roi_of_zero() -> None:
    nothing = {"engineer_day_cost_usd": 0.0, "compute_cost_usd": 0.0}
    evaluation = run(passing_proposal(projected_revenue_usd=0.0, **nothing))
    assert evaluation.figures.timing_adjusted_roi == 0
    assert evaluation.figures.raw_roi == 0
    assert status(evaluation, "timing_adjusted_roi") is FAIL


def test_a_delivery_past_the_horizon_leaves_no_timing_adjusted_gain() -> None:
    evaluation = run(passing_proposal(delivery_days=120))
    assert evaluation.figures.timing_adjusted_gain_usd == 0
    assert (
        "90 of 90 revenue days lost to delivery"
        in evaluation.check(CheckId.TIMING_ADJUSTED_ROI).message
    )


@pytest.mark.parametrize(
    ("latency", "expected"), [(150.0, PASS), (150.000001, FAIL), (149.999999, PASS)]
)
def test_latency_passes_up_to_the_default_sla(latency: float, expected: Status) -> None:
    assert status(run(passing_proposal(latency_ms=latency)), "latency_sla") is expected


@pytest.mark.parametrize(
    ("overrides", "check", "expected"),
    [
        ({"latency_ms": 121.0, "latency_sla_ms": 120.0}, "latency_sla", FAIL),
        ({"latency_ms": 120.0, "latency_sla_ms": 120.0}, "latency_sla", PASS),
        # q2 costs 33 000.08 with the policy's day cost; 500 a day brings it to 17 000.
        ({"engineer_day_cost_usd": 500.0}, "timing_adjusted_roi", PASS),
        # a 180-day horizon keeps three quarters of the revenue after a 45-day delivery.
        ({"revenue_horizon_days": 180}, "timing_adjusted_roi", PASS),
    ],
)
def test_the_proposals_own_cost_horizon_and_sla_win_over_the_policy(
    overrides: dict[str, Any], check: str, expected: Status
) -> None:
    proposal = {**load_case("q2-budget-timing")["proposal"], **overrides}
    assert status(run(proposal), check) is expected


PROMPT = {"prompt_result": 90.0, "target_result": 100.0}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, NA),
        ({"prompt_result": 95.0}, NA),
        ({"target_result": 100.0}, NA),
        (PROMPT, PASS),  # exactly 0.90 is not above 0.90
        ({"prompt_result": 81.0, "target_result": 90.0}, PASS),  # 0.9 after rounding
        ({**PROMPT, "prompt_result": 90.0001}, FAIL),
        ({**PROMPT, "prompt_result": 95.0, "prompt_maintenance_hours_per_week": 8.0}, FAIL),
        ({**PROMPT, "prompt_result": 95.0, "prompt_maintenance_hours_per_week": 8.000001}, PASS),
        ({**PROMPT, "prompt_result": 95.0, "prompt_space_well_understood": False}, PASS),
    ],
)
def test_prompt_alternative_fails_only_when_prompts_can_replace_the_fine_tune(
    overrides: dict[str, Any], expected: Status
) -> None:
    assert status(run(passing_proposal(**overrides)), "prompt_alternative") is expected


def test_prompt_alternative_values_the_ratio_against_point_nine() -> None:
    check = run(passing_proposal(prompt_result=84.0, target_result=85.0)).check(
        CheckId.PROMPT_ALTERNATIVE
    )
    assert (check.value, check.threshold) == (0.988235294, 0.9)


def test_an_unknown_prompt_upkeep_counts_as_low_and_the_message_asks_for_an_estimate() -> None:
    check = run(passing_proposal(prompt_result=84.0, target_result=85.0)).check(
        CheckId.PROMPT_ALTERNATIVE
    )
    assert check.status is FAIL
    assert "estimate the prompt maintenance hours per week" in check.message


def test_not_assessed_checks_have_no_value_and_no_threshold() -> None:
    evaluation = run(passing_proposal())
    for check_id in (CheckId.PROMPT_ALTERNATIVE, CheckId.OVERFITTING):
        check = evaluation.check(check_id)
        assert (check.status, check.value, check.threshold) == (NA, None, None)


def _lock(comparator: str, threshold: float, achieved: float) -> dict[str, Any]:
    return {"name": "m", "comparator": comparator, "threshold": threshold, "achieved": achieved}


@pytest.mark.parametrize(
    ("locks", "expected", "met", "total"),
    [
        ([], WARN, 0, 0),
        ([_lock(">=", 0.4, 0.4)], WARN, 1, 1),
        ([_lock(">=", 0.4, 0.4), _lock("<=", 120, 120)], PASS, 2, 2),
        ([_lock(">=", 0.4, 0.3999999999), _lock("<=", 120, 120.0000000001)], PASS, 2, 2),
        ([_lock(">=", 0.4, 0.399999), _lock("<=", 120, 115)], FAIL, 1, 2),
        ([_lock(">=", 0.4, 5.3), _lock("<=", 120, 120.000001)], FAIL, 1, 2),
        ([_lock(">=", 0.4, 0.3)], FAIL, 0, 1),
        ([_lock(">=", 1, 2), _lock(">=", 1, 2), _lock("<=", 1, 0)], PASS, 3, 3),
    ],
)
def test_metric_lock_needs_two_or_more_met_locks(
    locks: list[dict[str, Any]], expected: Status, met: int, total: int
) -> None:
    check = run(passing_proposal(metric_locks=locks)).check(CheckId.METRIC_LOCK)
    assert (check.status, check.value, check.threshold) == (expected, met, total)


def test_a_missing_lock_warns_of_a_likely_rejection_and_a_single_one_of_push_back() -> None:
    none = run(passing_proposal(metric_locks=[])).check(CheckId.METRIC_LOCK).message
    single = run(passing_proposal(metric_locks=[_lock(">=", 1, 2)])).check(CheckId.METRIC_LOCK)
    assert "likely to reject" in none
    assert "push back" in single.message


def test_an_unmet_lock_is_named_with_both_numbers() -> None:
    locks = [
        {"name": "reduction in false positives", "comparator": ">=", "threshold": 0.4,
         "achieved": 5.3, "unit": "%"},
        {"name": "latency", "comparator": "<=", "threshold": 120, "achieved": 130, "unit": "ms"},
    ]  # fmt: skip
    check = run(passing_proposal(metric_locks=locks)).check(CheckId.METRIC_LOCK)
    assert check.message == "1 of 2 Metric-Locks met: latency 130 ms is above its 120 ms lock."


@pytest.mark.parametrize(("rows", "expected"), [(250_000, PASS), (250_001, WARN)])
def test_diminishing_returns_warns_past_a_quarter_million_rows(rows: int, expected: Status) -> None:
    check = run(passing_proposal(dataset_examples=rows)).check(CheckId.DIMINISHING_RETURNS)
    assert (check.status, check.value, check.threshold) == (expected, rows, 250_000)


@pytest.mark.parametrize(
    ("losses", "expected", "rise"),
    [
        ([1.0, 0.5, 0.505], PASS, 1.0),  # exactly 1 % is not more than 1 %
        ([1.0, 0.5, 0.5051], WARN, 1.02),
        ([1.0, 0.8, 0.6], PASS, 0.0),
        ([0.7], PASS, 0.0),
    ],
)
def test_overfitting_warns_when_the_loss_rises_more_than_one_percent_after_its_best_epoch(
    losses: list[float], expected: Status, rise: float
) -> None:
    check = run(passing_proposal(validation_losses=losses)).check(CheckId.OVERFITTING)
    assert (check.status, check.value, check.threshold) == (expected, rise, 1.0)


def test_overfitting_names_the_first_best_epoch_one_based() -> None:
    losses = [0.5, 0.6, 0.5, 0.52]
    check = run(passing_proposal(validation_losses=losses)).check(CheckId.OVERFITTING)
    assert check.status is WARN
    assert check.value == 20.0
    assert "stop at epoch 1" in check.message


def test_the_voice_assistant_curve_says_stop_at_epoch_eight() -> None:
    check = run(load_case("voice-assistant-duplicates")["proposal"]).check(CheckId.OVERFITTING)
    assert check.status is WARN
    assert check.message == (
        "Validation loss bottoms out at epoch 8 (0.425) and then rises 22.4 %, more than "
        "1.0 %: stop at epoch 8; the plan's 12 epochs overtrain."
    )


def test_the_curve_decides_over_the_planned_epochs() -> None:
    proposal = passing_proposal(validation_losses=[1.0, 0.8, 0.7], planned_epochs=20)
    check = run(proposal).check(CheckId.OVERFITTING)
    assert check.status is PASS
    assert "20 epochs planned" in check.message


def test_a_rise_from_a_zero_loss_is_unbounded() -> None:
    check = run(passing_proposal(validation_losses=[0.5, 0.0, 0.1])).check(CheckId.OVERFITTING)
    assert check.status is WARN
    assert check.value == math.inf


@pytest.mark.parametrize(("epochs", "expected"), [(8, PASS), (9, WARN), (1, PASS)])
def test_without_a_curve_more_than_eight_planned_epochs_warn(epochs: int, expected: Status) -> None:
    check = run(passing_proposal(planned_epochs=epochs)).check(CheckId.OVERFITTING)
    assert (check.status, check.value, check.threshold) == (expected, epochs, 8)


def test_a_policy_moves_every_threshold() -> None:
    policy = Policy.from_mapping(
        {"min_kpi_lift_pct": 3.0, "min_roi_multiple": 1.5, "max_delivery_days": 30}
    )
    evaluation = run(load_case("q2-budget-timing")["proposal"], policy)
    assert status(evaluation, "kpi_lift") is PASS
    assert status(evaluation, "timing_adjusted_roi") is PASS
    assert status(evaluation, "delivery_window") is FAIL
    assert evaluation.check(CheckId.KPI_LIFT).threshold == 3.0
