"""Revise: the author re-opens the modal from the verdict, prefilled; its submission re-evaluates.

Resetting votes needs a confirmation that says so: while the vote is open and has votes, the
revise modal shows a "Reset the N votes cast so far" checkbox, and a submission without it
ticked is answered with an error on that block (or, when votes arrived after the modal was
opened, with the modal updated to show the checkbox). Votes are reset only when it is ticked.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.ids import RESET_VOTES_BLOCK, ActionId, ProposalBlock
from bot.listeners.errors import failures_reported
from bot.modal.fields import ModalContext
from bot.modal.parsing import has_reset_votes_block, reset_votes_ticked
from bot.modal.view import proposal_modal, reset_votes_error
from bot.models import ProposalRecord
from bot.services import UserFacingError
from bot.services.outbox import tell_privately
from bot.services.revisions import Revision, StoredRevision
from bot.voting.domain import VoteState
from core.proposal import Proposal

View = dict[str, Any]


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the verdict's "Revise" button."""

    @app.action(ActionId.REVISE.value)
    async def revise(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            await open_revise_modal(deps, client, body["trigger_id"], action, context)


async def open_revise_modal(
    deps: Deps,
    client: AsyncWebClient,
    trigger_id: str,
    action: dict[str, Any],
    context: AsyncBoltContext,
) -> None:
    """Open the prefilled modal for the author; tell anyone else privately why not."""
    user_id, channel_id = context.user_id or "", context.channel_id or ""
    try:
        record = await deps.revisions.revisable(int(action["value"]), user_id)
    except UserFacingError as refusal:
        await tell_privately(
            client, channel_id=channel_id, user_id=user_id, text=refusal.user_message
        )
        return
    votes = await votes_to_reset(deps, record)
    modal = revise_modal(deps, record.channel_id, record.id, record.proposal, votes)
    await client.views_open(trigger_id=trigger_id, view=modal)


async def votes_to_reset(deps: Deps, record: ProposalRecord) -> int:
    """How many votes a revision would reset: those of an open vote (a closed one is kept)."""
    if record.vote_state is VoteState.CLOSED:
        return 0
    return len(await deps.stores.votes.votes_for(proposal_id=record.id))


def revise_modal(
    deps: Deps, channel_id: str, proposal_id: int, proposal: Proposal, votes: int
) -> View:
    """The revise modal, prefilled with `proposal`."""
    return proposal_modal(
        channel_id=channel_id,
        policy=deps.policy,
        prefill=proposal,
        proposal_id=proposal_id,
        votes_to_reset=votes,
    )


async def submit_revision(
    deps: Deps,
    ack: AsyncAck,
    view: View,
    context: AsyncBoltContext,
    proposal: Proposal,
    modal_context: ModalContext,
) -> None:
    """Ask for the reset confirmation when votes would be lost, else close and revise."""
    proposal_id = modal_context.proposal_id or 0
    record = await deps.stores.proposals.get_proposal(proposal_id=proposal_id)
    votes = await votes_to_reset(deps, record) if record is not None else 0
    values = view["state"]["values"]
    ticked = reset_votes_ticked(values)
    if votes and not ticked:
        await ack(**confirmation(deps, modal_context, proposal, votes, values))
        return
    revision = Revision(
        proposal_id=proposal_id,
        editor_id=context.user_id or "",
        submission_key=view["id"],
        proposal=proposal,
        reset_votes=ticked,
    )
    try:
        stored = await deps.revisions.store(revision)
    except UserFacingError as refusal:
        await ack(response_action="errors", errors={ProposalBlock.TITLE: str(refusal)})
        return
    await ack()
    if stored is not None:
        deps.background.start(announce_reported(deps, stored, revision.editor_id, context))


def confirmation(
    deps: Deps, modal_context: ModalContext, proposal: Proposal, votes: int, values: object
) -> dict[str, Any]:
    """The answer asking to confirm the reset: an error on the checkbox, or the modal with it."""
    if has_reset_votes_block(values):
        errors = {RESET_VOTES_BLOCK: reset_votes_error(votes)}
        return {"response_action": "errors", "errors": errors}
    proposal_id = modal_context.proposal_id or 0
    modal = revise_modal(deps, modal_context.channel_id, proposal_id, proposal, votes)
    return {"response_action": "update", "view": modal}


async def announce_reported(
    deps: Deps, stored: StoredRevision, editor_id: str, context: AsyncBoltContext
) -> None:
    """Announce a stored revision; any failure is logged and reported to its author."""
    async with failures_reported(deps, context):
        await deps.revisions.announce(stored, editor_id)
