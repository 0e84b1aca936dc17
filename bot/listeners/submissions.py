"""The proposal modal's submission: errors back onto their blocks, or store, close, then post.

A valid proposal is stored before the submission is answered (a few milliseconds), so a
proposal the user saw accepted survives a crash the moment after; the verdict is posted after
the answer. An attached data sample or trainer_state.json is read after the answer too, and
the verdict posted is the measured revision (see `bot.services.evidence`). A modal opened
from a verdict's "Revise" button carries the proposal id in its private_metadata; its
submission is a revision (see `bot.listeners.revise`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.evidence.shared import SharedFile
from bot.ids import CallbackId, ProposalBlock
from bot.listeners.errors import failures_reported
from bot.listeners.revise import submit_revision
from bot.modal.fields import ModalContext, ModalOptions, decode_private_metadata
from bot.modal.parsing import parse_proposal_form
from bot.models import ProposalRecord
from bot.services.intake import Submission
from core.proposal import Proposal

logger = logging.getLogger(__name__)

NOT_SAVED = (
    "Your proposal could not be saved just now ({kind}); your answers are still here, "
    "so please submit again in a moment."
)


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
        submission = new_submission(
            view, context, parsed.proposal, modal_context, parsed.options, parsed.files
        )
        await store_then_post(deps, ack, submission, context)


def new_submission(
    view: dict[str, Any],
    context: AsyncBoltContext,
    proposal: Proposal,
    modal_context: ModalContext,
    options: ModalOptions | None,
    files: tuple[SharedFile, ...] = (),
) -> Submission:
    """A valid proposal with who sent it, from where; the view id makes a double submit one."""
    return Submission(
        files=files,
        team_id=context.team_id or "",
        channel_id=modal_context.channel_id,
        author_id=context.user_id or "",
        submission_key=view["id"],
        proposal=proposal,
        options=options or ModalOptions(),
    )


async def store_then_post(
    deps: Deps, ack: AsyncAck, submission: Submission, context: AsyncBoltContext
) -> None:
    """Store the proposal, close the modal, then post its verdict in the background.

    When the database refuses, the modal stays open with a note on its first block, so
    nothing the user typed is lost and nothing unsaved is shown as accepted.
    """
    try:
        record = await deps.intake.store(submission)
    except Exception as error:  # logged with its traceback and shown in the modal
        logger.exception("could not store submission %s", submission.submission_key)
        await ack(response_action="errors", errors=not_saved_errors(error))
        return
    await ack()
    deps.background.start(deliver_reported(deps, record, context, submission.files))


def not_saved_errors(error: Exception) -> dict[str, str]:
    """The modal's errors when the proposal could not be stored."""
    return {ProposalBlock.TITLE.value: NOT_SAVED.format(kind=type(error).__name__)}


async def deliver_reported(
    deps: Deps,
    record: ProposalRecord,
    context: AsyncBoltContext,
    files: tuple[SharedFile, ...] = (),
) -> None:
    """Measure the attached files and post the verdict; any failure is logged and reported to
    its author."""
    async with failures_reported(deps, context):
        await deps.delivery.deliver(record, files)
