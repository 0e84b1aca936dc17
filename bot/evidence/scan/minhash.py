"""MinHash signatures of word-3-gram sets and their LSH band keys.

The permutations are `x ↦ a·x mod 2**32` (odd `a`) over the top 32 bits of each shingle's
64-bit hash, computed with numpy for a whole batch at once: one multiplication per permutation
and a segmented minimum per shingle. Only the band keys are kept: 12 bands of 4 minima, so a
pair at Jaccard 0.8 shares a band with probability 0.998 (0.85: 0.9999; 0.5: 0.54; 0.2: 0.02).
Candidates are then verified with the bottom-k sketches of `sketch`. (16 bands, 0.9998 at 0.8,
cost 6–10 % more scan time on the benchmark for 7 more of its 29,880 near duplicates.)

Chosen by measurement (`benchmarks/scan.py`, the same word-3-gram hashes of 20,000 80-word
rows, 128 permutations, CPU time): numpy multiply-only (this module) ~288,000 rows/s; numpy
multiply-add (datasketch 2's "affine32" scheme) ~197,000; rensa's Rust `RMinHash` digest
matrix ~660,000, but only ~87,000 once its digests come back to numpy (`to_rows` returns
Python lists; the LSH here works on numpy arrays); datasketch's `MinHash.update_batch` with
`MinHashLSH`, the whole pipeline, ~8,500. Both numpy schemes estimate Jaccard with the spread of
ideal random permutations (standard deviation 0.031 at J = 0.857 over 1,500 simulated pairs,
binomial 0.031).
"""

from __future__ import annotations

import numpy as np

from bot.evidence.scan.hashing import U64, mix64

BANDS = 12
ROWS_PER_BAND = 4
NUM_PERM = BANDS * ROWS_PER_BAND
_EMPTY = np.uint32(0xFFFFFFFF)
_CHUNK_ROWS = 64


def multipliers(count: int) -> np.ndarray:
    """The odd 32-bit multipliers of `count` permutations, shape (count, 1): fixed numbers."""
    seeds = np.arange(1, count + 1, dtype=U64) * U64(0x9E3779B97F4A7C15)
    return ((mix64(seeds) >> U64(32)).astype(np.uint32) | np.uint32(1)).reshape(count, 1)


_MULTIPLIERS = multipliers(NUM_PERM)
_BAND_KEYS = (mix64(np.arange(1, ROWS_PER_BAND + 1, dtype=U64)) | U64(1)).reshape(
    1, ROWS_PER_BAND, 1
)


def signature_matrix(
    shingles: np.ndarray, offsets: np.ndarray, permutations: np.ndarray = _MULTIPLIERS
) -> np.ndarray:
    """The MinHash signature of each row's shingles, perm-major: shape (permutations, rows).

    A row without shingles gets the all-ones signature.
    """
    rows = offsets.size - 1
    signatures = np.full((permutations.shape[0], rows), _EMPTY, np.uint32)
    values = (shingles >> U64(32)).astype(np.uint32)
    counts = np.diff(offsets)
    for first in range(0, rows, _CHUNK_ROWS):
        last = min(first + _CHUNK_ROWS, rows)
        segment = values[offsets[first] : offsets[last]]
        if segment.size == 0:
            continue
        starts = offsets[first:last] - offsets[first]
        if counts[first:last].all():
            np.minimum.reduceat(
                permutations * segment, starts, axis=1, out=signatures[:, first:last]
            )
        else:
            filled = np.flatnonzero(counts[first:last])
            signatures[:, filled + first] = np.minimum.reduceat(
                permutations * segment, starts[filled], axis=1
            )
    return signatures


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """The LSH band keys of perm-major signatures: shape (rows, BANDS), uint32."""
    bands = signatures.astype(U64).reshape(BANDS, ROWS_PER_BAND, -1)
    with np.errstate(over="ignore"):
        combined = (bands * _BAND_KEYS).sum(axis=1, dtype=U64)
    return (mix64(combined) >> U64(32)).astype(np.uint32).T.copy()
