"""Numbers in words: how the messages and the script write figures (docs/framework.md §3, §6).

These run dozens of times per evaluation, so they call the builtins directly (``round`` rather
than ``figures.nine``) and read pre-built format specs.
"""

from __future__ import annotations

import math

from core.figures import DECIMALS

# ",.Nf" for N decimals: a figure written with N decimals and thousands separators.
_FIXED = tuple(f",.{decimals}f" for decimals in range(DECIMALS + 1))


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
