"""Parsing the proposal modal's view state into a Proposal, or errors keyed by block id."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ids import ProposalBlock
from bot.modal.fields import (
    ModalContext,
    ModalOptions,
    PrivateMetadataError,
    decode_private_metadata,
    encode_private_metadata,
)
from bot.modal.parsing import parse_proposal_form
from tests.builders import FALSE_POSITIVES_LOCK, LATENCY_LOCK

TEXT_INPUT = "plain_text_input"
NUMBER_INPUT = "number_input"

REQUIRED_NUMBERS = {
    "projected_lift_pct": "6.2",
    "dataset_examples": "150000",
    "label_accuracy_pct": "97",
    "diversity_pct": "85",
    "duplicate_pct": "3",
    "engineers": "2",
    "engineering_days": "6",
    "compute_cost_usd": "5000",
    "projected_revenue_usd": "300000",
    "delivery_days": "30",
    "latency_ms": "115",
}


def text(value: str | None, kind: str = TEXT_INPUT) -> dict[str, Any]:
    return {"value": {"type": kind, "value": value}}


def number(value: str | None) -> dict[str, Any]:
    return text(value, NUMBER_INPUT)


def select(value: str | None, kind: str = "static_select") -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": value}, "value": value}
    )
    return {"value": {"type": kind, "selected_option": option}}


def checkboxes(*values: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"value": {"type": "checkboxes", "selected_options": options}}


def lock_state(number_: int, **parts: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for part, value in parts.items():
        block = f"lock_{number_}_{part}"
        if part == "comparator":
            state[block] = select(value)
        elif part in ("threshold", "achieved"):
            state[block] = number(value)
        else:
            state[block] = text(value)
    return state


def form(**overrides: dict[str, Any]) -> dict[str, Any]:
    """A complete, valid view state (as Slack sends it), with some blocks replaced."""
    values: dict[str, Any] = {"title": text("Fraud model upgrade")}
    values |= {name: number(value) for name, value in REQUIRED_NUMBERS.items()}
    values |= {
        "kpi_name": text(None),
        "engineer_day_cost_usd": number(None),
        "revenue_horizon_days": number(None),
        "latency_sla_ms": number(None),
        "prompt_result": number(None),
        "target_result": number(None),
        "prompt_space_well_understood": select("true", "radio_buttons"),
        "prompt_maintenance_hours_per_week": number(None),
        "planned_epochs": number(None),
        "validation_losses": text(None),
        "vote_window_days": number("3"),
        "secret_ballot": {"value": {"type": "checkboxes", "selected_options": []}},
    }
    for lock in (1, 2):
        values |= lock_state(lock, name=None, comparator=None, threshold=None, achieved=None)
        values |= lock_state(lock, unit=None)
    return values | overrides


def test_a_complete_form_parses_into_the_proposal_it_describes() -> None:
    values = form(
        kpi_name=text("false-positive reduction"),
        latency_sla_ms=number("120"),
        **lock_state(
            1,
            name="reduction in false positives",
            comparator=">=",
            threshold="0.4",
            achieved="5.3",
            unit="%",
        ),
        **lock_state(
            2, name="latency", comparator="<=", threshold="120", achieved="115", unit="ms"
        ),
    )

    parsed = parse_proposal_form(values)

    assert parsed.errors == {}
    assert parsed.proposal is not None
    assert parsed.proposal.projected_lift_pct == 6.2
    assert parsed.proposal.dataset_examples == 150_000
    assert parsed.proposal.latency_sla_ms == 120
    assert parsed.proposal.locks == [FALSE_POSITIVES_LOCK, LATENCY_LOCK]
    assert parsed.options == ModalOptions(vote_window_days=3, secret_ballot=False)


def test_empty_optional_inputs_leave_the_fields_absent_so_defaults_apply() -> None:
    parsed = parse_proposal_form(form())

    assert parsed.proposal is not None
    proposal = parsed.proposal
    assert proposal.kpi_name == "primary KPI"
    assert proposal.engineer_day_cost_usd is None
    assert proposal.latency_sla_ms is None
    assert proposal.validation_losses is None
    assert proposal.locks == []
    assert proposal.prompt_space_well_understood is True


def test_text_that_is_not_a_number_asks_for_a_number() -> None:
    parsed = parse_proposal_form(form(projected_lift_pct=number("six")))

    assert parsed.proposal is None
    assert parsed.errors == {"projected_lift_pct": "Enter a number, e.g. 6.2"}


def test_a_fraction_in_a_whole_number_field_is_refused_on_its_block() -> None:
    parsed = parse_proposal_form(form(dataset_examples=number("5.5")))

    assert "whole number" in parsed.errors["dataset_examples"]


def test_a_whole_number_typed_with_a_decimal_point_is_accepted() -> None:
    parsed = parse_proposal_form(form(engineers=number("3.0")))

    assert parsed.proposal is not None
    assert parsed.proposal.engineers == 3


OUT_OF_RANGE = {
    "projected_lift_pct": ("1001", "from -100 to 1000"),
    "dataset_examples": ("-1", "from 0 to 1000000000000"),
    "label_accuracy_pct": ("100.5", "from 0 to 100"),
    "diversity_pct": ("-0.1", "from 0 to 100"),
    "duplicate_pct": ("101", "from 0 to 100"),
    "engineers": ("0", "from 1 to 1000"),
    "engineering_days": ("0", "above 0"),
    "engineer_day_cost_usd": ("-5", "0 or more"),
    "compute_cost_usd": ("-1", "0 or more"),
    "projected_revenue_usd": ("-1", "0 or more"),
    "revenue_horizon_days": ("0", "from 1 to 3650"),
    "delivery_days": ("3651", "from 0 to 3650"),
    "latency_ms": ("0", "above 0"),
    "latency_sla_ms": ("-3", "above 0"),
    "target_result": ("0", "above 0"),
    "prompt_maintenance_hours_per_week": ("-2", "0 or more"),
    "planned_epochs": ("0", "1 or more"),
}


@pytest.mark.parametrize(("block", "bad"), OUT_OF_RANGE.items(), ids=list(OUT_OF_RANGE))
def test_a_number_out_of_range_gets_an_error_on_its_block_saying_what_is_allowed(
    block: str, bad: tuple[str, str]
) -> None:
    typed, allowed = bad
    parsed = parse_proposal_form(form(**{block: number(typed)}))

    assert list(parsed.errors) == [block]
    assert allowed in parsed.errors[block]


def test_every_invalid_field_is_reported_at_once_each_on_its_own_block() -> None:
    overrides = {block: number(typed) for block, (typed, _) in OUT_OF_RANGE.items()}
    overrides["title"] = text("x" * 151)
    overrides["kpi_name"] = text("k" * 81)

    parsed = parse_proposal_form(form(**overrides))

    assert set(parsed.errors) == {*OUT_OF_RANGE, "title", "kpi_name"}
    assert parsed.errors["title"] == "Use at most 150 characters (this has 151)"


def test_a_missing_required_input_is_reported_as_required() -> None:
    values = form()
    del values["latency_ms"]
    values["title"] = text("   ")

    parsed = parse_proposal_form(values)

    assert parsed.errors == {
        "latency_ms": "Required: fill this in",
        "title": "Required: fill this in",
    }


def test_an_unknown_comparator_is_reported_on_the_lock_comparator_block() -> None:
    values = form(**lock_state(1, name="latency", comparator="==", threshold="120", achieved="115"))

    parsed = parse_proposal_form(values)

    assert parsed.errors == {"lock_1_comparator": "Choose ≥ (at least) or ≤ (at most)"}


def test_a_partly_filled_lock_asks_for_each_missing_part() -> None:
    values = form(**lock_state(1, name="latency", threshold="120"))

    parsed = parse_proposal_form(values)

    needed = "Needed because lock 1 has other fields filled in"
    assert parsed.errors == {"lock_1_comparator": needed, "lock_1_achieved": needed}


def test_a_lock_with_only_a_unit_counts_as_started() -> None:
    parsed = parse_proposal_form(form(**lock_state(2, unit="ms")))

    assert set(parsed.errors) == {
        "lock_2_name",
        "lock_2_comparator",
        "lock_2_threshold",
        "lock_2_achieved",
    }


def test_lock_2_filled_alone_becomes_the_first_lock_and_keeps_its_own_blocks_for_errors() -> None:
    valid = form(**lock_state(2, name="latency", comparator="<=", threshold="120", achieved="115"))
    too_long = form(**lock_state(2, name="n" * 81, comparator="<=", threshold="1", achieved="1"))

    assert parse_proposal_form(valid).proposal.locks[0].name == "latency"  # type: ignore[union-attr]
    assert parse_proposal_form(too_long).errors == {
        "lock_2_name": "Use at most 80 characters (this has 81)"
    }


def test_a_lock_unit_longer_than_twenty_characters_is_refused() -> None:
    values = form(
        **lock_state(1, name="x", comparator=">=", threshold="1", achieved="2", unit="u" * 21)
    )

    assert parse_proposal_form(values).errors == {
        "lock_1_unit": "Use at most 20 characters (this has 21)"
    }


def test_validation_losses_are_read_from_comma_separated_numbers() -> None:
    parsed = parse_proposal_form(form(validation_losses=text("0.9, 0.7,0.58 ,0.6")))

    assert parsed.proposal is not None
    assert parsed.proposal.validation_losses == [0.9, 0.7, 0.58, 0.6]


def test_a_validation_loss_that_is_not_a_number_is_named_in_the_message() -> None:
    parsed = parse_proposal_form(form(validation_losses=text("0.9, 0.7x, 0.58")))

    message = parsed.errors["validation_losses"]
    assert "Value 2" in message
    assert "0.7x" in message


def test_a_negative_validation_loss_is_reported_on_the_losses_block_with_its_position() -> None:
    parsed = parse_proposal_form(form(validation_losses=text("0.9, 0.7, -0.2, 0.5")))

    assert parsed.errors == {"validation_losses": "Value 3 (-0.2) is below 0: a loss is 0 or more"}


def test_more_than_a_thousand_validation_losses_are_refused() -> None:
    parsed = parse_proposal_form(form(validation_losses=text(", ".join(["0.5"] * 1001))))

    assert parsed.errors["validation_losses"].startswith("Give at most 1000 losses")


def test_prompt_space_can_be_marked_unexplored() -> None:
    values = form(prompt_space_well_understood=select("false", "radio_buttons"))

    assert parse_proposal_form(values).proposal.prompt_space_well_understood is False  # type: ignore[union-attr]


def test_voting_options_are_read_from_the_window_and_the_secret_checkbox() -> None:
    values = form(vote_window_days=number("0.5"), secret_ballot=checkboxes("secret"))

    assert parse_proposal_form(values).options == ModalOptions(0.5, secret_ballot=True)


def test_an_empty_vote_window_means_three_days() -> None:
    assert parse_proposal_form(form(vote_window_days=number(None))).options == ModalOptions()


@pytest.mark.parametrize("window", ["0.01", "31", "-1"])
def test_a_vote_window_outside_an_hour_to_thirty_days_is_refused(window: str) -> None:
    parsed = parse_proposal_form(form(vote_window_days=number(window)))

    assert list(parsed.errors) == ["vote_window_days"]
    assert "30 days" in parsed.errors["vote_window_days"]


@pytest.mark.parametrize("typed", ["nan", "inf", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused_with_a_message(typed: str) -> None:
    parsed = parse_proposal_form(form(compute_cost_usd=number(typed)))

    assert list(parsed.errors) == ["compute_cost_usd"]


def test_a_huge_whole_number_is_refused_without_computing_it() -> None:
    parsed = parse_proposal_form(form(dataset_examples=number("1e999999999")))

    assert parsed.errors["dataset_examples"].startswith("That number is too large")


@pytest.mark.parametrize(
    "values",
    [
        None,
        [],
        "values",
        {},
        {"title": None},
        {"title": {"value": None}},
        {"title": {"value": {"value": 5}}},
        {"prompt_space_well_understood": {"value": {"selected_option": None}}},
        {"lock_1_comparator": {"value": {"selected_option": "x"}}},
        {"secret_ballot": {"value": {"selected_options": None}}},
    ],
)
def test_odd_state_shapes_give_errors_and_never_raise(values: Any) -> None:
    parsed = parse_proposal_form(values)

    assert parsed.proposal is None
    assert "latency_ms" in parsed.errors


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "selected_option", "selected_options", "type"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from([b.value for b in ProposalBlock]), json_values))
def test_any_state_slack_could_send_parses_or_gives_short_messages(values: dict[str, Any]) -> None:
    parsed = parse_proposal_form(form(**values))

    assert (parsed.proposal is None) == bool(parsed.errors)
    assert set(parsed.errors) <= {b.value for b in ProposalBlock}
    assert all(0 < len(message) <= 150 for message in parsed.errors.values())


def test_private_metadata_round_trips_channel_and_proposal_id() -> None:
    for context in (ModalContext("C123"), ModalContext("C123", proposal_id=12)):
        encoded = encode_private_metadata(context)

        assert decode_private_metadata(encoded) == context


@pytest.mark.parametrize(
    ("raw", "complaint"),
    [
        ("not json", "not valid JSON"),
        ("[1]", "JSON object"),
        ('{"proposal_id": 1}', "channel_id"),
        ('{"channel_id": "C1", "proposal_id": "12"}', "proposal_id"),
    ],
)
def test_bad_private_metadata_raises_a_clear_error(raw: str, complaint: str) -> None:
    with pytest.raises(PrivateMetadataError, match=complaint):
        decode_private_metadata(raw)


# --- a percentage typed as a fraction -------------------------------------------------------


def test_a_percentage_typed_as_a_fraction_is_asked_about_on_its_block() -> None:
    parsed = parse_proposal_form(
        form(label_accuracy_pct=number("0.95"), duplicate_pct=number("0.05"))
    )

    assert parsed.proposal is None
    assert parsed.errors == {
        "label_accuracy_pct": "0.95 reads as 0.95 % label accuracy: did you mean 95 %? Type 95, "
        "or tick “meant as typed” under Small percentages",
        "duplicate_pct": "0.05 reads as 0.05 % duplicates: did you mean 5 %? Type 5, "
        "or tick “meant as typed” under Small percentages",
    }
    assert all(len(message) <= 150 for message in parsed.errors.values())


def test_a_small_percentage_ticked_as_meant_is_taken_as_typed() -> None:
    parsed = parse_proposal_form(
        form(duplicate_pct=number("0.5"), percent_fractions=checkboxes("meant"))
    )
    assert parsed.errors == {}
    assert parsed.proposal is not None and parsed.proposal.duplicate_pct == 0.5


@pytest.mark.parametrize(
    ("field", "value", "asked"),
    [
        ("label_accuracy_pct", "1", True),  # 1 = 100 %
        ("duplicate_pct", "1", False),  # 1 % duplicates, not 100 %
        ("projected_lift_pct", "0.8", True),
        ("duplicate_pct", "0", False),
        ("diversity_pct", "1.5", False),
    ],
)
def test_only_values_that_read_like_fractions_are_asked_about(
    field: str, value: str, asked: bool
) -> None:
    parsed = parse_proposal_form(form(**{field: number(value)}))
    assert (field in parsed.errors) is asked
