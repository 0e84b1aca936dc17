"""Validation errors in plain words, each naming its field (docs/framework.md §1)."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from core.policy import Policy
from core.proposal import Bounds, MetricLock, Proposal, bounds_of

_MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model for model in (Proposal, MetricLock, Policy)
}
_NUMBER_TYPES = frozenset({"float_type", "float_parsing"})
_WHOLE_NUMBER_TYPES = frozenset({"int_type", "int_parsing", "int_from_float"})
_BOUND_TYPES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with the input: the field, named as ``metric_locks[0].comparator``, and what
    is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def field_errors(error: ValidationError) -> list[FieldError]:
    """One ``FieldError`` per offending field, in the order pydantic found them."""
    found: dict[str, FieldError] = {}
    for details in error.errors():
        field = field_name(details["loc"])
        if field not in found:
            bounds = _bounds(error.title, details["loc"])
            message = _message(details, bounds)
            if details["type"] == "extra_forbidden":
                message += _suggestion(error.title, details["loc"])
            found[field] = FieldError(field, message)
    return list(found.values())


def field_name(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a path: ``("metric_locks", 0, "comparator")`` →
    ``metric_locks[0].comparator``."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else part
    return name or "input"


def _model_at(title: str, loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose field sits at ``loc`` (a metric lock's, inside a proposal's locks)."""
    model = _MODELS.get(title)
    if model is Proposal and len(loc) == 3 and loc[0] == "metric_locks":
        return MetricLock
    return model if len(loc) == 1 else None


def _suggestion(title: str, loc: tuple[int | str, ...]) -> str:
    """`` (did you mean dataset_examples?)`` for a misspelt field name, else nothing."""
    model = _model_at(title, loc)
    name = loc[-1] if loc else None
    if model is None or not isinstance(name, str):
        return ""
    close = difflib.get_close_matches(name, list(model.model_fields), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _bounds(title: str, loc: tuple[int | str, ...]) -> Bounds:
    """The range of the field at ``loc``, when it is a field of one of the models."""
    model = _MODELS.get(title)
    if model is Proposal and len(loc) == 3 and loc[0] == "metric_locks":
        model, loc = MetricLock, loc[2:]
    if model is None or len(loc) != 1 or not isinstance(loc[0], str):
        return Bounds()
    return bounds_of(model, loc[0])


def _message(details: ErrorDetails, bounds: Bounds) -> str:
    kind, value = details["type"], details["input"]
    context: dict[str, Any] = dict(details.get("ctx") or {})
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if value is None:
        return "is required"
    if kind in _NUMBER_TYPES:
        return _not_a(value, "a number")
    if kind in _WHOLE_NUMBER_TYPES:
        return _not_a_whole_number(value)
    if kind == "finite_number":
        return "must be a finite number"
    if kind in _BOUND_TYPES:
        return _out_of_range(kind, value, context, bounds)
    if kind in ("too_short", "too_long", "string_too_short", "string_too_long"):
        return _wrong_length(details, value)
    if kind == "string_type":
        return "must be text"
    if kind == "literal_error":
        allowed = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"must be one of {allowed}"
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false"
    if kind == "list_type":
        return "must be a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object of named fields"
    text = str(details["msg"])
    return text[:1].lower() + text[1:]


def _not_a(value: object, what: str) -> str:
    if isinstance(value, bool):
        return f"must be {what}, not true or false"
    if isinstance(value, str):
        return f"must be {what}, not text"
    return f"must be {what}"


def _not_a_whole_number(value: object) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            return "must be a finite whole number"
        if value.is_integer():
            return f"must be a whole number, written without a decimal point (got {value!r})"
        return f"must be a whole number (got {_shown(value)})"
    return _not_a(value, "a whole number")


_BOUND_KEYS = {
    "greater_than": "gt",
    "greater_than_equal": "ge",
    "less_than": "lt",
    "less_than_equal": "le",
}


def _out_of_range(kind: str, value: object, context: dict[str, Any], bounds: Bounds) -> str:
    """``must be a number between -100 and 1000 (got 2000)``, with both ends when known."""
    lower, lower_inclusive = bounds.lower, bounds.lower_inclusive
    upper, upper_inclusive = bounds.upper, bounds.upper_inclusive
    violated = float(context[_BOUND_KEYS[kind]])
    if kind.startswith("greater"):
        lower, lower_inclusive = violated, kind == "greater_than_equal"
    else:
        upper, upper_inclusive = violated, kind == "less_than_equal"
    if lower is not None and upper is not None:
        if lower_inclusive and upper_inclusive:
            span = f"between {_bound(lower)} and {_bound(upper)}"
        else:
            span = f"{_lower(lower, lower_inclusive)} and {_upper(upper, upper_inclusive)}"
    elif lower is not None:
        span = _lower(lower, lower_inclusive)
    else:
        span = _upper(violated, upper_inclusive)
    if span.startswith("at "):
        span = f"of {span}"  # "a number of at least 0", but "a number above 0"
    what = "a whole number" if bounds.whole else "a number"
    return f"must be {what} {span} (got {_shown(value)})"


def _lower(bound: float, inclusive: bool) -> str:
    return f"at least {_bound(bound)}" if inclusive else f"above {_bound(bound)}"


def _upper(bound: float, inclusive: bool) -> str:
    return f"at most {_bound(bound)}" if inclusive else f"below {_bound(bound)}"


def _bound(bound: float) -> str:
    """A limit of a range: ``-100``, ``3650``, ``1,000,000,000,000``."""
    if bound.is_integer():
        whole = int(bound)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    return repr(bound)


def _wrong_length(details: ErrorDetails, value: object) -> str:
    """``must hold between 1 and 1,000 values (got 0)``, with both ends when known."""
    shortest, longest = _lengths(details)
    unit = "characters" if isinstance(value, str) else "values"
    if shortest is not None and longest is not None:
        span = f"between {shortest:,} and {longest:,} {unit}"
    elif shortest is not None:
        span = f"at least {shortest:,} {unit}"
    else:
        span = f"at most {longest:,} {unit}"
    verb = "be" if isinstance(value, str) else "hold"
    got = f" (got {len(value):,})" if isinstance(value, str | list) else ""
    return f"must {verb} {span}{got}"


def _lengths(details: ErrorDetails) -> tuple[int | None, int | None]:
    context = details.get("ctx") or {}
    shortest, longest = context.get("min_length"), context.get("max_length")
    loc = details["loc"]
    model: type[BaseModel] = MetricLock if len(loc) == 3 else Proposal
    info = model.model_fields.get(str(loc[-1])) if loc else None
    for constraint in info.metadata if info else ():
        if isinstance(constraint, annotated_types.MinLen) and shortest is None:
            shortest = constraint.min_length
        if isinstance(constraint, annotated_types.MaxLen) and longest is None:
            longest = constraint.max_length
    return shortest, longest


def _shown(value: object) -> str:
    """A value as the user typed it: ``2000``, ``5.5``, ``"6.2"``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if isinstance(value, float) else str(value)
