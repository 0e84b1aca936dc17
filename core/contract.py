"""The evaluation as the JSON document the CLI prints and the bot stores (docs/contracts.md)."""

from __future__ import annotations

import math
from typing import Any

from core.evaluation import Change, Check, Evaluation, Flip, VerdictFlip


def evaluation_json(evaluation: Evaluation) -> dict[str, Any]:
    """docs/contracts.md's JSON shape; infinite figures and values are written as ``null``."""
    policy = evaluation.policy
    return {
        "verdict": evaluation.verdict.value,
        "recommendation": evaluation.recommendation.value,
        "primary_reason": evaluation.primary_reason,
        "checks": [_check(check) for check in evaluation.checks],
        "flips": [_flip(flip) for flip in evaluation.flips],
        "verdict_flip": _verdict_flip(evaluation.verdict_flip),
        "figures": {name: _finite(value) for name, value in evaluation.figures},
        "script": evaluation.script,
        "policy": {"hash": policy.hash, **policy.model_dump()},
    }


def _check(check: Check) -> dict[str, Any]:
    return {
        "id": check.id.value,
        "kind": check.kind.value,
        "status": check.status.value,
        "value": _finite(check.value),
        "threshold": _finite(check.threshold),
        "message": check.message,
    }


def _flip(flip: Flip) -> dict[str, Any]:
    return {
        "changes": [_change(change) for change in flip.changes],
        "gates": [gate.value for gate in flip.gates],
    }


def _verdict_flip(verdict_flip: VerdictFlip | None) -> dict[str, Any] | None:
    if verdict_flip is None:
        return None
    return {"changes": [_change(change) for change in verdict_flip.changes]}


def _change(change: Change) -> dict[str, Any]:
    return {
        "field": change.field,
        "current": _finite(change.current),
        "required": _finite(change.required),
        "comparator": change.comparator,
    }


def _finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None
