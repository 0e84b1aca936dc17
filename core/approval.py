"""The combination that approves (docs/framework.md §5): one set of changes that, applied
together, makes every failing gate stop failing.

It is built from the per-gate options (`core.flips`): every failing gate not already fixed by
an option chosen for another gate gets one of the options that fix it; two options setting the
same field keep the stricter value. Of all such combinations the one chosen changes

1. the fewest fields,
2. then the fewest estimates (projected revenue, prompt upkeep: re-estimating a figure is a
   question for the team, not a lever it pulls),
3. then the smallest total relative change.

Each candidate is re-tested at the values it sets (the honesty rule of `applied_value`), so the
combination returned always approves. None exists when a failing gate has no option at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from core.evaluation import ChangeData, CheckId, FlipData
from core.figures import Terms
from core.flips import applied_value
from core.limits import Limits
from core.rules import NUMERIC_GATES
from core.wording import field_words

_STRICTER_UP = (">=", ">")


class Approval(NamedTuple):
    """The changes that approve together, or the first failing gate no option reaches."""

    changes: list[ChangeData] | None
    blocked_by: CheckId | None


def approval(
    failing: list[CheckId], options: list[FlipData], terms: Terms, limits: Limits
) -> Approval:
    """The combination that approves (``[]`` when nothing fails), or the gate that blocks it."""
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
    return Approval(None, failing[0]) if best is None else Approval(best[1], None)


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
    """Whether every numeric gate passes with the changes applied. (The prompt route and the
    locks read only their own fields, which only their own options set, so an option chosen
    for them fixes them.)"""
    moved = terms.moved(
        {
            change["field"]: applied_value(change)
            for change in changes
            if change["field"] in Terms._fields
        }
    )
    return all(holds(moved, limits) for holds in NUMERIC_GATES.values())


def _cost(changes: list[ChangeData]) -> tuple[int, int, float]:
    estimates = sum(field_words(change["field"]).estimate for change in changes)
    return len(changes), estimates, sum(_relative_change(change) for change in changes)


def _relative_change(change: ChangeData) -> float:
    """How far the change moves its field, relative to the current value (1 when unknown)."""
    current = change["current"]
    if current is None:
        return 1.0
    return abs(applied_value(change) - current) / (abs(current) or 1.0)
