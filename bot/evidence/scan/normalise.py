"""What "the same text" means: Unicode NFKC, case-folded, whitespace collapsed, stripped.

`normalise` is the definition. `normalised_words` is the fast path the scanner runs on a whole
batch at once (pyarrow kernels); it yields exactly the words of `normalise(text).split(" ")`.
Whitespace is what Python's `str.split()` splits on, which is also what pyarrow's
`utf8_split_whitespace` splits on (the tests hold the two to each other). A batch of pure
ASCII text (NFKC leaves ASCII alone and case-folding it is lower-casing) takes pyarrow's ASCII
kernels; any other batch is folded in Python first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# U+001C..U+001F: whitespace to str.split(), not to pyarrow's ascii_* kernels.
_FIRST_SEPARATOR, _SEPARATORS = 0x1C, 4


def fold(text: str) -> str:
    """The text in Unicode NFKC, then case-folded (whitespace untouched)."""
    return unicodedata.normalize("NFKC", text).casefold()


def normalise(text: str) -> str:
    """The form two texts are compared in: NFKC, case-folded, whitespace collapsed, stripped."""
    return " ".join(fold(text).split())


@dataclass(frozen=True)
class Words:
    """A batch's normalised words: all of them in one array, and where each row's begin."""

    words: pa.Array
    offsets: np.ndarray
    """Row i's words are words[offsets[i]:offsets[i + 1]]."""


def normalised_words(texts: pa.Array) -> Words:
    """Each text's normalised words (`texts`: large strings without nulls, `as_large_strings`)."""
    if _is_plain_ascii(texts):
        trimmed = pc.ascii_trim_whitespace(pc.ascii_lower(texts))
        return _split(trimmed, pc.ascii_split_whitespace(trimmed))
    folded = pa.array([fold(text) for text in texts.to_pylist()], pa.large_string())
    trimmed = pc.utf8_trim_whitespace(folded)
    return _split(trimmed, pc.utf8_split_whitespace(trimmed))


def _split(trimmed: pa.Array, lists: pa.Array) -> Words:
    """The words of split lists; an empty text's lone empty word is dropped."""
    offsets = lists.offsets.to_numpy().astype(np.int64)
    words = lists.flatten()
    empty = np.flatnonzero(pc.binary_length(trimmed).to_numpy(zero_copy_only=False) == 0)
    if empty.size:
        keep = np.ones(len(words), bool)
        keep[offsets[empty] - offsets[0]] = False
        words = words.filter(pa.array(keep))
        counts = np.diff(offsets)
        counts[empty] = 0
        offsets = np.concatenate(([0], np.cumsum(counts)))
    return Words(words, offsets - offsets[0])


def as_large_strings(texts: Sequence[str] | pa.Array) -> pa.Array:
    """Texts as one large-string Arrow array, a missing text as the empty string."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        return texts.cast(pa.large_string()).fill_null("")
    return pa.array(texts, pa.large_string())


def _is_plain_ascii(array: pa.Array) -> bool:
    """Whether every text is ASCII without the separators pyarrow's ASCII kernels ignore."""
    data = array.buffers()[2]
    if len(array) == 0 or data is None:
        return True
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)
    start, end = int(offsets[array.offset]), int(offsets[array.offset + len(array)])
    raw = np.frombuffer(data, dtype=np.uint8)[start:end]
    if raw.size == 0:
        return True
    if int(raw.max()) >= 0x80:
        return False
    return not bool(((raw - np.uint8(_FIRST_SEPARATOR)) < _SEPARATORS).any())
