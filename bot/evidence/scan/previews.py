"""The first characters of every row's text, kept so duplicate clusters can be shown.

PREVIEW_CHARS characters a row (in Arrow string arrays, one per batch): the only text a scan
keeps, so examples come out of a single pass over a file or a one-shot iterator.
"""

from __future__ import annotations

import bisect

import pyarrow as pa
import pyarrow.compute as pc

PREVIEW_CHARS = 80


class PreviewStore:
    """Row previews, appended a batch at a time, looked up by 0-based row."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._batches: list[pa.Array] = []
        self.rows = 0

    def add(self, texts: pa.Array) -> None:
        """Keep the start of each text of a batch."""
        self._starts.append(self.rows)
        self._batches.append(pc.utf8_slice_codeunits(texts, 0, PREVIEW_CHARS + 1))
        self.rows += len(texts)

    def preview(self, row: int) -> str:
        """The row's text on one line, cut at PREVIEW_CHARS characters with an ellipsis."""
        batch = bisect.bisect_right(self._starts, row) - 1
        text = self._batches[batch][row - self._starts[batch]].as_py() or ""
        cut = len(text) > PREVIEW_CHARS
        line = " ".join(text[:PREVIEW_CHARS].split())
        return f"{line}…" if cut else line
