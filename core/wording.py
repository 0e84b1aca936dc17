"""Numbers in words: the one place that fixes how every figure is written (docs/framework.md).

Every surface (the engine's messages and script, the CLI's text and Markdown, the Slack
message) writes a figure through this module, so a figure has one precision and one unit
wherever it appears:

| figure | written as |
|---|---|
| a percentage (lift, label accuracy, diversity, duplicates, uniqueness, a rise) | ``4.0 %`` |
| a clean proportion or a prompt ratio | ``0.90`` |
| rows | ``162,450 rows`` |
| money | whole dollars: ``$33,000`` |
| the weighted lift per day | ``0.30 pp/day`` (percentage points per sprint day) |
| an ROI multiple | ``1.82×`` |
| days | ``45 days``, ``1 day``, ``6.5 days`` |
| latency | ``115 ms`` |
| prompt upkeep | ``10 h/week`` |

A measured figure compared with a threshold gets more decimals where the rounding would put it
on the other side (``1.996×`` against ``2.00×``, never ``2.00×``). A threshold is written
exactly, with at least its figure's decimals (``2.00×``, ``2.125×``). A bound a change must
reach is rounded in the safe direction, so the value shown passes (`bound`).

These run dozens of times per evaluation, so they call the builtins directly (``round`` rather
than ``figures.nine``) and read pre-built format specs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from core.precision import DECIMALS

# ",.Nf" for N decimals: a figure written with N decimals and thousands separators.
_FIXED = tuple(f",.{decimals}f" for decimals in range(DECIMALS + 1))

PERCENT_PLACES = 1
PROPORTION_PLACES = 2
WEIGHTED_PLACES = 2
ROI_PLACES = 2


# --- the primitives --------------------------------------------------------------------------


def exact(value: float, places: int = 0) -> str:
    """``value`` to 9 decimals at most, with thousands separators and at least ``places``
    decimals: ``150,000.0``, ``0.9409``, ``7.2``."""
    if type(value) is int or value.is_integer():
        whole = f"{int(value):,}"
        return f"{whole}.{'0' * places}" if places else whole
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    rounded = round(value, DECIMALS) + 0.0  # no "-0.0"
    # The shortest form that reads back, with thousands separators (``repr`` gives the same
    # string, cheaper, for the values that need no separator).
    text = repr(rounded) if -1000 < rounded < 1000 else f"{rounded:,}"
    if "e" in text:
        text = format(value, _FIXED[DECIMALS]).rstrip("0")
    if places:
        missing = places - (len(text) - text.index(".") - 1)
        if missing > 0:
            return text + "0" * missing
    return text


def figure(value: float, threshold: float, places: int = 1) -> str:
    """A measured figure rounded to ``places`` decimals, or to more where the rounding would
    put it on the other side of ``threshold`` (``1.96`` against ``2.0``, not ``2.0``)."""
    if value == threshold or math.isinf(value):
        return exact(value, places)
    above = value > threshold
    shown = round(value, places)
    if shown != threshold and (shown > threshold) == above:  # the usual case, short-cut
        return format(value, _FIXED[places])
    for decimals in range(places + 1, DECIMALS + 1):
        shown = round(value, decimals)
        if shown != threshold and (shown > threshold) == above:
            return format(value, _FIXED[decimals])
    return exact(value)


def _measured(value: float, threshold: float | None, places: int) -> str:
    if threshold is None:
        return exact(value, places) if math.isinf(value) else format(value, _FIXED[places])
    return figure(value, threshold, places)


def _trimmed(value: float, places: int = 1) -> str:
    """At most ``places`` decimals, none when the value is whole: ``12``, ``6.5``."""
    text = format(round(value, places), _FIXED[places])
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def plural(count: int, noun: str) -> str:
    """``count`` and the noun, plural unless the count is one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def with_unit(value: float, unit: str) -> str:
    """A lock's value with its unit: ``5.3 %``, ``115 ms``."""
    return f"{exact(value)} {unit}" if unit else exact(value)


# --- one writer per kind of figure -----------------------------------------------------------


def percent(value: float, threshold: float | None = None) -> str:
    """A percentage: ``4.0 %``."""
    return f"{_measured(value, threshold, PERCENT_PLACES)} %"


def percent_threshold(value: float) -> str:
    """A percentage threshold of the policy, exactly: ``5.0 %``, ``72.25 %``."""
    return f"{exact(value, PERCENT_PLACES)} %"


def proportion(value: float, threshold: float | None = None) -> str:
    """A share written as a fraction of one: ``0.90``."""
    return _measured(value, threshold, PROPORTION_PLACES)


def rows(count: int) -> str:
    """A row count: ``162,450 rows``, ``1 row``."""
    return plural(count, "row")


def dollars(value: float) -> str:
    """Money in whole dollars: ``$33,000`` (``unbounded`` for an infinite amount)."""
    if math.isinf(value):
        return "unbounded"
    rounded = round(value)
    return f"-${-rounded:,}" if rounded < 0 else f"${rounded:,}"


def pp_per_day(value: float, threshold: float | None = None) -> str:
    """The weighted lift per sprint day, in percentage points: ``0.30 pp/day``."""
    return f"{_measured(value, threshold, WEIGHTED_PLACES)} pp/day"


def pp_per_day_threshold(value: float) -> str:
    """The policy's weighted-lift minimum, exactly: ``0.60 pp/day``."""
    return f"{exact(value, WEIGHTED_PLACES)} pp/day"


def roi(value: float, threshold: float | None = None) -> str:
    """An ROI multiple: ``1.82×``; unbounded when nothing was spent."""
    if math.isinf(value):
        return "unbounded (no cost)"
    return f"{_measured(value, threshold, ROI_PLACES)}×"


def roi_threshold(value: float) -> str:
    """The policy's ROI minimum, exactly: ``2.00×``."""
    return f"{exact(value, ROI_PLACES)}×"


def days(value: float) -> str:
    """Days: ``45 days``, ``1 day``, ``6.5 days``."""
    text = _trimmed(value)
    return f"{text} day" if text == "1" else f"{text} days"


def ms(value: float) -> str:
    """A latency: ``115 ms``."""
    return f"{_trimmed(value)} ms"


def hours_per_week(value: float) -> str:
    """Weekly upkeep: ``10 h/week``."""
    return f"{_trimmed(value)} h/week"


# --- the fields of a proposal, as people name them ------------------------------------------

Kind = Literal[
    "percent", "rows", "money", "days", "whole_days", "ms", "hours", "count", "people", "result"
]


@dataclass(frozen=True, slots=True)
class FieldWords:
    """How a proposal field is named in a sentence, what kind of figure it is, and whether it
    is an estimate the team makes (then a change to it is a question, not a lever)."""

    name: str
    kind: Kind
    estimate: bool = False


FIELDS: dict[str, FieldWords] = {
    "projected_lift_pct": FieldWords("projected lift", "percent"),
    "dataset_examples": FieldWords("training rows", "rows"),
    "label_accuracy_pct": FieldWords("label accuracy", "percent"),
    "diversity_pct": FieldWords("diversity", "percent"),
    "duplicate_pct": FieldWords("duplicates", "percent"),
    "engineers": FieldWords("engineers", "people"),
    "engineering_days": FieldWords("sprint length", "days"),
    "engineer_day_cost_usd": FieldWords("engineer-day cost", "money"),
    "compute_cost_usd": FieldWords("compute budget", "money"),
    "projected_revenue_usd": FieldWords("projected revenue", "money", estimate=True),
    "revenue_horizon_days": FieldWords("revenue horizon", "whole_days"),
    "delivery_days": FieldWords("delivery time", "whole_days"),
    "latency_ms": FieldWords("latency", "ms"),
    "latency_sla_ms": FieldWords("latency SLA", "ms"),
    "prompt_result": FieldWords("prompt-only result", "result"),
    "target_result": FieldWords("fine-tuned target", "result"),
    "prompt_maintenance_hours_per_week": FieldWords("prompt upkeep", "hours", estimate=True),
    "planned_epochs": FieldWords("planned epochs", "count"),
}

# The places a bound is shown at, by kind (money in whole dollars, counts whole).
_BOUND_PLACES: dict[Kind, int] = {
    "percent": PERCENT_PLACES,
    "rows": 0,
    "money": 0,
    "days": 1,
    "whole_days": 0,
    "ms": 1,
    "hours": 1,
    "count": 0,
    "people": 0,
    "result": 4,
}


def field_words(field: str) -> FieldWords:
    """The words of a proposal field (a lock's achieved value is worded by its caller)."""
    words = FIELDS.get(field)
    return FieldWords(field.replace("_", " "), "result") if words is None else words


def value_of(kind: Kind, value: float) -> str:
    """A field's value written as its kind is: ``4.0 %``, ``$120,000``, ``45 days``."""
    if kind == "percent":
        return percent(value)
    if kind == "rows":
        return rows(int(value))
    if kind == "money":
        return dollars(value)
    if kind in ("days", "whole_days"):
        return days(value)
    if kind == "ms":
        return ms(value)
    if kind == "hours":
        return hours_per_week(value)
    if kind == "count":
        return f"{int(value):,}"
    if kind == "people":
        return plural(int(value), "engineer")
    return exact(value)


def field_value(field: str, value: float) -> str:
    """A proposal field's value in its unit."""
    return value_of(field_words(field).kind, value)


# --- bounds that a change must reach ---------------------------------------------------------

SYMBOLS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


@dataclass(frozen=True, slots=True)
class Bound:
    """A bound as shown: ``≥`` or ``≤`` and a value at the field's precision that passes."""

    symbol: str
    value: float

    def text(self, kind: Kind) -> str:
        """``≥ 8.0 %``."""
        return f"{self.symbol} {value_of(kind, self.value)}"


def strict_step(required: float) -> float:
    """How far past a strict bound a value must lie to count as beyond it (the honesty rule)."""
    return 1e-6 * max(1.0, abs(required))


def bound(required: float, comparator: str, kind: Kind) -> Bound:
    """The bound at the precision the field is shown at, rounded in the safe direction: a
    lower bound up, an upper bound down, past a strict bound by at least its honesty step, so
    the value shown, typed in, passes (``> 7.977839`` → ``≥ 8.0``, ``< 6.0166`` → ``≤ 6.0``)."""
    lower = comparator.startswith(">")
    target = required
    if comparator in (">", "<"):
        step = strict_step(required)
        target = required + step if lower else required - step
    return Bound("≥" if lower else "≤", _rounded(target, _BOUND_PLACES[kind], up=lower))


def _rounded(value: float, places: int, *, up: bool) -> float:
    """``value`` at ``places`` decimals, rounded up or down, at the engine's 9-decimal precision
    (``7.3`` stays ``7.3``, though ``7.3 × 10`` is ``73.00000000000001`` in binary)."""
    if not math.isfinite(value) or abs(value) >= _PRECISE_BELOW:
        return value  # past 10¹⁵ a float has no decimals left to round
    scale = _SCALES[places]
    scaled = round(value * scale, DECIMALS - places)
    whole = math.ceil(scaled) if up else math.floor(scaled)
    return float(whole) if places == 0 else round(whole / scale, places)


_SCALES = tuple(10**places for places in range(DECIMALS + 1))
_PRECISE_BELOW = 1e15


# --- the checks, as people name them ---------------------------------------------------------

CHECK_NAMES: dict[str, str] = {
    "kpi_lift": "minimum lift",
    "clean_data_volume": "clean-data volume",
    "data_hygiene": "data hygiene",
    "signal_weighted_roi": "signal-weighted ROI",
    "delivery_window": "delivery window",
    "timing_adjusted_roi": "timing-adjusted ROI",
    "latency_sla": "latency SLA",
    "prompt_alternative": "prompt-engineering alternative",
    "metric_lock": "Metric-Lock",
    "diminishing_returns": "diminishing returns",
    "overfitting": "over-fitting",
}


def check_name(check_id: str) -> str:
    """A check's name in a sentence: ``signal-weighted ROI``."""
    return CHECK_NAMES.get(check_id, check_id.replace("_", " "))


def capitalised(text: str) -> str:
    """The text with its first letter upper case (the rest kept: ``Metric-Lock``, ``ROI``)."""
    return text[:1].upper() + text[1:]


def joined(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
