"""Diversity: the mean of phrase variety and pair dissimilarity, each 0–100; varied inputs score
far above templated ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.evidence.scan import scan_rows
from bot.evidence.scan.diversity import SAMPLE_ROWS
from tests.bot.evidence.scan_data import templated_texts, varied_texts


def scan(texts: list[str]):  # type: ignore[no-untyped-def]
    return scan_rows([{"text": text} for text in texts])


def test_varied_texts_score_near_the_top() -> None:
    report = scan(varied_texts(300))
    assert report.diversity_pct == 100.0
    parts = report.diversity_parts
    assert (parts.phrase_variety_pct, parts.pair_dissimilarity_pct) == (100.0, 100.0)


def test_templated_texts_score_far_below_varied_ones() -> None:
    templated = scan(templated_texts(300))
    assert templated.diversity_pct < 25
    assert scan(varied_texts(300)).diversity_pct - templated.diversity_pct > 70


def test_the_templated_parts_are_what_the_template_shares() -> None:
    # 22 words, 20 word 3-grams; the 3 around N differ from row to row, 17 are shared.
    parts = scan(templated_texts(300)).diversity_parts
    assert parts.phrase_variety_pct == round(100 * (300 * 3 + 17) / (300 * 20), 2)
    assert parts.pair_dissimilarity_pct == round(100 * (1 - 17 / 23), 2)


def test_diversity_is_the_mean_of_its_two_parts() -> None:
    report = scan(templated_texts(50) + varied_texts(50))
    parts = report.diversity_parts
    mean = (parts.phrase_variety_pct + parts.pair_dissimilarity_pct) / 2
    assert abs(report.diversity_pct - mean) <= 0.01


def test_exact_duplicates_are_sampled_once() -> None:
    report = scan(varied_texts(10) * 5)
    assert report.diversity_parts.sampled_rows == 10
    assert report.diversity_pct == 100.0


def test_the_sample_never_exceeds_its_size() -> None:
    report = scan(varied_texts(SAMPLE_ROWS + 300))
    assert report.diversity_parts.sampled_rows == SAMPLE_ROWS


def test_a_single_text_has_no_pair_to_differ_from() -> None:
    parts = scan(["only one text here at all"]).diversity_parts
    assert (parts.phrase_variety_pct, parts.pair_dissimilarity_pct, parts.sampled_rows) == (
        100.0, 0.0, 1
    )  # fmt: skip


def test_rows_without_words_score_zero() -> None:
    report = scan(["", "   "])
    assert (report.diversity_pct, report.diversity_parts.sampled_rows) == (0.0, 0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="abc d", max_size=15), min_size=1, max_size=30))
def test_diversity_and_its_parts_stay_between_0_and_100(texts: list[str]) -> None:
    report = scan(texts)
    parts = report.diversity_parts
    for value in (report.diversity_pct, parts.phrase_variety_pct, parts.pair_dissimilarity_pct):
        assert 0 <= value <= 100
