"""Decision records: `/finetune-check record <id>` and the verdict's "Decision record" button.

The record goes in the proposal's own thread, wherever it was asked for. A proposal whose
verdict was never posted has no thread, so its record is shown only to the person who asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.format import Block, context, section
from bot.deps import Deps
from bot.ids import ActionId
from bot.listeners.errors import failures_reported
from bot.models import ProposalRecord
from bot.reports.decision_record import decision_record_message

SUBCOMMAND = "record"
LARGEST_PROPOSAL_ID = 2**31 - 1
"""Ids above this cannot exist (PostgreSQL's integer), so they are not looked up."""

USAGE = "`record` needs a proposal number, e.g. `record 12`."
UNKNOWN = "No proposal #{proposal_id} in this workspace."
POSTED = "Posted the decision record of proposal #{proposal_id} in its thread in <#{channel}>."
UNDELIVERED = (
    "The verdict of proposal #{proposal_id} was never posted in <#{channel}>, "
    "so its decision record is shown only to you."
)

_NUMBER = re.compile(r"#?(\d+)")


@dataclass(frozen=True)
class RecordAnswer:
    """What to tell privately whoever asked for a record; `posted` when it went in the thread."""

    text: str
    blocks: list[Block]
    posted: bool = False


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the verdict's "Decision record" button (the command is in `commands`)."""

    @app.action(ActionId.DECISION_RECORD.value)
    async def decision_record_button(
        ack: AsyncAck,
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            answer = await record_answer(
                deps, client, team_id=context.team_id or "", text=action.get("value", "")
            )
            if not answer.posted:
                await respond(
                    text=answer.text,
                    blocks=answer.blocks,
                    response_type="ephemeral",
                    replace_original=False,
                )


async def record_command_answer(
    deps: Deps, client: AsyncWebClient, command: dict[str, Any]
) -> RecordAnswer:
    """Share the record `record <id>` names; the answer says where it went or what is wrong."""
    words = command.get("text", "").split()
    argument = words[1] if len(words) > 1 else ""
    return await record_answer(deps, client, team_id=command.get("team_id", ""), text=argument)


async def record_answer(
    deps: Deps, client: AsyncWebClient, *, team_id: str, text: str
) -> RecordAnswer:
    """Share the record of the proposal numbered in `text` (``12`` or ``#12``)."""
    proposal_id = proposal_number(text)
    if proposal_id is None:
        return notice(USAGE)
    record = await workspace_proposal(deps, team_id=team_id, proposal_id=proposal_id)
    if record is None:
        return notice(UNKNOWN.format(proposal_id=proposal_id))
    return await share_record(deps, client, record)


def proposal_number(text: str) -> int | None:
    """The proposal id in ``12`` or ``#12``; None for anything else."""
    match = _NUMBER.fullmatch(text.strip())
    return int(match.group(1)) if match else None


async def workspace_proposal(
    deps: Deps, *, team_id: str, proposal_id: int
) -> ProposalRecord | None:
    """The proposal with this id in this workspace, or None."""
    if proposal_id > LARGEST_PROPOSAL_ID:
        return None
    record = await deps.stores.proposals.get_proposal(proposal_id=proposal_id)
    return record if record is not None and record.team_id == team_id else None


async def share_record(deps: Deps, client: AsyncWebClient, record: ProposalRecord) -> RecordAnswer:
    """Post the record in the verdict's thread, or hand it back when there is no thread."""
    message = await record_message(deps, record)
    where = {"proposal_id": record.id, "channel": record.channel_id}
    if record.message_ts is None:
        return RecordAnswer(
            text=message["text"], blocks=[context(UNDELIVERED.format(**where)), *message["blocks"]]
        )
    await client.chat_postMessage(channel=record.channel_id, thread_ts=record.message_ts, **message)
    return notice(POSTED.format(**where), posted=True)


async def record_message(deps: Deps, record: ProposalRecord) -> dict[str, Any]:
    """The record's `chat.postMessage` arguments (text and blocks), as stored now."""
    return decision_record_message(
        record=record,
        votes=await deps.stores.votes.votes_for(proposal_id=record.id),
        history=await deps.stores.proposals.evaluation_history(proposal_id=record.id),
    )


def notice(text: str, *, posted: bool = False) -> RecordAnswer:
    """A one-line answer."""
    return RecordAnswer(text=text, blocks=[section(text)], posted=posted)
