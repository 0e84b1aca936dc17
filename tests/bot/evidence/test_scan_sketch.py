"""The bottom-k estimate of Jaccard similarity from two rows' sketches."""

from __future__ import annotations

import numpy as np

from bot.evidence.scan.sketch import PAD, K, estimated_jaccard, padded, sketches


def sketch(values: range) -> np.ndarray:
    row = np.full((1, K), PAD, np.uint32)
    row[0, : len(values)] = np.array(values, np.uint32)
    return row


def test_small_sets_give_their_exact_jaccard_similarity() -> None:
    # {1..10} and {6..15}: 5 shared of 15.
    assert estimated_jaccard(sketch(range(1, 11)), sketch(range(6, 16))).tolist() == [5 / 15]


def test_only_the_k_smallest_hashes_of_both_sketches_count() -> None:
    # The 128 smallest of {1..128} ∪ {65..192} are 1..128, of which 65..128 are in both.
    assert estimated_jaccard(sketch(range(1, 129)), sketch(range(65, 193))).tolist() == [0.5]


def test_two_empty_sketches_are_not_similar() -> None:
    assert estimated_jaccard(sketch(range(0)), sketch(range(0))).tolist() == [0.0]


def test_a_sketch_is_sorted_without_repeats() -> None:
    values = np.array([9, 3, 9, 1, 3], np.uint32)
    grid = padded(values, np.array([0, 5]), np.array([0]))
    assert sketches(grid)[0, :4].tolist() == [1, 3, 9, int(PAD)]
