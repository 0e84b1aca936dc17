"""The one error a scan raises for a file it cannot measure."""

from __future__ import annotations


class ScanError(Exception):
    """A file the scanner cannot measure: one line naming the file and the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
