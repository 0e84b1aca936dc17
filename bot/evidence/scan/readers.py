"""Sources of rows: JSONL/NDJSON, CSV and Parquet files (by extension), bytes, or records.

Every reader streams: JSONL line by line, CSV with pyarrow's streaming reader (all columns as
strings), Parquet a record batch at a time, only the columns the layout reads. Anything that
stops a file being read becomes one `ScanError` line naming the file and the problem.
"""

from __future__ import annotations

import codecs
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.extract import BATCH_ROWS, Batch, Place, arrow_batch, record_batches
from bot.evidence.scan.fields import FieldChoice, Layout, choose_layout

FORMATS = {".jsonl": "JSONL", ".ndjson": "JSONL", ".csv": "CSV", ".parquet": "Parquet"}
CSV_BLOCK_BYTES = 1 << 20
NEWLINE = b"\n"
BOM = "\ufeff"


@dataclass
class Source:
    """Rows to scan: the layout they were read with and their batches.

    `done` and `total` measure progress in the source's own unit (bytes or rows); `total` is
    None when unknown.
    """

    name: str
    kind: str
    layout: Layout
    batches: Iterator[Batch]
    position: Any = None
    total: int | None = None

    @property
    def done(self) -> int:
        return int(self.position()) if self.position else 0


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
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except FileNotFoundError:
        raise ScanError(f"{name}: no such file") from None
    except OSError as failure:
        raise ScanError(f"{name}: cannot read it: {failure.strerror or failure}") from None
    if size == 0:
        stream.close()
        raise ScanError(f"{name}: the file is empty")
    return _open_stream(stream, name, kind, size, choice)


def open_bytes(data: bytes, filename: str, choice: FieldChoice) -> Source:
    """A source reading a file's bytes (its format from `filename`'s extension)."""
    kind = format_of(filename)
    if not data:
        raise ScanError(f"{filename}: the file is empty")
    return _open_stream(io.BytesIO(data), filename, kind, len(data), choice)


def open_records(records: Iterable[Mapping[str, Any]], choice: FieldChoice) -> Source:
    """A source over records already in memory (row numbers count from 1)."""
    numbered = ((number, _record(record, number)) for number, record in enumerate(records, 1))
    return _records_source(numbered, "rows", "records", choice, "row {}".format, None, None)


def _record(record: Any, number: int) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        raise ScanError(f"row {number}: not a record of fields ({type(record).__name__})")
    return record


def _open_stream(stream: BinaryIO, name: str, kind: str, size: int, choice: FieldChoice) -> Source:
    opener = {"JSONL": _jsonl, "CSV": _csv, "Parquet": _parquet}[kind]
    try:
        return opener(stream, name, size, choice)
    except BaseException:
        stream.close()
        raise


# -- JSONL ------------------------------------------------------------------------------------


def _jsonl(stream: BinaryIO, name: str, size: int, choice: FieldChoice) -> Source:
    place = f"{name}: line {{}}".format
    return _records_source(
        jsonl_records(stream, name), name, "JSONL", choice, place, stream.tell, size, stream
    )


def jsonl_records(stream: BinaryIO, name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; ScanError naming the first bad line.

    orjson parses (about half the time of the standard library's json, measured on 600-byte
    lines); a line it refuses goes through `json` for the lenient cases and the message.
    """
    loads = orjson.loads
    for number, raw in enumerate(stream, 1):
        try:
            record = loads(raw)
        except orjson.JSONDecodeError:
            record = _slow_line(raw, number, name)
            if record is None:
                continue
        if type(record) is not dict:
            raise ScanError(f"{name}: line {number} is {_json_kind(record)}, not a JSON object")
        yield number, record


def _slow_line(raw: bytes, number: int, name: str) -> Any:
    """A line orjson refused: blank (None), not UTF-8, or one for the standard library's json
    (NaN, a leading BOM), which names what is wrong with it."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        raise ScanError(f"{name}: line {number} is not UTF-8 text (byte {bad.start + 1})") from None
    if not line.strip():
        return None
    try:
        return json.loads(line.removeprefix(BOM) if number == 1 else line)
    except json.JSONDecodeError as bad:
        content = len(line.rstrip())
        where = "at the end" if bad.pos >= content else f"at column {bad.pos + 1}"
        raise ScanError(f"{name}: line {number} is not valid JSON: {bad.msg} ({where})") from None


def _json_kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return kinds.get(type(value), "a number")


def _records_source(
    numbered: Iterator[tuple[int, Mapping[str, Any]]],
    name: str,
    kind: str,
    choice: FieldChoice,
    place: Place,
    position: Any,
    total: int | None,
    closing: BinaryIO | None = None,
) -> Source:
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


# -- CSV --------------------------------------------------------------------------------------


def _csv(stream: BinaryIO, name: str, size: int, choice: FieldChoice) -> Source:
    header = _csv_reader(stream, name, None)
    fields = header.schema.names
    layout = choose_layout(fields, choice, name)
    stream.seek(0)
    types = {column: pa.large_string() for column in fields}
    reader = _csv_reader(stream, name, pa_csv.ConvertOptions(
        column_types=types, include_columns=[c for c in layout.columns if c in fields],
        strings_can_be_null=False, quoted_strings_can_be_null=False,
    ))  # fmt: skip

    def batches() -> Iterator[Batch]:
        try:
            for number, batch in enumerate(_arrow_stream(reader, stream, name)):
                yield arrow_batch(batch, layout, f"{name}: batch {number + 1}")
        finally:
            stream.close()

    return Source(name, "CSV", layout, batches(), stream.tell, size)


def _csv_reader(
    stream: BinaryIO, name: str, convert: pa_csv.ConvertOptions | None
) -> pa_csv.CSVStreamingReader:
    read = pa_csv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False)
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    try:
        return pa_csv.open_csv(stream, read_options=read, parse_options=parse,
                               convert_options=convert or pa_csv.ConvertOptions(
                                   column_types={}, strings_can_be_null=False))  # fmt: skip
    except (pa.ArrowException, OSError) as failure:
        raise _arrow_problem(failure, stream, name, "CSV") from None


def _arrow_stream(reader: Any, stream: BinaryIO, name: str) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as failure:
            raise _arrow_problem(failure, stream, name, "CSV") from None
        if batch.num_rows:
            yield batch


# -- Parquet ----------------------------------------------------------------------------------


def _parquet(stream: BinaryIO, name: str, size: int, choice: FieldChoice) -> Source:
    try:
        parquet = pq.ParquetFile(stream)
    except (pa.ArrowException, OSError) as failure:
        raise ScanError(f"{name}: not a Parquet file ({_first_line(failure)})") from None
    fields = parquet.schema_arrow.names
    layout = choose_layout(fields, choice, name)
    columns = [column for column in layout.columns if column in fields]
    done = [0]

    def batches() -> Iterator[Batch]:
        try:
            for batch in _parquet_stream(parquet, columns, name):
                done[0] += batch.num_rows
                yield arrow_batch(batch, layout, f"{name}: rows {done[0] - batch.num_rows + 1}–")
        finally:
            stream.close()

    return Source(name, "Parquet", layout, batches(), lambda: done[0], parquet.metadata.num_rows)


def _parquet_stream(parquet: Any, columns: list[str], name: str) -> Iterator[pa.RecordBatch]:
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as failure:
            problem = _first_line(failure)
            raise ScanError(f"{name}: cannot read the Parquet data ({problem})") from None
        yield batch


# -- problems ---------------------------------------------------------------------------------


def _arrow_problem(failure: BaseException, stream: BinaryIO, name: str, kind: str) -> ScanError:
    message = _first_line(failure)
    if "UTF8" in message or "UTF-8" in message:
        return ScanError(f"{name}: not UTF-8 text{_invalid_utf8_at(stream)}")
    if "Empty CSV file" in message:
        return ScanError(f"{name}: the file is empty")
    return ScanError(f"{name}: not a readable {kind} file ({message})")


def _first_line(failure: BaseException) -> str:
    text = str(failure).strip().splitlines()
    return text[0] if text else type(failure).__name__


def _invalid_utf8_at(stream: BinaryIO) -> str:
    """' at line N' for the first invalid UTF-8 byte of the stream, '' when none is found."""
    try:
        stream.seek(0)
    except (OSError, ValueError):
        return ""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as bad:
            return f" at line {line + chunk[: bad.start].count(NEWLINE)}"
        line += chunk.count(NEWLINE)
    return ""
