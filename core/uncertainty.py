"""How sure the verdict is: P(approve), each gate's failure probability and the swing of each
ranged field (docs/framework.md §9), as a model, as JSON and as one sentence."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from core.evaluation import CheckId
from core.wording import field_value, field_words

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class Swing(BaseModel):
    """P(approve) with one ranged field held at its low, then at its high, the others drawn."""

    model_config = _FROZEN

    field: str
    low: float
    high: float
    approve_probability_at_low: float
    approve_probability_at_high: float

    @property
    def effect(self) -> float:
        """How far holding the field at one end or the other moves P(approve)."""
        return abs(self.approve_probability_at_high - self.approve_probability_at_low)


class Uncertainty(BaseModel):
    """What the scenarios drawn from a proposal's ranges say about its verdict."""

    model_config = _FROZEN

    scenarios: int
    seed: int
    approve_probability: float
    gate_fail_probability: dict[CheckId, float]
    swing: list[Swing]
    """Every ranged field, the largest effect first (ties in the order of the ranged fields)."""

    @property
    def swing_factor(self) -> Swing | None:
        """The field whose range moves P(approve) most; ``None`` when none moves it."""
        return self.swing[0] if self.swing and self.swing[0].effect > 0 else None


def uncertainty_json(uncertainty: Uncertainty) -> dict[str, Any]:
    """The ``uncertainty`` key of the evaluation's JSON (docs/contracts.md)."""
    return {
        "scenarios": uncertainty.scenarios,
        "approve_probability": uncertainty.approve_probability,
        "gate_fail_probability": {
            gate.value: share for gate, share in uncertainty.gate_fail_probability.items()
        },
        "swing": [
            {
                "field": swing.field,
                "approve_probability_at_low": swing.approve_probability_at_low,
                "approve_probability_at_high": swing.approve_probability_at_high,
            }
            for swing in uncertainty.swing
        ],
    }


def describe_uncertainty(uncertainty: Uncertainty) -> str:
    """One sentence: ``Approves in 65 % of scenarios; latency is the swing factor (41 % at
    170 ms, 88 % at 120 ms)``, the end that approves less often first."""
    share = f"Approves in {percent(uncertainty.approve_probability)} of scenarios"
    factor = uncertainty.swing_factor
    if factor is None:
        return f"{share}; no single range moves it."
    ends = [
        (factor.approve_probability_at_low, factor.low),
        (factor.approve_probability_at_high, factor.high),
    ]
    if ends[1][0] < ends[0][0]:
        ends.reverse()
    (worse, worse_value), (better, better_value) = ends
    name = field_words(factor.field).name
    return (
        f"{share}; {name} is the swing factor ({percent(worse)} at "
        f"{value_text(factor.field, worse_value)}, {percent(better)} at "
        f"{value_text(factor.field, better_value)})."
    )


def percent(probability: float) -> str:
    """A probability as a whole percentage; never 0 % or 100 % unless it is exactly that."""
    shown = round(probability * 100)
    if shown == 0 and probability > 0:
        return "under 1 %"
    if shown == 100 and probability < 1:
        return "over 99 %"
    return f"{shown} %"


def value_text(field: str, value: float) -> str:
    """A value of a ranged field in its unit (`core.wording`): ``170 ms``, ``$12,000``."""
    return field_value(field, value)
