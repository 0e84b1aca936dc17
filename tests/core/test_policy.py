"""The policy (docs/framework.md §8): defaults, TOML of flat keys, a stable short hash."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from core import Policy, field_errors

EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "policy.toml"


def test_the_defaults_are_the_articles_figures() -> None:
    policy = Policy()
    assert (policy.min_kpi_lift_pct, policy.min_clean_examples, policy.min_roi_multiple) == (
        5.0,
        100_000,
        2.0,
    )
    assert (policy.max_delivery_days, policy.revenue_horizon_days) == (45, 90)
    assert policy.engineer_day_cost_usd == 28_000 / 24  # two engineers, 12 days: $28,000
    assert 2 * 12 * policy.engineer_day_cost_usd == 28_000


def test_a_toml_file_of_flat_keys_overrides_the_defaults() -> None:
    policy = Policy.from_toml("min_kpi_lift_pct = 3.0\nmax_delivery_days = 30\n")
    assert (policy.min_kpi_lift_pct, policy.max_delivery_days) == (3.0, 30)
    assert policy.min_roi_multiple == 2.0


def test_an_integer_is_accepted_for_a_decimal_threshold() -> None:
    assert Policy.from_toml("min_roi_multiple = 3").min_roi_multiple == 3.0


def test_an_unknown_key_is_refused_and_named() -> None:
    with pytest.raises(ValidationError) as caught:
        Policy.from_toml("min_kpi_lift = 3.0\n")
    assert [(e.field, e.message) for e in field_errors(caught.value)] == [
        ("min_kpi_lift", "is not a known field (did you mean min_kpi_lift_pct?)")
    ]


def test_malformed_toml_is_a_toml_error() -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        Policy.from_toml("min_kpi_lift_pct = \n")


def test_the_example_policy_file_loads() -> None:
    assert isinstance(Policy.from_toml(EXAMPLE_POLICY.read_text()), Policy)


def test_the_hash_is_short_and_stable_for_equal_values() -> None:
    first = Policy().hash
    assert len(first) == 12
    assert Policy.from_toml("min_kpi_lift_pct = 5.0").hash == first
    assert Policy.from_mapping({}).hash == first


@pytest.mark.parametrize(
    "override",
    ["min_kpi_lift_pct = 5.5", "max_safe_epochs = 9", "engineer_day_cost_usd = 1000.0"],
)
def test_the_hash_changes_when_a_value_changes(override: str) -> None:
    assert Policy.from_toml(override).hash != Policy().hash


def test_a_copy_with_a_changed_value_has_a_new_hash() -> None:
    changed = Policy().model_copy(update={"min_kpi_lift_pct": 3.0})
    assert changed.hash != Policy().hash
