"""A proposal's ranges: ``{field: [low, high]}`` for the estimates a team is unsure of
(docs/framework.md §9), checked with an error named ``ranges.FIELD`` for each bad one."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

if TYPE_CHECKING:
    from core.proposal import Bounds

RANGED_FIELDS: tuple[str, ...] = (
    "projected_lift_pct",
    "dataset_examples",
    "label_accuracy_pct",
    "diversity_pct",
    "duplicate_pct",
    "engineers",
    "engineering_days",
    "compute_cost_usd",
    "projected_revenue_usd",
    "delivery_days",
    "latency_ms",
    "prompt_result",
)
"""The fields a range may be given for, in the order they are drawn and reported."""

WHOLE_FIELDS = frozenset({"dataset_examples", "engineers", "delivery_days"})
"""The ranged fields that hold whole numbers: their bounds are whole, their draws rounded."""

Range = tuple[int | float, int | float]
"""A range's low and high: ints for the whole fields, floats for the others."""
Ranges = dict[str, Range]

_ERROR_TYPE = "range"


def validated_ranges(
    value: object,
    point: Mapping[str, Any],
    known_fields: frozenset[str],
    bounds: Mapping[str, Bounds],
) -> Ranges | None:
    """``value`` as ranges, every bound a valid value of its field and every range around its
    point value (``point``: the proposal's fields validated so far).

    Raises a ``ValidationError`` with one error per bad range, located at the range's field, so
    it is named ``ranges.latency_ms``. ``null`` and ``{}`` mean no ranges.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PydanticCustomError(_ERROR_TYPE, "must be an object of field names to [low, high]")
    ranges: Ranges = {}
    problems: list[InitErrorDetails] = []
    for field, given in value.items():
        if given is None:
            continue
        problem = _problem(field, given, point, known_fields, bounds)
        if problem is None:
            ranges[field] = _typed(field, given)
        else:
            loc = (field if isinstance(field, str | int) else str(field),)
            problems.append(_error(loc, given, problem))
    if problems:
        raise ValidationError.from_exception_data("ranges", problems)
    return {field: ranges[field] for field in RANGED_FIELDS if field in ranges} or None


def _error(loc: tuple[str | int], given: object, message: str) -> InitErrorDetails:
    error = PydanticCustomError(_ERROR_TYPE, "{message}", {"message": message})
    return {"type": error, "loc": loc, "input": given}


def _problem(
    field: object,
    given: object,
    point: Mapping[str, Any],
    known_fields: frozenset[str],
    bounds: Mapping[str, Bounds],
) -> str | None:
    """What is wrong with the range ``given`` for ``field``; ``None`` when it is good."""
    if not isinstance(field, str) or field not in RANGED_FIELDS:
        known = isinstance(field, str) and field in known_fields
        return "is not a field that takes a range" if known else "is not a known field"
    shape = _shape_problem(given, whole=field in WHOLE_FIELDS)
    if shape is not None:
        return shape
    pair = cast("tuple[float, float]", tuple(cast("list[float]", given)))
    return _pair_problem(field, pair, point, bounds[field])


def _pair_problem(
    field: str, pair: tuple[float, float], point: Mapping[str, Any], bounds: Bounds
) -> str | None:
    """What is wrong with two numbers as the range of ``field``."""
    low, high = pair
    if low > high:
        return f"must be [low, high] with low at most high (got {_shown(pair)})"
    if not (bounds.admits(low) and bounds.admits(high)):
        what = "whole numbers" if field in WHOLE_FIELDS else "numbers"
        return f"both ends must be {what} {_span(bounds)} (got {_shown(pair)})"
    if field not in point:
        return None  # the point value itself is invalid and has its own error
    centre = point[field]
    if centre is None:
        return f"needs a {field} to range around"
    if not low <= centre <= high:
        return f"must contain the point value {_number(centre)} (got {_shown(pair)})"
    return None


def _shape_problem(given: object, *, whole: bool) -> str | None:
    """Whether ``given`` is two numbers (two whole numbers for ``whole``)."""
    what = "two whole numbers" if whole else "two numbers"
    if not isinstance(given, list | tuple):
        return f"must be [low, high], {what}"
    if len(given) != 2:
        count = f"{len(given)} value{'' if len(given) == 1 else 's'}"
        return f"must be [low, high], {what} (got {count})"
    for bound in given:
        if isinstance(bound, bool):
            return f"must be [low, high], {what}, not true or false"
        if isinstance(bound, str):
            return f"must be [low, high], {what}, not text"
        if not isinstance(bound, int | float):
            return f"must be [low, high], {what}"
        if not math.isfinite(bound):
            return f"must be [low, high], two finite {what.removeprefix('two ')}"
    if whole and not all(isinstance(bound, int) for bound in given):
        return f"must be [low, high], {what} (got {_shown(tuple(given))})"
    return None


def _typed(field: str, given: Any) -> Range:
    low, high = given
    if field in WHOLE_FIELDS:
        return int(low), int(high)
    return float(low), float(high)


def _span(bounds: Bounds) -> str:
    """The values a field admits: ``between 0 and 100``, ``above 0``, ``at least 0``."""
    lower, upper = bounds.lower, bounds.upper
    closed = bounds.lower_inclusive and bounds.upper_inclusive
    if lower is not None and upper is not None and closed:
        return f"between {_number(lower)} and {_number(upper)}"
    parts = []
    if lower is not None:
        parts.append(f"{'at least' if bounds.lower_inclusive else 'above'} {_number(lower)}")
    if upper is not None:
        parts.append(f"{'at most' if bounds.upper_inclusive else 'below'} {_number(upper)}")
    return " and ".join(parts) or "any finite number"


def _number(value: float) -> str:
    """A bound or value as written: ``-100``, ``1,000,000,000,000``, ``0.5``."""
    if isinstance(value, int) or value.is_integer():
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    return repr(value)


def _shown(given: tuple[Any, ...]) -> str:
    """A range as the user typed it: ``[170, 120]``, ``[1.0, 3]``."""
    return "[" + ", ".join(_typed_number(bound) for bound in given) + "]"


def _typed_number(bound: float) -> str:
    return f"{bound:,}" if isinstance(bound, int) and abs(bound) >= 10_000 else repr(bound)
