"""The modal's "Ranges" input: ``lift 4–8, latency 120–170`` ⇄ a proposal's ranges. PURE.

Why one plain-text input rather than a low/high pair per field: twelve fields take a range
(docs/framework.md §9) and a team is unsure of two or three of them, different ones each time.
Twelve pairs of number inputs would add 24 blocks to a modal that is already long; a fixed
choice of three or four would leave the others out. One optional line costs one block, reads
like the team talks ("lift 4 to 8, latency 120–170 ms") and round-trips through the revise
modal's prefill.

Grammar: items separated by ``;``, a new line, or a comma followed by a name. An item is a
name, an optional ``:`` or ``=``, then ``LOW–HIGH``; the dash may be ``-``, ``–``, ``—``,
``to`` or ``..``. Numbers may carry ``$``, ``%``, ``ms``, ``days``, ``rows`` and a ``k``/``m``
multiplier (``120k``) and thousands commas (``100,000``). Names are the short names below, the
field names themselves, or a few synonyms. What the range must satisfy (inside the field's
bounds, around the typed value, whole numbers for whole fields) is checked by the Proposal
model; its messages are put on the block by `bot.modal.parsing`, named with the short name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from core.ranges import RANGED_FIELDS, WHOLE_FIELDS

SHORT_NAMES: dict[str, str] = {
    "projected_lift_pct": "lift",
    "dataset_examples": "rows",
    "label_accuracy_pct": "label accuracy",
    "diversity_pct": "diversity",
    "duplicate_pct": "duplicates",
    "engineers": "engineers",
    "engineering_days": "sprint days",
    "compute_cost_usd": "compute",
    "projected_revenue_usd": "revenue",
    "delivery_days": "delivery",
    "latency_ms": "latency",
    "prompt_result": "prompt result",
}
"""How each ranged field is written in the input (and named in its errors)."""

_SYNONYMS: dict[str, str] = {
    "projected lift": "projected_lift_pct",
    "kpi lift": "projected_lift_pct",
    "dataset": "dataset_examples",
    "examples": "dataset_examples",
    "training examples": "dataset_examples",
    "accuracy": "label_accuracy_pct",
    "labels": "label_accuracy_pct",
    "duplicate": "duplicate_pct",
    "duplicate rows": "duplicate_pct",
    "team": "engineers",
    "sprint": "engineering_days",
    "engineering days": "engineering_days",
    "compute cost": "compute_cost_usd",
    "compute budget": "compute_cost_usd",
    "projected revenue": "projected_revenue_usd",
    "delivery days": "delivery_days",
    "prompt": "prompt_result",
}

NAMES: dict[str, str] = {
    **{short: field for field, short in SHORT_NAMES.items()},
    **{field.replace("_", " "): field for field in RANGED_FIELDS},
    **_SYNONYMS,
}
"""Every accepted name (lower case, single spaces) → the field it stands for."""

EXAMPLE = "lift 4–8, latency 120–170"
_NUMBER = r"[-−]?\s*\$?\s*(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*[km](?![a-z]))?"
_UNIT = r"(?:\s*(?:%|ms|days?|rows?|usd|engineers?))?"
_DASH = r"\s*(?:–|—|-|−|\bto\b|\.\.)\s*"
_NAME = r"(?P<name>[a-z][a-z _]*?)\s*[:=]?\s*"
_ITEM = re.compile(
    rf"{_NAME}(?P<low>{_NUMBER}){_UNIT}{_DASH}(?P<high>{_NUMBER}){_UNIT}", re.IGNORECASE
)
_ITEM_BREAK = re.compile(r"\s*(?:;|\n|,(?=\s*[a-z]))\s*", re.IGNORECASE)
_MULTIPLIERS = {"k": 1_000, "m": 1_000_000}


class RangesTextError(ValueError):
    """The input cannot be read; the message (under 150 characters) goes on the block."""


def parse_ranges_text(text: str) -> dict[str, list[int | float]]:
    """``{field: [low, high]}`` from the typed line (ints for the whole-number fields)."""
    ranges: dict[str, list[int | float]] = {}
    for item in (part for part in _ITEM_BREAK.split(text.strip()) if part):
        field, pair = _item(item)
        if field in ranges:
            raise RangesTextError(f"{SHORT_NAMES[field]} is given twice; keep one range for it")
        ranges[field] = pair
    return ranges


def _item(item: str) -> tuple[str, list[int | float]]:
    match = _ITEM.fullmatch(item.strip())
    if match is None:
        raise RangesTextError(
            f"Could not read “{_echo(item)}”: write a name and low–high, e.g. {EXAMPLE}"
        )
    name = " ".join(match["name"].lower().replace("_", " ").split())
    field = NAMES.get(name)
    if field is None:
        raise RangesTextError(
            f"“{_echo(name)}” takes no range. Use lift, rows, revenue, delivery, latency… "
            "(the hint lists all)"
        )
    return field, [_number(match["low"], field), _number(match["high"], field)]


def _number(text: str, field: str) -> int | float:
    cleaned = text.replace(" ", "").replace("$", "").replace(",", "").replace("−", "-").lower()
    multiplier = _MULTIPLIERS.get(cleaned[-1], 1)
    if multiplier != 1:
        cleaned = cleaned[:-1]
    value = float(cleaned) * multiplier
    if field in WHOLE_FIELDS and value.is_integer():
        return int(value)
    return value


def ranges_text(ranges: Mapping[str, tuple[float, float]] | None) -> str:
    """The input's text for stored ranges (the revise modal's prefill), in field order."""
    if not ranges:
        return ""
    items = [
        f"{SHORT_NAMES[field]} {_shown(ranges[field][0])}–{_shown(ranges[field][1])}"
        for field in RANGED_FIELDS
        if field in ranges
    ]
    return ", ".join(items)


def range_hint() -> str:
    """The block's hint: the format and every name it accepts."""
    names = ", ".join(SHORT_NAMES.values())
    return (
        f"Unsure of a figure? Give its low–high, e.g. {EXAMPLE}. Names: {names}. "
        "The verdict then says how often it approves."
    )


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _echo(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
