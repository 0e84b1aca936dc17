"""Scenario by scenario, the vectorised evaluation decides exactly as ``core.evaluate``: the same
verdict and the same status of every gate, on 100 000 scenarios, many of them sitting exactly on
a threshold or on a 9-decimal half, and on hypothesis-drawn proposals over every field's range."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from core import Policy, Proposal, evaluate
from core.evaluation import Verdict
from core.ranges import RANGED_FIELDS, WHOLE_FIELDS
from core.scenarios import GATES, evaluate_scenarios, scenario_update
from tests.strategies import proposals
from tests.worked_cases import case_paths, load_case

BASES = 200
SCENARIOS_PER_BASE = 500

# Values that, together, put the gates exactly on their default thresholds (7.2 % over 12 days
# on clean data is 0.6 %/day; 142 858 rows at 0.7 clean is 100 000; $80k over half the horizon
# against $20k is 2.0×) or just off a 9-decimal half on either side (5.0000000005).
EDGES: dict[str, list[float]] = {
    "projected_lift_pct": [5.0, 4.9999999995, 5.0000000005, 5.0000000004, 4.9999999996, 7.2,
                           3.6, 6.0, 0.0, -1.0],
    "dataset_examples": [100_000, 142_858, 142_857, 100_001, 99_999, 250_000, 250_001, 0],
    "label_accuracy_pct": [100.0, 70.0, 69.9999999995, 70.0000000005, 70.0000000004, 95.0,
                           97.0, 0.0],
    "diversity_pct": [70.0, 69.9999999995, 70.0000000005, 69.9999999996, 85.0, 100.0],
    "duplicate_pct": [0.0, 30.0, 30.0000000005, 29.9999999995, 29.9999999996, 5.0, 3.0, 100.0],
    "engineers": [1, 2, 3],
    "engineering_days": [12.0, 6.0, 10.0, 12.0000000005, 11.9999999995, 3650.0],
    "compute_cost_usd": [8_000.0, 0.0, 4_000.0, 28_000.0, 8_000.0000000005],
    "projected_revenue_usd": [80_000.0, 40_000.0, 160_000.0, 0.0, 79_999.9999999995],
    "delivery_days": [45, 46, 44, 0, 90, 91, 30],
    "latency_ms": [150.0, 150.0000000004, 150.0000000005, 149.9999999995, 150.000000001,
                   120.0, 120.0000000005],
    "prompt_result": [76.5, 76.5000000005, 76.4999999995, 76.50000001, 80.0, 60.0],
}  # fmt: skip

# Where the uniform draws fall: the realistic span of each field.
SPANS: dict[str, tuple[float, float]] = {
    "projected_lift_pct": (-5.0, 15.0),
    "dataset_examples": (50_000, 400_000),
    "label_accuracy_pct": (60.0, 100.0),
    "diversity_pct": (60.0, 100.0),
    "duplicate_pct": (0.0, 40.0),
    "engineers": (1, 6),
    "engineering_days": (1.0, 30.0),
    "compute_cost_usd": (0.0, 30_000.0),
    "projected_revenue_usd": (0.0, 400_000.0),
    "delivery_days": (0, 120),
    "latency_ms": (50.0, 250.0),
    "prompt_result": (50.0, 95.0),
}

POLICIES = [
    Policy(),
    Policy(min_weighted_lift_per_day_pct=0.0, min_roi_multiple=0.0, max_delivery_days=0),
    Policy(min_clean_examples=0, min_hygiene_axis_pct=0.0, min_kpi_lift_pct=-100.0),
    Policy(revenue_horizon_days=45, prompt_substitute_ratio=0.95, latency_sla_ms=120.0),
]


def base_proposal(generator: np.random.Generator, number: int) -> Proposal:
    """A worked case or a generated proposal, with the optional fields varied."""
    cases = [load_case(path.stem)["proposal"] for path in case_paths()]
    data: dict[str, Any] = dict(cases[number % len(cases)])
    data["title"] = f"Base {number}"

    def pick(options: list[Any]) -> Any:
        return options[int(generator.integers(len(options)))]

    data["engineer_day_cost_usd"] = pick([None, 1000.0, 0.0, 1166.67, 1e306])
    data["revenue_horizon_days"] = pick([None, 90, 30, 45])
    data["latency_sla_ms"] = pick([None, 150.0, 120.0])
    data["prompt_result"], data["target_result"] = pick([(None, None), (70.0, 85.0), (76.5, 85.0)])
    data["prompt_space_well_understood"] = pick([True, False, True])
    data["prompt_maintenance_hours_per_week"] = pick([None, 8.0, 8.0000000004, 9.0])
    met = {"name": "recall", "comparator": ">=", "threshold": 0.4, "achieved": 5.3}
    unmet = {"name": "latency", "comparator": "<=", "threshold": 120, "achieved": 121}
    data["metric_locks"] = pick([[], [met], [met, met], [met, unmet]])
    return Proposal.model_validate(data)


def column(generator: np.random.Generator, field: str, count: int) -> NDArray[np.float64]:
    """Each value an edge value, a uniform draw, or a uniform draw to one decimal."""
    low, high = SPANS[field]
    uniform = generator.uniform(low, high, count)
    if field in WHOLE_FIELDS:
        uniform = np.floor(uniform)
    pool = np.array(EDGES[field], dtype=np.float64)
    edges = pool[generator.integers(len(pool), size=count)]
    kind = generator.integers(3, size=count)
    return np.where(kind == 0, edges, np.where(kind == 1, uniform, np.round(uniform, 1)))


def rangeable(proposal: Proposal) -> list[str]:
    """The fields a range may be given for: the prompt result only when the proposal has one."""
    has_prompt = proposal.prompt_result is not None
    return [field for field in RANGED_FIELDS if field != "prompt_result" or has_prompt]


def random_columns(
    generator: np.random.Generator, proposal: Proposal, count: int
) -> dict[str, NDArray[np.float64]]:
    """Scenarios of a random set of the fields that may be ranged."""
    fields = [field for field in rangeable(proposal) if generator.random() < 0.5]
    return {field: column(generator, field, count) for field in fields}


def mismatches(
    proposal: Proposal, policy: Policy, columns: dict[str, NDArray[np.float64]], count: int
) -> list[str]:
    """Every scenario where the vectorised verdict or a gate's status differs from the scalar
    engine's, described."""
    results = evaluate_scenarios(proposal, policy, columns)
    statuses = {gate: results.statuses(gate).tolist() for gate in GATES}
    approved = results.approved.tolist()
    found = []
    for index in range(count):
        update = scenario_update(columns, index)
        evaluation = evaluate(proposal.model_copy(update=update), policy)
        if (evaluation.verdict is Verdict.APPROVE) != approved[index]:
            found.append(f"{proposal.title} {update}: verdict {evaluation.verdict}")
        for gate, check in zip(GATES, evaluation.checks, strict=False):
            if check.status.value != statuses[gate][index]:
                found.append(f"{proposal.title} {update}: {gate} {check.status}")
    return found


def test_a_hundred_thousand_scenarios_are_decided_exactly_as_the_scalar_engine_decides() -> None:
    generator = np.random.default_rng(20240601)
    found: list[str] = []
    for number in range(BASES):
        proposal = base_proposal(generator, number)
        columns = random_columns(generator, proposal, SCENARIOS_PER_BASE)
        found += mismatches(proposal, POLICIES[number % len(POLICIES)], columns, SCENARIOS_PER_BASE)
    assert found[:10] == []


def test_every_scenario_built_for_the_comparison_is_a_valid_proposal() -> None:
    generator = np.random.default_rng(7)
    for number in range(20):
        proposal = base_proposal(generator, number)
        columns = random_columns(generator, proposal, 50)
        for index in range(50):
            scenario = proposal.model_copy(update=scenario_update(columns, index))
            assert Proposal.model_validate(scenario.model_dump()) == scenario


@st.composite
def proposals_with_columns(draw: st.DrawFn) -> tuple[Proposal, dict[str, NDArray[np.float64]]]:
    """A proposal over every field's whole range and a few scenarios of some of its fields."""
    proposal = draw(proposals(stripped=False, max_locks=3, max_epochs=20, max_losses=5))
    fields = draw(st.sets(st.sampled_from(rangeable(proposal)), min_size=1))
    count = draw(st.integers(1, 8))
    columns = {}
    for field in sorted(fields):
        values = draw(st.lists(_field_values(field), min_size=count, max_size=count))
        columns[field] = np.array(values, dtype=np.float64)
    return proposal, columns


def _field_values(field: str) -> st.SearchStrategy[float]:
    whole = {
        "dataset_examples": st.integers(0, 10**12),
        "engineers": st.integers(1, 1000),
        "delivery_days": st.integers(0, 3650),
    }
    if field in whole:
        return whole[field].map(float)
    finite = {"allow_nan": False, "allow_infinity": False}
    return {
        "projected_lift_pct": st.floats(-100, 1000),
        "label_accuracy_pct": st.floats(0, 100),
        "diversity_pct": st.floats(0, 100),
        "duplicate_pct": st.floats(0, 100),
        "engineering_days": st.floats(0, 3650, exclude_min=True),
        "compute_cost_usd": st.floats(0, **finite),
        "projected_revenue_usd": st.floats(0, **finite),
        "latency_ms": st.floats(0, exclude_min=True, **finite),
        "prompt_result": st.floats(**finite),
    }[field]


@settings(max_examples=300, deadline=None)
@given(proposals_with_columns(), st.sampled_from(POLICIES))
def test_any_proposal_and_any_scenarios_of_it_are_decided_as_the_scalar_engine_decides(
    drawn: tuple[Proposal, dict[str, NDArray[np.float64]]], policy: Policy
) -> None:
    proposal, columns = drawn
    count = len(next(iter(columns.values())))
    assert mismatches(proposal, policy, columns, count) == []
