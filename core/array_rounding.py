"""Python's ``round(x, 9)`` over a numpy array, element for element the same float.

``np.round(x, 9)`` is not it: numpy rounds ``fl(x × 10⁹)``, the product already rounded to a
double, so a value whose exact ``x × 10⁹`` lies just off a half can land on the other side.
Python rounds the exact binary value of ``x`` to 9 decimals (half to even) and reads the
decimal back as the nearest double. ``nine_array`` gets Python's result in three cases:

* ``|x| ≥ 2²³``: a double there is spaced more than 10⁻⁹ from its neighbours (and 2²³ and
  the powers of two above it are whole), so the nearest decimal of 9 places reads back as
  ``x`` itself. ``round`` returns ``x``; so does this. (Infinities and NaN too.)
* ``|x| < 2²³``, split exactly into ``w + f`` (``w = floor(|x|)``, ``f`` in [0, 1)): the 9
  decimals of ``|x|`` are ``w × 10⁹ + round(f × 10⁹)``. ``p = fl(f × 10⁹)`` is below 10⁹, so
  its spacing ``u`` is at most 2⁻²³ and the exact product lies within ``u/2`` of it, while
  ``p``'s distance ``t`` from the integer below is a multiple of ``u``, as is 0.5. So unless
  ``t`` is exactly 0.5, the exact product is on the same side of the half as ``p`` and
  ``rint(p)`` is Python's digit. ``w × 10⁹ + rint(p)`` is a whole number below 2⁵³, exact;
  dividing it by 10⁹ is the correctly rounded quotient, the double nearest the decimal, which
  is what Python reads back. The sign is put back after (both roundings are symmetric).
* ``t`` exactly 0.5 (a near-tie, rare): those elements are rounded by Python itself.

tests/core/test_array_rounding.py checks it against ``round`` on adversarial values.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from core.precision import DECIMALS

_SCALE = 10.0**DECIMALS
_SELF_ROUNDED = 2.0**23
"""From this magnitude up a double has no digits past the 9th decimal to round away."""


def nine_array(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``round(x, 9)`` for every ``x`` of ``values``, exactly as Python computes it."""
    magnitude = np.abs(values)
    small = magnitude < _SELF_ROUNDED
    within = np.where(small, magnitude, 0.0)
    whole = np.floor(within)
    scaled = (within - whole) * _SCALE
    digits = np.rint(scaled)
    rounded = np.copysign((whole * _SCALE + digits) / _SCALE, values)
    result: NDArray[np.float64] = np.where(small, rounded, values)
    near_tie = np.flatnonzero(np.abs(scaled - digits) == 0.5)
    if near_tie.size:
        result[near_tie] = [round(value, DECIMALS) for value in values[near_tie].tolist()]
    return result
