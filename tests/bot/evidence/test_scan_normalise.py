"""Normalisation: two texts are the same when they match after NFKC, case-folding and collapsing
whitespace; the scanner's batch path splits exactly as the definition does."""

from __future__ import annotations

import string
import unicodedata

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.evidence.scan import scan_rows
from bot.evidence.scan.normalise import as_large_strings, normalise, normalised_words


def test_compatibility_forms_become_their_plain_letters() -> None:
    assert normalise("ﬁne ＡＢＣ ①") == "fine abc 1"


def test_case_folding_is_stronger_than_lower_casing() -> None:
    assert normalise("STRASSE") == normalise("Straße") == "strasse"


def test_every_kind_of_whitespace_collapses_to_one_space() -> None:
    assert normalise("a\tb\n\nc\u00a0d\u3000e\u2028f\x1cg  h") == "a b c d e f g h"


def test_leading_and_trailing_whitespace_is_stripped() -> None:
    assert normalise("  \t hello world \n") == "hello world"


def test_texts_that_differ_only_in_case_and_spacing_are_exact_duplicates() -> None:
    report = scan_rows(
        [{"text": "Refund my order please"}, {"text": "  refund   MY order\tplease\n"}]
    )
    assert (report.exact_duplicate_rows, report.near_duplicate_rows) == (1, 0)


def test_a_ligature_and_its_letters_are_exact_duplicates() -> None:
    report = scan_rows([{"text": "the ﬁnal ﬁle"}, {"text": "The final file"}])
    assert report.exact_duplicate_rows == 1


def test_a_batch_with_an_ascii_separator_splits_on_it() -> None:
    words = normalised_words(as_large_strings(["one\x1etwo three", "four"]))
    assert words.words.to_pylist() == ["one", "two", "three", "four"]
    assert words.offsets.tolist() == [0, 3, 4]


def test_empty_and_blank_texts_have_no_words() -> None:
    words = normalised_words(as_large_strings(["", "   ", "x y"]))
    assert words.words.to_pylist() == ["x", "y"]
    assert words.offsets.tolist() == [0, 0, 0, 2]


def test_a_null_text_in_an_arrow_column_has_no_words() -> None:
    words = normalised_words(as_large_strings(pa.array(["a b", None], pa.string())))
    assert words.offsets.tolist() == [0, 2, 2]


_ODD_CHARACTERS = [" ", "\t", "\n", "\x1f", "\u00a0", "\u3000", "\u2028", "\u0085", "\u1680",
                   "ß", "ﬁ", "É", "é", "Σ", "ς", "İ", "Ａ"]  # fmt: skip
_TEXT = st.text(
    alphabet=st.sampled_from([*string.ascii_letters, *string.digits, *_ODD_CHARACTERS]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_the_batch_path_yields_the_words_of_the_definition(texts: list[str]) -> None:
    words = normalised_words(as_large_strings(texts))
    flat = words.words.to_pylist()
    split = [flat[words.offsets[i] : words.offsets[i + 1]] for i in range(len(texts))]
    # The definition, in the standard library's words: NFKC, case-fold, split on whitespace.
    assert split == [unicodedata.normalize("NFKC", text).casefold().split() for text in texts]
