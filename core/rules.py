"""The checks of FRAMEWORK.md §3, each with its figure, threshold and one-sentence message."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from core.evaluation import CheckData, CheckId, CheckKind, Status
from core.figures import (
    Derived,
    Terms,
    axis_value,
    clean_proportion,
    clean_rows,
    hygiene_axes,
    nine,
    return_multiple,
    timing_adjusted_gain,
    total_cost,
    weighted_lift_per_day,
)
from core.policy import Policy
from core.proposal import MetricLock, Proposal

GATE, ADVISORY = CheckKind.GATE, CheckKind.ADVISORY
PASS, FAIL, WARN, NOT_APPLICABLE = Status.PASS, Status.FAIL, Status.WARN, Status.NOT_APPLICABLE


# --- numbers in words -------------------------------------------------------------------------


def exact(value: float, places: int = 0) -> str:
    """``value`` to 9 decimals at most, with thousands separators and at least ``places``
    decimals: ``150,000.0``, ``0.9409``, ``7.2``."""
    try:
        whole = int(value)
    except OverflowError:
        return "∞" if value > 0 else "-∞"
    if value == whole:
        return f"{whole:,}.{'0' * places}" if places else f"{whole:,}"
    text = f"{nine(value) + 0.0:,}"  # the shortest form that reads back; no "-0.0"
    if "e" in text:
        text = f"{value:,.9f}".rstrip("0")
    missing = places - (len(text) - text.index(".") - 1)
    return text + "0" * missing if missing > 0 else text


def figure(value: float, threshold: float, places: int = 1) -> str:
    """A measured figure rounded to ``places`` decimals, or to more where the rounding would
    put it on the other side of ``threshold`` (``1.96`` against ``2.0``, not ``2.0``)."""
    if value == threshold or math.isinf(value):
        return exact(value, places)
    above = value > threshold
    for decimals in range(places, 10):
        shown = round(value, decimals)
        if shown != threshold and (shown > threshold) == above:
            return f"{value:,.{decimals}f}"
    return exact(value)


def plural(count: int, noun: str) -> str:
    """``count`` and the noun, plural unless the count is one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def with_unit(value: float, unit: str) -> str:
    """A lock's value with its unit: ``5.3 %``, ``115 ms``."""
    return f"{exact(value)} {unit}" if unit else exact(value)


def multiple(value: float, threshold: float) -> str:
    """An ROI multiple: ``1.8×``; unbounded when nothing was spent."""
    if math.isinf(value):
        return "unbounded (no cost)"
    return f"{figure(value, threshold)}×"


# --- the numeric gates: what each measures, shared with the flips ---------------------------

Measure = Callable[[Terms, Policy], tuple[float, float]]


def _lift(terms: Terms, policy: Policy) -> tuple[float, float]:
    return nine(terms.projected_lift_pct), nine(policy.min_kpi_lift_pct)


def _clean_volume(terms: Terms, policy: Policy) -> tuple[float, float]:
    clean = clean_rows(terms.dataset_examples, clean_proportion(terms))
    return clean, policy.min_clean_examples


def _hygiene(terms: Terms, policy: Policy) -> tuple[float, float]:
    return min(hygiene_axes(terms), key=axis_value)[1], nine(policy.min_hygiene_axis_pct)


def _weighted_lift(terms: Terms, policy: Policy) -> tuple[float, float]:
    weighted = weighted_lift_per_day(terms, clean_proportion(terms))
    return weighted, nine(policy.min_weighted_lift_per_day_pct)


def _delivery(terms: Terms, policy: Policy) -> tuple[float, float]:
    return terms.delivery_days, policy.max_delivery_days


def _timing(terms: Terms, policy: Policy) -> tuple[float, float]:
    roi = return_multiple(timing_adjusted_gain(terms), total_cost(terms))
    return roi, nine(policy.min_roi_multiple)


def _latency(terms: Terms, policy: Policy) -> tuple[float, float]:
    return nine(terms.latency_ms), nine(terms.latency_sla_ms)


NUMERIC_GATES: dict[CheckId, tuple[Measure, Callable[[float, float], bool]]] = {
    CheckId.KPI_LIFT: (_lift, operator.ge),
    CheckId.CLEAN_DATA_VOLUME: (_clean_volume, operator.ge),
    CheckId.DATA_HYGIENE: (_hygiene, operator.ge),
    CheckId.SIGNAL_WEIGHTED_ROI: (_weighted_lift, operator.gt),
    CheckId.DELIVERY_WINDOW: (_delivery, operator.le),
    CheckId.TIMING_ADJUSTED_ROI: (_timing, operator.ge),
    CheckId.LATENCY_SLA: (_latency, operator.le),
}


# The proposal's numbers each numeric gate reads: an option re-tests only the gates it touches.
READS: dict[CheckId, frozenset[str]] = {
    CheckId.KPI_LIFT: frozenset({"projected_lift_pct"}),
    CheckId.CLEAN_DATA_VOLUME: frozenset(
        {"dataset_examples", "label_accuracy_pct", "duplicate_pct"}
    ),
    CheckId.DATA_HYGIENE: frozenset({"label_accuracy_pct", "diversity_pct", "duplicate_pct"}),
    CheckId.SIGNAL_WEIGHTED_ROI: frozenset(
        {"projected_lift_pct", "label_accuracy_pct", "duplicate_pct", "engineering_days"}
    ),
    CheckId.DELIVERY_WINDOW: frozenset({"delivery_days"}),
    CheckId.TIMING_ADJUSTED_ROI: frozenset(
        {
            "projected_revenue_usd",
            "delivery_days",
            "revenue_horizon_days",
            "engineers",
            "engineering_days",
            "engineer_day_cost_usd",
            "compute_cost_usd",
        }
    ),
    CheckId.LATENCY_SLA: frozenset({"latency_ms", "latency_sla_ms"}),
}


def passing(gates: list[CheckId], terms: Terms, policy: Policy) -> list[CheckId]:
    """Those of ``gates`` that depend only on the proposal's numbers and pass for ``terms``."""
    found = []
    for gate in gates:
        if gate in NUMERIC_GATES:
            measure, holds = NUMERIC_GATES[gate]
            if holds(*measure(terms, policy)):
                found.append(gate)
    return found


def _numeric(gate: CheckId, terms: Terms, policy: Policy) -> tuple[bool, float, float]:
    """A numeric gate's outcome, the figure it measured and its threshold."""
    measure, holds = NUMERIC_GATES[gate]
    value, threshold = measure(terms, policy)
    return holds(value, threshold), value, threshold


def _check(
    check_id: CheckId,
    kind: CheckKind,
    status: Status,
    value: float | None,
    threshold: float | None,
    message: str,
) -> CheckData:
    return {
        "id": check_id,
        "kind": kind,
        "status": status,
        "value": value,
        "threshold": threshold,
        "message": message,
    }


def _gate(check_id: CheckId, ok: bool, value: float, threshold: float, message: str) -> CheckData:
    return _check(check_id, GATE, PASS if ok else FAIL, value, threshold, message)


# --- the checks ---------------------------------------------------------------------------------


def kpi_lift(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """The projected lift against the minimum lift worth a fine-tune."""
    ok, lift, minimum = _numeric(CheckId.KPI_LIFT, terms, policy)
    verb = "meets" if ok else "is below"
    message = f"Projected lift {exact(lift, 1)} % {verb} the {exact(minimum, 1)} % minimum."
    return _gate(CheckId.KPI_LIFT, ok, lift, minimum, message)


def clean_data_volume(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """Clean examples (rows × clean proportion) against the minimum volume."""
    ok, clean, minimum = _numeric(CheckId.CLEAN_DATA_VOLUME, terms, policy)
    message = (
        f"Clean examples {exact(clean)} {'meet' if ok else 'are below'} the {exact(minimum)} "
        f"minimum ({exact(terms.dataset_examples)} rows at a clean proportion of "
        f"{exact(derived.clean_proportion, 2)})."
    )
    return _gate(CheckId.CLEAN_DATA_VOLUME, ok, clean, minimum, message)


def data_hygiene(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """The Data Hygiene Matrix: every axis against the minimum; the lowest is reported."""
    ok, lowest, minimum = _numeric(CheckId.DATA_HYGIENE, terms, policy)
    name = min(derived.hygiene_axes, key=axis_value)[0]
    described = _axis(name, lowest, terms)
    if ok:
        message = f"Lowest Data Hygiene axis, {described}, meets the {exact(minimum, 1)} % minimum."
    else:
        others = [
            _axis(other, value, terms)
            for other, value in derived.hygiene_axes
            if value < minimum and other != name
        ]
        also = f", and so {'is' if len(others) == 1 else 'are'} {' and '.join(others)}"
        message = (
            f"{described[0].upper()}{described[1:]} is below the {exact(minimum, 1)} % "
            f"Data Hygiene minimum{also if others else ''}."
        )
    return _gate(CheckId.DATA_HYGIENE, ok, lowest, minimum, message)


def _axis(name: str, value: float, terms: Terms) -> str:
    if name == "uniqueness":
        return f"uniqueness {exact(value, 1)} % ({exact(terms.duplicate_pct, 1)} % duplicates)"
    return f"{name} {exact(value, 1)} %"


def signal_weighted_roi(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """Weighted lift per sprint day; it must strictly exceed the minimum ("exceeds")."""
    ok, weighted, minimum = _numeric(CheckId.SIGNAL_WEIGHTED_ROI, terms, policy)
    days = terms.engineering_days
    message = (
        f"Weighted lift {figure(weighted, minimum, 2)} %/day "
        f"({exact(terms.projected_lift_pct, 1)} % lift × {exact(derived.clean_proportion, 2)} "
        f"clean ÷ {exact(days)} day{'' if days == 1 else 's'}) "
        f"{'exceeds' if ok else 'does not exceed'} the {exact(minimum, 1)} %/day minimum."
    )
    return _gate(CheckId.SIGNAL_WEIGHTED_ROI, ok, weighted, minimum, message)


def delivery_window(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """Calendar days to ship against the delivery window."""
    ok, days, window = _numeric(CheckId.DELIVERY_WINDOW, terms, policy)
    message = (
        f"Delivery in {plural(terms.delivery_days, 'day')} {'fits' if ok else 'is past'} "
        f"the {exact(window)}-day window."
    )
    return _gate(CheckId.DELIVERY_WINDOW, ok, days, window, message)


def timing_adjusted_roi(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """The ROI once the days spent building are taken off the revenue horizon."""
    ok, roi, minimum = _numeric(CheckId.TIMING_ADJUSTED_ROI, terms, policy)
    horizon = terms.revenue_horizon_days
    message = (
        f"Timing-adjusted ROI {multiple(roi, minimum)} {'meets' if ok else 'is below'} "
        f"the {exact(minimum, 1)}× minimum (raw ROI {multiple(derived.raw_roi, minimum)}, "
        f"{exact(min(terms.delivery_days, horizon))} of {exact(horizon)} revenue days "
        "lost to delivery)."
    )
    return _gate(CheckId.TIMING_ADJUSTED_ROI, ok, roi, minimum, message)


def latency_sla(terms: Terms, derived: Derived, policy: Policy) -> CheckData:
    """Staging latency against the product's SLA."""
    ok, latency, sla = _numeric(CheckId.LATENCY_SLA, terms, policy)
    message = (
        f"Latency {exact(latency)} ms is {'within' if ok else 'over'} the {exact(sla)} ms SLA."
    )
    return _gate(CheckId.LATENCY_SLA, ok, latency, sla, message)


def prompt_alternative(proposal: Proposal, policy: Policy) -> CheckData:
    """Whether prompt engineering alone could replace the fine-tune (then the gate fails)."""
    check_id = CheckId.PROMPT_ALTERNATIVE
    prompt, target = proposal.prompt_result, proposal.target_result
    if prompt is None or target is None:
        message = (
            "Not assessed: give both the prompt-only result and the fine-tuned target "
            "to compare them."
        )
        return _check(check_id, GATE, NOT_APPLICABLE, None, None, message)
    ratio, substitute = nine(prompt / target), nine(policy.prompt_substitute_ratio)
    upkeep = proposal.prompt_maintenance_hours_per_week
    ceiling = nine(policy.max_prompt_maintenance_hours_per_week)
    reaches = (
        f"Prompt engineering alone reaches {exact(prompt)} against the fine-tuned target "
        f"{exact(target)} (ratio {figure(ratio, substitute, 2)}, "
        f"{'above' if ratio > substitute else 'not above'} {exact(substitute, 2)})"
    )
    if ratio <= substitute:
        ok, why = True, ", so it cannot replace the fine-tune."
    elif not proposal.prompt_space_well_understood:
        ok = True
        why = (
            ", but the prompt space is not well understood, so it cannot replace the fine-tune yet."
        )
    elif upkeep is None:
        ok = False
        why = (
            ", so it can replace the fine-tune unless its upkeep is high: estimate the prompt "
            f"maintenance hours per week (past {exact(ceiling)} h/week fine-tuning is cheaper)."
        )
    elif nine(upkeep) > ceiling:
        ok = True
        why = (
            f", but its upkeep of {exact(upkeep)} h/week exceeds {exact(ceiling)} h/week, "
            "so fine-tuning is cheaper in the long run."
        )
    else:
        ok = False
        why = (
            f" with {exact(upkeep)} h/week of upkeep, within {exact(ceiling)} h/week, "
            "so it can replace the fine-tune."
        )
    return _gate(check_id, ok, ratio, substitute, reaches + why)


def metric_lock(locks: list[MetricLock]) -> CheckData:
    """The manager's locked thresholds: two or more, all met, pass."""
    met = sum(lock.met for lock in locks)
    total = len(locks)
    if total == 0:
        status = WARN
        message = (
            "No Metric-Lock set: without a strategic anchor the committee is likely to reject; "
            "ask the hiring manager to lock two thresholds."
        )
    elif met < total:
        missed = "; ".join(_missed(lock) for lock in locks if not lock.met)
        status, message = FAIL, f"{met} of {total} Metric-Locks met: {missed}."
    elif total == 1:
        status = WARN
        message = (
            f"The single Metric-Lock is met ({_kept(locks[0])}), but with one anchor the "
            "committee may push back; lock a second threshold."
        )
    else:
        kept = "; ".join(_kept(lock) for lock in locks)
        every = "Both" if total == 2 else f"All {total}"
        status, message = PASS, f"{every} Metric-Locks are met: {kept}."
    return _check(CheckId.METRIC_LOCK, GATE, status, met, total, message)


def _kept(lock: MetricLock) -> str:
    sign = "≥" if lock.comparator == ">=" else "≤"
    return (
        f"{lock.name} {with_unit(lock.achieved, lock.unit)} {sign} "
        f"{with_unit(lock.threshold, lock.unit)}"
    )


def _missed(lock: MetricLock) -> str:
    side = "below" if lock.comparator == ">=" else "above"
    return (
        f"{lock.name} {with_unit(lock.achieved, lock.unit)} is {side} its "
        f"{with_unit(lock.threshold, lock.unit)} lock"
    )


def diminishing_returns(terms: Terms, policy: Policy) -> CheckData:
    """Past a row count more data stops helping: curate instead."""
    rows, ceiling = terms.dataset_examples, policy.diminishing_returns_examples
    if rows > ceiling:
        status = WARN
        message = (
            f"{plural(rows, 'row')} is past the {exact(ceiling)} where more data stops helping; "
            "curate rather than collect."
        )
    else:
        status = PASS
        message = (
            f"{plural(rows, 'row')} is within the {exact(ceiling)} where more data still helps."
        )
    return _check(CheckId.DIMINISHING_RETURNS, ADVISORY, status, rows, ceiling, message)


def overfitting(proposal: Proposal, policy: Policy) -> CheckData:
    """The validation curve decides; without one, the planned epochs against the safe count."""
    check_id = CheckId.OVERFITTING
    losses, planned = proposal.validation_losses, proposal.planned_epochs
    if losses:
        return _curve(losses, planned, nine(policy.overfit_rise_pct))
    if planned is None:
        message = "Not assessed: give the validation loss per epoch or the planned epochs."
        return _check(check_id, ADVISORY, NOT_APPLICABLE, None, None, message)
    safe = policy.max_safe_epochs
    if planned > safe:
        status = WARN
        message = (
            f"{plural(planned, 'planned epoch')} go past the {safe} after which over-fitting "
            "sets in; track the validation loss and stop early."
        )
    else:
        status, message = PASS, f"{plural(planned, 'planned epoch')} stay within the safe {safe}."
    return _check(check_id, ADVISORY, status, planned, safe, message)


def _curve(losses: list[float], planned: int | None, limit: float) -> CheckData:
    """Over-fitting read off the validation curve: the largest rise after the best epoch."""
    lowest = min(losses)
    epoch = losses.index(lowest) + 1
    later = max(losses[epoch:], default=lowest)
    if later == lowest:
        rise = 0.0
    else:
        rise = float("inf") if lowest == 0 else nine((later - lowest) / lowest * 100)
    plan = f"; {plural(planned, 'epoch')} planned" if planned is not None else ""
    if rise > limit:
        status = WARN
        overtrain = (
            f"; the plan's {planned} epochs overtrain" if planned and planned > epoch else plan
        )
        message = (
            f"Validation loss bottoms out at epoch {epoch} ({exact(lowest)}) and then rises "
            f"{figure(rise, limit)} %, more than {exact(limit, 1)} %: stop at epoch {epoch}"
            f"{overtrain}."
        )
    elif rise == 0:
        status = PASS
        message = f"Validation loss does not rise after its best epoch {epoch}{plan}."
    else:
        status = PASS
        message = (
            f"Validation loss rises at most {figure(rise, limit)} % after its best epoch "
            f"{epoch}, within {exact(limit, 1)} %{plan}."
        )
    return _check(CheckId.OVERFITTING, ADVISORY, status, rise, limit, message)


def checks(proposal: Proposal, terms: Terms, derived: Derived, policy: Policy) -> list[CheckData]:
    """Every check of §3, in the order of §3."""
    return [
        kpi_lift(terms, derived, policy),
        clean_data_volume(terms, derived, policy),
        data_hygiene(terms, derived, policy),
        signal_weighted_roi(terms, derived, policy),
        delivery_window(terms, derived, policy),
        timing_adjusted_roi(terms, derived, policy),
        latency_sla(terms, derived, policy),
        prompt_alternative(proposal, policy),
        metric_lock(proposal.metric_locks),
        diminishing_returns(terms, policy),
        overfitting(proposal, policy),
    ]
