"""The evaluation as the JSON document of docs/contracts.md (what ``finetune-check evaluate
--format json`` prints)."""

from __future__ import annotations

from core.evaluation import Evaluation
from tests.core.engine_kit import assert_matches_the_contract, document, passing_proposal, run
from tests.worked_cases import load_case


def test_the_q2_evaluation_is_the_documented_json() -> None:
    evaluation = run(load_case("q2-budget-timing")["proposal"])
    assert_matches_the_contract(evaluation)
    data = document(evaluation)
    assert data["verdict"] == "reject"
    assert data["recommendation"] == "prompt_or_feature_flag"
    assert data["primary_reason"] == "Projected lift 4.0 % is below the 5.0 % minimum."
    assert data["checks"][0] == {
        "id": "kpi_lift",
        "kind": "gate",
        "status": "fail",
        "value": 4.0,
        "threshold": 5.0,
        "message": "Projected lift 4.0 % is below the 5.0 % minimum.",
    }
    assert data["flips"][-1] == {
        "changes": [{"field": "delivery_days", "current": 45, "required": 40, "comparator": "<="}],
        "gates": ["timing_adjusted_roi"],
    }
    assert data["figures"]["clean_examples"] == 162_450
    assert data["figures"]["total_cost_usd"] == 33_000.0  # 2 × 12 × 28 000 / 24 + 5 000
    assert data["verdict_flip"] == {
        "changes": [
            {
                "field": "projected_lift_pct",
                "current": 4.0,
                "required": 7.977839335,  # 0.6 × 12 / (0.95 × 0.95), just exceeded
                "comparator": ">",
            },
            {"field": "delivery_days", "current": 45, "required": 40, "comparator": "<="},
        ]
    }
    assert data["policy"] == {
        "hash": "aaa38f781831",
        "min_kpi_lift_pct": 5.0,
        "min_clean_examples": 100_000,
        "min_hygiene_axis_pct": 70.0,
        "min_weighted_lift_per_day_pct": 0.6,
        "max_delivery_days": 45,
        "min_roi_multiple": 2.0,
        "revenue_horizon_days": 90,
        "latency_sla_ms": 150.0,
        "prompt_substitute_ratio": 0.9,
        "max_prompt_maintenance_hours_per_week": 8.0,
        "diminishing_returns_examples": 250_000,
        "overfit_rise_pct": 1.0,
        "max_safe_epochs": 8,
        "engineer_day_cost_usd": 28_000 / 24,
    }


def test_infinite_figures_and_values_are_written_as_null() -> None:
    free = passing_proposal(
        engineer_day_cost_usd=0.0, compute_cost_usd=0.0, validation_losses=[0.5, 0.0, 0.2]
    )
    data = document(run(free))
    assert data["figures"]["raw_roi"] is None
    assert data["figures"]["timing_adjusted_roi"] is None
    checks = {check["id"]: check for check in data["checks"]}
    assert checks["timing_adjusted_roi"]["value"] is None
    assert checks["overfitting"]["value"] is None
    assert_matches_the_contract(run(free))


def test_an_unknown_prompt_upkeep_is_a_null_current_value() -> None:
    data = document(run(passing_proposal(prompt_result=84.0, target_result=85.0)))
    assert data["flips"][0]["changes"][0]["current"] is None


def test_an_evaluation_survives_a_round_trip_through_its_own_json() -> None:
    evaluation = run(passing_proposal(engineer_day_cost_usd=0.0, compute_cost_usd=0.0))
    again = Evaluation.model_validate_json(evaluation.model_dump_json())
    assert again == evaluation
