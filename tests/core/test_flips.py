"""What would flip it (docs/framework.md §5): closed-form options, side effects, honesty,
blockers."""

from __future__ import annotations

from typing import Any

import pytest

from core.evaluation import CheckId, Evaluation, Flip, Status
from core.policy import Policy
from tests.core.engine_kit import apply_flip, passing_proposal, run, set_value
from tests.worked_cases import case_paths, load_case

KPI, CLEAN, HYGIENE, WEIGHTED = (
    CheckId.KPI_LIFT,
    CheckId.CLEAN_DATA_VOLUME,
    CheckId.DATA_HYGIENE,
    CheckId.SIGNAL_WEIGHTED_ROI,
)
WINDOW, TIMING, LATENCY = CheckId.DELIVERY_WINDOW, CheckId.TIMING_ADJUSTED_ROI, CheckId.LATENCY_SLA
PROMPT, LOCKS = CheckId.PROMPT_ALTERNATIVE, CheckId.METRIC_LOCK


def options(evaluation: Evaluation) -> list[tuple[list[tuple[str, Any, str, Any]], list[str]]]:
    """Each flip as ([(field, current, comparator, required)], [gate, ...])."""
    return [
        (
            [(c.field, c.current, c.comparator, c.required) for c in flip.changes],
            [gate.value for gate in flip.gates],
        )
        for flip in evaluation.flips
    ]


def assert_honest(proposal: dict[str, Any], flip: Flip) -> None:
    """Applying the flip and evaluating again leaves none of its gates failing."""
    again = run(apply_flip(proposal, flip))
    still_failing = [g for g in flip.gates if again.check(g).status is Status.FAIL]
    assert not still_failing, (flip, still_failing)


def test_the_q2_debrief_gets_one_option_per_field_with_its_side_effects() -> None:
    evaluation = run(load_case("q2-budget-timing")["proposal"])
    assert options(evaluation) == [
        ([("projected_lift_pct", 4.0, ">", 7.977839335)], ["kpi_lift", "signal_weighted_roi"]),
        (
            [("engineering_days", 12.0, "<", 6.016666667)],
            ["signal_weighted_roi", "timing_adjusted_roi"],
        ),
        # cost 2 × 12 × 28 000 / 24 + 5 000 = 33 000; half the horizon left: 2 × 33 000 / 0.5
        ([("projected_revenue_usd", 120_000.0, ">=", 132_000.0)], ["timing_adjusted_roi"]),
        # a gain of 60 000 pays 2× a cost of 30 000: 30 000 − 28 000 of labour
        ([("compute_cost_usd", 5_000.0, "<=", 2_000.0)], ["timing_adjusted_roi"]),
        ([("delivery_days", 45, "<=", 40)], ["timing_adjusted_roi"]),
    ]


@pytest.mark.parametrize("path", case_paths(), ids=[path.stem for path in case_paths()])
def test_every_option_of_the_worked_cases_is_honest(path: Any) -> None:
    proposal = load_case(path.stem)["proposal"]
    for flip in run(proposal).flips:
        assert_honest(proposal, flip)


def test_a_strict_gate_asks_for_more_than_the_bound() -> None:
    evaluation = run(load_case("boundaries-all-exact")["proposal"])
    assert options(evaluation) == [
        ([("projected_lift_pct", 7.2, ">", 7.2)], ["signal_weighted_roi"]),
        ([("engineering_days", 12.0, "<", 12.0)], ["signal_weighted_roi"]),
    ]


def lift_options(evaluation: Evaluation) -> list[tuple[list[tuple[str, Any]], list[CheckId]]]:
    return [
        ([(c.comparator, c.required) for c in flip.changes], flip.gates)
        for flip in evaluation.flips
        if flip.changes[0].field == "projected_lift_pct"
    ]


def test_the_kpi_minimum_is_the_lift_option_when_it_also_clears_the_weighted_lift() -> None:
    only_kpi = run(passing_proposal(projected_lift_pct=4.5))  # 0.71 pp/day: weighted passes
    assert lift_options(only_kpi) == [([(">=", 5.0)], [KPI])]
    both = run(passing_proposal(projected_lift_pct=3.5))  # 0.55 pp/day; at 5 %, 0.78 pp/day
    assert lift_options(both) == [([(">=", 5.0)], [KPI, WEIGHTED])]


def test_the_lift_option_clears_the_weighted_lift_too_when_that_needs_more() -> None:
    # At 9 days the weighted lift needs more than 0.6 × 9 / 0.9409 = 5.739 %.
    evaluation = run(passing_proposal(projected_lift_pct=3.5, engineering_days=9.0))
    assert lift_options(evaluation) == [([(">", 5.739185886)], [KPI, WEIGHTED])]


def test_one_delivery_date_clears_both_the_window_and_the_timing_adjusted_roi() -> None:
    proposal = passing_proposal(delivery_days=70, projected_revenue_usd=80_000.0)
    evaluation = run(proposal)
    assert evaluation.check(WINDOW).status is Status.FAIL
    assert evaluation.check(TIMING).status is Status.FAIL
    delivery = [f for f in evaluation.flips if f.changes[0].field == "delivery_days"]
    assert len(delivery) == 1
    # cost 2 × 6 × 28 000 / 24 + 5 000 = 19 000; 80 000 × (1 − d/90) ≥ 38 000 → d ≤ 47.25 →
    # but the window says 45
    assert delivery[0].changes[0].required == 45
    assert delivery[0].gates == [WINDOW, TIMING]
    tighter = run(passing_proposal(delivery_days=70, projected_revenue_usd=60_000.0))
    [only] = [f for f in tighter.flips if f.changes[0].field == "delivery_days"]
    assert only.changes[0].required == 33  # 90 × (1 − 38 000 / 60 000) = 33 exactly
    assert only.gates == [WINDOW, TIMING]
    assert_honest(passing_proposal(delivery_days=70, projected_revenue_usd=60_000.0), only)


def test_a_late_delivery_alone_gets_the_window_option_only() -> None:
    evaluation = run(passing_proposal(delivery_days=60))
    assert options(evaluation) == [([("delivery_days", 60, "<=", 45)], ["delivery_window"])]


def test_a_delivery_that_takes_the_whole_horizon_with_a_low_raw_roi_has_no_option() -> None:
    proposal = passing_proposal(delivery_days=90, projected_revenue_usd=30_000.0)
    evaluation = run(proposal)
    assert not [f for f in evaluation.flips if TIMING in f.gates]
    message = evaluation.check(TIMING).message
    assert "the delivery takes the whole 90-day horizon, so no revenue counts" in message
    assert "raw ROI 1.58× below 2.00×" in message  # 30 000 / 19 000 = 1.578947…


def test_a_delivery_that_takes_the_whole_horizon_can_still_be_brought_forward() -> None:
    # 40 × (1 − 2 × 19 000.04 / 300 000) = 34.93
    evaluation = run(passing_proposal(delivery_days=40, revenue_horizon_days=40))
    assert options(evaluation) == [([("delivery_days", 40, "<=", 34)], ["timing_adjusted_roi"])]


def test_a_free_fine_tune_may_ship_on_the_last_day_its_rounded_gain_survives() -> None:
    # No cost: any gain that survives the 9-decimal rounding is an unbounded ROI. With a
    # revenue of 5.96e-8 USD, day 89 leaves a gain of 6.6e-10, which still rounds up to 1e-9.
    proposal = passing_proposal(
        engineer_day_cost_usd=0.0,
        compute_cost_usd=0.0,
        projected_revenue_usd=5.960464477539063e-08,
        delivery_days=90,
    )
    policy = Policy(max_delivery_days=89)
    evaluation = run(proposal, policy)
    [delivery] = [f for f in evaluation.flips if f.changes[0].field == "delivery_days"]
    assert delivery.changes[0].required == 89
    assert delivery.gates == [WINDOW, TIMING]
    again = run(apply_flip(proposal, delivery), policy)
    assert [again.check(gate).status for gate in delivery.gates] == [Status.PASS, Status.PASS]


def test_no_row_clean_leaves_the_volume_gate_without_an_option_and_says_why() -> None:
    proposal = passing_proposal(label_accuracy_pct=0.0)
    evaluation = run(proposal)
    assert evaluation.check(CLEAN).status is Status.FAIL
    assert not any(f.changes[0].field == "dataset_examples" for f in evaluation.flips)
    assert evaluation.check(CLEAN).message == (
        "Clean examples 0 are below the 100,000 minimum (150,000 rows at a clean proportion "
        "of 0.00); no row is clean, so no number of rows reaches it: raise the label accuracy "
        "or cut the duplicates first."
    )
    hygiene = next(f for f in evaluation.flips if f.changes[0].field == "label_accuracy_pct")
    assert hygiene.changes[0].required == 70.0
    assert hygiene.gates == [CLEAN, HYGIENE, WEIGHTED]  # 70 % clean: 105 000 rows, 0.7 pp/day
    assert_honest(proposal, hygiene)


def test_the_row_count_is_rounded_up() -> None:
    proposal = passing_proposal(
        dataset_examples=100_000, label_accuracy_pct=70.0, duplicate_pct=0.0
    )
    evaluation = run(proposal)
    assert options(evaluation) == [
        ([("dataset_examples", 100_000, ">=", 142_858)], ["clean_data_volume"])
    ]


def test_one_hygiene_option_brings_every_failing_axis_to_seventy() -> None:
    proposal = passing_proposal(diversity_pct=60.0, duplicate_pct=35.0, dataset_examples=400_000)
    evaluation = run(proposal)
    assert options(evaluation)[0] == (
        [("diversity_pct", 60.0, ">=", 70.0), ("duplicate_pct", 35.0, "<=", 30.0)],
        ["data_hygiene"],
    )


def test_a_lift_out_of_range_is_left_out_and_a_shorter_sprint_offered() -> None:
    # A clean proportion of 0.0049 needs a lift above 1 000 % at 12 days.
    proposal = passing_proposal(
        label_accuracy_pct=70.0,
        duplicate_pct=99.3,
        dataset_examples=100_000_000,
        engineering_days=12.0,
    )
    evaluation = run(proposal)
    weighted = [f for f in evaluation.flips if WEIGHTED in f.gates]
    assert [f.changes[0].field for f in weighted] == ["engineering_days"]
    for flip in weighted:
        assert_honest(proposal, flip)


def test_a_weighted_lift_no_lift_and_no_sprint_length_reach_says_what_blocks_it() -> None:
    # 0.0007 clean: even 1 000 % gives 0.12 pp/day over 6 days, and 0 % gives nothing.
    proposal = passing_proposal(projected_lift_pct=0.0, label_accuracy_pct=70.0, duplicate_pct=99.9)
    evaluation = run(proposal)
    assert options(evaluation)[0] == ([("projected_lift_pct", 0.0, ">=", 5.0)], ["kpi_lift"])
    assert not [f for f in evaluation.flips if WEIGHTED in f.gates]
    assert evaluation.check(WEIGHTED).message.endswith(
        "; even a 1,000 % lift would not get there in 6 days, and a 0.0 % lift earns nothing "
        "however short the sprint."
    )


def test_a_gate_reached_only_by_another_gates_option_gets_no_blocker_clause() -> None:
    # A 0 % lift: no sprint length lifts the weighted lift, but the KPI's lift option clears
    # both gates, and the lift is a field offered for the weighted lift too.
    proposal = passing_proposal(projected_lift_pct=0.0)
    evaluation = run(proposal)
    assert [f.gates for f in evaluation.flips] == [[KPI, WEIGHTED]]
    assert_honest(proposal, evaluation.flips[0])
    assert evaluation.check(WEIGHTED).message.endswith("does not exceed the 0.60 pp/day minimum.")


def test_a_gate_cleared_only_by_fields_offered_for_another_gate_says_what_blocks_it() -> None:
    # All rows duplicated: cutting the duplicates (the hygiene option) clears the weighted lift
    # too, but the duplicates are not offered for it, so its message says what blocks it.
    proposal = passing_proposal(duplicate_pct=100.0)
    evaluation = run(proposal)
    hygiene = next(flip for flip in evaluation.flips if HYGIENE in flip.gates)
    assert WEIGHTED in hygiene.gates
    assert_honest(proposal, hygiene)
    assert not [f for f in evaluation.flips if f.gates[-1] == WEIGHTED and f is not hygiene]
    assert evaluation.check(WEIGHTED).message.endswith(
        "; with a clean proportion of 0 no lift and no sprint length raises it."
    )


def test_the_prompt_route_is_flipped_by_a_higher_upkeep_estimate() -> None:
    evaluation = run(passing_proposal(prompt_result=84.0, target_result=85.0))
    assert options(evaluation) == [
        ([("prompt_maintenance_hours_per_week", None, ">", 8.0)], ["prompt_alternative"])
    ]


def test_one_lock_option_brings_every_unmet_lock_to_its_threshold() -> None:
    locks = [
        {"name": "recall", "comparator": ">=", "threshold": 0.9, "achieved": 0.85},
        {"name": "latency", "comparator": "<=", "threshold": 120, "achieved": 130},
        {"name": "cost", "comparator": "<=", "threshold": 5, "achieved": 4},
    ]
    proposal = passing_proposal(metric_locks=locks)
    evaluation = run(proposal)
    assert options(evaluation) == [
        (
            [
                ("metric_locks[0].achieved", 0.85, ">=", 0.9),
                ("metric_locks[1].achieved", 130.0, "<=", 120.0),
            ],
            ["metric_lock"],
        )
    ]
    assert_honest(proposal, evaluation.flips[0])


def test_latency_is_flipped_at_the_proposals_own_sla() -> None:
    evaluation = run(passing_proposal(latency_ms=130.0, latency_sla_ms=120.0))
    assert options(evaluation) == [([("latency_ms", 130.0, "<=", 120.0)], ["latency_sla"])]


def test_options_follow_the_order_of_the_failing_gates() -> None:
    proposal = passing_proposal(
        projected_lift_pct=3.0,
        diversity_pct=60.0,
        delivery_days=60,
        latency_ms=200.0,
        prompt_result=99.0,
        target_result=100.0,
    )
    evaluation = run(proposal)
    fields = [flip.changes[0].field for flip in evaluation.flips]
    assert fields == [
        "projected_lift_pct",
        "diversity_pct",
        "engineering_days",
        "delivery_days",
        "latency_ms",
        "prompt_maintenance_hours_per_week",
    ]


def test_an_approved_proposal_has_nothing_to_flip() -> None:
    assert run(passing_proposal()).flips == []


def test_set_value_moves_strict_bounds_and_rounds_whole_numbers_safely() -> None:
    from core.evaluation import Change

    assert set_value(Change(field="x", current=1, required=2.0, comparator=">")) == 2.000002
    assert set_value(Change(field="x", current=1, required=0.5, comparator="<")) == 0.499999
    assert set_value(Change(field="delivery_days", current=1, required=40.2, comparator="<=")) == 40
    assert (
        set_value(Change(field="dataset_examples", current=1, required=9.1, comparator=">=")) == 10
    )
