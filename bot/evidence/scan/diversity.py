"""How varied the inputs are: the mean of two named parts, each 0–100, on a fixed-size sample.

- *phrase variety*: the share of the sample's word 3-grams that are distinct (each sampled row
  contributes its first PHRASE_SHINGLES);
- *pair dissimilarity*: 100 minus the mean estimated word-3-gram Jaccard similarity (in %) of
  pairs of sampled rows.

The sample is the (at most) SAMPLE_ROWS distinct, non-empty texts with the lowest fingerprints:
a deterministic, uniform sample that keeps the score comparable between small and large files
and the memory fixed (~1 KB a sampled row). Templated inputs ("My order N arrived late …",
only N varying) share nearly every 3-gram, so both parts fall towards 0; varied inputs score
near 100 on both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.evidence.scan.arrays import distinct
from bot.evidence.scan.hashing import U64
from bot.evidence.scan.sketch import PAD, estimated_jaccard, padded, sketches

SAMPLE_ROWS = 5_000
PHRASE_SHINGLES = 128


@dataclass(frozen=True)
class DiversityMeasure:
    """The diversity score, its two parts and how many rows they were measured on."""

    diversity_pct: float
    phrase_variety_pct: float
    pair_dissimilarity_pct: float
    sampled_rows: int


class DiversitySample:
    """The bottom-k sample of distinct texts by fingerprint, kept up to date batch by batch.

    Offered rows wait in a pending list and are merged into the sample when as many are waiting
    as the sample holds, so a batch costs little once the sample is full.
    """

    def __init__(self, size: int = SAMPLE_ROWS) -> None:
        self.size = size
        self._fingerprints = np.empty(0, np.uint64)
        self._sketches: np.ndarray | None = None  # padded sets until measured
        self._phrases = np.empty((0, PHRASE_SHINGLES), np.uint32)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._waiting = 0

    def add(
        self,
        fingerprints: np.ndarray,
        shingles: np.ndarray,
        shingle_offsets: np.ndarray,
        set_values: np.ndarray,
        set_offsets: np.ndarray,
    ) -> None:
        """Offer a batch: fingerprints (n,), flat shingles, shingle sets (see `sketch`)."""
        offered = np.flatnonzero(np.diff(shingle_offsets) > 0)
        if self._fingerprints.size >= self.size:
            offered = offered[fingerprints[offered] < self._fingerprints[-1]]
        if offered.size == 0:
            return
        phrases = _prefixes(shingles, shingle_offsets, offered)
        sets = padded(set_values, set_offsets, offered)
        self._pending.append((fingerprints[offered], sets, phrases))
        self._waiting += offered.size
        if self._waiting >= self.size:
            self._merge()

    def _merge(self) -> None:
        if not self._pending:
            return
        fingerprints = np.concatenate([self._fingerprints, *(p[0] for p in self._pending)])
        sketches = np.concatenate(
            ([] if self._sketches is None else [self._sketches]) + [p[1] for p in self._pending]
        )
        phrases = np.concatenate([self._phrases, *(p[2] for p in self._pending)])
        keep = _first_of_each(fingerprints)
        keep = keep[np.argsort(fingerprints[keep], kind="stable")[: self.size]]
        self._fingerprints, self._sketches, self._phrases = (
            fingerprints[keep], sketches[keep], phrases[keep]
        )  # fmt: skip
        self._pending, self._waiting = [], 0

    def measure(self) -> DiversityMeasure:
        """Score the sample (all zero for an empty one)."""
        self._merge()
        sampled = self._fingerprints.size
        if sampled == 0 or self._sketches is None:
            return DiversityMeasure(0.0, 0.0, 0.0, 0)
        phrase = phrase_variety_pct(self._phrases)
        dissimilarity = pair_dissimilarity_pct(sketches(self._sketches))
        score = (phrase + dissimilarity) / 2
        return DiversityMeasure(round(score, 2), round(phrase, 2), round(dissimilarity, 2), sampled)


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct value."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    return np.sort(order[np.concatenate(([True], ordered[1:] != ordered[:-1]))])


def _prefixes(shingles: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The first PHRASE_SHINGLES shingle hashes (low 32 bits) of each row, PAD-padded."""
    counts = np.minimum(np.diff(offsets)[rows], PHRASE_SHINGLES)
    owner = np.repeat(np.arange(rows.size), counts)
    column = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    out = np.full((rows.size, PHRASE_SHINGLES), PAD, np.uint32)
    out[owner, column] = (shingles[offsets[rows][owner] + column] & U64(0xFFFFFFFF)).astype(
        np.uint32
    )
    return out


def phrase_variety_pct(phrases: np.ndarray) -> float:
    """100 × distinct word 3-grams / all word 3-grams of the rows' prefixes."""
    every = phrases[phrases != PAD]
    return 100.0 * distinct(every).size / every.size if every.size else 0.0


def pair_dissimilarity_pct(sketches: np.ndarray) -> float:
    """100 × (1 − mean estimated Jaccard) over the pairs (i, i + n/2) of the rows, which the
    sample holds in fingerprint order (a random order); 0 with fewer than two rows."""
    half = sketches.shape[0] // 2
    if half == 0:
        return 0.0
    return 100.0 * (
        1.0 - float(estimated_jaccard(sketches[:half], sketches[half : 2 * half]).mean())
    )
