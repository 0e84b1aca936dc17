"""Buttons: the modal's "start from my last proposal in this channel" prefill."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.ids import ActionId, LayoutBlock
from bot.infrastructure.slack_client import slack_error_code
from bot.listeners.errors import failures_reported
from bot.modal.fields import decode_private_metadata
from bot.modal.view import proposal_modal

logger = logging.getLogger(__name__)

NO_EARLIER_PROPOSAL = (
    "You have no earlier proposal in this channel yet, so there is nothing to copy."
)

View = dict[str, Any]


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the modal's buttons."""

    @app.action(ActionId.PREFILL_LAST.value)
    async def prefill_last(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            await prefill_from_last_proposal(deps, client, body["view"], context)


async def prefill_from_last_proposal(
    deps: Deps, client: AsyncWebClient, view: View, context: AsyncBoltContext
) -> None:
    """Update the open modal in place (guarded by its hash) with the last proposal."""
    modal = await last_proposal_modal(deps, view, context)
    try:
        await client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)
    except SlackApiError as error:
        if slack_error_code(error) != "hash_conflict":
            raise
        logger.info("modal %s changed before the prefill arrived; left as it is", view["id"])


async def last_proposal_modal(deps: Deps, view: View, context: AsyncBoltContext) -> View:
    """The modal filled with the author's last proposal here, or with a note that there is none."""
    channel_id = decode_private_metadata(view.get("private_metadata", "")).channel_id
    record = await deps.stores.proposals.latest_proposal_by_author(
        team_id=context.team_id or "", channel_id=channel_id, author_id=context.user_id or ""
    )
    if record is None:
        return with_note(proposal_modal(channel_id=channel_id, policy=deps.policy))
    return proposal_modal(channel_id=channel_id, policy=deps.policy, prefill=record.proposal)


def with_note(modal: View, note: str = NO_EARLIER_PROPOSAL) -> View:
    """The modal with its prefill button replaced by a short note."""
    context_block = {
        "type": "context",
        "block_id": LayoutBlock.PREFILL_ACTIONS.value,
        "elements": [{"type": "mrkdwn", "text": note}],
    }
    blocks = [
        context_block if block.get("block_id") == LayoutBlock.PREFILL_ACTIONS else block
        for block in modal["blocks"]
    ]
    return {**modal, "blocks": blocks}
