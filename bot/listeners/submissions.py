"""The proposal modal's submission: errors back onto their blocks, or close and post the verdict.

A modal opened from a verdict's "Revise" button carries the proposal id in its
private_metadata; its submission is a revision (see `bot.listeners.revise`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.forms import ModalOptions, decode_private_metadata, parse_proposal_form
from bot.ids import CallbackId
from bot.listeners.errors import failures_reported
from bot.listeners.revise import submit_revision
from bot.services.posting import Submission, publish_proposal


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for submissions of the proposal modal."""

    @app.view(CallbackId.PROPOSAL.value)
    async def submit_proposal(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        parsed = parse_proposal_form(view["state"]["values"])
        if parsed.proposal is None or parsed.errors:
            await ack(response_action="errors", errors=parsed.errors)
            return
        modal_context = decode_private_metadata(view.get("private_metadata", ""))
        if modal_context.proposal_id is not None:
            await submit_revision(deps, ack, view, context, parsed.proposal, modal_context)
            return
        await ack()
        submission = Submission(
            team_id=context.team_id or "",
            channel_id=modal_context.channel_id,
            author_id=context.user_id or "",
            submission_key=view["id"],
            proposal=parsed.proposal,
            options=parsed.options or ModalOptions(),
        )
        deps.background.start(publish_reported(deps, submission, context))


async def publish_reported(deps: Deps, submission: Submission, context: AsyncBoltContext) -> None:
    """Publish a submission; any failure is logged and reported to its author."""
    async with failures_reported(deps, context):
        await publish_proposal(deps, submission)
