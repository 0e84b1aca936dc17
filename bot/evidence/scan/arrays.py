"""Array helpers the scan uses on millions of values.

`distinct` sorts instead of calling `np.unique`, whose hash-based path in numpy 2 measured
~80× slower on 780,000 uint64 values (0.71 s against 0.009 s).
"""

from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending."""
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def distinct_pairs(pairs: np.ndarray, rows: int) -> np.ndarray:
    """The distinct (a, b) rows of an (n, 2) array of row numbers below `rows`, ascending."""
    codes = distinct(pairs[:, 0].astype(np.int64) * rows + pairs[:, 1])
    return np.column_stack((codes // rows, codes % rows))
