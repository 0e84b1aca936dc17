"""Where a scan's rows come from: a file or bytes (format by extension), or records in memory.

JSONL/NDJSON (`jsonl`), CSV and Parquet (`tables`) stream; every reader turns whatever stops
a file being read into one `ScanError` line naming the file and the problem.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.fields import FieldChoice
from bot.evidence.scan.jsonl import jsonl_source
from bot.evidence.scan.source import Reopen, Source, records_source
from bot.evidence.scan.tables import csv_source, parquet_source

FORMATS = {".jsonl": "JSONL", ".ndjson": "JSONL", ".csv": "CSV", ".parquet": "Parquet"}


def format_of(name: str) -> str:
    """The format a file name's extension stands for; ScanError for any other."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        shown = repr(suffix) if suffix else "(none)"
        raise ScanError(f"{name}: unknown extension {shown}; use .jsonl, .ndjson, .csv or .parquet")
    return FORMATS[suffix]


def open_path(path: Path, choice: FieldChoice) -> Source:
    """A source reading the file at `path` (its format from its extension)."""
    name = str(path)
    if path.is_dir():
        raise ScanError(f"{name}: is a directory, not a file")
    if not path.exists():
        raise ScanError(f"{name}: no such file")
    kind = format_of(name)

    def reopen() -> BinaryIO:
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise ScanError(f"{name}: no such file") from None
        except OSError as failure:
            raise ScanError(f"{name}: cannot read it: {failure.strerror or failure}") from None

    reopen().close()
    size = path.stat().st_size
    if size == 0:
        raise ScanError(f"{name}: the file is empty")
    return _open_stream(reopen, name, kind, size, choice)


def open_bytes(data: bytes, filename: str, choice: FieldChoice) -> Source:
    """A source reading a file's bytes (its format from `filename`'s extension)."""
    kind = format_of(filename)
    if not data:
        raise ScanError(f"{filename}: the file is empty")
    return _open_stream(lambda: io.BytesIO(data), filename, kind, len(data), choice)


def open_records(records: Iterable[Mapping[str, Any]], choice: FieldChoice) -> Source:
    """A source over records already in memory (row numbers count from 1)."""
    numbered = ((number, _record(record, number)) for number, record in enumerate(records, 1))
    return records_source(numbered, "rows", "records", choice, "row {}".format, None, None)


def _record(record: Any, number: int) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        raise ScanError(f"row {number}: not a record of fields ({type(record).__name__})")
    return record


def _open_stream(reopen: Reopen, name: str, kind: str, size: int, choice: FieldChoice) -> Source:
    opener = {"JSONL": jsonl_source, "CSV": csv_source, "Parquet": parquet_source}[kind]
    stream = reopen()
    try:
        return opener(stream, reopen, name, size, choice)
    except BaseException:
        stream.close()
        raise
