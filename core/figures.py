"""The derived figures of FRAMEWORK.md §2, every one rounded to 9 decimals before it is used."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, TypeVar

if TYPE_CHECKING:
    from core.policy import Policy
    from core.proposal import Proposal

_T = TypeVar("_T")

DECIMALS = 9
INFINITY = math.inf


# ``nine(x)``: x rounded to 9 decimals, the precision every comparison and floor works at.
# (A partial of the builtin: it runs on every figure, and a Python wrapper doubles its cost.)
nine: Callable[[float], float] = partial(round, ndigits=DECIMALS)


class Terms(NamedTuple):
    """The numbers the rules read: the proposal's, with the policy's defaults filled in.

    Field names are the proposal's, so a flip is applied with ``terms._replace(field=value)``.
    """

    projected_lift_pct: float
    dataset_examples: int
    label_accuracy_pct: float
    diversity_pct: float
    duplicate_pct: float
    engineers: int
    engineering_days: float
    engineer_day_cost_usd: float
    compute_cost_usd: float
    projected_revenue_usd: float
    revenue_horizon_days: int
    delivery_days: int
    latency_ms: float
    latency_sla_ms: float

    @classmethod
    def of(cls, proposal: Proposal, policy: Policy) -> Terms:
        """The proposal's numbers; its own cost, horizon and SLA win over the policy's."""
        return cls(
            projected_lift_pct=proposal.projected_lift_pct,
            dataset_examples=proposal.dataset_examples,
            label_accuracy_pct=proposal.label_accuracy_pct,
            diversity_pct=proposal.diversity_pct,
            duplicate_pct=proposal.duplicate_pct,
            engineers=proposal.engineers,
            engineering_days=proposal.engineering_days,
            engineer_day_cost_usd=_either(
                proposal.engineer_day_cost_usd, policy.engineer_day_cost_usd
            ),
            compute_cost_usd=proposal.compute_cost_usd,
            projected_revenue_usd=proposal.projected_revenue_usd,
            revenue_horizon_days=_either(
                proposal.revenue_horizon_days, policy.revenue_horizon_days
            ),
            delivery_days=proposal.delivery_days,
            latency_ms=proposal.latency_ms,
            latency_sla_ms=_either(proposal.latency_sla_ms, policy.latency_sla_ms),
        )


def _either(own: _T | None, default: _T) -> _T:
    return default if own is None else own


def clean_proportion(terms: Terms) -> float:
    """Share of rows both correctly labelled and unique."""
    return nine((terms.label_accuracy_pct / 100) * (1 - terms.duplicate_pct / 100))


def clean_rows(examples: int, proportion: float) -> int:
    """Rows that are clean: the row count times the clean proportion, floored."""
    return math.floor(nine(examples * proportion))


def hygiene_axes(terms: Terms) -> tuple[tuple[str, float], ...]:
    """The three axes of the Data Hygiene Matrix, in the order ties are named."""
    return (
        ("label accuracy", nine(terms.label_accuracy_pct)),
        ("diversity", nine(terms.diversity_pct)),
        ("uniqueness", nine(100 - terms.duplicate_pct)),
    )


def weighted_lift_per_day(terms: Terms, proportion: float) -> float:
    """Projected lift on clean data per sprint day, in percentage points."""
    return nine(terms.projected_lift_pct * proportion / terms.engineering_days)


def labour_cost(terms: Terms) -> float:
    """Engineers × days × the loaded cost of an engineer-day (a term of a sum: not rounded)."""
    return terms.engineers * terms.engineering_days * terms.engineer_day_cost_usd


def total_cost(terms: Terms) -> float:
    """Labour plus compute."""
    return nine(labour_cost(terms) + terms.compute_cost_usd)


def revenue_share_after_delivery(terms: Terms) -> float:
    """The part of the revenue horizon left once the model ships (0 when delivery eats it)."""
    return max(0.0, 1 - terms.delivery_days / terms.revenue_horizon_days)


def timing_adjusted_gain(terms: Terms) -> float:
    """Revenue over the horizon, less the days spent building (Quarterly Impact Timing)."""
    return nine(terms.projected_revenue_usd * revenue_share_after_delivery(terms))


def return_multiple(gain: float, cost: float) -> float:
    """``gain / cost``; with no cost, infinite for a positive gain and 0 otherwise."""
    if cost == 0:
        return INFINITY if gain > 0 else 0.0
    return nine(gain / cost)


class Derived(NamedTuple):
    """Every figure of §2 for one set of terms, plus the Data Hygiene axes."""

    clean_proportion: float
    clean_examples: int
    total_cost_usd: float
    weighted_lift_per_day_pct: float
    raw_roi: float
    timing_adjusted_gain_usd: float
    timing_adjusted_roi: float
    hygiene_axes: tuple[tuple[str, float], ...]

    def figures(self) -> dict[str, float]:
        """The figures as the ``Figures`` model's fields."""
        return {
            "clean_proportion": self.clean_proportion,
            "clean_examples": self.clean_examples,
            "total_cost_usd": self.total_cost_usd,
            "weighted_lift_per_day_pct": self.weighted_lift_per_day_pct,
            "raw_roi": self.raw_roi,
            "timing_adjusted_gain_usd": self.timing_adjusted_gain_usd,
            "timing_adjusted_roi": self.timing_adjusted_roi,
        }


def axis_value(axis: tuple[str, float]) -> float:
    """The score of a Data Hygiene axis: ``min(axes, key=axis_value)`` is the weakest one, the
    first in the matrix's order on a tie."""
    return axis[1]


def derive(terms: Terms) -> Derived:
    """Every derived figure of §2: clean examples and the weighted lift per day from the clean
    proportion, the ROIs from the total cost."""
    proportion = clean_proportion(terms)
    cost = total_cost(terms)
    gain = timing_adjusted_gain(terms)
    return Derived(
        clean_proportion=proportion,
        clean_examples=clean_rows(terms.dataset_examples, proportion),
        total_cost_usd=cost,
        weighted_lift_per_day_pct=weighted_lift_per_day(terms, proportion),
        raw_roi=return_multiple(nine(terms.projected_revenue_usd), cost),
        timing_adjusted_gain_usd=gain,
        timing_adjusted_roi=return_multiple(gain, cost),
        hygiene_axes=hygiene_axes(terms),
    )
