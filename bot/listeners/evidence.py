"""Files in a verdict's thread: a data sample posted there is scanned and answered with a short
report; its "Revise with the measured figures" button opens the revise modal prefilled.

Slack delivers a reply with files as a `message` event of subtype `file_share` (through the
`message.channels` and `message.groups` subscriptions the thread votes use). Bolt runs the
first listener that matches, so this one is registered before the votes' catch-all `message`
listener; a file share is never a vote. The bot's own uploads (the verdict's pictures) come
back the same way and are ignored, and so is any file that is not a data sample (a screenshot
in the thread is not evidence).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.evidence import ButtonValueError, read_measured_button_value
from bot.deps import Deps
from bot.evidence.shared import MAX_FILES, EvidenceKind, SharedFile, evidence_kind, shared_files
from bot.ids import ActionId
from bot.listeners.errors import failures_reported
from bot.listeners.revise import revise_modal, votes_to_reset
from bot.services import UserFacingError
from bot.services.outbox import tell_privately

logger = logging.getLogger(__name__)

FILE_SHARE = "file_share"


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for files shared in threads and for the scan report's revise button."""

    @app.event({"type": "message", "subtype": FILE_SHARE})
    async def file_shared(event: dict[str, Any], context: AsyncBoltContext) -> None:
        files = thread_data_files(event, context.bot_user_id)
        if not files:
            return
        async with failures_reported(deps, context):
            await scan_thread_files(deps, event, files, team_id=context.team_id or "")

    @app.action(ActionId.REVISE_WITH_MEASURED.value)
    async def revise_with_measured(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            await open_measured_modal(deps, client, body["trigger_id"], action, context)


def thread_data_files(event: dict[str, Any], bot_user_id: str | None) -> list[SharedFile]:
    """The data files a person posted as a reply in a thread (none from the bot itself)."""
    thread_ts, ts = event.get("thread_ts"), event.get("ts")
    if not thread_ts or thread_ts == ts or event.get("bot_id"):
        return []
    if bot_user_id is not None and event.get("user") == bot_user_id:
        return []
    files = shared_files(event.get("files"))
    return [f for f in files if f.name and evidence_kind(f.name) is EvidenceKind.DATA][:MAX_FILES]


async def scan_thread_files(
    deps: Deps, event: dict[str, Any], files: list[SharedFile], *, team_id: str
) -> None:
    """Scan each file when the thread is a verdict's; say nothing in any other thread."""
    proposal_id = await deps.stores.proposals.proposal_id_for_thread(
        team_id=team_id, channel_id=str(event.get("channel", "")), thread_ts=str(event["thread_ts"])
    )
    if proposal_id is None:
        return
    record = await deps.stores.proposals.get_proposal(proposal_id=proposal_id)
    if record is None:
        return
    for shared in files:
        await deps.measurer.scan_thread_file(record, shared)


async def open_measured_modal(
    deps: Deps,
    client: AsyncWebClient,
    trigger_id: str,
    action: dict[str, Any],
    context: AsyncBoltContext,
) -> None:
    """The revise modal with the measured figures in place, for the author only."""
    from bot.evidence.measure import with_measured

    user_id, channel_id = context.user_id or "", context.channel_id or ""
    try:
        proposal_id, measured = read_measured_button_value(str(action.get("value", "")))
        record = await deps.revisions.revisable(proposal_id, user_id)
    except ButtonValueError:
        logger.warning("a revise-with-measured button with a foreign value: %r", action)
        return
    except UserFacingError as refusal:
        await tell_privately(
            client, channel_id=channel_id, user_id=user_id, text=refusal.user_message
        )
        return
    prefill = with_measured(record.proposal, measured)
    votes = await votes_to_reset(deps, record)
    modal = revise_modal(deps, record.channel_id, record.id, prefill, votes)
    await client.views_open(trigger_id=trigger_id, view=modal)
