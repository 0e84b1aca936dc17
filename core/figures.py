"""The derived figures of docs/framework.md §2, each rounded to 9 decimals before it is used."""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import itemgetter
from typing import NamedTuple, TypeVar

from core.policy import Policy
from core.precision import DECIMALS, INFINITY
from core.proposal import Proposal

_T = TypeVar("_T")



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
            proposal.projected_lift_pct,
            proposal.dataset_examples,
            proposal.label_accuracy_pct,
            proposal.diversity_pct,
            proposal.duplicate_pct,
            proposal.engineers,
            proposal.engineering_days,
            _either(proposal.engineer_day_cost_usd, policy.engineer_day_cost_usd),
            proposal.compute_cost_usd,
            proposal.projected_revenue_usd,
            _either(proposal.revenue_horizon_days, policy.revenue_horizon_days),
            proposal.delivery_days,
            proposal.latency_ms,
            _either(proposal.latency_sla_ms, policy.latency_sla_ms),
        )

    def moved(self, values: dict[str, float]) -> Terms:
        """These terms with some fields set to new values (a faster ``_replace``)."""
        moved = list(self)
        for field, value in values.items():
            moved[_TERM_INDEX[field]] = value
        return _new_terms(Terms, moved)


_TERM_INDEX = {field: index for index, field in enumerate(Terms._fields)}
_new_terms = tuple.__new__  # ``Terms._make`` without its length check: ``moved`` has them all


def _either(own: _T | None, default: _T) -> _T:
    return default if own is None else own


def clean_proportion(terms: Terms) -> float:
    """Share of rows both correctly labelled and unique."""
    return round((terms.label_accuracy_pct / 100) * (1 - terms.duplicate_pct / 100), DECIMALS)


def clean_rows(examples: int, proportion: float) -> int:
    """Rows that are clean: the row count times the clean proportion, floored."""
    return math.floor(round(examples * proportion, DECIMALS))


def hygiene_axes(terms: Terms) -> tuple[tuple[str, float], ...]:
    """The three axes of the Data Hygiene Matrix, in the order ties are named."""
    return (
        ("label accuracy", round(terms.label_accuracy_pct, DECIMALS)),
        ("diversity", round(terms.diversity_pct, DECIMALS)),
        ("uniqueness", round(100 - terms.duplicate_pct, DECIMALS)),
    )


def weighted_lift_per_day(terms: Terms, proportion: float) -> float:
    """Projected lift on clean data per sprint day, in percentage points."""
    return round(terms.projected_lift_pct * proportion / terms.engineering_days, DECIMALS)


def labour_cost(terms: Terms) -> float:
    """Engineers × days × the loaded cost of an engineer-day (a term of a sum: not rounded)."""
    return terms.engineers * terms.engineering_days * terms.engineer_day_cost_usd


def total_cost(terms: Terms) -> float:
    """Labour plus compute."""
    return round(labour_cost(terms) + terms.compute_cost_usd, DECIMALS)


def revenue_share_after_delivery(terms: Terms) -> float:
    """The part of the revenue horizon left once the model ships (0 when delivery eats it)."""
    return max(0.0, 1 - terms.delivery_days / terms.revenue_horizon_days)


def timing_adjusted_gain(terms: Terms) -> float:
    """Revenue over the horizon, less the days spent building (Quarterly Impact Timing)."""
    return round(terms.projected_revenue_usd * revenue_share_after_delivery(terms), DECIMALS)


def return_multiple(gain: float, cost: float) -> float:
    """``gain / cost``; with no cost, infinite for a positive gain and 0 otherwise."""
    if cost == 0:
        return INFINITY if gain > 0 else 0.0
    return round(gain / cost, DECIMALS)


class Derived(NamedTuple):
    """Every figure of §2 for one set of terms, plus the Data Hygiene axes and the lift and
    latencies at 9 decimals, as the gates compare them."""

    clean_proportion: float
    clean_examples: int
    total_cost_usd: float
    weighted_lift_per_day_pct: float
    raw_roi: float
    timing_adjusted_gain_usd: float
    timing_adjusted_roi: float
    hygiene_axes: tuple[tuple[str, float], ...]
    lift_pct: float
    latency_ms: float
    latency_sla_ms: float

    def figures(self) -> dict[str, float]:
        """The figures as the ``Figures`` model's fields, in its order."""
        return {
            "clean_proportion": self.clean_proportion,
            "clean_examples": self.clean_examples,
            "total_cost_usd": self.total_cost_usd,
            "weighted_lift_per_day_pct": self.weighted_lift_per_day_pct,
            "raw_roi": self.raw_roi,
            "timing_adjusted_gain_usd": self.timing_adjusted_gain_usd,
            "timing_adjusted_roi": self.timing_adjusted_roi,
        }


# The score of a Data Hygiene axis: ``min(axes, key=axis_value)`` is the weakest one, the first
# in the matrix's order on a tie. (``itemgetter`` runs in C: the key is called for every axis.)
axis_value: Callable[[tuple[str, float]], float] = itemgetter(1)


def derive(terms: Terms) -> Derived:
    """Every derived figure of §2: clean examples and the weighted lift per day from the clean
    proportion, the ROIs from the total cost; and the lift and latencies the gates compare."""
    proportion = clean_proportion(terms)
    cost = total_cost(terms)
    gain = timing_adjusted_gain(terms)
    return Derived(
        proportion,
        clean_rows(terms.dataset_examples, proportion),
        cost,
        weighted_lift_per_day(terms, proportion),
        return_multiple(round(terms.projected_revenue_usd, DECIMALS), cost),
        gain,
        return_multiple(gain, cost),
        hygiene_axes(terms),
        round(terms.projected_lift_pct, DECIMALS),
        round(terms.latency_ms, DECIMALS),
        round(terms.latency_sla_ms, DECIMALS),
    )
