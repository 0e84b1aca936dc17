"""The proposal modal: a valid `views.open` payload keeping the block ids of docs/contracts.md."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ids import INPUT_ACTION_ID, ActionId, CallbackId, ProposalBlock
from bot.modal.fields import ModalOptions, decode_private_metadata
from bot.modal.parsing import parse_proposal_form
from bot.modal.view import proposal_modal
from core.policy import Policy
from core.proposal import Proposal
from tests.bot.block_kit import view_problems
from tests.builders import FALSE_POSITIVES_LOCK, LATENCY_LOCK, fraud_upgrade
from tests.strategies import proposals

LOCK_BLOCKS = {
    f"lock_{n}_{part}"
    for n in (1, 2)
    for part in ("name", "comparator", "threshold", "achieved", "unit")
}
FRAUD = fraud_upgrade(
    kpi_name="false-positive reduction",
    latency_sla_ms=120,
    prompt_space_well_understood=False,
    validation_losses=[0.9, 0.7, 0.58],
    metric_locks=[FALSE_POSITIVES_LOCK, LATENCY_LOCK],
)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def state_from_initial_values(view: dict[str, Any]) -> dict[str, Any]:
    """The ``state.values`` Slack would send if the user submitted the modal untouched."""
    values: dict[str, Any] = {}
    for block_id, block in inputs(view).items():
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("plain_text_input", "number_input"):
            state["value"] = element.get("initial_value")
        elif element["type"] == "checkboxes":
            state["selected_options"] = element.get("initial_options", [])
        else:
            state["selected_option"] = element.get("initial_option")
        values[block_id] = {element["action_id"]: state}
    return values


def test_the_empty_modal_is_a_valid_view() -> None:
    view = proposal_modal(channel_id="C1", policy=Policy())

    assert view_problems(view) == []
    assert view["type"] == "modal"
    assert view["callback_id"] == CallbackId.PROPOSAL == "finetune_proposal"
    assert len(view["title"]["text"]) <= 24


def test_input_block_ids_are_the_proposal_fields_the_locks_and_the_voting_options() -> None:
    view = proposal_modal(channel_id="C1", policy=Policy())
    proposal_fields = set(Proposal.model_fields) - {"metric_locks"}  # ranges: one text input

    assert set(inputs(view)) == proposal_fields | LOCK_BLOCKS | {
        "percent_fractions",
        "training_sample",
        "vote_window_days",
        "secret_ballot",
    }
    assert set(inputs(view)) == {block.value for block in ProposalBlock}


def test_every_input_element_has_the_value_action_id() -> None:
    view = proposal_modal(channel_id="C1", policy=Policy())

    assert {b["element"]["action_id"] for b in inputs(view).values()} == {INPUT_ACTION_ID}


def test_number_inputs_carry_the_bounds_and_decimal_setting_of_their_field() -> None:
    blocks = inputs(proposal_modal(channel_id="C1", policy=Policy()))

    accuracy = blocks["label_accuracy_pct"]["element"]
    assert (accuracy["type"], accuracy["min_value"], accuracy["max_value"]) == (
        "number_input",
        "0",
        "100",
    )
    assert accuracy["is_decimal_allowed"] is True
    assert blocks["dataset_examples"]["element"]["is_decimal_allowed"] is False
    assert blocks["dataset_examples"]["element"]["max_value"] == "1000000000000"
    assert blocks["projected_lift_pct"]["element"]["min_value"] == "-100"
    assert "min_value" not in blocks["lock_1_threshold"]["element"]


def test_required_fields_are_required_and_the_rest_optional() -> None:
    blocks = inputs(proposal_modal(channel_id="C1", policy=Policy()))
    required = {name for name, block in blocks.items() if not block["optional"]}

    assert required == {name for name, info in Proposal.model_fields.items() if info.is_required()}


def test_choices_offer_the_contract_values() -> None:
    blocks = inputs(proposal_modal(channel_id="C1", policy=Policy()))

    prompt_space = blocks["prompt_space_well_understood"]["element"]
    comparator = blocks["lock_2_comparator"]["element"]
    assert {o["value"] for o in prompt_space["options"]} == {"true", "false"}
    assert {o["value"] for o in comparator["options"]} == {">=", "<="}
    assert blocks["validation_losses"]["element"]["type"] == "plain_text_input"


def test_optional_fields_say_which_policy_default_applies() -> None:
    policy = Policy(latency_sla_ms=200, revenue_horizon_days=120)
    blocks = inputs(proposal_modal(channel_id="C1", policy=policy))

    assert blocks["latency_sla_ms"]["hint"]["text"] == "Leave empty to use the policy's 200 ms."
    assert "120 days" in blocks["revenue_horizon_days"]["hint"]["text"]
    assert "$1,166.67" in blocks["engineer_day_cost_usd"]["hint"]["text"]


def test_the_channel_travels_in_private_metadata() -> None:
    view = proposal_modal(channel_id="C042", policy=Policy())

    context = decode_private_metadata(view["private_metadata"])
    assert (context.channel_id, context.proposal_id) == ("C042", None)


def test_a_new_proposal_offers_to_start_from_the_last_one() -> None:
    view = proposal_modal(channel_id="C1", policy=Policy())

    buttons = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ActionId.PREFILL_LAST]


def test_revising_carries_the_proposal_id_and_drops_the_prefill_button() -> None:
    view = proposal_modal(channel_id="C1", policy=Policy(), prefill=FRAUD, proposal_id=12)

    assert json.loads(view["private_metadata"]) == {"channel_id": "C1", "proposal_id": 12}
    assert all(block["type"] != "actions" for block in view["blocks"])
    assert view_problems(view) == []


def test_prefilled_numbers_have_no_exponent_or_float_noise() -> None:
    proposal = FRAUD.model_copy(
        update={"compute_cost_usd": 1e16, "prompt_result": 1e-7, "projected_lift_pct": 6.2}
    )
    blocks = inputs(proposal_modal(channel_id="C1", policy=Policy(), prefill=proposal))

    assert blocks["compute_cost_usd"]["element"]["initial_value"] == "10000000000000000"
    assert blocks["prompt_result"]["element"]["initial_value"] == "0.0000001"
    assert blocks["projected_lift_pct"]["element"]["initial_value"] == "6.2"
    assert blocks["dataset_examples"]["element"]["initial_value"] == "150000"
    assert blocks["validation_losses"]["element"]["initial_value"] == "0.9, 0.7, 0.58"


def test_a_prefilled_modal_submitted_untouched_gives_back_the_same_proposal() -> None:
    options = ModalOptions(vote_window_days=0.5, secret_ballot=True)
    view = proposal_modal(channel_id="C1", policy=Policy(), prefill=FRAUD, options=options)

    parsed = parse_proposal_form(state_from_initial_values(view))

    assert parsed.errors == {}
    assert parsed.proposal == FRAUD
    assert parsed.options == options


def test_a_thousand_long_losses_are_cut_to_fit_the_input_and_the_hint_says_so() -> None:
    proposal = FRAUD.model_copy(update={"validation_losses": [0.123456789012345] * 1000})
    view = proposal_modal(channel_id="C1", policy=Policy(), prefill=proposal)
    losses = inputs(view)["validation_losses"]

    assert view_problems(view) == []
    assert len(losses["element"]["initial_value"]) <= 3000
    assert "of 1000 epochs" in losses["hint"]["text"]


# What the form can give back: stripped texts, two locks, losses and epochs it can print.
form_proposals = proposals(
    stripped=True, max_locks=2, max_epochs=10**6, max_losses=60, max_loss=1e6
)


@settings(max_examples=60, deadline=None)
@given(form_proposals, st.floats(0.04, 30), st.booleans())
def test_any_prefilled_proposal_round_trips_through_the_modal(
    proposal: Proposal, window: float, secret: bool
) -> None:
    options = ModalOptions(vote_window_days=window, secret_ballot=secret)
    view = proposal_modal(channel_id="C1", policy=Policy(), prefill=proposal, options=options)

    parsed = parse_proposal_form(state_from_initial_values(view))

    assert view_problems(view) == []
    assert parsed.errors == {}
    assert parsed.proposal == proposal
    assert parsed.options == options


def test_a_prefill_with_more_than_two_locks_says_the_extra_ones_are_dropped() -> None:
    extra = FRAUD.model_copy(update={"metric_locks": FRAUD.locks * 2})
    view = proposal_modal(channel_id="C1", policy=Policy(), prefill=extra)
    notes = [b["elements"][0]["text"] for b in view["blocks"] if b["type"] == "context"]

    assert (
        "The earlier proposal had 2 more lock(s); the form holds two, so only these two are kept."
        in notes
    )
    assert view_problems(view) == []
