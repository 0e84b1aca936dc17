"""Properties of the engine over generated proposals (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import Policy, Proposal, evaluate
from core.evaluation import CheckId, Evaluation, Status
from tests.core.engine_kit import apply_flip, assert_matches_the_contract

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


def _either(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(*strategies)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def locks(draw: st.DrawFn) -> dict[str, Any]:
    threshold = draw(_floats(-1000, 1000))
    return {
        "name": draw(st.sampled_from(["recall", "latency", "false positives"])),
        "comparator": draw(st.sampled_from([">=", "<="])),
        "threshold": threshold,
        "achieved": draw(_either(st.just(threshold), _floats(-1000, 1000))),
        "unit": draw(st.sampled_from(["", "%", "ms"])),
    }


@st.composite
def proposals(draw: st.DrawFn, *, failing: bool = False) -> dict[str, Any]:
    """Valid proposals; ``failing`` keeps most numbers near or past the default thresholds,
    otherwise every field ranges over everything it accepts."""
    if failing:
        numbers = {
            "projected_lift_pct": _floats(-5, 9),
            "dataset_examples": st.integers(0, 300_000),
            "label_accuracy_pct": _floats(0, 100),
            "diversity_pct": _floats(40, 100),
            "duplicate_pct": _floats(0, 60),
            "engineers": st.integers(1, 6),
            "engineering_days": _floats(0.5, 40),
            "compute_cost_usd": _floats(0, 60_000),
            "projected_revenue_usd": _floats(0, 300_000),
            "delivery_days": st.integers(0, 200),
            "latency_ms": _floats(20, 300),
        }
    else:
        numbers = {
            "projected_lift_pct": _either(_floats(-100, 1000), _floats(0, 20)),
            "dataset_examples": _either(st.integers(0, 10**12), st.integers(0, 1_000_000)),
            "label_accuracy_pct": _floats(0, 100),
            "diversity_pct": _floats(0, 100),
            "duplicate_pct": _floats(0, 100),
            "engineers": _either(st.integers(1, 1000), st.integers(1, 10)),
            "engineering_days": _either(_floats(0.001, 3650), _floats(1, 60)),
            "compute_cost_usd": _either(_floats(0, 1e9), _floats(0, 50_000)),
            "projected_revenue_usd": _either(_floats(0, 1e10), _floats(0, 500_000)),
            "delivery_days": _either(st.integers(0, 3650), st.integers(0, 200)),
            "latency_ms": _floats(0.001, 10_000),
        }
    proposal: dict[str, Any] = {"title": "Generated"}
    proposal.update({field: draw(strategy) for field, strategy in numbers.items()})
    optional = {
        "engineer_day_cost_usd": _floats(0, 5_000),
        "revenue_horizon_days": st.integers(1, 365),
        "latency_sla_ms": _floats(0.001, 1_000),
        "prompt_result": _floats(-100, 200),
        "target_result": _floats(0.001, 200),
        "prompt_space_well_understood": st.booleans(),
        "prompt_maintenance_hours_per_week": _floats(0, 40),
        "planned_epochs": st.integers(1, 40),
        "validation_losses": st.lists(_floats(0, 10), min_size=1, max_size=20),
        "metric_locks": st.lists(locks(), max_size=3),
    }
    for field, strategy in optional.items():
        value = draw(_optional(strategy))
        if value is not None:
            proposal[field] = value
    return proposal


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    """The default policy, or one with any of its thresholds moved."""
    moved = {
        "min_kpi_lift_pct": _floats(-100, 1000),
        "min_clean_examples": st.integers(0, 10**9),
        "min_hygiene_axis_pct": _floats(0, 100),
        "min_weighted_lift_per_day_pct": _floats(0, 10),
        "max_delivery_days": st.integers(0, 3650),
        "min_roi_multiple": _floats(0, 50),
        "revenue_horizon_days": st.integers(1, 3650),
        "latency_sla_ms": _floats(0.001, 1_000),
        "prompt_substitute_ratio": _floats(0.001, 2),
        "max_prompt_maintenance_hours_per_week": _floats(0, 40),
        "engineer_day_cost_usd": _floats(0, 5_000),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(moved)), unique=True, max_size=len(moved)))
    return Policy.from_mapping({key: draw(moved[key]) for key in chosen})


def evaluated(proposal: dict[str, Any], policy: Policy | None = None) -> Evaluation:
    return evaluate(Proposal.model_validate(proposal), policy or Policy())


def statuses(evaluation: Evaluation) -> dict[CheckId, Status]:
    return {check.id: check.status for check in evaluation.checks}


# How a failing gate's message says what blocks it when no option reaches it.
BLOCKERS = (
    "no row is clean",
    "it would take more than",
    "no lift and no sprint length",
    "lift would not get there",
    "nor a shorter sprint",
    "no single change",
)

# An improvement: a field and how to move it to a better value, given the current one.
IMPROVEMENTS: dict[str, Any] = {
    "projected_lift_pct": lambda now, by: min(1000.0, now + by * 50),
    "label_accuracy_pct": lambda now, by: min(100.0, now + by * 30),
    "diversity_pct": lambda now, by: min(100.0, now + by * 30),
    "duplicate_pct": lambda now, by: max(0.0, now - by * 30),
    "compute_cost_usd": lambda now, by: now * (1 - by),
    "engineer_day_cost_usd": lambda now, by: now * (1 - by),
    "engineering_days": lambda now, by: max(0.001, now * (1 - by)),
    "engineers": lambda now, by: max(1, round(now * (1 - by))),
    "delivery_days": lambda now, by: max(0, round(now * (1 - by))),
    "latency_ms": lambda now, by: max(0.001, now * (1 - by)),
    "projected_revenue_usd": lambda now, by: now * (1 + by) + by * 10_000,
}


@FAST
@given(
    proposal=st.one_of(proposals(), proposals(failing=True)),
    field=st.sampled_from(sorted(IMPROVEMENTS)),
    by=_floats(0, 1),
)
def test_improving_one_input_never_turns_a_passing_check_into_a_failing_one(
    proposal: dict[str, Any], field: str, by: float
) -> None:
    now = proposal.get(field, Policy().engineer_day_cost_usd)
    better = {**proposal, field: IMPROVEMENTS[field](now, by)}
    before, after = statuses(evaluated(proposal)), statuses(evaluated(better))
    broken = [c for c in before if before[c] is Status.PASS and after[c] is Status.FAIL]
    assert not broken, (field, proposal.get(field), better[field])


@FAST
@given(proposal=st.one_of(proposals(failing=True), proposals()), policy=policies())
def test_every_flip_once_applied_makes_its_gates_stop_failing(
    proposal: dict[str, Any], policy: Policy
) -> None:
    evaluation = evaluated(proposal, policy)
    for flip in evaluation.flips:
        moved = apply_flip(proposal, flip)
        again = evaluated(moved, policy)  # the applied values are valid, or this raises
        still_failing = [g for g in flip.gates if again.check(g).status is Status.FAIL]
        assert not still_failing, (flip, still_failing)


@FAST
@given(proposal=st.one_of(proposals(failing=True), proposals()), policy=policies())
def test_every_failing_gate_has_an_option_or_says_what_blocks_it(
    proposal: dict[str, Any], policy: Policy
) -> None:
    evaluation = evaluated(proposal, policy)
    reached = {gate for flip in evaluation.flips for gate in flip.gates}
    for check in evaluation.checks:
        if check.status is Status.FAIL and check.id not in reached:
            assert any(why in check.message for why in BLOCKERS), check.message


@FAST
@given(proposal=st.one_of(proposals(), proposals(failing=True)))
def test_the_json_document_round_trips_and_matches_the_contract(
    proposal: dict[str, Any],
) -> None:
    evaluation = evaluated(proposal)
    assert_matches_the_contract(evaluation)
    assert Evaluation.model_validate_json(evaluation.model_dump_json()) == evaluation


@FAST
@given(proposal=st.one_of(proposals(failing=True), proposals()), policy=policies())
def test_a_whole_number_option_asks_for_no_more_than_it_needs(
    proposal: dict[str, Any], policy: Policy
) -> None:
    """One row fewer, or one day later, than an option requires fails one of its gates."""
    evaluation = evaluated(proposal, policy)
    for flip in evaluation.flips:
        change = flip.changes[0]
        if len(flip.changes) > 1 or change.field not in ("dataset_examples", "delivery_days"):
            continue
        step = -1 if change.comparator == ">=" else 1
        short = {**proposal, change.field: int(change.required) + step}
        if not 0 <= short[change.field] <= (3650 if change.field == "delivery_days" else 10**12):
            continue
        again = evaluated(short, policy)
        assert any(again.check(g).status is Status.FAIL for g in flip.gates), (flip, short)
