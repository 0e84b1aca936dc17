"""Scenarios drawn from a proposal's ranges, every one decided exactly as ``core.evaluate``
decides it, all of them at once over numpy arrays (docs/framework.md §9).

A term of the rules is either one number for every scenario (a plain Python number, computed
as the scalar engine computes it) or an array with one value per scenario; the gates below
work on both. Every figure goes through ``round(x, 9)`` before it is compared or floored, on
arrays through ``nine_array``, which is that same rounding element for element.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from core.array_rounding import nine_array
from core.evaluation import CheckId, Status
from core.figures import Terms
from core.limits import Limits, limits_of
from core.policy import Policy
from core.precision import DECIMALS, INFINITY
from core.proposal import Proposal
from core.ranges import RANGED_FIELDS, WHOLE_FIELDS
from core.rules import READS, metric_lock, unmet_locks
from core.uncertainty import Swing, Uncertainty

DEFAULT_SCENARIOS = 20_000
MAX_SCENARIOS = 1_000_000
DEFAULT_SEED = 20_240_601
"""The seed when none is given: the same proposal always gives the same figures."""

Floats: TypeAlias = NDArray[np.float64]
Flags: TypeAlias = NDArray[np.bool_]
Number: TypeAlias = "float | Floats"
"""A term or figure: one value for every scenario, or one per scenario."""
Holds: TypeAlias = "bool | Flags"
Columns: TypeAlias = Mapping[str, Floats]
"""The drawn values of each ranged field, one per scenario (whole fields hold whole floats)."""

_CHUNK = 8192
"""Scenarios decided together. Their arrays (64 KiB each) stay in the CPU's cache and below the
size for which malloc maps fresh pages: whole 100 000-scenario arrays are several times slower
(benchmarks/uncertainty.py)."""

GATES: tuple[CheckId, ...] = (
    CheckId.KPI_LIFT,
    CheckId.CLEAN_DATA_VOLUME,
    CheckId.DATA_HYGIENE,
    CheckId.SIGNAL_WEIGHTED_ROI,
    CheckId.DELIVERY_WINDOW,
    CheckId.TIMING_ADJUSTED_ROI,
    CheckId.LATENCY_SLA,
    CheckId.PROMPT_ALTERNATIVE,
    CheckId.METRIC_LOCK,
)
"""The gates of §3, in order: the checks a scenario can fail."""

_READS: dict[CheckId, frozenset[str]] = {
    **READS,
    CheckId.PROMPT_ALTERNATIVE: frozenset({"prompt_result"}),
    CheckId.METRIC_LOCK: frozenset(),
}


@dataclass(frozen=True)
class ScenarioResults:
    """Each scenario's verdict and each gate's outcome in it."""

    approved: Flags
    failed: Mapping[CheckId, Flags]
    """Per gate, whether it failed in each scenario."""
    status_unless_failed: Mapping[CheckId, Status]
    """Per gate, its status in the scenarios where it did not fail (``pass``, ``warn``, ``n/a``)."""

    def statuses(self, gate: CheckId) -> NDArray[np.str_]:
        """The gate's status in each scenario, as the scalar engine's ``Status`` values."""
        return np.where(self.failed[gate], Status.FAIL.value, self.status_unless_failed[gate].value)


# --- drawing the scenarios ---------------------------------------------------------------------


def draw_scenarios(
    proposal: Proposal, scenarios: int, seed: int = DEFAULT_SEED
) -> dict[str, Floats]:
    """``scenarios`` values of each field with a range of some width: triangular between its low
    and high with the point value as the mode, whole fields rounded to the nearest whole number.

    Each field draws from a stream of its own (the seed and the field's place in
    ``RANGED_FIELDS``), so its values do not depend on which other fields have ranges.
    """
    columns: dict[str, Floats] = {}
    for index, field in enumerate(RANGED_FIELDS):
        low, high = (proposal.ranges or {}).get(field, (0.0, 0.0))
        if low == high:
            continue
        generator = np.random.default_rng([seed, index])
        drawn = generator.triangular(low, getattr(proposal, field), high, scenarios)
        np.clip(drawn, low, high, out=drawn)  # the inverse CDF may step an ulp past an end
        if field in WHOLE_FIELDS:
            np.rint(drawn, out=drawn)
        columns[field] = drawn
    return columns


def scenario_update(columns: Columns, index: int) -> dict[str, Any]:
    """Scenario ``index`` as the fields to change on the proposal (``model_copy(update=...)``),
    whole fields as ints; it also clears the ranges, which the scenario's values leave."""
    update: dict[str, Any] = {"ranges": None}
    for field, values in columns.items():
        value = float(values[index])
        update[field] = int(value) if field in WHOLE_FIELDS else value
    return update


# --- the terms of the rules, per scenario --------------------------------------------------------


def _terms(proposal: Proposal, policy: Policy, columns: Columns) -> dict[str, Any]:
    """The rules' terms (``Terms``) plus the prompt result and target; drawn fields as arrays."""
    terms: dict[str, Any] = dict(zip(Terms._fields, Terms.of(proposal, policy), strict=True))
    terms["prompt_result"] = proposal.prompt_result
    terms["target_result"] = proposal.target_result
    terms.update(columns)
    return terms


def _nine(value: Number) -> Number:
    """``round(value, 9)``, on every element of an array."""
    if isinstance(value, np.ndarray):
        return nine_array(value)
    return round(value, DECIMALS)


def _floor(value: Number) -> Number:
    return np.floor(value) if isinstance(value, np.ndarray) else math.floor(value)


def _at_least_zero(value: Number) -> Number:
    """``max(0.0, value)``."""
    if isinstance(value, np.ndarray):
        return np.where(value > 0.0, value, 0.0)
    return max(0.0, value)


def _return_multiple(gain: Number, cost: Number) -> Number:
    """``figures.return_multiple``: ``gain / cost``, infinite or 0 when nothing was spent."""
    if not isinstance(gain, np.ndarray) and not isinstance(cost, np.ndarray):
        if cost == 0:
            return INFINITY if gain > 0 else 0.0
        return round(gain / cost, DECIMALS)
    nothing_spent = np.equal(cost, 0)
    ratio = _nine(np.divide(gain, np.where(nothing_spent, 1.0, cost)))
    return np.where(nothing_spent, np.where(np.greater(gain, 0), INFINITY, 0.0), ratio)


def _clean_proportion(terms: Mapping[str, Any]) -> Number:
    return _nine((terms["label_accuracy_pct"] / 100) * (1 - terms["duplicate_pct"] / 100))


# --- the gates: whether each holds, per scenario -------------------------------------------------


@dataclass(frozen=True)
class _Constants:
    """What the gates compare against that no range moves: the limits, the locks, the upkeep."""

    limits: Limits
    lock_status: Status
    prompt_can_replace: bool
    """Whether the prompt route replaces the fine-tune once its ratio is above the substitute
    ratio: the prompt space is understood and its upkeep unknown or within the ceiling."""

    @classmethod
    def of(cls, proposal: Proposal, limits: Limits) -> _Constants:
        upkeep = proposal.prompt_maintenance_hours_per_week
        within_ceiling = upkeep is None or round(upkeep, DECIMALS) <= limits.max_upkeep
        locks = proposal.metric_locks
        return cls(
            limits=limits,
            lock_status=metric_lock(locks, unmet_locks(locks))["status"],
            prompt_can_replace=proposal.prompt_space_well_understood and within_ceiling,
        )


def _lift_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    return _nine(terms["projected_lift_pct"]) >= constants.limits.min_lift


def _clean_volume_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    clean = _floor(_nine(terms["dataset_examples"] * _clean_proportion(terms)))
    return clean >= constants.limits.min_clean


def _hygiene_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    minimum = constants.limits.min_hygiene
    label = _nine(terms["label_accuracy_pct"]) >= minimum
    diversity = _nine(terms["diversity_pct"]) >= minimum
    return label & diversity & (_nine(100 - terms["duplicate_pct"]) >= minimum)


def _weighted_lift_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    lift, days = terms["projected_lift_pct"], terms["engineering_days"]
    weighted = _nine(lift * _clean_proportion(terms) / days)
    return weighted > constants.limits.min_weighted


def _delivery_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    days: Number = terms["delivery_days"]
    return days <= constants.limits.max_delivery


def _timing_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    labour = terms["engineers"] * terms["engineering_days"] * terms["engineer_day_cost_usd"]
    cost = _nine(labour + terms["compute_cost_usd"])
    share = _at_least_zero(1 - terms["delivery_days"] / terms["revenue_horizon_days"])
    gain = _nine(terms["projected_revenue_usd"] * share)
    return _return_multiple(gain, cost) >= constants.limits.min_roi


def _latency_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    return _nine(terms["latency_ms"]) <= _nine(terms["latency_sla_ms"])


def _prompt_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    prompt, target = terms["prompt_result"], terms["target_result"]
    if prompt is None or target is None or not constants.prompt_can_replace:
        return True
    return _nine(prompt / target) <= constants.limits.substitute_ratio


def _lock_holds(terms: Mapping[str, Any], constants: _Constants) -> Holds:
    return constants.lock_status is not Status.FAIL


_HOLDS: dict[CheckId, Callable[[Mapping[str, Any], _Constants], Holds]] = {
    CheckId.KPI_LIFT: _lift_holds,
    CheckId.CLEAN_DATA_VOLUME: _clean_volume_holds,
    CheckId.DATA_HYGIENE: _hygiene_holds,
    CheckId.SIGNAL_WEIGHTED_ROI: _weighted_lift_holds,
    CheckId.DELIVERY_WINDOW: _delivery_holds,
    CheckId.TIMING_ADJUSTED_ROI: _timing_holds,
    CheckId.LATENCY_SLA: _latency_holds,
    CheckId.PROMPT_ALTERNATIVE: _prompt_holds,
    CheckId.METRIC_LOCK: _lock_holds,
}


def _status_unless_failed(terms: Mapping[str, Any], constants: _Constants) -> dict[CheckId, Status]:
    statuses = dict.fromkeys(GATES, Status.PASS)
    if terms["prompt_result"] is None or terms["target_result"] is None:
        statuses[CheckId.PROMPT_ALTERNATIVE] = Status.NOT_APPLICABLE
    if constants.lock_status is not Status.FAIL:
        statuses[CheckId.METRIC_LOCK] = constants.lock_status
    return statuses


def _holding(
    gates: tuple[CheckId, ...], terms: Mapping[str, Any], constants: _Constants, count: int
) -> dict[CheckId, Flags]:
    """Whether each of ``gates`` holds in each of ``count`` scenarios."""
    with np.errstate(over="ignore"):  # a product past the largest float is inf, as in Python
        return {
            gate: np.broadcast_to(np.asarray(_HOLDS[gate](terms, constants)), (count,))
            for gate in gates
        }


def _all(flags: list[Flags], count: int) -> Flags:
    """Whether every one of ``flags`` holds, per scenario."""
    every = np.ones(count, dtype=np.bool_)
    for held in flags:
        every &= held
    return every


def _count(columns: Columns) -> int:
    return len(next(iter(columns.values()))) if columns else 1


def _chunks(
    proposal: Proposal, policy: Policy, columns: Columns
) -> Iterator[tuple[slice, dict[str, Any]]]:
    """The scenarios ``_CHUNK`` at a time: each slice with its terms."""
    count = _count(columns)
    point = _terms(proposal, policy, {})
    for start in range(0, count, _CHUNK):
        part = slice(start, min(start + _CHUNK, count))
        yield part, {**point, **{field: values[part] for field, values in columns.items()}}


def _size(part: slice) -> int:
    return int(part.stop - part.start)


def evaluate_scenarios(proposal: Proposal, policy: Policy, columns: Columns) -> ScenarioResults:
    """Every scenario's verdict and gate outcomes: the proposal with the fields of ``columns``
    set to each scenario's values, decided as ``core.evaluate`` decides it."""
    count = _count(columns)
    constants = _Constants.of(proposal, limits_of(policy))
    failed = {gate: np.empty(count, dtype=np.bool_) for gate in GATES}
    for part, terms in _chunks(proposal, policy, columns):
        for gate, held in _holding(GATES, terms, constants, _size(part)).items():
            np.logical_not(held, out=failed[gate][part])
    return ScenarioResults(
        approved=_all([~fails for fails in failed.values()], count),
        failed=failed,
        status_unless_failed=_status_unless_failed(_terms(proposal, policy, columns), constants),
    )


# --- P(approve), gate risks and swings ----------------------------------------------------------


def simulate(
    proposal: Proposal,
    policy: Policy,
    *,
    scenarios: int = DEFAULT_SCENARIOS,
    seed: int = DEFAULT_SEED,
) -> Uncertainty:
    """P(approve) over ``scenarios`` draws of the proposal's ranges, each gate's failure
    probability, and each ranged field's swing (P(approve) with it held at its low, then at its
    high, the other fields keeping their draws).

    Raises ``ValueError`` for a count of scenarios outside 1…``MAX_SCENARIOS`` or a negative
    seed.
    """
    if not 1 <= scenarios <= MAX_SCENARIOS:
        raise ValueError(f"scenarios must be between 1 and {MAX_SCENARIOS:,} (got {scenarios:,})")
    if seed < 0:
        raise ValueError(f"the seed must be a whole number of at least 0 (got {seed})")
    columns = draw_scenarios(proposal, scenarios, seed)
    tally = _Tally.of(proposal.ranges or {})
    constants = _Constants.of(proposal, limits_of(policy))
    for part, terms in _chunks(proposal, policy, columns):
        tally.add(terms, constants, _size(part))
    return tally.uncertainty(scenarios, seed, _count(columns))


@dataclass
class _Tally:
    """Counts over the chunks: scenarios approved, failing each gate, and approved with each
    ranged field held at its low and at its high."""

    ranges: Mapping[str, tuple[float, float]]
    reading: Mapping[str, tuple[CheckId, ...]]
    approved: int = 0
    failing: dict[CheckId, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(GATES, 0))
    at_ends: dict[str, list[int]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, ranges: Mapping[str, tuple[float, float]]) -> _Tally:
        reading = {name: tuple(g for g in GATES if name in _READS[g]) for name in ranges}
        return cls(ranges, reading, at_ends={name: [0, 0] for name in ranges})

    def add(self, terms: Mapping[str, Any], constants: _Constants, size: int) -> None:
        holds = _holding(GATES, terms, constants, size)
        approved = int(np.count_nonzero(_all(list(holds.values()), size)))
        self.approved += approved
        for gate, held in holds.items():
            self.failing[gate] += size - int(np.count_nonzero(held))
        for name, ends in self.ranges.items():
            counts = self.at_ends[name]
            if ends[0] == ends[1]:  # held at its one value: the scenarios as drawn
                counts[0] += approved
                counts[1] += approved
                continue
            reading = self.reading[name]
            others = _all([held for gate, held in holds.items() if gate not in reading], size)
            for side, end in enumerate(ends):
                again = _holding(reading, {**terms, name: end}, constants, size)
                counts[side] += int(np.count_nonzero(_all([others, *again.values()], size)))

    def uncertainty(self, scenarios: int, seed: int, count: int) -> Uncertainty:
        """The shares, the swings sorted by effect (ties keep the order of the ranged fields)."""
        order = sorted(
            self.ranges, key=lambda name: -abs(self.at_ends[name][1] - self.at_ends[name][0])
        )
        return Uncertainty(
            scenarios=scenarios,
            seed=seed,
            approve_probability=self.approved / count,
            gate_fail_probability={gate: fails / count for gate, fails in self.failing.items()},
            swing=[
                Swing(
                    field=name,
                    low=self.ranges[name][0],
                    high=self.ranges[name][1],
                    approve_probability_at_low=self.at_ends[name][0] / count,
                    approve_probability_at_high=self.at_ends[name][1] / count,
                )
                for name in order
            ],
        )
