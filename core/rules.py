"""The checks of docs/framework.md §3, each with its figure, threshold and one-sentence message."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.evaluation import CheckData, CheckId, CheckKind, Status
from core.figures import (
    Derived,
    Terms,
    axis_value,
    clean_proportion,
    clean_rows,
    hygiene_axes,
    return_multiple,
    timing_adjusted_gain,
    total_cost,
    weighted_lift_per_day,
)
from core.limits import Limits
from core.policy import Policy
from core.precision import DECIMALS
from core.proposal import MetricLock, Proposal
from core.wording import (
    days,
    exact,
    hours_per_week,
    ms,
    percent,
    plural,
    pp_per_day,
    proportion,
    roi,
    rows,
    with_unit,
)

GATE, ADVISORY = CheckKind.GATE, CheckKind.ADVISORY
PASS, FAIL, WARN, NOT_APPLICABLE = Status.PASS, Status.FAIL, Status.WARN, Status.NOT_APPLICABLE


# --- the numeric gates: whether each holds for a set of terms, as the flips re-test them -------
# (The checks below compare the same figures, read from ``Derived`` rather than recomputed.)


def _lift_holds(terms: Terms, limits: Limits) -> bool:
    return round(terms.projected_lift_pct, DECIMALS) >= limits.min_lift


def _clean_volume_holds(terms: Terms, limits: Limits) -> bool:
    return clean_rows(terms.dataset_examples, clean_proportion(terms)) >= limits.min_clean


def _hygiene_holds(terms: Terms, limits: Limits) -> bool:
    return min(hygiene_axes(terms), key=axis_value)[1] >= limits.min_hygiene


def _weighted_lift_holds(terms: Terms, limits: Limits) -> bool:
    return weighted_lift_per_day(terms, clean_proportion(terms)) > limits.min_weighted


def _delivery_holds(terms: Terms, limits: Limits) -> bool:
    return terms.delivery_days <= limits.max_delivery


def _timing_holds(terms: Terms, limits: Limits) -> bool:
    roi = return_multiple(timing_adjusted_gain(terms), total_cost(terms))
    return roi >= limits.min_roi


def _latency_holds(terms: Terms, limits: Limits) -> bool:
    return round(terms.latency_ms, DECIMALS) <= round(terms.latency_sla_ms, DECIMALS)


NUMERIC_GATES: dict[CheckId, Callable[[Terms, Limits], bool]] = {
    CheckId.KPI_LIFT: _lift_holds,
    CheckId.CLEAN_DATA_VOLUME: _clean_volume_holds,
    CheckId.DATA_HYGIENE: _hygiene_holds,
    CheckId.SIGNAL_WEIGHTED_ROI: _weighted_lift_holds,
    CheckId.DELIVERY_WINDOW: _delivery_holds,
    CheckId.TIMING_ADJUSTED_ROI: _timing_holds,
    CheckId.LATENCY_SLA: _latency_holds,
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
    return {
        "id": check_id,
        "kind": GATE,
        "status": PASS if ok else FAIL,
        "value": value,
        "threshold": threshold,
        "message": message,
    }


# --- the checks ---------------------------------------------------------------------------------


def kpi_lift(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """The projected lift against the minimum lift worth a fine-tune."""
    lift, minimum = derived.lift_pct, limits.min_lift
    ok = lift >= minimum
    verb = "meets" if ok else "is below"
    bar = limits.min_lift_text
    message = f"Projected lift {percent(lift, minimum)} {verb} the {bar} % minimum."
    return _gate(CheckId.KPI_LIFT, ok, lift, minimum, message)


def clean_data_volume(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """Clean examples (rows × clean proportion) against the minimum volume."""
    clean, minimum = derived.clean_examples, limits.min_clean
    ok = clean >= minimum
    message = (
        f"Clean examples {clean:,} {'meet' if ok else 'are below'} the "
        f"{limits.min_clean_text} minimum ({rows(terms.dataset_examples)} at a clean "
        f"proportion of {proportion(derived.clean_proportion)})."
    )
    return _gate(CheckId.CLEAN_DATA_VOLUME, ok, clean, minimum, message)


def data_hygiene(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """The Data Hygiene Matrix: every axis against the minimum; the lowest is reported."""
    name, lowest = min(derived.hygiene_axes, key=axis_value)
    minimum = limits.min_hygiene
    ok = lowest >= minimum
    described = _axis(name, lowest, terms)
    if ok:
        message = (
            f"Lowest Data Hygiene axis, {described}, meets the {limits.min_hygiene_text} % minimum."
        )
    else:
        others = [
            _axis(other, value, terms)
            for other, value in derived.hygiene_axes
            if value < minimum and other != name
        ]
        also = f", and so {'is' if len(others) == 1 else 'are'} {' and '.join(others)}"
        message = (
            f"{described[0].upper()}{described[1:]} is below the {limits.min_hygiene_text} % "
            f"Data Hygiene minimum{also if others else ''}."
        )
    return _gate(CheckId.DATA_HYGIENE, ok, lowest, minimum, message)


def _axis(name: str, value: float, terms: Terms) -> str:
    if name == "uniqueness":
        return f"uniqueness {percent(value)} ({percent(terms.duplicate_pct)} duplicates)"
    return f"{name} {percent(value)}"


def signal_weighted_roi(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """Weighted lift per sprint day; it must strictly exceed the minimum ("exceeds")."""
    weighted, minimum = derived.weighted_lift_per_day_pct, limits.min_weighted
    ok = weighted > minimum
    message = (
        f"Weighted lift {pp_per_day(weighted, minimum)} "
        f"({percent(terms.projected_lift_pct)} lift × {proportion(derived.clean_proportion)} "
        f"clean ÷ {days(terms.engineering_days)}) "
        f"{'exceeds' if ok else 'does not exceed'} the {limits.min_weighted_text} pp/day minimum."
    )
    return _gate(CheckId.SIGNAL_WEIGHTED_ROI, ok, weighted, minimum, message)


def delivery_window(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """Calendar days to ship against the delivery window."""
    delivery, window = terms.delivery_days, limits.max_delivery
    ok = delivery <= window
    message = (
        f"Delivery in {days(delivery)} {'fits' if ok else 'is past'} "
        f"the {limits.max_delivery_text}-day window."
    )
    return _gate(CheckId.DELIVERY_WINDOW, ok, delivery, window, message)


def timing_adjusted_roi(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """The ROI once the days spent building are taken off the revenue horizon."""
    adjusted, minimum = derived.timing_adjusted_roi, limits.min_roi
    ok = adjusted >= minimum
    horizon = terms.revenue_horizon_days
    message = (
        f"Timing-adjusted ROI {roi(adjusted, minimum)} {'meets' if ok else 'is below'} "
        f"the {limits.min_roi_text}× minimum (raw ROI {roi(derived.raw_roi, minimum)}, "
        f"{min(terms.delivery_days, horizon):,} of {horizon:,} revenue days lost to delivery)."
    )
    return _gate(CheckId.TIMING_ADJUSTED_ROI, ok, adjusted, minimum, message)


def latency_sla(terms: Terms, derived: Derived, limits: Limits) -> CheckData:
    """Staging latency against the product's SLA."""
    latency, sla = derived.latency_ms, derived.latency_sla_ms
    ok = latency <= sla
    message = (
        f"Latency {ms(latency)} is {'within' if ok else 'over'} the {exact(sla)} ms SLA."
    )
    return _gate(CheckId.LATENCY_SLA, ok, latency, sla, message)


def prompt_alternative(proposal: Proposal, limits: Limits) -> CheckData:
    """Whether prompt engineering alone could replace the fine-tune (then the gate fails)."""
    check_id = CheckId.PROMPT_ALTERNATIVE
    prompt, target = proposal.prompt_result, proposal.target_result
    if prompt is None or target is None:
        message = (
            "Not assessed: give both the prompt-only result and the fine-tuned target "
            "to compare them."
        )
        return _check(check_id, GATE, NOT_APPLICABLE, None, None, message)
    ratio, substitute = round(prompt / target, DECIMALS), limits.substitute_ratio
    upkeep = proposal.prompt_maintenance_hours_per_week
    ceiling = limits.max_upkeep_text
    reaches = (
        f"Prompt engineering alone reaches {exact(prompt)} against the fine-tuned target "
        f"{exact(target)} (ratio {proportion(ratio, substitute)}, "
        f"{'above' if ratio > substitute else 'not above'} {limits.substitute_ratio_text})"
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
            f"maintenance hours per week (past {ceiling} h/week fine-tuning is cheaper)."
        )
    elif round(upkeep, DECIMALS) > limits.max_upkeep:
        ok = True
        why = (
            f", but its upkeep of {hours_per_week(upkeep)} exceeds {ceiling} h/week, "
            "so fine-tuning is cheaper in the long run."
        )
    else:
        ok = False
        why = (
            f" with {hours_per_week(upkeep)} of upkeep, within {ceiling} h/week, "
            "so it can replace the fine-tune."
        )
    return _gate(check_id, ok, ratio, substitute, reaches + why)


def unmet_locks(locks: list[MetricLock]) -> list[int]:
    """The indices of the locks whose achieved value misses the threshold."""
    return [index for index, lock in enumerate(locks) if not lock.met]


def metric_lock(locks: list[MetricLock], unmet: list[int]) -> CheckData:
    """The manager's locked thresholds (``unmet``: see ``unmet_locks``): two or more, all met,
    pass."""
    total = len(locks)
    met = total - len(unmet)
    if total == 0:
        status = WARN
        message = (
            "No Metric-Lock set: without a strategic anchor the committee is likely to reject; "
            "ask the hiring manager to lock two thresholds."
        )
    elif unmet:
        missed = "; ".join(_missed(locks[index]) for index in unmet)
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


def diminishing_returns(terms: Terms, policy: Policy, limits: Limits) -> CheckData:
    """Past a row count more data stops helping: curate instead."""
    count, ceiling = terms.dataset_examples, policy.diminishing_returns_examples
    if count > ceiling:
        status = WARN
        message = (
            f"{rows(count)} go past the {limits.diminishing_returns_text} rows after which more "
            "data stops helping; curate rather than collect."
        )
    else:
        status = PASS
        message = (
            f"{rows(count)} stay within the {limits.diminishing_returns_text} rows up to which "
            "more data still helps."
        )
    return _check(CheckId.DIMINISHING_RETURNS, ADVISORY, status, count, ceiling, message)


def overfitting(proposal: Proposal, policy: Policy, limits: Limits) -> CheckData:
    """The validation curve decides; without one, the planned epochs against the safe count."""
    check_id = CheckId.OVERFITTING
    losses, planned = proposal.validation_losses, proposal.planned_epochs
    if losses:
        return _curve(losses, planned, limits)
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


def rise_after_best(losses: Sequence[float]) -> tuple[int, float]:
    """The best epoch (the first of the minimum, counted from 1) and the largest rise after it,
    in % of the minimum at 9 decimals: 0 without a rise, infinite from a minimum of 0."""
    lowest = min(losses)
    epoch = losses.index(lowest) + 1
    later = max(losses[epoch:], default=lowest)
    if later == lowest:
        return epoch, 0.0
    return epoch, float("inf") if lowest == 0 else round((later - lowest) / lowest * 100, DECIMALS)


def _curve(losses: list[float], planned: int | None, limits: Limits) -> CheckData:
    """Over-fitting read off the validation curve: the largest rise after the best epoch."""
    limit = limits.overfit_rise
    lowest = min(losses)
    epoch, rise = rise_after_best(losses)
    plan = f"; {plural(planned, 'epoch')} planned" if planned is not None else ""
    if rise > limit:
        status = WARN
        overtrain = (
            f"; the plan's {planned} epochs overtrain" if planned and planned > epoch else plan
        )
        message = (
            f"Validation loss bottoms out at epoch {epoch} ({exact(lowest)}) and then rises "
            f"{percent(rise, limit)}, more than {limits.overfit_rise_text} %: stop at epoch "
            f"{epoch}{overtrain}."
        )
    elif rise == 0:
        status = PASS
        message = f"Validation loss does not rise after its best epoch {epoch}{plan}."
    else:
        status = PASS
        message = (
            f"Validation loss rises at most {percent(rise, limit)} after its best epoch "
            f"{epoch}, within {limits.overfit_rise_text} %{plan}."
        )
    return _check(CheckId.OVERFITTING, ADVISORY, status, rise, limit, message)


def checks(
    proposal: Proposal,
    terms: Terms,
    derived: Derived,
    policy: Policy,
    limits: Limits,
    unmet: list[int],
) -> list[CheckData]:
    """Every check of §3, in the order of §3 (``unmet``: the unmet locks' indices)."""
    return [
        kpi_lift(terms, derived, limits),
        clean_data_volume(terms, derived, limits),
        data_hygiene(terms, derived, limits),
        signal_weighted_roi(terms, derived, limits),
        delivery_window(terms, derived, limits),
        timing_adjusted_roi(terms, derived, limits),
        latency_sla(terms, derived, limits),
        prompt_alternative(proposal, limits),
        metric_lock(proposal.metric_locks, unmet),
        diminishing_returns(terms, policy, limits),
        overfitting(proposal, policy, limits),
    ]
