"""What each picture says in words: its title and the alt text that states the finding."""

from __future__ import annotations

import math
from datetime import date

import pytest
from pydantic import ValidationError

from bot.evidence.curve import LossCurve
from bot.pictures import (
    SwingBar,
    gates_picture,
    loss_curve_picture,
    timing_picture,
    tornado_picture,
)
from bot.pictures.gates import score
from core.engine import evaluate
from core.evaluation import Check, CheckId, CheckKind, Status
from core.policy import Policy
from tests.bot.pictures.picture_kit import CASES_DIR, load_case
from tests.bot.pictures.test_picture_rendering import hopeless_proposal
from tests.builders import approvable_proposal

TODAY = date(2026, 2, 10)


def curve(*losses: float) -> LossCurve:
    return LossCurve(
        source="trainer_state.json",
        kind="trainer_state",
        metric="eval_loss",
        validation_losses=losses,
    )


# --- the loss curve ---------------------------------------------------------------------------


def test_an_overtrained_curve_says_where_to_stop_and_that_the_plan_overtrains() -> None:
    case = load_case(CASES_DIR / "voice-assistant-duplicates.json")
    losses = case.proposal.validation_losses or []
    picture = loss_curve_picture(curve(*losses), case.policy, case.proposal.planned_epochs)
    assert picture.title == "Validation loss: lowest at epoch 8 (0.425), then up 22.4 %"
    assert picture.alt_text == (
        "Validation loss bottoms out at epoch 8 (0.425) and rises 22.4 % by epoch 12: "
        "stop at epoch 8; the plan's 12 epochs overtrain."
    )


def test_a_rise_within_the_limit_is_called_within_it() -> None:
    picture = loss_curve_picture(curve(0.9, 0.4, 0.402, 0.401), Policy(), 4)
    assert picture.alt_text == (
        "Validation loss bottoms out at epoch 2 (0.4) and rises at most 0.5 % after it, "
        "within the 1 % limit; the plan's 4 epochs stay within the safe 8."
    )


def test_a_single_epoch_is_too_short_to_judge() -> None:
    picture = loss_curve_picture(curve(0.42), Policy(), 10)
    assert picture.title == "Validation loss: one epoch (0.42)"
    assert picture.alt_text == (
        "Only one epoch of validation loss (0.42): too short a curve to show over-fitting; "
        "the plan's 10 epochs go past the safe 8."
    )


def test_a_flat_curve_is_called_flat() -> None:
    picture = loss_curve_picture(curve(0.5, 0.5, 0.5), Policy(), None)
    assert picture.title == "Validation loss: flat at 0.5 over 3 epochs"
    assert picture.alt_text == (
        "Validation loss is flat at 0.5 over all 3 epochs: no sign of over-fitting."
    )


def test_a_falling_curve_does_not_rise() -> None:
    picture = loss_curve_picture(curve(0.9, 0.6, 0.3), Policy(), None)
    assert picture.alt_text == (
        "Validation loss bottoms out at epoch 3 (0.3) and does not rise after it."
    )


def test_a_rise_from_a_zero_loss_is_stated_without_an_infinite_percentage() -> None:
    picture = loss_curve_picture(curve(0.2, 0.0, 0.1), Policy(), None)
    assert picture.title == "Validation loss: 0 at epoch 2, then up to 0.1"
    assert "rises from 0 to 0.1 by epoch 3: stop at epoch 2" in picture.alt_text


# --- the gates --------------------------------------------------------------------------------


def test_the_failing_gate_is_named_in_the_title_and_explained_first() -> None:
    case = load_case(CASES_DIR / "recommendation-widget-no-cache.json")
    picture = gates_picture(case.evaluation)
    assert picture.title == "Gates: 1 of 9 assessed fail — latency SLA"
    assert picture.alt_text.startswith("Latency 180 ms is over the 150 ms SLA. Passing: KPI lift,")


def test_a_proposal_failing_every_gate_says_so() -> None:
    picture = gates_picture(evaluate(hopeless_proposal(), Policy()))  # type: ignore[arg-type]
    assert (
        picture.title == "Gates: all 9 fail — KPI lift, clean data volume, data hygiene and 6 more"
    )


def test_gates_not_assessed_are_named_as_such() -> None:
    case = load_case(CASES_DIR / "fraud-metric-lock.json")
    picture = gates_picture(case.evaluation)
    assert picture.title == "Gates: none of the 8 assessed fail"
    assert picture.alt_text.endswith("Not assessed: prompt alternative.")


def gate(check_id: CheckId, value: float | None, threshold: float | None) -> Check:
    return Check(
        id=check_id,
        kind=CheckKind.GATE,
        status=Status.PASS,
        value=value,
        threshold=threshold,
        message="",
    )


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (gate(CheckId.KPI_LIFT, 7.5, 5.0), 1.5),
        (gate(CheckId.LATENCY_SLA, 200.0, 150.0), 0.75),  # lower is better: inverted
        (gate(CheckId.DELIVERY_WINDOW, 0, 45), math.inf),
        (gate(CheckId.DELIVERY_WINDOW, 0, 0), 1.0),
        (gate(CheckId.TIMING_ADJUSTED_ROI, math.inf, 2.0), math.inf),
        (gate(CheckId.PROMPT_ALTERNATIVE, -0.2, 0.9), math.inf),
        (gate(CheckId.KPI_LIFT, -5.0, -10.0), 1.5),  # a bar below zero: the margin
        (gate(CheckId.METRIC_LOCK, 1, 2), 0.5),
        (gate(CheckId.METRIC_LOCK, 0, 0), None),
        (gate(CheckId.PROMPT_ALTERNATIVE, None, None), None),
    ],
)
def test_a_gate_is_scored_as_a_multiple_of_its_bar_right_is_better(
    check: Check, expected: float | None
) -> None:
    assert score(check) == expected


# --- the timing -------------------------------------------------------------------------------


def test_timing_states_what_the_plan_keeps_against_the_floor_and_the_calendar() -> None:
    case = load_case(CASES_DIR / "recommendation-widget.json")
    picture = timing_picture(case.proposal, case.evaluation, today=TODAY, fiscal_year_start_month=1)
    assert picture.title == "Shipping on day 30 keeps $200k: 8.45× the cost, above the 2× floor"
    assert picture.alt_text == (
        "Shipping on day 30 keeps $200k of the $300k revenue over 90 days, 8.45× the $23.7k cost, "
        "above the 2× floor. Shipping by day 75 clears the floor. The quarter closes 2026-03-31 "
        "(in 49 days); to ship in it, work must start by 2026-03-01 (in 19 days)."
    )


def test_timing_below_the_floor_says_below() -> None:
    case = load_case(CASES_DIR / "q2-budget-timing.json")
    picture = timing_picture(case.proposal, case.evaluation, today=TODAY, fiscal_year_start_month=1)
    assert picture.title == "Shipping on day 45 keeps $60k: 1.82× the cost, below the 2× floor"


def test_timing_with_no_cost_says_any_revenue_clears_the_floor() -> None:
    proposal = approvable_proposal(compute_cost_usd=0.0, engineer_day_cost_usd=0.0)
    evaluation = evaluate(proposal, Policy())
    picture = timing_picture(proposal, evaluation, today=TODAY, fiscal_year_start_month=1)
    assert picture.title == "Shipping on day 45 keeps $100k at no cost"
    assert "with no cost, any revenue clears the floor" in picture.alt_text


def test_timing_past_the_horizon_keeps_nothing_and_names_the_passed_deadline() -> None:
    proposal = approvable_proposal(delivery_days=120)
    evaluation = evaluate(proposal, Policy())
    picture = timing_picture(proposal, evaluation, today=TODAY, fiscal_year_start_month=1)
    assert picture.alt_text.startswith("Shipping on day 120 keeps $0 of the $200k revenue")
    assert picture.alt_text.endswith(
        "the QIT deadline to start and still ship in it passed 2025-12-01 (71 days ago)."
    )


# --- the tornado ------------------------------------------------------------------------------


def test_the_tornado_names_the_largest_swing_first() -> None:
    swing = [
        SwingBar(
            label="Latency",
            low_label="120 ms",
            high_label="170 ms",
            probability_at_low=0.64,
            probability_at_high=0.55,
        ),
        SwingBar(
            label="Delivery days",
            low_label="20 days",
            high_label="60 days",
            probability_at_low=0.92,
            probability_at_high=0.18,
        ),
    ]
    picture = tornado_picture(0.62, swing)
    assert picture.title == "P(approve) 62 %: Delivery days swings it most (18 % to 92 %)"
    assert picture.alt_text == (
        "The proposal is approved in 62 % of scenarios. Delivery days moves it most: 92 % at "
        "20 days, 18 % at 60 days; then Latency (64 % to 55 %)."
    )


def test_a_tornado_without_uncertain_fields_says_so() -> None:
    assert tornado_picture(0.4, []).alt_text == (
        "The proposal is approved in 40 % of scenarios; no field was given a range."
    )


def test_a_swing_bar_refuses_a_probability_above_one() -> None:
    with pytest.raises(ValidationError):
        SwingBar(
            label="x",
            low_label="a",
            high_label="b",
            probability_at_low=1.2,
            probability_at_high=0.5,
        )
