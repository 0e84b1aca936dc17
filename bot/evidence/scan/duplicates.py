"""Exact and near duplicates over the whole scan, from a few hundred bytes of state a row.

While the rows stream past, `DuplicateIndex` keeps for each row only its fingerprint (8 bytes),
12 LSH band keys (48 bytes) and its shingle set as at most 128 hashes (4 bytes each, see
`sketch`); `findings()` then resolves everything with sorts, never comparing texts:

- a row is an *exact* duplicate when an earlier row has the same fingerprint (the same
  normalised text);
- a row that is not is a *near* duplicate when an earlier such row shares an LSH band key with
  it (the first and the previous row of each band bucket it falls in are its candidates) and
  their estimated word-3-gram Jaccard similarity (`sketch.estimated_jaccard`) is at least 0.8.

Each duplicate row counts once. Clusters join duplicates to what they duplicate, transitively.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.evidence.scan.arrays import distinct, distinct_pairs
from bot.evidence.scan.minhash import BANDS
from bot.evidence.scan.sketch import K, estimated_jaccard, padded, sketches

NEAR_THRESHOLD = 0.8
_VERIFY_CHUNK = 16_384


@dataclass(frozen=True)
class Cluster:
    """Rows (0-based, ascending) that duplicate one another; `exact` when all are the same text."""

    rows: np.ndarray
    exact: bool


@dataclass(frozen=True)
class DuplicateFindings:
    """Which rows duplicate an earlier one (0-based), and the first clusters they form."""

    exact: np.ndarray
    near: np.ndarray
    clusters: tuple[Cluster, ...]


class ShingleSets:
    """Rows' shingle sets (flat uint32 hashes and offsets) appended a batch at a time and
    turned into sketches by row number, without ever being copied into one array."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self._starts: list[int] = []
        self.rows = 0

    def append(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self._chunks.append((values, offsets))
        self._starts.append(self.rows)
        self.rows += offsets.size - 1

    def sketches(self, rows: np.ndarray) -> np.ndarray:
        """The bottom-K sketches of the given rows, in the order given."""
        owner = np.searchsorted(self._starts, rows, side="right") - 1
        grid = np.empty((rows.size, K), np.uint32)
        for index in distinct(owner):
            mine = owner == index
            values, offsets = self._chunks[index]
            grid[mine] = padded(values, offsets, rows[mine] - self._starts[index])
        return sketches(grid)


class DuplicateIndex:
    """The per-row state of duplicate detection, appended a batch at a time."""

    def __init__(self) -> None:
        self._fingerprints: list[np.ndarray] = []
        self._bands: list[np.ndarray] = []
        self._has_shingles: list[np.ndarray] = []
        self._sets = ShingleSets()
        self.rows = 0

    def add(
        self,
        fingerprints: np.ndarray,
        bands: np.ndarray,
        set_values: np.ndarray,
        set_offsets: np.ndarray,
    ) -> None:
        """Append a batch: fingerprints (n,), band keys (n, BANDS), shingle sets (`sketch`)."""
        self._fingerprints.append(fingerprints)
        self._bands.append(bands)
        self._sets.append(set_values, set_offsets)
        self._has_shingles.append(np.diff(set_offsets) > 0)
        self.rows += fingerprints.size

    def findings(self, max_clusters: int) -> DuplicateFindings:
        """The duplicate rows and the first `max_clusters` clusters."""
        if self.rows == 0:
            return DuplicateFindings(np.empty(0, np.int64), np.empty(0, np.int64), ())
        everyone = np.arange(self.rows)
        fingerprints = np.concatenate(self._fingerprints)
        heads = exact_heads(fingerprints)
        unique = np.flatnonzero((heads == everyone) & np.concatenate(self._has_shingles))
        pairs = near_pairs(unique, np.concatenate(self._bands), self._sets)
        exact = np.flatnonzero(heads != everyone)
        edges = np.concatenate((np.column_stack((heads[exact], exact)), pairs))
        clusters = first_clusters(edges, fingerprints, max_clusters)
        return DuplicateFindings(exact, distinct(pairs[:, 1]), clusters)


def exact_heads(fingerprints: np.ndarray) -> np.ndarray:
    """For every row, the first row with the same fingerprint (itself when it is the first)."""
    order = np.argsort(fingerprints, kind="stable")
    ordered = fingerprints[order]
    starts = np.concatenate(([True], ordered[1:] != ordered[:-1]))
    first_of_group = order[np.flatnonzero(starts)]
    heads = np.empty_like(order)
    heads[order] = first_of_group[np.cumsum(starts) - 1]
    return heads


def near_pairs(unique: np.ndarray, bands: np.ndarray, sets: ShingleSets) -> np.ndarray:
    """Verified (earlier, later) pairs among the `unique` rows: shape (pairs, 2)."""
    candidates = candidate_pairs(unique, bands)
    kept = [candidates[:0]]
    for start in range(0, candidates.shape[0], _VERIFY_CHUNK):
        chunk = candidates[start : start + _VERIFY_CHUNK]
        similar = estimated_jaccard(sets.sketches(chunk[:, 0]), sets.sketches(chunk[:, 1]))
        kept.append(chunk[similar >= NEAR_THRESHOLD])
    return np.concatenate(kept)


def candidate_pairs(unique: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """(earlier, later) pairs of `unique` rows sharing a band key: each row with the first and
    the previous row of every band bucket it falls in."""
    found = []
    rows = unique.astype(np.uint64)
    for band in range(BANDS):
        packed = np.sort((bands[unique, band].astype(np.uint64) << np.uint64(32)) | rows)
        keys = packed >> np.uint64(32)
        members = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
        run_start = np.concatenate(([True], keys[1:] != keys[:-1]))
        same = np.flatnonzero(~run_start)
        if same.size == 0:
            continue
        first = np.maximum.accumulate(np.where(run_start, np.arange(keys.size), 0))
        found.append(np.column_stack((members[first[same]], members[same])))
        previous = same[first[same] != same - 1]
        found.append(np.column_stack((members[previous - 1], members[previous])))
    if not found:
        return np.empty((0, 2), np.int64)
    return distinct_pairs(np.concatenate(found), int(unique.max()) + 1)


def first_clusters(
    edges: np.ndarray, fingerprints: np.ndarray, max_clusters: int
) -> tuple[Cluster, ...]:
    """The connected components of the duplicate edges with the lowest first rows (at most
    `max_clusters`), each with its rows ascending."""
    if edges.size == 0 or max_clusters <= 0:
        return ()
    nodes = distinct(edges.ravel())
    labels = _component_labels(nodes.size, np.searchsorted(nodes, edges))
    clusters = []
    for label in distinct(labels)[:max_clusters]:
        rows = nodes[labels == label]
        clusters.append(Cluster(rows, bool((fingerprints[rows] == fingerprints[rows[0]]).all())))
    return tuple(clusters)


def _component_labels(count: int, edges: np.ndarray) -> np.ndarray:
    """Each node's smallest connected node (min-label propagation with pointer jumping)."""
    labels = np.arange(count)
    left, right = edges[:, 0], edges[:, 1]
    while True:
        lowest = np.minimum(labels[left], labels[right])
        updated = labels.copy()
        np.minimum.at(updated, left, lowest)
        np.minimum.at(updated, right, lowest)
        updated = updated[updated]
        if np.array_equal(updated, labels):
            return labels
        labels = updated
