"""The policy's thresholds as the rules compare and word them, worked out once per policy.

Every evaluation under a policy compares against the same thresholds at 9 decimals and writes
them the same way, so both are computed on the policy's first use and kept with it.
"""

from __future__ import annotations

from typing import NamedTuple

from core.policy import Policy
from core.precision import nine
from core.wording import PERCENT_PLACES, ROI_PLACES, WEIGHTED_PLACES, exact


class Limits(NamedTuple):
    """A policy's thresholds at the precision the gates compare them, and in words."""

    min_lift: float
    min_clean: int
    min_hygiene: float
    min_weighted: float
    max_delivery: int
    min_roi: float
    substitute_ratio: float
    max_upkeep: float
    overfit_rise: float
    min_lift_text: str
    min_clean_text: str
    min_hygiene_text: str
    min_weighted_text: str
    max_delivery_text: str
    min_roi_text: str
    substitute_ratio_text: str
    max_upkeep_text: str
    overfit_rise_text: str
    diminishing_returns_text: str


def _limits(policy: Policy) -> Limits:
    min_lift, min_hygiene = nine(policy.min_kpi_lift_pct), nine(policy.min_hygiene_axis_pct)
    min_weighted, min_roi = (
        nine(policy.min_weighted_lift_per_day_pct),
        nine(policy.min_roi_multiple),
    )
    substitute = nine(policy.prompt_substitute_ratio)
    max_upkeep = nine(policy.max_prompt_maintenance_hours_per_week)
    overfit_rise = nine(policy.overfit_rise_pct)
    return Limits(
        min_lift=min_lift,
        min_clean=policy.min_clean_examples,
        min_hygiene=min_hygiene,
        min_weighted=min_weighted,
        max_delivery=policy.max_delivery_days,
        min_roi=min_roi,
        substitute_ratio=substitute,
        max_upkeep=max_upkeep,
        overfit_rise=overfit_rise,
        min_lift_text=exact(min_lift, PERCENT_PLACES),
        min_clean_text=exact(policy.min_clean_examples),
        min_hygiene_text=exact(min_hygiene, PERCENT_PLACES),
        min_weighted_text=exact(min_weighted, WEIGHTED_PLACES),
        max_delivery_text=exact(policy.max_delivery_days),
        min_roi_text=exact(min_roi, ROI_PLACES),
        substitute_ratio_text=exact(substitute, 2),
        max_upkeep_text=exact(max_upkeep),
        overfit_rise_text=exact(overfit_rise, PERCENT_PLACES),
        diminishing_returns_text=exact(policy.diminishing_returns_examples),
    )


# Policies seen lately, by identity; each entry keeps its policy alive so the id stays its own.
_SEEN: dict[int, tuple[Policy, Limits]] = {}
_MAX_SEEN = 64


def limits_of(policy: Policy) -> Limits:
    """The policy's limits, computed on its first use."""
    seen = _SEEN.get(id(policy))
    if seen is not None and seen[0] is policy:
        return seen[1]
    if len(_SEEN) >= _MAX_SEEN:
        _SEEN.clear()
    limits = _limits(policy)
    _SEEN[id(policy)] = (policy, limits)
    return limits
