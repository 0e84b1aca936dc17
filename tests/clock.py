"""A clock that stands still until a test moves it (the app takes any clock: see
`bot.infrastructure.clock.Clock`)."""

from __future__ import annotations

from datetime import datetime, timedelta


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
