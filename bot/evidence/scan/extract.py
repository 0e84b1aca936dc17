"""Rows to batches of (text, label, gold label), from records or from Arrow record batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.fields import Layout, conversation, found, label_of, text_of

BATCH_ROWS = 4096
BATCH_CHARS = 4_000_000
"""A batch ends at BATCH_ROWS rows or once its texts hold BATCH_CHARS characters."""

Place = Callable[[int], str]
"""Names row number n in a message ('data.jsonl: line 7', 'row 7')."""


@dataclass(frozen=True)
class Batch:
    """A run of consecutive rows: their texts, labels and gold labels (None: absent)."""

    texts: list[str] | pa.Array
    labels: list[str | None]
    golds: list[str | None]

    def __len__(self) -> int:
        return len(self.labels)


def record_batches(
    records: Iterable[tuple[int, Mapping[str, Any]]], layout: Layout, place: Place
) -> Iterator[Batch]:
    """Batches of rows from (row number, record) pairs."""
    if len(layout.text_fields) == 1 and not layout.chat:
        yield from _single_field_batches(records, layout, place)
        return
    read = _row_reader(layout, place)
    texts: list[str] = []
    labels: list[str | None] = []
    golds: list[str | None] = []
    size = 0
    for number, record in records:
        text, label, gold = read(number, record)
        texts.append(text)
        labels.append(label)
        golds.append(gold)
        size += len(text)
        if len(texts) >= BATCH_ROWS or size >= BATCH_CHARS:
            yield Batch(texts, labels, golds)
            texts, labels, golds, size = [], [], [], 0
    if texts:
        yield Batch(texts, labels, golds)


def _single_field_batches(
    records: Iterable[tuple[int, Mapping[str, Any]]], layout: Layout, place: Place
) -> Iterator[Batch]:
    """`record_batches` for the usual layout of one text field, as one tight loop."""
    field, label_field, gold_field = layout.text_fields[0], layout.label_field, layout.gold_field
    texts: list[str] = []
    labels: list[str | None] = []
    golds: list[str | None] = []
    size = 0
    for number, record in records:
        value = record[field] if field in record else _missing(record, field, number, place)
        text = value if type(value) is str else text_of(value)
        texts.append(text)
        label = record.get(label_field) if label_field else None
        labels.append((label.strip() or None) if type(label) is str else label_of(label))
        gold = record.get(gold_field)
        golds.append(None if gold is None else label_of(gold))
        size += len(text)
        if size >= BATCH_CHARS or len(texts) >= BATCH_ROWS:
            yield Batch(texts, labels, golds)
            texts, labels, golds, size = [], [], [], 0
    if texts:
        yield Batch(texts, labels, golds)


RowReader = Callable[[int, Mapping[str, Any]], tuple[str, str | None, str | None]]


def _row_reader(layout: Layout, place: Place) -> RowReader:
    """A function (row number, record) -> (text, label, gold label) for chat rows and rows
    of several text fields."""
    label_field, gold_field, fields = layout.label_field, layout.gold_field, layout.text_fields

    def read(number: int, record: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
        if layout.chat:
            text, label = conversation(_field(record, fields[0], number, place), place(number))
            if label_field:
                label = record.get(label_field)
        else:
            text = "\n".join(text_of(_field(record, name, number, place)) for name in fields)
            label = record.get(label_field) if label_field else None
        gold = record.get(gold_field)
        return (
            text,
            (label.strip() or None) if type(label) is str else label_of(label),
            None if gold is None else label_of(gold),
        )

    return read


def _field(record: Mapping[str, Any], name: str, number: int, place: Place) -> Any:
    return record[name] if name in record else _missing(record, name, number, place)


def _missing(record: Mapping[str, Any], name: str, number: int, place: Place) -> Any:
    raise ScanError(f"{place(number)}: no field {name!r} ({found(list(record))})")


def arrow_batch(batch: pa.RecordBatch, layout: Layout, where: str) -> Batch:
    """A batch from an Arrow record batch whose columns include the layout's."""
    names = batch.schema.names
    if layout.chat:
        messages = batch.column(names.index(layout.chat_field)).to_pylist()
        pairs = [conversation(value or [], where) for value in messages]
        texts: list[str] | pa.Array = [text for text, _ in pairs]
        chat_labels = [label for _, label in pairs]
    else:
        texts = _arrow_texts([batch.column(names.index(name)) for name in layout.text_fields])
        chat_labels = []
    labels = _arrow_labels(batch, layout.label_field) if layout.label_field else chat_labels
    return Batch(texts, labels or [None] * batch.num_rows, _arrow_labels(batch, layout.gold_field))


def _arrow_texts(columns: list[pa.Array]) -> list[str] | pa.Array:
    strings = [_as_strings(column) for column in columns]
    if any(isinstance(column, list) for column in strings):
        lists = [column if isinstance(column, list) else column.to_pylist() for column in strings]
        return [
            "\n".join(text_of(value) for value in values) for values in zip(*lists, strict=True)
        ]
    if len(strings) == 1:
        return strings[0]
    newline = pa.scalar("\n", pa.large_string())
    return pc.binary_join_element_wise(*strings, newline, null_handling="replace")


def _as_strings(column: pa.Array) -> pa.Array | list[str]:
    """A column as large strings when Arrow can cast it, else as Python texts."""
    try:
        return column.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return [text_of(value) for value in column.to_pylist()]


def _arrow_labels(batch: pa.RecordBatch, name: str | None) -> list[str | None]:
    if name is None or name not in batch.schema.names:
        return [None] * batch.num_rows
    return [label_of(value) for value in batch.column(batch.schema.names.index(name)).to_pylist()]
