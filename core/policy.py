"""The thresholds of the framework as one policy, with the article's figures as defaults (§8)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

ENGINEER_DAY_COST_USD = 28_000 / (2 * 12)
"""The default loaded cost of one engineer-day, in USD."""


class Policy(BaseModel):
    """Every threshold the engine compares against; a team may override any of them."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    min_kpi_lift_pct: Annotated[float, Field(ge=-100, le=1000)] = 5.0
    min_clean_examples: Annotated[int, Field(ge=0, le=10**12)] = 100_000
    min_hygiene_axis_pct: Annotated[float, Field(ge=0, le=100)] = 70.0
    min_weighted_lift_per_day_pct: Annotated[float, Field(ge=0)] = 0.6
    max_delivery_days: Annotated[int, Field(ge=0, le=3650)] = 45
    min_roi_multiple: Annotated[float, Field(ge=0)] = 2.0
    revenue_horizon_days: Annotated[int, Field(ge=1, le=3650)] = 90
    latency_sla_ms: Annotated[float, Field(gt=0)] = 150.0
    prompt_substitute_ratio: Annotated[float, Field(gt=0)] = 0.90
    max_prompt_maintenance_hours_per_week: Annotated[float, Field(ge=0)] = 8.0
    diminishing_returns_examples: Annotated[int, Field(ge=0)] = 250_000
    overfit_rise_pct: Annotated[float, Field(ge=0)] = 1.0
    max_safe_epochs: Annotated[int, Field(ge=1)] = 8
    # The source's 28,000 USD for two engineers over a 12-day sprint: 2 × 12 days cost exactly
    # $28,000 (the rounded 1,166.67 would add 8 cents per sprint).
    engineer_day_cost_usd: Annotated[float, Field(ge=0)] = ENGINEER_DAY_COST_USD

    @property
    def hash(self) -> str:
        """A stable short hash of the policy's values: same values, same hash."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:12]

    @classmethod
    def from_toml(cls, text: str) -> Policy:
        """Parse a policy from TOML text of flat keys; unknown keys and bad values are refused.

        Raises ``tomllib.TOMLDecodeError`` for malformed TOML and pydantic's ``ValidationError``
        for unknown keys or values out of range.
        """
        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Policy:
        """Build a policy from flat overrides of the defaults."""
        return cls.model_validate(values)
