"""Time as a dependency: the system clock in production, a clock tests can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current time as an aware datetime."""

    def now(self) -> datetime:
        """The current moment, timezone-aware."""
        ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """The current moment in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (with tzinfo)")
        self._at = at

    def now(self) -> datetime:
        """The moment the clock was set to."""
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to another moment."""
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime (with tzinfo)")
        self._at = at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        self._at += delta
