"""What would flip the verdict (docs/framework.md §5), solved in closed form for each failing gate.

Each option is a set of field changes whose required values come from inverting the gate's
formula. Which failing gates an option fixes, side effects included, is then read off the
gates' own tests at the values the option sets (a strict bound moved just past, an integer
rounded), so the list never claims more than an evaluation would confirm.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from functools import cache
from math import isfinite
from typing import NamedTuple

from core.evaluation import ChangeData, CheckId, FlipComparator, FlipData
from core.figures import (
    Derived,
    Terms,
    clean_rows,
    derive,
    labour_cost,
    revenue_share_after_delivery,
)
from core.limits import Limits
from core.policy import Policy
from core.precision import nine
from core.proposal import Bounds, Proposal, bounds_of
from core.rules import NUMERIC_GATES, READS
from core.wording import days, exact, percent, proportion, roi, roi_threshold

INTEGER_FIELDS = frozenset({"dataset_examples", "delivery_days"})
STRICT_STEP = 1e-6
SMALLEST_GAIN = 1e-9  # the least gain that still counts at 9 decimals


class _Context(NamedTuple):
    """What the option finders read (a NamedTuple: cheaper to build than a frozen dataclass)."""

    proposal: Proposal
    terms: Terms
    derived: Derived
    policy: Policy
    limits: Limits
    failing: list[CheckId]
    unmet_locks: list[int]
    failing_set: frozenset[CheckId]


Options = Iterator[list[ChangeData]]


def applied_value(change: ChangeData) -> float:
    """The value an option sets: a strict bound moved just past it, an integer field rounded
    in the safe direction."""
    value = change["required"]
    comparator = change["comparator"]
    if comparator == ">":
        value += STRICT_STEP * max(1.0, abs(value))
    elif comparator == "<":
        value -= STRICT_STEP * max(1.0, abs(value))
    if change["field"] in INTEGER_FIELDS:
        return math.ceil(value) if comparator[0] == ">" else math.floor(value)
    return value


def _change(
    field: str, current: float | None, required: float, comparator: FlipComparator
) -> ChangeData:
    return {"field": field, "current": current, "required": required, "comparator": comparator}


# --- closed-form bounds ---------------------------------------------------------------------


def _lift_for_weighted(terms: Terms, derived: Derived, policy: Policy) -> float | None:
    """The lift the weighted lift per day exceeds its minimum above: minimum × days ÷ clean."""
    proportion = derived.clean_proportion
    if proportion <= 0:
        return None
    return nine(policy.min_weighted_lift_per_day_pct * terms.engineering_days / proportion)


def _days_for_weighted(terms: Terms, derived: Derived, policy: Policy) -> float | None:
    """The sprint length under which the weighted lift exceeds its minimum: lift × clean ÷
    minimum."""
    lift_on_clean_data = terms.projected_lift_pct * derived.clean_proportion
    minimum = policy.min_weighted_lift_per_day_pct
    if minimum <= 0 or lift_on_clean_data <= 0:
        return None
    return nine(lift_on_clean_data / minimum)


def _delivery_for_timing(terms: Terms, derived: Derived, limits: Limits) -> int | None:
    """The latest delivery day at which the timing-adjusted ROI still reaches the multiple:
    horizon × (1 − multiple × cost ÷ revenue), rounded down."""
    revenue, horizon = terms.projected_revenue_usd, terms.revenue_horizon_days
    if revenue <= 0:
        return None
    cost = derived.total_cost_usd
    # With no cost, any gain that survives the rounding (1e-9 does) is an unbounded ROI.
    needed_gain = limits.min_roi * cost if cost > 0 else SMALLEST_GAIN
    latest = horizon * (1 - needed_gain / revenue)
    if latest < 0:
        return None
    day = min(math.floor(latest), horizon - 1)
    # The closed form is exact up to the 9-decimal rounding of the gain, which can let one
    # more day through (a gain just under 1e-9 may still round up to it).
    later = terms.moved({"delivery_days": day + 1})
    if day + 1 < horizon and NUMERIC_GATES[CheckId.TIMING_ADJUSTED_ROI](later, limits):
        return day + 1
    return day


# --- options per gate, in the order of §3 ---------------------------------------------------


def _kpi_lift(ctx: _Context) -> Options:
    """The lift; when the weighted lift fails too, one value that clears both."""
    terms, policy = ctx.terms, ctx.policy
    current, minimum = terms.projected_lift_pct, policy.min_kpi_lift_pct
    kpi_only = _change("projected_lift_pct", current, minimum, ">=")
    bound = _lift_for_weighted(terms, ctx.derived, policy)
    if CheckId.SIGNAL_WEIGHTED_ROI in ctx.failing and bound is not None:
        at_minimum = terms.moved({"projected_lift_pct": minimum})
        if NUMERIC_GATES[CheckId.SIGNAL_WEIGHTED_ROI](at_minimum, ctx.limits):
            yield [kpi_only]
            return
        both = _change("projected_lift_pct", current, max(bound, minimum), ">")
        if _admissible(both):
            yield [both]
            return
    yield [kpi_only]


def _clean_data_volume(ctx: _Context) -> Options:
    """Rows: the minimum over the clean proportion, rounded up."""
    terms, minimum = ctx.terms, ctx.policy.min_clean_examples
    proportion = ctx.derived.clean_proportion
    if proportion <= 0:
        return
    rows = math.ceil(minimum / proportion)
    if clean_rows(rows, proportion) < minimum:
        rows += 1  # the float quotient landed a hair low
    yield [_change("dataset_examples", terms.dataset_examples, rows, ">=")]


def _data_hygiene(ctx: _Context) -> Options:
    """One option bringing every failing axis to the minimum."""
    terms = ctx.terms
    minimum = ctx.limits.min_hygiene
    label, diversity, uniqueness = (value for _, value in ctx.derived.hygiene_axes)
    changes = []
    if label < minimum:
        changes.append(_change("label_accuracy_pct", terms.label_accuracy_pct, minimum, ">="))
    if diversity < minimum:
        changes.append(_change("diversity_pct", terms.diversity_pct, minimum, ">="))
    if uniqueness < minimum:
        changes.append(_change("duplicate_pct", terms.duplicate_pct, nine(100 - minimum), "<="))
    yield changes


def _signal_weighted_roi(ctx: _Context) -> Options:
    """The lift (unless the KPI option already covers it), or a shorter sprint."""
    terms, derived, policy = ctx.terms, ctx.derived, ctx.policy
    lift = _lift_for_weighted(terms, derived, policy)
    if CheckId.KPI_LIFT not in ctx.failing and lift is not None:
        yield [_change("projected_lift_pct", terms.projected_lift_pct, lift, ">")]
    days = _days_for_weighted(terms, derived, policy)
    if days is not None:
        yield [_change("engineering_days", terms.engineering_days, days, "<")]


def _delivery_window(ctx: _Context) -> Options:
    """Delivery days; when the timing-adjusted ROI fails too, one value that clears both."""
    terms = ctx.terms
    latest = ctx.policy.max_delivery_days
    if CheckId.TIMING_ADJUSTED_ROI in ctx.failing:
        for_timing = _delivery_for_timing(terms, ctx.derived, ctx.limits)
        if for_timing is not None:
            latest = min(latest, for_timing)
    yield [_change("delivery_days", terms.delivery_days, latest, "<=")]


def _timing_adjusted_roi(ctx: _Context) -> Options:
    """More revenue, less compute, or (unless the window option covers it) an earlier delivery."""
    terms, derived = ctx.terms, ctx.derived
    minimum = ctx.limits.min_roi
    cost, share = derived.total_cost_usd, revenue_share_after_delivery(terms)
    if share > 0 and minimum > 0:
        # With no cost, a cent of revenue inside the horizon is an unbounded ROI.
        revenue = nine(minimum * cost / share) if cost > 0 else 0.01
        yield [_change("projected_revenue_usd", terms.projected_revenue_usd, revenue, ">=")]
    gain = derived.timing_adjusted_gain_usd
    if gain > 0 and minimum > 0:
        compute = nine(gain / minimum - labour_cost(terms))
        if compute >= 0:
            yield [_change("compute_cost_usd", terms.compute_cost_usd, compute, "<=")]
    if CheckId.DELIVERY_WINDOW not in ctx.failing:
        latest = _delivery_for_timing(terms, derived, ctx.limits)
        if latest is not None:
            yield [_change("delivery_days", terms.delivery_days, latest, "<=")]


def _latency_sla(ctx: _Context) -> Options:
    terms = ctx.terms
    yield [_change("latency_ms", terms.latency_ms, ctx.derived.latency_sla_ms, "<=")]


def _prompt_alternative(ctx: _Context) -> Options:
    """A re-estimate of the prompt route's upkeep: past the ceiling it costs more."""
    upkeep = ctx.proposal.prompt_maintenance_hours_per_week
    ceiling = ctx.limits.max_upkeep
    yield [_change("prompt_maintenance_hours_per_week", upkeep, ceiling, ">")]


def _metric_lock(ctx: _Context) -> Options:
    """One option bringing every unmet lock's achieved value to its threshold."""
    locks = ctx.proposal.metric_locks
    yield [
        _change(
            f"metric_locks[{index}].achieved",
            locks[index].achieved,
            locks[index].threshold,
            locks[index].comparator,
        )
        for index in ctx.unmet_locks
    ]


_OPTIONS: dict[CheckId, Callable[[_Context], Options]] = {
    CheckId.KPI_LIFT: _kpi_lift,
    CheckId.CLEAN_DATA_VOLUME: _clean_data_volume,
    CheckId.DATA_HYGIENE: _data_hygiene,
    CheckId.SIGNAL_WEIGHTED_ROI: _signal_weighted_roi,
    CheckId.DELIVERY_WINDOW: _delivery_window,
    CheckId.TIMING_ADJUSTED_ROI: _timing_adjusted_roi,
    CheckId.LATENCY_SLA: _latency_sla,
    CheckId.PROMPT_ALTERNATIVE: _prompt_alternative,
    CheckId.METRIC_LOCK: _metric_lock,
}

_BOUNDS: dict[str, Bounds] = {
    field: bounds_of(Proposal, field)
    for field in (
        "projected_lift_pct",
        "dataset_examples",
        "label_accuracy_pct",
        "diversity_pct",
        "duplicate_pct",
        "engineering_days",
        "compute_cost_usd",
        "projected_revenue_usd",
        "delivery_days",
        "latency_ms",
        "prompt_maintenance_hours_per_week",
    )
}


def _admits(field: str, value: float) -> bool:
    """Whether ``value`` is one the proposal's field accepts."""
    bounds = _BOUNDS.get(field)
    return bounds.admits(value) if bounds else isfinite(value)


def _admissible(change: ChangeData) -> bool:
    """Whether the value the change sets is one the proposal's field accepts."""
    return _admits(change["field"], applied_value(change))


def _values_set(changes: list[ChangeData]) -> dict[str, float] | None:
    """The value each change sets, by field; ``None`` when one is outside its field's range."""
    values = {}
    for change in changes:
        value = applied_value(change)
        if not _admits(change["field"], value):
            return None
        values[change["field"]] = value
    return values


@cache
def _gates_reading(fields: tuple[str, ...]) -> tuple[CheckId, ...]:
    """The numeric gates that read any of ``fields``, in the order of §3 (from ``READS``)."""
    return tuple(gate for gate, reads in READS.items() if not reads.isdisjoint(fields))


def _gates_fixed(ctx: _Context, gate: CheckId, values: dict[str, float]) -> list[CheckId]:
    """The failing gates that pass once the fields are set to ``values``: each gate that reads
    one of them re-tested, with its own rule, at the moved terms."""
    if gate not in NUMERIC_GATES:
        return [gate]  # the prompt route and the locks depend on nothing else an option moves
    moved, limits, failing = ctx.terms.moved(values), ctx.limits, ctx.failing_set
    return [
        touched
        for touched in _gates_reading(tuple(values))
        if touched in failing and NUMERIC_GATES[touched](moved, limits)
    ]


class Flips(NamedTuple):
    """The options found, and the failing gates one of their own options makes pass."""

    options: list[FlipData]
    reached: set[CheckId]


def flips(
    proposal: Proposal,
    terms: Terms,
    derived: Derived,
    policy: Policy,
    limits: Limits,
    failing: list[CheckId],
    unmet_locks: list[int],
) -> Flips:
    """Every option that makes a failing gate stop failing, in the order of the failing gates."""
    ctx = _Context(
        proposal, terms, derived, policy, limits, failing, unmet_locks, frozenset(failing)
    )
    found: list[FlipData] = []
    reached: set[CheckId] = set()
    for gate in failing:
        for changes in _OPTIONS[gate](ctx):
            values = _values_set(changes) if changes else None
            if values is not None:
                fixed = _gates_fixed(ctx, gate, values)
                if gate in fixed:
                    found.append({"changes": changes, "gates": fixed})
                    reached.add(gate)  # a gate's options change only the fields offered for it
    return Flips(found, reached)


class Reworked(NamedTuple):
    """Options worked out again at other terms (the proposal with some changes applied)."""

    ctx: _Context

    @classmethod
    def at(
        cls,
        proposal: Proposal,
        terms: Terms,
        policy: Policy,
        limits: Limits,
        failing: list[CheckId],
        unmet_locks: list[int],
    ) -> Reworked:
        """The option finders' view of ``terms``: their figures derived once."""
        failing_set = frozenset(failing)
        ctx = _Context(
            proposal, terms, derive(terms), policy, limits, failing, unmet_locks, failing_set
        )
        return cls(ctx)

    def options(self, gate: CheckId) -> list[list[ChangeData]]:
        """The options for one failing gate, each within its fields' valid ranges."""
        return [changes for changes in _OPTIONS[gate](self.ctx) if changes and _values_set(changes)]


# --- what blocks a gate no option reaches ---------------------------------------------------


# The fields §5 offers for each gate: a flip counts as the gate's own option only when every
# field it changes is one of these (a side effect elsewhere does not say what blocks the gate).
OPTION_FIELDS: dict[CheckId, frozenset[str]] = {
    CheckId.KPI_LIFT: frozenset({"projected_lift_pct"}),
    CheckId.CLEAN_DATA_VOLUME: frozenset({"dataset_examples"}),
    CheckId.DATA_HYGIENE: frozenset({"label_accuracy_pct", "diversity_pct", "duplicate_pct"}),
    CheckId.SIGNAL_WEIGHTED_ROI: frozenset({"projected_lift_pct", "engineering_days"}),
    CheckId.DELIVERY_WINDOW: frozenset({"delivery_days"}),
    CheckId.TIMING_ADJUSTED_ROI: frozenset(
        {"projected_revenue_usd", "compute_cost_usd", "delivery_days"}
    ),
    CheckId.LATENCY_SLA: frozenset({"latency_ms"}),
    CheckId.PROMPT_ALTERNATIVE: frozenset({"prompt_maintenance_hours_per_week"}),
    CheckId.METRIC_LOCK: frozenset({"metric_locks"}),
}


def blockers(
    terms: Terms,
    derived: Derived,
    policy: Policy,
    failing: list[CheckId],
    found: Flips,
) -> dict[CheckId, str]:
    """For each failing gate left without an option of its own, a clause saying why."""
    return {
        gate: _BLOCKERS.get(gate, _no_single_change)(terms, derived, policy)
        for gate in failing
        if gate not in found.reached and not _reached_as_side_effect(gate, found.options)
    }


def _reached_as_side_effect(gate: CheckId, options: list[FlipData]) -> bool:
    """Whether another gate's option makes ``gate`` pass while changing only fields offered
    for ``gate`` (the lift of ``kpi_lift`` clearing ``signal_weighted_roi`` too)."""
    offered = OPTION_FIELDS[gate]
    return any(
        gate in option["gates"]
        and all(change["field"].split("[")[0] in offered for change in option["changes"])
        for option in options
    )


def _no_single_change(terms: Terms, derived: Derived, policy: Policy) -> str:
    return "no single change within the fields' valid ranges fixes it"


def _volume_blocker(terms: Terms, derived: Derived, policy: Policy) -> str:
    if derived.clean_proportion <= 0:
        return (
            "no row is clean, so no number of rows reaches it: raise the label accuracy "
            "or cut the duplicates first"
        )
    most = exact(_BOUNDS["dataset_examples"].upper or math.inf)
    return (
        f"at a clean proportion of {proportion(derived.clean_proportion)} it would take more "
        f"than {most} rows"
    )


def _weighted_blocker(terms: Terms, derived: Derived, policy: Policy) -> str:
    if derived.clean_proportion <= 0:
        return "with a clean proportion of 0 no lift and no sprint length raises it"
    most = exact(_BOUNDS["projected_lift_pct"].upper or math.inf)
    if terms.projected_lift_pct <= 0:
        return (
            f"even a {most} % lift would not get there in {days(terms.engineering_days)}, "
            f"and a {percent(terms.projected_lift_pct)} lift earns nothing however "
            "short the sprint"
        )
    return f"neither a lift up to {most} % nor a shorter sprint gets there"


def _timing_blocker(terms: Terms, derived: Derived, policy: Policy) -> str:
    minimum = nine(policy.min_roi_multiple)
    reasons = []
    if revenue_share_after_delivery(terms) <= 0:
        reasons.append(
            f"the delivery takes the whole {exact(terms.revenue_horizon_days)}-day horizon, "
            "so no revenue counts"
        )
    if terms.projected_revenue_usd <= 0:
        reasons.append("there is no projected revenue")
    elif derived.raw_roi < minimum:
        reasons.append(
            f"even a delivery on day 0 leaves the raw ROI {roi(derived.raw_roi, minimum)} "
            f"below {roi_threshold(minimum)}"
        )
    if not reasons:
        return _no_single_change(terms, derived, policy)
    return "no single change fixes it: " + " and ".join(reasons)


_BLOCKERS: dict[CheckId, Callable[[Terms, Derived, Policy], str]] = {
    CheckId.CLEAN_DATA_VOLUME: _volume_blocker,
    CheckId.SIGNAL_WEIGHTED_ROI: _weighted_blocker,
    CheckId.TIMING_ADJUSTED_ROI: _timing_blocker,
}
