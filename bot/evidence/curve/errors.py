"""The one error every loss-curve reader raises: a single line naming the source and the problem."""

from __future__ import annotations


class CurveError(Exception):
    """A loss curve that cannot be read; ``str(error)`` is one line a user can act on."""
