"""The engine's input: a fine-tuning proposal and its metric locks (docs/framework.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from math import isfinite
from typing import Annotated, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.precision import DECIMALS
from core.ranges import RANGED_FIELDS, Ranges, validated_ranges

Comparator = Literal[">=", "<="]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class MetricLock(BaseModel):
    """A threshold the hiring manager locked, with what staging achieved."""

    model_config = _STRICT

    name: Annotated[str, Field(min_length=1, max_length=80)]
    comparator: Comparator
    threshold: float
    achieved: float
    unit: Annotated[str, Field(max_length=20)] = ""

    @property
    def met(self) -> bool:
        """Whether the achieved value satisfies the lock (compared at 9 decimals)."""
        achieved, threshold = round(self.achieved, DECIMALS), round(self.threshold, DECIMALS)
        return achieved >= threshold if self.comparator == ">=" else achieved <= threshold


class Proposal(BaseModel):
    """A fine-tuning proposal as a product manager brings it to the committee."""

    model_config = _STRICT

    title: Annotated[str, Field(min_length=1, max_length=150)]
    kpi_name: Annotated[str, Field(min_length=1, max_length=80)] = "primary KPI"
    projected_lift_pct: Annotated[float, Field(ge=-100, le=1000)]
    dataset_examples: Annotated[int, Field(ge=0, le=10**12)]
    label_accuracy_pct: Annotated[float, Field(ge=0, le=100)]
    diversity_pct: Annotated[float, Field(ge=0, le=100)]
    duplicate_pct: Annotated[float, Field(ge=0, le=100)]
    engineers: Annotated[int, Field(ge=1, le=1000)]
    engineering_days: Annotated[float, Field(gt=0, le=3650)]
    engineer_day_cost_usd: Annotated[float | None, Field(ge=0)] = None
    compute_cost_usd: Annotated[float, Field(ge=0)]
    projected_revenue_usd: Annotated[float, Field(ge=0)]
    revenue_horizon_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    delivery_days: Annotated[int, Field(ge=0, le=3650)]
    latency_ms: Annotated[float, Field(gt=0)]
    latency_sla_ms: Annotated[float | None, Field(gt=0)] = None
    prompt_result: float | None = None
    target_result: Annotated[float | None, Field(gt=0)] = None
    prompt_space_well_understood: bool = True
    prompt_maintenance_hours_per_week: Annotated[float | None, Field(ge=0)] = None
    planned_epochs: Annotated[int | None, Field(ge=1)] = None
    validation_losses: Annotated[
        list[Annotated[float, Field(ge=0)]] | None, Field(min_length=1, max_length=1000)
    ] = None
    metric_locks: Annotated[list[MetricLock], Field(max_length=100)] = []
    # Last: its check reads the point values validated before it.
    ranges: Ranges | None = None

    @field_validator("prompt_space_well_understood", mode="before")
    @classmethod
    def _absent_means_true(cls, value: object) -> object:
        return True if value is None else value

    @field_validator("metric_locks", mode="before")
    @classmethod
    def _absent_means_no_locks(cls, value: object) -> object:
        return [] if value is None else value

    @field_validator("ranges", mode="before")
    @classmethod
    def _ranges_around_the_point(cls, value: object, info: ValidationInfo) -> Ranges | None:
        return validated_ranges(value, info.data, frozenset(cls.model_fields), _RANGE_BOUNDS)

    @property
    def locks(self) -> list[MetricLock]:
        """The metric locks, an empty list when none were given."""
        return self.metric_locks


@dataclass(frozen=True, slots=True)
class Bounds:
    """The numeric range a model field admits; ``None`` is an open end."""

    lower: float | None = None
    lower_inclusive: bool = True
    upper: float | None = None
    upper_inclusive: bool = True
    whole: bool = False

    def admits(self, value: float) -> bool:
        """Whether ``value`` is finite and inside the range."""
        lower, upper = self.lower, self.upper
        above = lower is None or value > lower or (value == lower and self.lower_inclusive)
        below = upper is None or value < upper or (value == upper and self.upper_inclusive)
        return above and below and isfinite(value)


def bounds_of(model: type[BaseModel], field: str) -> Bounds:
    """The range a numeric field of ``model`` admits, read from its constraints."""
    info = model.model_fields.get(field)
    found: dict[str, float] = {}
    for constraint in info.metadata if info else ():
        for kind in ("ge", "gt", "le", "lt"):
            bound = getattr(constraint, kind, None)
            if isinstance(constraint, annotated_types.BaseMetadata) and isinstance(
                bound, int | float
            ):
                found[kind] = float(bound)
    return Bounds(
        lower=found.get("ge", found.get("gt")),
        lower_inclusive="gt" not in found,
        upper=found.get("le", found.get("lt")),
        upper_inclusive="lt" not in found,
        whole=info is not None and info.annotation in (int, int | None),
    )


# The valid values of each field a range may be given for: both bounds of a range must be one.
_RANGE_BOUNDS: dict[str, Bounds] = {field: bounds_of(Proposal, field) for field in RANGED_FIELDS}
