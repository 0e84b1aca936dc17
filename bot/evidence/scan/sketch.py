"""Word-3-gram sets as at most K 32-bit hashes, and the Jaccard similarity estimated from two.

A row keeps all its shingles' hashes when it has at most K of them (most training texts), or
else its K smallest distinct ones: its bottom-K sketch. Only rows that turn out to be
candidates are sorted into sketches, when duplicates are resolved. The estimate for two rows is
the share of the K smallest hashes of both sketches together that are in both (Broder's
bottom-k estimator): exact when the two rows have at most K distinct shingles between them,
which 128 covers for texts of up to ~65 words even when they share nothing, and for
near-identical texts of up to ~120 words.
"""

from __future__ import annotations

import numpy as np

from bot.evidence.scan.arrays import distinct
from bot.evidence.scan.hashing import U64

K = 128
PAD = np.uint32(0xFFFFFFFF)
_PAIR_CHUNK = 16_384


def shingle_sets(shingles: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's shingle set as at most K uint32 hashes (flat) and its row offsets."""
    values = (shingles & U64(0xFFFFFFFF)).astype(np.uint32)
    counts = np.diff(offsets)
    long_rows = np.flatnonzero(counts > K)
    if long_rows.size == 0:
        return values, offsets
    kept, kept_counts = [], counts.copy()
    for row in range(counts.size):
        row_values = values[offsets[row] : offsets[row + 1]]
        if counts[row] > K:
            row_values = distinct(row_values)[:K]
            kept_counts[row] = row_values.size
        kept.append(row_values)
    return np.concatenate(kept), np.concatenate(([0], np.cumsum(kept_counts)))


def padded(values: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The sets of the given rows as a PAD-padded grid: shape (len(rows), K), unsorted."""
    counts = np.diff(offsets)[rows]
    grid = np.full((rows.size, K), PAD, np.uint32)
    owner = np.repeat(np.arange(rows.size), counts)
    column = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    grid[owner, column] = values[offsets[rows][owner] + column]
    return grid


def sketches(grid: np.ndarray) -> np.ndarray:
    """Padded sets as bottom-K sketches: each row ascending, without repeats, PAD-padded."""
    ordered = np.sort(grid, axis=1)
    repeated = np.zeros(ordered.shape, bool)
    repeated[:, 1:] = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] != PAD)
    if repeated.any():
        ordered[repeated] = PAD
        ordered.sort(axis=1)
    return ordered


def estimated_jaccard(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The bottom-k Jaccard estimate of each pair of sketches (rows of `first` and `second`);
    0 for a pair of empty sketches."""
    estimates = np.empty(first.shape[0])
    for start in range(0, first.shape[0], _PAIR_CHUNK):
        stop = start + _PAIR_CHUNK
        estimates[start:stop] = _estimate(first[start:stop], second[start:stop])
    return estimates


def _estimate(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    merged = np.sort(np.concatenate((first, second), axis=1), axis=1)
    valid = merged != PAD
    repeat = np.zeros_like(valid)
    repeat[:, 1:] = (merged[:, 1:] == merged[:, :-1]) & valid[:, 1:]
    both = repeat.sum(axis=1)
    union = valid.sum(axis=1) - both
    cut = np.flatnonzero(union > K)  # more distinct hashes than K: only the K smallest count
    if cut.size:
        ranks = np.cumsum(valid[cut] & ~repeat[cut], axis=1, dtype=np.int16)
        both[cut] = (repeat[cut] & (ranks <= K)).sum(axis=1)
        union[cut] = K
    estimates: np.ndarray = np.divide(both, union, out=np.zeros(len(both)), where=union > 0)
    return estimates
