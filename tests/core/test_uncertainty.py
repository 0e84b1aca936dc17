"""P(approve), gate risks and swings from a proposal's ranges (docs/framework.md §9)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import Policy, Proposal, evaluate
from core.evaluation import CheckId, Status, Verdict
from core.ranges import RANGED_FIELDS, WHOLE_FIELDS
from core.scenarios import (
    DEFAULT_SCENARIOS,
    DEFAULT_SEED,
    GATES,
    MAX_SCENARIOS,
    draw_scenarios,
    evaluate_scenarios,
    simulate,
)
from core.uncertainty import Swing, Uncertainty, describe_uncertainty, uncertainty_json
from tests.core.engine_kit import passing_proposal

POLICY = Policy()


def ranged(ranges: dict[str, list[float]], **overrides: Any) -> Proposal:
    """The passing proposal (latency 120 ms against a 150 ms SLA) with these ranges."""
    return Proposal.model_validate(passing_proposal(ranges=ranges, **overrides))


# --- hand-worked figures --------------------------------------------------------------------


def test_latency_ranged_past_the_sla_approves_in_the_share_of_the_triangle_below_it() -> None:
    # Triangle 120 (mode) … 170: P(latency ≤ 150) = 1 − 20² / (50 × 50) = 0.84.
    uncertainty = simulate(ranged({"latency_ms": [120, 170]}), POLICY, scenarios=100_000)
    assert uncertainty.approve_probability == pytest.approx(0.84, abs=0.005)
    assert uncertainty.gate_fail_probability[CheckId.LATENCY_SLA] == pytest.approx(0.16, abs=0.005)
    assert [swing.model_dump() for swing in uncertainty.swing] == [
        {
            "field": "latency_ms",
            "low": 120.0,
            "high": 170.0,
            "approve_probability_at_low": 1.0,
            "approve_probability_at_high": 0.0,
        }
    ]


def test_the_point_value_is_the_mode_of_the_draws() -> None:
    # Triangle 100 … 120 (mode) … 170: mean (100 + 120 + 170) / 3 = 130.
    columns = draw_scenarios(ranged({"latency_ms": [100, 170]}), 100_000)
    assert float(columns["latency_ms"].mean()) == pytest.approx(130.0, abs=0.3)


def test_every_gate_has_a_failure_probability_in_the_order_of_the_rules() -> None:
    uncertainty = simulate(ranged({"latency_ms": [120, 170]}), POLICY, scenarios=1000)
    assert list(uncertainty.gate_fail_probability) == [
        CheckId.KPI_LIFT,
        CheckId.CLEAN_DATA_VOLUME,
        CheckId.DATA_HYGIENE,
        CheckId.SIGNAL_WEIGHTED_ROI,
        CheckId.DELIVERY_WINDOW,
        CheckId.TIMING_ADJUSTED_ROI,
        CheckId.LATENCY_SLA,
        CheckId.PROMPT_ALTERNATIVE,
        CheckId.METRIC_LOCK,
    ]


def test_an_unmet_lock_fails_every_scenario_and_no_range_moves_the_verdict() -> None:
    unmet = {"name": "recall", "comparator": ">=", "threshold": 0.9, "achieved": 0.8}
    proposal = ranged({"latency_ms": [120, 170]}, metric_locks=[unmet])
    uncertainty = simulate(proposal, POLICY, scenarios=2000)
    assert uncertainty.approve_probability == 0.0
    assert uncertainty.gate_fail_probability[CheckId.METRIC_LOCK] == 1.0
    assert describe_uncertainty(uncertainty) == (
        "Approves in 0 % of scenarios; no single range moves it."
    )


def test_the_swing_list_puts_the_largest_effect_first_and_ties_in_field_order() -> None:
    proposal = ranged(
        {"diversity_pct": [80, 90], "latency_ms": [120, 170], "projected_lift_pct": [5.5, 6.5]}
    )
    uncertainty = simulate(proposal, POLICY, scenarios=2000)
    assert [swing.field for swing in uncertainty.swing] == [
        "latency_ms",
        "projected_lift_pct",
        "diversity_pct",
    ]
    assert [swing.effect for swing in uncertainty.swing] == [1.0, 0.0, 0.0]


def test_a_prompt_result_ranged_past_the_substitute_ratio_fails_the_prompt_gate_there() -> None:
    # Target 100, ratio 0.9: the triangle 80 (mode) … 100 puts 1 − 10² / (20 × 20) = 0.75
    # of its draws at or below 90.
    proposal = ranged({"prompt_result": [80, 100]}, prompt_result=80.0, target_result=100.0)
    uncertainty = simulate(proposal, POLICY, scenarios=100_000)
    assert uncertainty.approve_probability == pytest.approx(0.75, abs=0.005)
    [swing] = uncertainty.swing
    assert (swing.approve_probability_at_low, swing.approve_probability_at_high) == (1.0, 0.0)


def test_a_proposal_without_ranges_approves_in_every_scenario_or_in_none() -> None:
    approved = simulate(ranged({}), POLICY, scenarios=10)
    rejected = simulate(ranged({}, latency_ms=200.0), POLICY, scenarios=10)
    assert (approved.approve_probability, rejected.approve_probability) == (1.0, 0.0)
    assert approved.swing == [] and approved.scenarios == 10


# --- drawing ------------------------------------------------------------------------------------


def test_whole_fields_are_drawn_as_whole_numbers_within_their_range() -> None:
    columns = draw_scenarios(
        ranged({"engineers": [1, 4], "delivery_days": [20, 44], "dataset_examples": [9, 10**6]}),
        20_000,
    )
    assert set(columns["engineers"].tolist()) == {1.0, 2.0, 3.0, 4.0}
    for field, (low, high) in {"delivery_days": (20, 44), "dataset_examples": (9, 10**6)}.items():
        values = columns[field]
        assert values.min() >= low and values.max() <= high
        assert np.array_equal(values, np.rint(values))


def test_a_range_of_zero_width_draws_nothing() -> None:
    assert draw_scenarios(ranged({"latency_ms": [120, 120]}), 100) == {}


def test_the_same_seed_gives_the_same_figures() -> None:
    proposal = ranged({"latency_ms": [100, 170], "delivery_days": [20, 60]})
    first = simulate(proposal, POLICY, scenarios=5000, seed=7)
    assert simulate(proposal, POLICY, scenarios=5000, seed=7) == first
    assert simulate(proposal, POLICY, scenarios=5000) == simulate(proposal, POLICY, scenarios=5000)


def test_another_seed_draws_other_scenarios() -> None:
    proposal = ranged({"latency_ms": [100, 170]})
    assert not np.array_equal(
        draw_scenarios(proposal, 100, seed=1)["latency_ms"],
        draw_scenarios(proposal, 100, seed=2)["latency_ms"],
    )


def test_a_fields_draws_do_not_depend_on_which_other_fields_have_ranges() -> None:
    alone = draw_scenarios(ranged({"latency_ms": [100, 170]}), 1000)
    both = ranged({"projected_lift_pct": [4, 9], "latency_ms": [100, 170]})
    together = draw_scenarios(both, 1000)
    assert np.array_equal(alone["latency_ms"], together["latency_ms"])


def test_the_defaults_are_twenty_thousand_scenarios_at_most_a_million_and_a_fixed_seed() -> None:
    uncertainty = simulate(ranged({"latency_ms": [100, 170]}), POLICY)
    assert (uncertainty.scenarios, uncertainty.seed) == (20_000, DEFAULT_SEED)
    assert (DEFAULT_SCENARIOS, MAX_SCENARIOS) == (20_000, 1_000_000)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scenarios": 0}, "scenarios must be between 1 and 1,000,000 (got 0)"),
        ({"scenarios": 1_000_001}, "scenarios must be between 1 and 1,000,000 (got 1,000,001)"),
        ({"seed": -1}, "the seed must be a whole number of at least 0 (got -1)"),
    ],
)
def test_a_count_of_scenarios_out_of_bounds_or_a_negative_seed_is_refused(
    options: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        simulate(ranged({"latency_ms": [100, 170]}), POLICY, **options)
    assert str(caught.value) == message


# --- the swing and the probabilities agree with the scenarios themselves ------------------------


def test_each_swing_is_the_share_approved_with_that_fields_column_held_at_its_end() -> None:
    ranges = {
        "projected_lift_pct": [4, 9],
        "engineering_days": [4, 9],
        "delivery_days": [20, 60],
        "latency_ms": [100, 170],
        "prompt_result": [60, 85],
        "compute_cost_usd": [0, 90_000],
    }
    proposal = ranged(ranges, prompt_result=70.0, target_result=85.0)
    uncertainty = simulate(proposal, POLICY, scenarios=4000)
    columns = draw_scenarios(proposal, 4000)
    results = evaluate_scenarios(proposal, POLICY, columns)
    assert uncertainty.approve_probability == np.count_nonzero(results.approved) / 4000
    assert uncertainty.gate_fail_probability == {
        gate: np.count_nonzero(results.failed[gate]) / 4000 for gate in GATES
    }
    for swing in uncertainty.swing:
        for end, share in [
            (swing.low, swing.approve_probability_at_low),
            (swing.high, swing.approve_probability_at_high),
        ]:
            held = {**columns, swing.field: np.full(4000, float(end))}
            approved = evaluate_scenarios(proposal, POLICY, held).approved
            assert share == np.count_nonzero(approved) / 4000, (swing.field, end)


# --- properties over random proposals and ranges ------------------------------------------------

_LIMITS: dict[str, tuple[float, float]] = {
    "projected_lift_pct": (-100, 1000),
    "dataset_examples": (0, 10**7),
    "label_accuracy_pct": (0, 100),
    "diversity_pct": (0, 100),
    "duplicate_pct": (0, 100),
    "engineers": (1, 1000),
    "engineering_days": (0.5, 3650),
    "compute_cost_usd": (0, 10**6),
    "projected_revenue_usd": (0, 10**7),
    "delivery_days": (0, 3650),
    "latency_ms": (1, 1000),
    "prompt_result": (0, 200),
}


@st.composite
def ranged_proposals(draw: st.DrawFn, *, max_fields: int = 12) -> Proposal:
    """A proposal near the thresholds with ranges on some fields, each around its point."""
    point: dict[str, Any] = {
        "projected_lift_pct": draw(st.sampled_from([3.0, 5.0, 6.0, 7.2])),
        "dataset_examples": draw(st.sampled_from([90_000, 142_858, 150_000])),
        "label_accuracy_pct": draw(st.sampled_from([69.0, 70.0, 97.0, 100.0])),
        "duplicate_pct": draw(st.sampled_from([0.0, 3.0, 30.0])),
        "engineering_days": draw(st.sampled_from([6.0, 12.0])),
        "delivery_days": draw(st.sampled_from([30, 45, 60])),
        "latency_ms": draw(st.sampled_from([120.0, 150.0, 170.0])),
        "prompt_result": draw(st.sampled_from([None, 70.0, 80.0])),
        "target_result": 85.0,
    }
    data = passing_proposal(**point)
    fields = draw(
        st.lists(st.sampled_from(RANGED_FIELDS), min_size=1, max_size=max_fields, unique=True)
    )
    ranges = {}
    for field in fields:
        centre = data[field]
        if centre is None:
            continue
        lowest, highest = _LIMITS[field]
        below, above = draw(st.floats(0, 1)), draw(st.floats(0, 1))
        low, high = centre - below * (centre - lowest), centre + above * (highest - centre)
        if field in WHOLE_FIELDS:
            low, high = int(np.ceil(low)), int(np.floor(high))
        ranges[field] = [low, high]
    return Proposal.model_validate({**data, "ranges": ranges})


@settings(max_examples=60, deadline=None)
@given(ranged_proposals())
def test_every_probability_lies_between_zero_and_one(proposal: Proposal) -> None:
    uncertainty = simulate(proposal, POLICY, scenarios=500)
    shares = [uncertainty.approve_probability, *uncertainty.gate_fail_probability.values()]
    for swing in uncertainty.swing:
        shares += [swing.approve_probability_at_low, swing.approve_probability_at_high]
    assert all(0.0 <= share <= 1.0 for share in shares)
    effects = {swing.field: round(swing.effect * 500) for swing in uncertainty.swing}
    assert [swing.field for swing in uncertainty.swing] == sorted(
        proposal.ranges or {},
        key=lambda field: (-effects[field], RANGED_FIELDS.index(field)),
    )


@settings(max_examples=60, deadline=None)
@given(ranged_proposals())
def test_ranges_of_zero_width_make_the_point_verdict_certain(proposal: Proposal) -> None:
    point = {field: [getattr(proposal, field)] * 2 for field in proposal.ranges or {}}
    fixed = Proposal.model_validate({**proposal.model_dump(), "ranges": point})
    evaluation = evaluate(fixed, POLICY)
    uncertainty = simulate(fixed, POLICY, scenarios=200)
    assert uncertainty.approve_probability == (evaluation.verdict is Verdict.APPROVE)
    assert uncertainty.gate_fail_probability == {
        gate: float(evaluation.check(gate).status is Status.FAIL) for gate in GATES
    }


@settings(max_examples=60, deadline=None)
@given(ranged_proposals(max_fields=3))
def test_a_gate_fails_in_some_scenario_only_if_it_fails_at_a_corner_of_the_ranges(
    proposal: Proposal,
) -> None:
    ranges = proposal.ranges or {}
    failing_at_a_corner = set()
    for corner in itertools.product(*ranges.values()):
        update = dict(zip(ranges, corner, strict=True))
        evaluation = evaluate(proposal.model_copy(update=update), POLICY)
        failing_at_a_corner |= {
            gate for gate in GATES if evaluation.check(gate).status is Status.FAIL
        }
    uncertainty = simulate(proposal, POLICY, scenarios=2000)
    failing_somewhere = {gate for gate, p in uncertainty.gate_fail_probability.items() if p > 0}
    assert failing_somewhere <= failing_at_a_corner


# --- JSON and words -------------------------------------------------------------------------------


def hand_made(swing: list[Swing], approve: float = 0.65) -> Uncertainty:
    fails = dict.fromkeys(GATES, 0.0)
    fails[CheckId.LATENCY_SLA] = 0.35
    return Uncertainty(
        scenarios=20_000,
        seed=1,
        approve_probability=approve,
        gate_fail_probability=fails,
        swing=swing,
    )


LATENCY_SWING = Swing(
    field="latency_ms",
    low=120.0,
    high=170.0,
    approve_probability_at_low=0.88,
    approve_probability_at_high=0.41,
)


def test_the_json_has_the_contracts_keys_and_every_gate_by_id() -> None:
    assert uncertainty_json(hand_made([LATENCY_SWING])) == {
        "scenarios": 20_000,
        "approve_probability": 0.65,
        "gate_fail_probability": {
            "kpi_lift": 0.0,
            "clean_data_volume": 0.0,
            "data_hygiene": 0.0,
            "signal_weighted_roi": 0.0,
            "delivery_window": 0.0,
            "timing_adjusted_roi": 0.0,
            "latency_sla": 0.35,
            "prompt_alternative": 0.0,
            "metric_lock": 0.0,
        },
        "swing": [
            {
                "field": "latency_ms",
                "approve_probability_at_low": 0.88,
                "approve_probability_at_high": 0.41,
            }
        ],
    }


def test_the_sentence_names_the_swing_factor_with_its_worse_end_first() -> None:
    assert describe_uncertainty(hand_made([LATENCY_SWING])) == (
        "Approves in 65 % of scenarios; latency is the swing factor "
        "(41 % at 170 ms, 88 % at 120 ms)."
    )


@pytest.mark.parametrize(
    ("field", "low", "high", "ends"),
    [
        ("projected_revenue_usd", 150_000.0, 250_000.5, "(10 % at $150,000, 90 % at $250,000)"),
        ("engineers", 1, 3, "(10 % at 1 engineer, 90 % at 3 engineers)"),
        ("dataset_examples", 90_000, 150_000, "(10 % at 90,000 rows, 90 % at 150,000 rows)"),
        ("engineering_days", 1.0, 12.5, "(10 % at 1 day, 90 % at 12.5 days)"),
        ("duplicate_pct", 2.5, 3.0, "(10 % at 2.5 %, 90 % at 3.0 %)"),
        ("prompt_result", 60.0, 80.0, "(10 % at 60, 90 % at 80)"),
    ],
)
def test_the_sentence_writes_each_fields_values_with_its_unit(
    field: str, low: float, high: float, ends: str
) -> None:
    swing = Swing(
        field=field,
        low=low,
        high=high,
        approve_probability_at_low=0.1,
        approve_probability_at_high=0.9,
    )
    assert describe_uncertainty(hand_made([swing], approve=0.5)).endswith(
        f"is the swing factor {ends}."
    )


@pytest.mark.parametrize(
    ("approve", "shown"),
    [(0.0, "0 %"), (0.0004, "under 1 %"), (0.0051, "1 %"), (0.9996, "over 99 %"), (1.0, "100 %")],
)
def test_a_share_is_never_written_as_none_or_all_unless_it_is(approve: float, shown: str) -> None:
    still = LATENCY_SWING.model_copy(
        update={"approve_probability_at_low": approve, "approve_probability_at_high": approve}
    )
    assert describe_uncertainty(hand_made([still], approve=approve)) == (
        f"Approves in {shown} of scenarios; no single range moves it."
    )


def test_the_engine_and_the_uncertainty_models_load_without_numpy() -> None:
    probe = (
        "import sys\n"
        "import core, core.uncertainty\n"
        "from tests.core.engine_kit import passing_proposal\n"
        "core.evaluate(core.Proposal.model_validate(passing_proposal()), core.Policy())\n"
        "print('numpy' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=root, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr
