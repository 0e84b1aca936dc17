"""A rendered picture: the PNG, a title and alt text that states what the picture shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG with the words a reader who cannot see it needs: the finding, not a description."""

    filename: str
    png: bytes
    title: str
    alt_text: str
