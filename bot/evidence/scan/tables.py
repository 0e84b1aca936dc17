"""CSV and Parquet rows, read with pyarrow a record batch at a time.

CSV: a header line, every column read as text (quoted newlines allowed), in 1 MB blocks.
Parquet: only the columns the layout reads. pyarrow against polars' batched readers
(`benchmarks/scan.py`, 300,000 rows to texts and labels, CPU time): CSV 2.4 M rows/s against
1.3 M; Parquet 1.1 M against 1.3 M. Reading is a small share of a scan (~90,000 rows/s in
all), so pyarrow reads both, as one library.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.extract import BATCH_ROWS, Batch, arrow_batch
from bot.evidence.scan.fields import FieldChoice, choose_layout
from bot.evidence.scan.source import Reopen, Source

CSV_BLOCK_BYTES = 1 << 20
NEWLINE = b"\n"


def csv_source(
    stream: BinaryIO, reopen: Reopen, name: str, size: int, choice: FieldChoice
) -> Source:
    fields = _csv_header(reopen, name)
    layout = choose_layout(fields, choice, name)
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


def _csv_header(reopen: Reopen, name: str) -> list[str]:
    """The column names of a CSV file, read from a stream of their own."""
    with reopen() as header:
        names: list[str] = _csv_reader(header, name, None).schema.names
        return names


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


def parquet_source(
    stream: BinaryIO, reopen: Reopen, name: str, size: int, choice: FieldChoice
) -> Source:
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

    rows = max(parquet.metadata.num_rows, 1)
    return Source(name, "Parquet", layout, batches(), lambda: size * done[0] // rows, size)


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


# -- problems -------------------------------------------------------------------------------


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
