"""`/finetune-check`: open the proposal modal, or answer a sub-command ephemerally."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.format import section
from bot.blocks.replies import (
    help_blocks,
    policy_blocks,
    proposal_list_blocks,
    quarter_blocks,
    unknown_subcommand_blocks,
)
from bot.deps import Deps
from bot.listeners.decision_record import SUBCOMMAND as RECORD
from bot.listeners.decision_record import record_command_answer
from bot.listeners.errors import failures_reported
from bot.modal.view import empty_modal_json
from bot.models import ProposalRecord
from bot.voting.committee import SUBCOMMAND as COMMITTEE
from bot.voting.committee import (
    CommitteeCommand,
    CommitteeCommandError,
    CommitteeVerb,
    parse_committee_command,
)
from bot.voting.domain import VoteState
from bot.voting.rules import may_change_committee
from core.calendar import fiscal_quarter, qit_deadline

COMMAND = "/finetune-check"
LIST_LIMIT = 20

Blocks = list[dict[str, Any]]


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the slash command."""

    @app.command(COMMAND)
    async def finetune_check(
        ack: AsyncAck,
        command: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            await answer(deps, command, client, respond)


async def answer(
    deps: Deps, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    """Open the modal for a bare command, else reply to the sub-command."""
    words = command.get("text", "").split()
    if not words:
        await open_proposal_modal(deps, client, command)
        return
    text, blocks = await reply_to(deps, client, words[0].lower(), command)
    await respond(text=text, blocks=blocks, response_type="ephemeral")


async def open_proposal_modal(deps: Deps, client: AsyncWebClient, command: dict[str, Any]) -> None:
    """Open the empty proposal modal at once: the trigger_id expires after 3 seconds."""
    view = empty_modal_json(command["channel_id"], deps.policy)
    await client.views_open(trigger_id=command["trigger_id"], view=view)  # type: ignore[arg-type]


async def reply_to(
    deps: Deps, client: AsyncWebClient, subcommand: str, command: dict[str, Any]
) -> tuple[str, Blocks]:
    """The ephemeral answer to a sub-command: (fallback text, blocks)."""
    if subcommand == COMMITTEE:
        text = await committee_answer(deps, client, command)
        return text, [section(text)]
    if subcommand == RECORD:
        record = await record_command_answer(deps, client, command)
        return record.text, record.blocks
    if subcommand == "help":
        return "How to use /finetune-check", help_blocks()
    if subcommand == "list":
        return "Proposals in this channel", await _list_blocks(deps, command)
    if subcommand == "policy":
        return "The thresholds in force", policy_blocks(deps.policy)
    if subcommand == "quarter":
        return "The current fiscal quarter", await _quarter_blocks(deps, command)
    return f"'{subcommand}' is not recognised", unknown_subcommand_blocks(command.get("text", ""))


async def committee_answer(deps: Deps, client: AsyncWebClient, command: dict[str, Any]) -> str:
    """Show or change the channel's committee; the answer says what happened or why not."""
    try:
        parsed = parse_committee_command(command.get("text", ""))
    except CommitteeCommandError as error:
        return str(error)
    result = await deps.voting.change_committee(
        team_id=command.get("team_id", ""),
        channel_id=command["channel_id"],
        actor_id=command["user_id"],
        is_admin=await _is_admin_if_it_matters(deps, client, command, parsed),
        command=parsed,
    )
    return result.text


async def _is_admin_if_it_matters(
    deps: Deps, client: AsyncWebClient, command: dict[str, Any], parsed: CommitteeCommand
) -> bool:
    """Whether the caller is a workspace admin or owner, asked of Slack only when it decides."""
    if parsed.verb is CommitteeVerb.SHOW:
        return False
    committee = await deps.voting.committee_for(
        team_id=command.get("team_id", ""), channel_id=command["channel_id"]
    )
    if may_change_committee(command["user_id"], committee, is_admin=False):
        return False
    response = await client.users_info(user=command["user_id"])
    user = response.get("user") or {}
    return bool(user.get("is_admin") or user.get("is_owner"))


async def _list_blocks(deps: Deps, command: dict[str, Any]) -> Blocks:
    records = await deps.stores.proposals.list_channel_proposals(
        team_id=command.get("team_id", ""), channel_id=command["channel_id"], limit=LIST_LIMIT
    )
    return proposal_list_blocks(records)


async def _quarter_blocks(deps: Deps, command: dict[str, Any]) -> Blocks:
    start_month = deps.settings.fiscal_year_start_month
    today = deps.clock.now().astimezone(deps.settings.zone).date()
    records = await deps.stores.proposals.list_channel_proposals(
        team_id=command.get("team_id", ""), channel_id=command["channel_id"], limit=LIST_LIMIT
    )
    return quarter_blocks(
        today=today,
        quarter=fiscal_quarter(today, start_month),
        start_month=start_month,
        timezone=deps.settings.timezone,
        deadlines=qit_deadlines(records, today, start_month),
    )


def qit_deadlines(
    records: list[ProposalRecord], today: date, start_month: int
) -> list[tuple[str, date]]:
    """The QIT deadline of each proposal still open to votes, labelled with its id and title."""
    return [
        (
            f"#{record.id} {record.title}",
            qit_deadline(today, start_month, record.proposal.delivery_days),
        )
        for record in records
        if record.vote_state is VoteState.OPEN
    ]
