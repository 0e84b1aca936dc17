"""Exit codes and the one error a sub-command raises for bad input."""

from __future__ import annotations

import sys
from collections.abc import Sequence

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_INVALID_INPUT = 2


class InputError(Exception):
    """Invalid input: one line per problem, each naming the field, the option or the file."""

    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = list(lines)


def report(lines: Sequence[str], code: int = EXIT_INVALID_INPUT) -> int:
    """Print one ``error:`` line per problem on stderr and return the exit code."""
    for line in lines:
        print(f"error: {line}", file=sys.stderr)
    return code
