"""``nine_array`` is Python's ``round(x, 9)`` element for element, where ``np.round`` is not."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from core.array_rounding import nine_array


def python_rounded(values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.array([round(value, 9) for value in values.tolist()], dtype=np.float64)


def same_floats(left: NDArray[np.float64], right: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Equal as floats, zeros of the same sign, NaN matching NaN."""
    equal = (left == right) & (np.signbit(left) == np.signbit(right))
    return equal | (np.isnan(left) & np.isnan(right))


# Each just off a 9-decimal half, on the side its binary value lies: numpy's scaled product
# rounds onto the other side (numpy gives 5.0, 0.0, 2e-09, 1.0 and 0.12345679).
NEAR_HALVES = [
    (5.0000000005, 5.000000001),
    (5e-10, 1e-09),
    (1.5e-09, 1e-09),
    (1.0000000005, 1.000000001),
    (0.1234567895, 0.123456789),
]


@pytest.mark.parametrize(("value", "rounded"), NEAR_HALVES)
def test_a_value_just_off_a_half_rounds_as_python_rounds_it(value: float, rounded: float) -> None:
    assert nine_array(np.array([value, -value])).tolist() == [rounded, -rounded]


@pytest.mark.parametrize(("value", "rounded"), NEAR_HALVES)
def test_numpys_own_round_gets_those_values_wrong(value: float, rounded: float) -> None:
    assert np.round(np.array([value]), 9)[0] != rounded


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (0.0009765625, 0.000976562),  # 1/1024: an exact half, to the even digit
        (0.0029296875, 0.002929688),  # 3/1024: an exact half, to the even digit
        (7.2 * 1.0 / 12, 0.6),
        (142_858 * 0.7, 100_000.6),
        (2.0**23, 2.0**23),
        (8_388_607.999999999, 8_388_607.999999999),
        (1e300, 1e300),
        (5e-324, 0.0),
        (0.0, 0.0),
    ],
)
def test_exact_halves_small_and_large_values_round_as_python_rounds_them(
    value: float, rounded: float
) -> None:
    assert nine_array(np.array([value])).tolist() == [rounded]


def test_infinities_and_nan_stay_what_they_are() -> None:
    rounded = nine_array(np.array([math.inf, -math.inf, math.nan]))
    assert rounded[0] == math.inf and rounded[1] == -math.inf and math.isnan(rounded[2])


def test_negative_values_that_round_to_zero_keep_their_sign_as_in_python() -> None:
    rounded = nine_array(np.array([-4e-10, 4e-10]))
    assert rounded.tolist() == [0.0, 0.0]
    assert np.signbit(rounded).tolist() == [True, False]


def adversarial_values(generator: np.random.Generator, size: int) -> NDArray[np.float64]:
    """Values at every magnitude, on and next to 9-decimal halves, dyadic halves, the figures
    the engine rounds (products of 0.1-step percentages), and around 2²²–2²⁴."""
    halves = (generator.integers(0, 10**15, size).astype(np.float64) + 0.5) / 1e9
    dyadic = generator.integers(0, 2**40, size).astype(np.float64) / 2.0 ** generator.choice(
        [10, 11, 20, 30], size
    )
    tenths = np.round(generator.uniform(0, 100, (2, size)), 1)
    parts = [
        generator.standard_normal(size) * 10.0 ** generator.uniform(-12, 16, size),
        halves,
        np.nextafter(halves, np.inf),
        np.nextafter(halves, -np.inf),
        dyadic,
        (tenths[0] / 100) * (1 - tenths[1] / 100),
        tenths[0] * tenths[1] / generator.integers(1, 30, size),
        generator.uniform(2.0**22, 2.0**24, size),
        np.round(generator.uniform(-1e4, 1e4, size), generator.integers(0, 12)),
    ]
    values = np.concatenate(parts)
    return np.concatenate([values, -values])


def test_hundreds_of_thousands_of_adversarial_values_round_as_python_rounds_them() -> None:
    values = adversarial_values(np.random.default_rng(20240601), 40_000)
    different = ~same_floats(nine_array(values), python_rounded(values))
    assert values[different].tolist() == []


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(width=64)))
def test_any_array_of_floats_rounds_as_python_rounds_it(values: NDArray[np.float64]) -> None:
    assert same_floats(nine_array(values), python_rounded(values)).all()
