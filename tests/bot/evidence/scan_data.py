"""Training-data files for the scanner's tests: texts with known overlaps, in every format."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def words(count: int, tag: str) -> list[str]:
    """`count` distinct made-up words, distinct from every other tag's ('alpha0', …)."""
    return [f"{tag}{number}" for number in range(count)]


def sentence(count: int, tag: str) -> str:
    """A text of `count` distinct words: `count - 2` word 3-grams, none shared with other tags."""
    return " ".join(words(count, tag))


def with_last_words_changed(text: str, changed: int, tag: str) -> str:
    """The text with its last `changed` words replaced by new ones: of an n-word text of
    distinct words, that changes exactly `changed` of its n - 2 word 3-grams."""
    kept = text.split()[:-changed]
    return " ".join(kept + words(changed, tag))


def varied_texts(count: int) -> list[str]:
    """Texts that share no word with one another."""
    return [sentence(12, f"v{number}x") for number in range(count)]


def templated_texts(count: int) -> list[str]:
    """'My order N arrived late …' with only N varying."""
    return [
        f"My order {1000 + number} arrived late and the box was damaged, please send a refund "
        "to my card as soon as you can"
        for number in range(count)
    ]


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(list(rows)), path)
    return path
