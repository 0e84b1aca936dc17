"""Scan a training-data sample: duplicates, label accuracy, label counts and diversity.

`scan_file`, `scan_bytes` and `scan_rows` read their rows in batches and keep only small
per-row state (see `duplicates` and `previews`); each raises `ScanError` for input it cannot
measure and otherwise returns a frozen `ScanReport`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from bot.evidence.scan.diversity import DiversitySample
from bot.evidence.scan.duplicates import Cluster, DuplicateFindings, DuplicateIndex
from bot.evidence.scan.errors import ScanError
from bot.evidence.scan.extract import Batch
from bot.evidence.scan.fields import FieldChoice
from bot.evidence.scan.hashing import hash_words, positions, sequence_fingerprints, shingle_hashes
from bot.evidence.scan.labels import LabelTally
from bot.evidence.scan.minhash import band_keys, signature_matrix
from bot.evidence.scan.normalise import as_large_strings, normalised_words
from bot.evidence.scan.previews import PreviewStore
from bot.evidence.scan.readers import open_bytes, open_path, open_records
from bot.evidence.scan.report import DiversityParts, DuplicateExample, ScanReport
from bot.evidence.scan.sketch import shingle_sets
from bot.evidence.scan.source import Source

Progress = Callable[[int, int | None], None]
"""Called after each batch with (bytes done, bytes in all); in all is None for records."""

EXAMPLE_CLUSTERS = 5
EXAMPLE_ROWS = 10
EXAMPLE_TEXTS = 3


def scan_file(
    path: str | Path,
    *,
    text_fields: Sequence[str] = (),
    label_field: str | None = None,
    gold_label_field: str | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan a JSONL/NDJSON, CSV or Parquet file (chosen by its extension)."""
    choice = FieldChoice(tuple(text_fields), label_field, gold_label_field)
    return scan_source(open_path(Path(path), choice), progress)


def scan_bytes(
    data: bytes,
    filename: str,
    *,
    text_fields: Sequence[str] = (),
    label_field: str | None = None,
    gold_label_field: str | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan a file's bytes, such as a file shared in Slack (format from `filename`)."""
    choice = FieldChoice(tuple(text_fields), label_field, gold_label_field)
    return scan_source(open_bytes(data, filename, choice), progress)


def scan_rows(
    records: Iterable[Mapping[str, Any]],
    *,
    text_fields: Sequence[str] = (),
    label_field: str | None = None,
    gold_label_field: str | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan records already in memory (dicts with the same fields as a JSONL row)."""
    choice = FieldChoice(tuple(text_fields), label_field, gold_label_field)
    return scan_source(open_records(records, choice), progress)


def scan_source(source: Source, progress: Progress | None = None) -> ScanReport:
    """Scan every batch of a source and report."""
    return run_scan(source, progress).report()


def run_scan(source: Source, progress: Progress | None = None) -> Scanner:
    """Read, hash and fold in every batch of a source; the finished `Scanner`.

    One thread: hashing a batch on a second thread while this one parsed the next measured no
    faster (the parsing holds the GIL, and so do many of numpy's short calls).
    """
    scanner = Scanner(source)
    for batch in source.batches:
        scanner.fold(batch, features(batch))
        if progress:
            progress(source.done, source.total)
    if scanner.duplicates.rows == 0:
        raise ScanError(f"{source.name}: no rows to scan")
    return scanner


@dataclass(frozen=True)
class Features:
    """What a scan keeps of a batch, computed from the batch alone."""

    texts: pa.Array
    fingerprints: np.ndarray
    bands: np.ndarray
    shingles: np.ndarray
    shingle_offsets: np.ndarray
    set_values: np.ndarray
    set_offsets: np.ndarray


def features(batch: Batch) -> Features:
    """Hash a batch: fingerprints, LSH band keys and bottom-k sketches of its rows."""
    texts = as_large_strings(batch.texts)
    words = normalised_words(texts)
    word_hashes = hash_words(words.words)
    word_positions = positions(words.offsets)
    fingerprints = sequence_fingerprints(word_hashes, words.offsets, word_positions)
    shingles, shingle_offsets = shingle_hashes(word_hashes, words.offsets, word_positions)
    bands = band_keys(signature_matrix(shingles, shingle_offsets))
    set_values, set_offsets = shingle_sets(shingles, shingle_offsets)
    return Features(texts, fingerprints, bands, shingles, shingle_offsets, set_values, set_offsets)


class Scanner:
    """The running state of one scan: fold each batch in, then read the findings and report."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.duplicates = DuplicateIndex()
        self.sample = DiversitySample()
        self.labels = LabelTally()
        self.previews = PreviewStore()
        self._findings: DuplicateFindings | None = None

    def fold(self, batch: Batch, found: Features) -> None:
        """Add a batch's features and labels to the running state."""
        self.duplicates.add(found.fingerprints, found.bands, found.set_values, found.set_offsets)
        self.sample.add(
            found.fingerprints,
            found.shingles,
            found.shingle_offsets,
            found.set_values,
            found.set_offsets,
        )
        self.labels.add(batch.labels, batch.golds)
        self.previews.add(found.texts)

    @property
    def findings(self) -> DuplicateFindings:
        """Which rows duplicate an earlier one, resolved once."""
        if self._findings is None:
            self._findings = self.duplicates.findings(EXAMPLE_CLUSTERS)
        return self._findings

    def report(self) -> ScanReport:
        """The report of everything folded in."""
        rows, findings, layout = self.duplicates.rows, self.findings, self.source.layout
        diversity = self.sample.measure()
        duplicates = findings.exact.size + findings.near.size
        return ScanReport(
            source=self.source.name,
            format=self.source.kind,
            text_fields=layout.text_fields,
            label_field=layout.label_field,
            chat=layout.chat,
            gold_label_field=layout.gold_field,
            rows=rows,
            exact_duplicate_rows=findings.exact.size,
            near_duplicate_rows=findings.near.size,
            duplicate_pct=100.0 * duplicates / rows,
            audited_rows=self.labels.audited,
            label_accuracy_pct=self.labels.accuracy_pct,
            diversity_pct=diversity.diversity_pct,
            diversity_parts=DiversityParts(
                phrase_variety_pct=diversity.phrase_variety_pct,
                pair_dissimilarity_pct=diversity.pair_dissimilarity_pct,
                sampled_rows=diversity.sampled_rows,
            ),
            label_counts=self.labels.shown_counts(),
            duplicate_examples=tuple(self._example(cluster) for cluster in findings.clusters),
        )

    def _example(self, cluster: Cluster) -> DuplicateExample:
        shown = [int(row) for row in cluster.rows[:EXAMPLE_ROWS]]
        return DuplicateExample(
            kind="exact" if cluster.exact else "near",
            size=int(cluster.rows.size),
            rows=tuple(row + 1 for row in shown),
            texts=tuple(self.previews.preview(row) for row in shown[:EXAMPLE_TEXTS]),
        )
