"""The modal's "Ranges" line: how a team writes its uncertain figures, and what it is told when
the line cannot be read or a range does not fit its field."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.modal.parsing import parse_proposal_form
from bot.modal.ranges import SHORT_NAMES, RangesTextError, parse_ranges_text, ranges_text
from bot.modal.view import proposal_modal
from core.policy import Policy
from core.ranges import RANGED_FIELDS, WHOLE_FIELDS
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, RunningApp, sent_view, view_state
from tests.bot.fake_slack import FakeSlack


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lift 4–8, latency 110–170",
         {"projected_lift_pct": [4.0, 8.0], "latency_ms": [110.0, 170.0]}),
        ("lift 4 to 8", {"projected_lift_pct": [4.0, 8.0]}),
        ("lift: 4..8 %", {"projected_lift_pct": [4.0, 8.0]}),
        ("lift -2-8", {"projected_lift_pct": [-2.0, 8.0]}),
        ("latency 110 ms – 170 ms", {"latency_ms": [110.0, 170.0]}),
        ("revenue $150,000–$250,000", {"projected_revenue_usd": [150000.0, 250000.0]}),
        ("rows 120k—200k", {"dataset_examples": [120000, 200000]}),
        ("delivery 15-30 days; engineers 2-3", {"delivery_days": [15, 30], "engineers": [2, 3]}),
        ("compute 1.5k-6k\nsprint days 8-14",
         {"compute_cost_usd": [1500.0, 6000.0], "engineering_days": [8.0, 14.0]}),
        ("projected_lift_pct 4-8", {"projected_lift_pct": [4.0, 8.0]}),
        ("Label Accuracy 90-97", {"label_accuracy_pct": [90.0, 97.0]}),
        ("", {}),
    ],
)  # fmt: skip
def test_a_line_of_ranges_reads_as_the_team_writes_it(
    text: str, expected: dict[str, list[float]]
) -> None:
    assert parse_ranges_text(text) == expected


def test_whole_number_fields_read_as_whole_numbers() -> None:
    parsed = parse_ranges_text("rows 120000-200000, engineers 1-3, delivery 10-30")

    assert all(type(bound) is int for pair in parsed.values() for bound in pair)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lat 1-2", "“lat” takes no range. Use lift, rows, revenue, delivery, latency…"),
        ("lift 4", "Could not read “lift 4”: write a name and low–high, e.g. lift 4–8"),
        ("lift 1-2, lift 3-4", "lift is given twice; keep one range for it"),
        ("4-8", "Could not read “4-8”"),
    ],
)
def test_a_line_that_cannot_be_read_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(RangesTextError) as raised:
        parse_ranges_text(text)

    assert str(raised.value).startswith(message)
    assert len(str(raised.value)) <= 150


def test_stored_ranges_are_written_back_in_the_same_words() -> None:
    ranges = {
        "latency_ms": (110.0, 170.0),
        "projected_lift_pct": (4.0, 8.5),
        "delivery_days": (15, 30),
    }

    assert ranges_text(ranges) == "lift 4–8.5, delivery 15–30, latency 110–170"
    assert ranges_text(None) == ""


bounds = st.floats(0, 1000, allow_nan=False).map(lambda value: round(value, 2))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(RANGED_FIELDS), st.tuples(bounds, bounds), max_size=5))
def test_any_ranges_written_back_read_the_same(ranges: dict[str, tuple[float, float]]) -> None:
    typed = {
        field: tuple(int(b) if field in WHOLE_FIELDS else b for b in sorted(pair))
        for field, pair in ranges.items()
    }

    parsed = parse_ranges_text(ranges_text(typed))  # type: ignore[arg-type]

    assert parsed == {field: list(pair) for field, pair in typed.items()}


def test_every_ranged_field_has_a_short_name() -> None:
    assert set(SHORT_NAMES) == set(RANGED_FIELDS)


# -- in the modal -----------------------------------------------------------------------------


def submitted(ranges: str) -> Any:
    modal = proposal_modal(channel_id="C1", policy=Policy())
    return parse_proposal_form(view_state(modal, {**APPROVABLE, "ranges": ranges}))


def test_the_modal_has_one_optional_ranges_input_with_the_format_in_its_hint() -> None:
    modal = proposal_modal(channel_id="C1", policy=Policy())
    [block] = [b for b in modal["blocks"] if b.get("block_id") == "ranges"]

    assert block["optional"] is True
    assert block["element"]["type"] == "plain_text_input"
    assert "lift 4–8, latency 120–170" in block["hint"]["text"]
    assert "prompt result" in block["hint"]["text"]


def test_ranges_typed_in_the_modal_become_the_proposals_ranges() -> None:
    parsed = submitted("lift 5–9, latency 100–130")

    assert parsed.errors == {}
    assert parsed.proposal.ranges == {
        "projected_lift_pct": (5.0, 9.0),
        "latency_ms": (100.0, 130.0),
    }


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ("latency 120-170", "latency: must contain the point value 115 (you typed 120–170)"),
        ("lift 9-4", "lift: low must be at most high (you typed 9–4)"),
        ("rows 1.5-3", "rows: needs two whole numbers (you typed 1.5–3)"),
        ("diversity 60-120", "diversity: both ends must be numbers between 0 and 100"),
        ("prompt result 1-2", "prompt result: needs a typed value to range around"),
        ("speed 1-2", "“speed” takes no range"),
    ],
)
def test_a_bad_range_is_an_error_on_the_ranges_block_naming_the_field(
    ranges: str, message: str
) -> None:
    parsed = submitted(ranges)

    assert parsed.proposal is None
    assert list(parsed.errors) == ["ranges"]
    assert parsed.errors["ranges"].startswith(message)


def test_the_revise_modal_shows_the_stored_ranges() -> None:
    proposal = submitted("lift 5–9, delivery 15-30").proposal
    modal = proposal_modal(channel_id="C1", policy=Policy(), prefill=proposal, proposal_id=3)
    [block] = [b for b in modal["blocks"] if b.get("block_id") == "ranges"]

    assert block["element"]["initial_value"] == "lift 5–9, delivery 15–30"


async def test_a_bad_range_submitted_to_the_app_is_answered_with_an_error_on_its_block(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    status, body = await app.submit({**APPROVABLE, "ranges": "lift 4–8, latency 120–170"})
    await fake_slack.settle(0.05)

    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"ranges": "latency: must contain the point value 115 (you typed 120–170)"},
    }
    assert fake_slack.calls_to("chat.postMessage") == []


async def test_the_revise_button_opens_the_modal_with_the_stored_ranges(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.submit({**APPROVABLE, "ranges": "lift 5–9, latency 100-130"})
    [post] = await fake_slack.wait_for("chat.postMessage")
    proposal_id = post.params["metadata"]["event_payload"]["proposal_id"]

    await app.click(
        signing.block_actions(
            action_id="revise_proposal", value=str(proposal_id), channel_id=signing.CHANNEL_ID
        )
    )
    [opened] = await fake_slack.wait_for("views.open")
    [block] = [b for b in sent_view(opened.params)["blocks"] if b.get("block_id") == "ranges"]

    assert block["element"]["initial_value"] == "lift 5–9, latency 100–130"
