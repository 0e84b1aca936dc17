"""A source of rows: its name, format, layout and batches, and how far reading it has got."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.extract import Batch, Place, record_batches
from bot.evidence.scan.fields import FieldChoice, Layout, choose_layout

Reopen = Callable[[], BinaryIO]
"""Opens the source's bytes afresh, at their start."""


@dataclass
class Source:
    """Rows to scan: the layout they are read with and their batches.

    `done` and `total` measure progress in bytes (Parquet: the share of rows read, as bytes);
    `total` is None for records in memory.
    """

    name: str
    kind: str
    layout: Layout
    batches: Iterator[Batch]
    position: Callable[[], int] | None = None
    total: int | None = None

    @property
    def done(self) -> int:
        return int(self.position()) if self.position else 0


def records_source(
    numbered: Iterator[tuple[int, Mapping[str, Any]]],
    name: str,
    kind: str,
    choice: FieldChoice,
    place: Place,
    position: Callable[[], int] | None,
    total: int | None,
    closing: BinaryIO | None = None,
) -> Source:
    """A source over numbered records, its layout chosen from the first one's fields."""
    first = next(numbered, None)
    if first is None:
        if closing:
            closing.close()
        raise ScanError(f"{name}: no rows to scan")
    layout = choose_layout(list(first[1]), choice, name)
    batches = record_batches(itertools.chain((first,), numbered), layout, place)
    return Source(name, kind, layout, _closing(batches, closing), position, total)


def _closing(batches: Iterator[Batch], stream: BinaryIO | None) -> Iterator[Batch]:
    try:
        yield from batches
    finally:
        if stream:
            stream.close()
