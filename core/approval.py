"""The combination that approves (docs/framework.md §5): one set of changes that, applied
together, makes every failing gate stop failing.

It is built from the per-gate options (`core.flips`): every failing gate not already fixed by
an option chosen for another gate gets one of the options that fix it; two options setting the
same field keep the stricter value. Of all such combinations the one chosen changes

1. the fewest fields,
2. then the fewest estimates (projected revenue, prompt upkeep: re-estimating a figure is a
   question for the team, not a lever it pulls),
3. then the smallest total relative change.

Each option was worked out with everything else as it is today, so an option chosen beside
another may ask for more than it needs (a shorter sprint, when cleaner data already lifts the
weighted lift). The chosen combination is then relaxed: each change is worked out again with
the other changes applied, and kept relaxed when the whole still approves.

Each candidate is re-tested at the values it sets (the honesty rule of `applied_value`), so the
combination returned always approves. None exists when a failing gate has no option at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from core.evaluation import ChangeData, CheckId, FlipData
from core.figures import Terms
from core.flips import Reworked, applied_value
from core.limits import Limits
from core.policy import Policy
from core.proposal import Proposal
from core.rules import NUMERIC_GATES, READS
from core.wording import field_words

_STRICTER_UP = (">=", ">")


class Approval(NamedTuple):
    """The changes that approve together, or the first failing gate no option reaches."""

    changes: list[ChangeData] | None
    blocked_by: CheckId | None


class Setting(NamedTuple):
    """What the combination is worked out against."""

    proposal: Proposal
    terms: Terms
    policy: Policy
    limits: Limits
    failing: list[CheckId]
    unmet_locks: list[int]


def approval(setting: Setting, options: list[FlipData]) -> Approval:
    """The combination that approves (``[]`` when nothing fails), or the gate that blocks it."""
    failing, terms, limits = setting.failing, setting.terms, setting.limits
    if not failing:
        return Approval([], None)
    covering = {gate: [option for option in options if gate in option["gates"]] for gate in failing}
    for gate in failing:
        if not covering[gate]:
            return Approval(None, gate)
    best: tuple[tuple[int, int, float], list[ChangeData]] | None = None
    for changes in _combinations(failing, covering, 0, {}, frozenset()):
        merged = list(changes.values())
        if not _approves(merged, terms, limits):
            continue
        cost = _cost(merged)
        if best is None or cost < best[0]:
            best = (cost, merged)
    if best is None:
        return Approval(None, failing[0])
    return Approval(_relaxed(best[1], setting), None)


def _combinations(
    failing: list[CheckId],
    covering: dict[CheckId, list[FlipData]],
    index: int,
    chosen: dict[str, ChangeData],
    covered: frozenset[CheckId],
) -> Iterator[dict[str, ChangeData]]:
    """Every way of giving each failing gate, in order, one option (unless already covered)."""
    while index < len(failing) and failing[index] in covered:
        index += 1
    if index == len(failing):
        yield chosen
        return
    for option in covering[failing[index]]:
        merged = dict(chosen)
        for change in option["changes"]:
            merged[change["field"]] = _stricter(merged.get(change["field"]), change)
        yield from _combinations(
            failing, covering, index + 1, merged, covered | frozenset(option["gates"])
        )


def _stricter(held: ChangeData | None, offered: ChangeData) -> ChangeData:
    """Of two changes to one field, the one whose value satisfies both."""
    if held is None:
        return offered
    up = offered["comparator"] in _STRICTER_UP
    held_value, offered_value = applied_value(held), applied_value(offered)
    if held_value == offered_value:
        return held
    return offered if (offered_value > held_value) == up else held


def _approves(changes: list[ChangeData], terms: Terms, limits: Limits) -> bool:
    """Whether every numeric gate that reads a changed field passes with the changes applied.

    Every failing gate reads a field its chosen option changes, and a gate that reads none of
    them keeps its status; the prompt route and the locks read only their own fields, which
    only their own options set, so an option chosen for them fixes them."""
    values = {
        change["field"]: applied_value(change)
        for change in changes
        if change["field"] in Terms._fields
    }
    moved = terms.moved(values)
    fields = frozenset(values)
    return all(
        NUMERIC_GATES[gate](moved, limits)
        for gate, reads in READS.items()
        if not reads.isdisjoint(fields)
    )


def _cost(changes: list[ChangeData]) -> tuple[int, int, float]:
    estimates = sum(field_words(change["field"]).estimate for change in changes)
    return len(changes), estimates, sum(_relative_change(change) for change in changes)


def _relative_change(change: ChangeData) -> float:
    """How far the change moves its field, relative to the current value (1 when unknown)."""
    current = change["current"]
    if current is None:
        return 1.0
    return abs(applied_value(change) - current) / (abs(current) or 1.0)


def _relaxed(changes: list[ChangeData], setting: Setting) -> list[ChangeData]:
    """Each change worked out again with the others applied, kept when the whole approves."""
    if len(changes) < 2:
        return changes  # nothing beside it to lean on
    held = list(changes)
    fields = {change["field"] for change in held}
    for index, change in enumerate(held):
        if not _depends_on_others(change["field"], fields, setting.failing):
            continue  # its gates read nothing else the combination moves: nothing to gain
        easier = _needed_beside(held, index, setting)
        if easier is None or easier == change:
            continue
        trial = [*held[:index], easier, *held[index + 1 :]]
        if _approves(trial, setting.terms, setting.limits) and _cost(trial) < _cost(held):
            held = trial
    return held


def _depends_on_others(field: str, fields: set[str], failing: list[CheckId]) -> bool:
    """Whether a failing numeric gate that reads ``field`` also reads another moved field."""
    return any(
        field in READS[gate] and not READS[gate].isdisjoint(fields - {field})
        for gate in failing
        if gate in READS
    )


def _needed_beside(held: list[ChangeData], index: int, setting: Setting) -> ChangeData | None:
    """What the field of ``held[index]`` needs with every other change applied: the strictest
    of its own options for the numeric gates still failing; None when it cannot be worked out."""
    change = held[index]
    field = change["field"]
    if field not in Terms._fields:
        return None
    others = {
        other["field"]: applied_value(other)
        for position, other in enumerate(held)
        if position != index and other["field"] in Terms._fields
    }
    moved = setting.terms.moved(others)
    reworked: Reworked | None = None
    needed: ChangeData | None = None
    for gate in setting.failing:
        holds = NUMERIC_GATES.get(gate)
        if holds is None or field not in READS[gate] or holds(moved, setting.limits):
            continue
        if reworked is None:
            reworked = Reworked.at(
                setting.proposal,
                moved,
                setting.policy,
                setting.limits,
                setting.failing,
                setting.unmet_locks,
            )
        found = [
            option[0]
            for option in reworked.options(gate)
            if len(option) == 1 and option[0]["field"] == field
        ]
        if not found:
            return None
        needed = _stricter(needed, found[0])
    if needed is None:
        return None
    return {**needed, "current": change["current"]}
