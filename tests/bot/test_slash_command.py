"""`/finetune-check` opens the proposal modal at once, and answers its sub-commands ephemerally."""

from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.views import View

from bot.blocks.replies import help_blocks, policy_blocks, unknown_subcommand_blocks
from bot.ids import ActionId, CallbackId, LayoutBlock
from bot.listeners.actions import NO_EARLIER_PROPOSAL
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, RunningApp, sent_view
from tests.bot.fake_slack import FakeSlack


def response_payload(fake_slack: FakeSlack) -> dict:
    [call] = [c for c in fake_slack.calls if c.method.startswith("respond/")]
    return call.params


async def test_the_bare_command_acks_with_an_empty_body_and_opens_the_modal(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    status, body = await app.command("")
    [call] = await fake_slack.wait_for("views.open")
    assert (status, body) == (200, "")
    assert call.params["trigger_id"] == "1337.42.abcdef"
    view = sent_view(call.params)
    View(**view).validate_json()
    assert view["callback_id"] == CallbackId.PROPOSAL
    assert json.loads(view["private_metadata"])["channel_id"] == signing.CHANNEL_ID


async def test_the_modal_is_opened_before_anything_else_is_asked_of_slack(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.command("")
    await fake_slack.wait_for("views.open")
    await fake_slack.settle(0.1)
    assert [call.method for call in fake_slack.calls] == ["auth.test", "views.open"]


async def test_the_modal_has_an_input_block_per_required_field(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.command("")
    [call] = await fake_slack.wait_for("views.open")
    block_ids = {block.get("block_id") for block in sent_view(call.params)["blocks"]}
    assert {"title", "projected_lift_pct", "dataset_examples", "latency_ms"} <= block_ids
    assert {"lock_1_comparator", "lock_2_unit"} <= block_ids


async def test_help_is_an_ephemeral_reply_through_the_response_url(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    status, body = await app.command("help")
    await fake_slack.wait_for("respond/hook")
    payload = response_payload(fake_slack)
    assert (status, body) == (200, "")
    assert payload["response_type"] == "ephemeral"
    assert payload["blocks"] == help_blocks()
    assert fake_slack.calls_to("views.open") == []


async def test_sub_commands_ignore_case_and_surrounding_spaces(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.command("  HELP ")
    await fake_slack.wait_for("respond/hook")
    assert response_payload(fake_slack)["blocks"] == help_blocks()


async def test_policy_shows_the_thresholds_in_force(app: RunningApp, fake_slack: FakeSlack) -> None:
    await app.command("policy")
    await fake_slack.wait_for("respond/hook")
    assert response_payload(fake_slack)["blocks"] == policy_blocks(app.deps.policy)


async def test_quarter_shows_the_fiscal_quarter_of_the_clocks_day(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.command("quarter")
    await fake_slack.wait_for("respond/hook")
    text = json.dumps(response_payload(fake_slack)["blocks"])
    assert "Q1" in text
    assert "2026" in text
    assert str((date(2026, 3, 31) - date(2026, 2, 10)).days) in text


async def test_an_unknown_sub_command_gets_the_help_with_not_recognised(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.command("frobnicate now")
    await fake_slack.wait_for("respond/hook")
    payload = response_payload(fake_slack)
    assert payload["blocks"] == unknown_subcommand_blocks("frobnicate now")
    assert "not recognised" in payload["text"]


async def test_list_is_empty_before_any_proposal(app: RunningApp, fake_slack: FakeSlack) -> None:
    await app.command("list")
    await fake_slack.wait_for("respond/hook")
    assert "No proposals" in json.dumps(response_payload(fake_slack)["blocks"])


async def test_list_shows_this_channels_proposals(app: RunningApp, fake_slack: FakeSlack) -> None:
    await app.submit(APPROVABLE)
    await fake_slack.wait_for("chat.postMessage")
    await app.command("list")
    await fake_slack.wait_for("respond/hook")
    assert APPROVABLE["title"] in json.dumps(response_payload(fake_slack)["blocks"])


async def test_list_leaves_out_other_channels(app: RunningApp, fake_slack: FakeSlack) -> None:
    await app.submit(APPROVABLE, channel_id="C0ELSEWHERE")
    await fake_slack.wait_for("chat.postMessage")
    await app.command("list")
    await fake_slack.wait_for("respond/hook")
    assert APPROVABLE["title"] not in json.dumps(response_payload(fake_slack)["blocks"])


def modal_in_slack(fake_slack: FakeSlack) -> dict:
    """The modal as Slack holds it after views.open (with its id and hash)."""
    return dict(sent_view(fake_slack.calls_to("views.open")[-1].params)) | {
        "id": "V0OPENED",
        "hash": "hash-open",
    }


async def click_prefill(app: RunningApp, fake_slack: FakeSlack) -> dict:
    await app.command("")
    await fake_slack.wait_for("views.open")
    body = signing.block_actions(
        action_id=ActionId.PREFILL_LAST,
        view=modal_in_slack(fake_slack),
        block_id=LayoutBlock.PREFILL_ACTIONS,
    )
    status, _ = await app.click(body)
    assert status == 200
    [update] = await fake_slack.wait_for("views.update")
    return update.params


async def test_prefill_without_an_earlier_proposal_says_there_is_none(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    update = await click_prefill(app, fake_slack)
    assert (update["view_id"], update["hash"]) == ("V0OPENED", "hash-open")
    assert NO_EARLIER_PROPOSAL in json.dumps(sent_view(update))
    View(**sent_view(update)).validate_json()


async def test_prefill_loads_the_authors_last_proposal_in_this_channel(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await app.submit(APPROVABLE)
    await fake_slack.wait_for("chat.postMessage")
    update = await click_prefill(app, fake_slack)
    view = sent_view(update)
    View(**view).validate_json()
    assert update["hash"] == "hash-open"
    assert APPROVABLE["title"] in json.dumps(view)
    assert NO_EARLIER_PROPOSAL not in json.dumps(view)
