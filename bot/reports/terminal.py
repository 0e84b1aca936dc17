"""Text written with rich for a terminal or a file: one console set-up for every report."""

from __future__ import annotations

import io

from rich.console import Console


class TerminalText:
    """A rich console writing into memory, with colour only when asked for.

    Without colour the text is plain (no escape codes, no emoji, no highlighting), so it
    reads the same in a pipe, a file or a test; `text()` strips the padding rich leaves at
    the end of each line."""

    def __init__(self, *, width: int, color: bool) -> None:
        self._buffer = io.StringIO()
        self.console = Console(
            file=self._buffer,
            width=width,
            force_terminal=color,
            color_system="standard" if color else None,
            no_color=not color,
            highlight=False,
            emoji=False,
            legacy_windows=False,
        )

    def text(self) -> str:
        """Everything printed so far, each line without trailing blanks."""
        return "".join(line.rstrip() + "\n" for line in self._buffer.getvalue().splitlines())
