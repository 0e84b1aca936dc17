"""Shared helpers of the engine's tests: the worked cases, a passing proposal, applying a flip."""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import jsonschema

from core import Evaluation, Policy, Proposal, evaluate, evaluation_json
from core.evaluation import Change, CheckId, Flip, Status

INTEGER_FIELDS = {"dataset_examples", "delivery_days"}
_LOCK_FIELD = re.compile(r"metric_locks\[(\d+)\]\.achieved")


def passing_proposal(**overrides: Any) -> dict[str, Any]:
    """A proposal that passes every gate (two met locks), with ``overrides`` applied."""
    proposal: dict[str, Any] = {
        "title": "Passing proposal",
        "kpi_name": "click-through rate",
        "projected_lift_pct": 6.0,
        "dataset_examples": 150_000,
        "label_accuracy_pct": 97.0,
        "diversity_pct": 85.0,
        "duplicate_pct": 3.0,
        "engineers": 2,
        "engineering_days": 6.0,
        "compute_cost_usd": 5_000.0,
        "projected_revenue_usd": 300_000.0,
        "delivery_days": 30,
        "latency_ms": 120.0,
        "metric_locks": [
            {"name": "reduction in false positives", "comparator": ">=", "threshold": 0.4,
             "achieved": 5.3, "unit": "%"},
            {"name": "latency", "comparator": "<=", "threshold": 130, "achieved": 120,
             "unit": "ms"},
        ],
    }  # fmt: skip
    proposal.update(overrides)
    return proposal


def run(proposal: dict[str, Any], policy: Policy | None = None) -> Evaluation:
    """Validate and evaluate a proposal given as JSON-like data."""
    return evaluate(Proposal.model_validate(proposal), policy or Policy())


def status(evaluation: Evaluation, check: CheckId | str) -> Status:
    """The status of one check."""
    return evaluation.check(CheckId(check)).status


def failing(evaluation: Evaluation) -> list[CheckId]:
    """The ids of the gates that failed."""
    return [c.id for c in evaluation.checks if c.status is Status.FAIL]


def set_value(change: Change) -> float:
    """What docs/framework.md §5 says applying a change sets: ``required``, moved by
    1e-6 × max(1, |required|) past a strict bound, rounded to a whole number in the safe
    direction for an integer field."""
    value = float(change.required)
    step = 1e-6 * max(1.0, abs(value))
    if change.comparator == ">":
        value += step
    elif change.comparator == "<":
        value -= step
    if change.field in INTEGER_FIELDS:
        up = change.comparator in (">", ">=")
        return math.ceil(value) if up else math.floor(value)
    return value


def apply_flip(proposal: dict[str, Any], flip: Flip) -> dict[str, Any]:
    """The proposal with every change of ``flip`` applied."""
    moved = copy.deepcopy(proposal)
    for change in flip.changes:
        lock = _LOCK_FIELD.fullmatch(change.field)
        if lock:
            moved["metric_locks"][int(lock.group(1))]["achieved"] = set_value(change)
        else:
            moved[change.field] = set_value(change)
    return moved


# --- docs/contracts.md's JSON document -----------------------------------------------------------

NUMBER_OR_NULL = {"type": ["number", "null"]}
FIGURES = [
    "clean_proportion",
    "clean_examples",
    "total_cost_usd",
    "weighted_lift_per_day_pct",
    "raw_roi",
    "timing_adjusted_gain_usd",
    "timing_adjusted_roi",
]
POLICY_KEYS = [
    "min_kpi_lift_pct",
    "min_clean_examples",
    "min_hygiene_axis_pct",
    "min_weighted_lift_per_day_pct",
    "max_delivery_days",
    "min_roi_multiple",
    "revenue_horizon_days",
    "latency_sla_ms",
    "prompt_substitute_ratio",
    "max_prompt_maintenance_hours_per_week",
    "diminishing_returns_examples",
    "overfit_rise_pct",
    "max_safe_epochs",
    "engineer_day_cost_usd",
]
CHECK_IDS = [
    "kpi_lift",
    "clean_data_volume",
    "data_hygiene",
    "signal_weighted_roi",
    "delivery_window",
    "timing_adjusted_roi",
    "latency_sla",
    "prompt_alternative",
    "metric_lock",
    "diminishing_returns",
    "overfitting",
]


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


CHANGE = _object(
    {
        "field": {"type": "string"},
        "current": NUMBER_OR_NULL,
        "required": {"type": "number"},
        "comparator": {"enum": [">=", ">", "<=", "<"]},
    }
)

EVALUATION_SCHEMA: dict[str, Any] = _object(
    {
        "verdict": {"enum": ["approve", "reject"]},
        "recommendation": {
            "enum": [
                "fine_tune",
                "prompt_engineering",
                "curate_data",
                "prompt_or_feature_flag",
                "rescope_or_defer",
                "meet_latency_and_locks",
            ]
        },
        "primary_reason": {"type": ["string", "null"]},
        "checks": {
            "type": "array",
            "items": _object(
                {
                    "id": {"enum": CHECK_IDS},
                    "kind": {"enum": ["gate", "advisory"]},
                    "status": {"enum": ["pass", "fail", "warn", "n/a"]},
                    "value": NUMBER_OR_NULL,
                    "threshold": NUMBER_OR_NULL,
                    "message": {"type": "string", "minLength": 1},
                }
            ),
        },
        "flips": {
            "type": "array",
            "items": _object(
                {
                    "changes": {
                        "type": "array",
                        "minItems": 1,
                        "items": CHANGE,
                    },
                    "gates": {"type": "array", "minItems": 1, "items": {"enum": CHECK_IDS}},
                }
            ),
        },
        "verdict_flip": {
            "oneOf": [
                {"type": "null"},
                _object({"changes": {"type": "array", "items": CHANGE}}),
            ]
        },
        "figures": _object({name: NUMBER_OR_NULL for name in FIGURES}),
        "script": {"type": "string", "minLength": 1},
        "policy": {
            "type": "object",
            "required": ["hash", *POLICY_KEYS],
            "additionalProperties": False,
            "properties": {"hash": {"type": "string"}}
            | {name: {"type": "number"} for name in POLICY_KEYS},
        },
    }
)


def document(evaluation: Evaluation) -> Any:
    """The JSON text a client reads, parsed back."""
    return json.loads(json.dumps(evaluation_json(evaluation), allow_nan=False))


def assert_matches_the_contract(evaluation: Evaluation) -> None:
    data = evaluation_json(evaluation)
    assert document(evaluation) == data
    jsonschema.validate(data, EVALUATION_SCHEMA)
    assert [check["id"] for check in data["checks"]] == CHECK_IDS
