"""Numbers as the pictures write them: short, and never rounded across a threshold."""

from __future__ import annotations

import math

from core.wording import figure


def loss(value: float) -> str:
    """A loss to four significant figures: ``0.3075``, ``1.2``."""
    return f"{value:.4g}"


def percent(value: float, threshold: float = 0.0) -> str:
    """A percentage, one decimal (more near ``threshold``): ``6.5 %``; unbounded as ``∞ %``."""
    return "∞ %" if math.isinf(value) else f"{figure(value, threshold)} %"


def dollars(value: float) -> str:
    """Dollars, shortened: ``$300k``, ``$1.2M``, ``$950``."""
    size = abs(value)
    if size >= 1e6:
        return f"${value / 1e6:.3g}M"
    if size >= 1e3:
        return f"${value / 1e3:.3g}k"
    return f"${value:,.0f}"


def times(value: float, threshold: float = 0.0) -> str:
    """A multiple: ``8.45×``, ``2×``; unbounded as ``∞×``."""
    if math.isinf(value):
        return "∞×"
    return f"{int(value)}×" if value.is_integer() else f"{figure(value, threshold, 2)}×"
