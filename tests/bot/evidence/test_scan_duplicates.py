"""Duplicates: exact (same normalised text as an earlier row) and near (estimated word-3-gram
Jaccard ≥ 0.8 with an earlier row), each duplicate row counted once, grouped in clusters."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.evidence.scan import scan_rows
from tests.bot.evidence.scan_data import sentence, varied_texts, with_last_words_changed

# 47 distinct words: 45 word 3-grams. Changing the last k words changes k of them, so the pair
# shares 45 - k of 45 + k: k = 4 → 41/49 ≈ 0.837, k = 5 → 40/50 = 0.8, k = 6 → 39/51 ≈ 0.765.
BASE = sentence(47, "base")
ROOT = Path(__file__).resolve().parents[3]


def rows(*texts: str) -> list[dict[str, str]]:
    return [{"text": text} for text in texts]


def counts(*texts: str) -> tuple[int, int]:
    report = scan_rows(rows(*texts))
    return report.exact_duplicate_rows, report.near_duplicate_rows


def test_a_copy_of_an_earlier_row_is_an_exact_duplicate() -> None:
    assert counts(BASE, sentence(20, "other"), BASE) == (1, 0)


def test_every_later_copy_counts_once() -> None:
    assert counts(BASE, BASE, BASE, BASE) == (3, 0)


def test_a_pair_just_above_the_threshold_is_a_near_duplicate() -> None:
    assert counts(BASE, with_last_words_changed(BASE, 4, "new")) == (0, 1)


def test_a_pair_exactly_at_the_threshold_is_a_near_duplicate() -> None:
    assert counts(BASE, with_last_words_changed(BASE, 5, "new")) == (0, 1)


def test_a_pair_just_below_the_threshold_is_not() -> None:
    assert counts(BASE, with_last_words_changed(BASE, 6, "new")) == (0, 0)


def test_a_pair_at_half_overlap_is_not() -> None:
    # 47 words, the last 15 changed: 30 shared of 60 word 3-grams, Jaccard 0.5.
    assert counts(BASE, with_last_words_changed(BASE, 15, "new")) == (0, 0)


def test_the_first_of_a_near_pair_is_not_a_duplicate_only_the_later_one() -> None:
    report = scan_rows(rows(BASE, sentence(30, "gap"), with_last_words_changed(BASE, 2, "n")))
    assert report.near_duplicate_rows == 1
    assert report.duplicate_examples[0].rows == (1, 3)


def test_a_row_that_is_both_an_exact_and_a_near_duplicate_counts_once_as_exact() -> None:
    near = with_last_words_changed(BASE, 2, "n")
    assert counts(BASE, near, near) == (1, 1)


def test_a_chain_of_small_edits_makes_one_cluster() -> None:
    first = BASE
    second = with_last_words_changed(first, 3, "second")
    third = with_last_words_changed(second, 3, "third")  # 6 words away from the first
    report = scan_rows(rows(first, second, third))
    assert report.near_duplicate_rows == 2
    assert [(e.kind, e.size, e.rows) for e in report.duplicate_examples] == [("near", 3, (1, 2, 3))]


def test_clusters_come_in_order_of_their_first_row_with_their_kind() -> None:
    one, two = sentence(30, "one"), sentence(30, "two")
    report = scan_rows(rows(one, two, with_last_words_changed(two, 1, "t"), one, one.upper()))
    shown = [(e.kind, e.size, e.rows) for e in report.duplicate_examples]
    assert shown == [("exact", 3, (1, 4, 5)), ("near", 2, (2, 3))]


def test_a_cluster_shows_its_texts_shortened_to_one_line() -> None:
    long_text = "Line one\nline two " + "word " * 40
    report = scan_rows(rows(long_text, long_text))
    (example,) = report.duplicate_examples
    assert example.texts[0] == ("Line one line two " + "word " * 40)[:80] + "…"
    assert "\n" not in example.texts[0]


def test_at_most_five_clusters_are_shown_but_every_duplicate_is_counted() -> None:
    texts = [sentence(10, f"t{number}x") for number in range(7)]
    report = scan_rows(rows(*texts, *texts))
    assert report.exact_duplicate_rows == 7
    assert [example.rows for example in report.duplicate_examples] == [
        (1, 8), (2, 9), (3, 10), (4, 11), (5, 12)
    ]  # fmt: skip


def test_a_big_cluster_shows_its_first_ten_rows_and_its_size() -> None:
    report = scan_rows(rows(*([BASE] * 14)))
    (example,) = report.duplicate_examples
    assert (example.size, example.rows) == (14, tuple(range(1, 11)))
    assert len(example.texts) == 3


def test_duplicate_pct_is_every_duplicate_row_over_all_rows() -> None:
    near = with_last_words_changed(BASE, 1, "n")
    report = scan_rows(rows(BASE, BASE, near, sentence(20, "x")))
    assert report.duplicate_pct == 50.0
    assert report.hygiene.duplicate_pct == 50.0


def test_empty_texts_are_exact_duplicates_of_one_another() -> None:
    assert counts("", "  ", "\n") == (2, 0)


def test_short_texts_of_one_or_two_words_compare_as_whole_texts() -> None:
    assert counts("hello", "hello world", "Hello", "hello there", "HELLO WORLD") == (2, 0)


def test_texts_longer_than_the_sketch_are_compared_on_their_sketches() -> None:
    # 400 distinct words: 398 word 3-grams, more than the 128 a row keeps.
    long_text = sentence(400, "long")
    assert counts(long_text, with_last_words_changed(long_text, 3, "z")) == (0, 1)
    assert counts(long_text, sentence(400, "other")) == (0, 0)


def test_unrelated_texts_have_no_duplicates() -> None:
    assert counts(*varied_texts(200)) == (0, 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["a b c d e", "f g h i j", "k l m", "a b c d e f", "z"]),
                min_size=1, max_size=30),
       st.randoms(use_true_random=False))  # fmt: skip
def test_shuffling_never_changes_how_many_rows_are_exact_duplicates(
    texts: list[str], shuffler: random.Random
) -> None:
    expected = len(texts) - len(set(texts))
    shuffled = list(texts)
    shuffler.shuffle(shuffled)
    assert scan_rows(rows(*texts)).exact_duplicate_rows == expected
    assert scan_rows(rows(*shuffled)).exact_duplicate_rows == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ab c", max_size=12), min_size=1, max_size=25))
def test_duplicate_pct_stays_between_0_and_100(texts: list[str]) -> None:
    report = scan_rows(rows(*texts))
    assert 0 <= report.duplicate_pct <= 100
    assert report.exact_duplicate_rows + report.near_duplicate_rows < report.rows


def test_hashes_are_the_same_in_another_process_whatever_its_hash_seed() -> None:
    code = (
        "from bot.evidence.scan.scanner import features\n"
        "from bot.evidence.scan.extract import Batch\n"
        "texts = ['the same words in the same order', 'x']\n"
        "found = features(Batch(texts, [None] * 2, [None] * 2))\n"
        "print(found.fingerprints.tolist(), found.bands.tolist(), found.set_values.tolist())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True, text=True, check=True, cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(outputs) == 1
    assert outputs.pop().startswith("[")
