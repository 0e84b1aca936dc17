"""Evaluate, store and post a verdict; when the channel is out of reach, tell the author."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks.replies import not_in_channel_text
from bot.blocks.verdict import verdict_message
from bot.deps import Deps
from bot.forms import ModalOptions
from bot.persistence.records import ProposalRecord
from bot.services import UserFacingError
from core.engine import evaluate
from core.proposal import Proposal

logger = logging.getLogger(__name__)

UNREACHABLE_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found"})

DELIVERY_FAILED = (
    'Your proposal "{title}" (#{proposal_id}) is saved, but Slack did not accept the verdict '
    "message (`{code}`). Please try again in a few minutes."
)


@dataclass(frozen=True)
class Submission:
    """A valid proposal as it came out of the modal, with who sent it and from where."""

    team_id: str
    channel_id: str
    author_id: str
    submission_key: str
    proposal: Proposal
    options: ModalOptions


async def publish_proposal(deps: Deps, submission: Submission) -> ProposalRecord:
    """Evaluate and store a submission, then post its verdict once (a repeat submit posts none)."""
    record, created = await store_proposal(deps, submission)
    if created:
        await post_verdict(deps, record)
    else:
        logger.info("submission %s already stored as #%d", submission.submission_key, record.id)
    return record


async def store_proposal(deps: Deps, submission: Submission) -> tuple[ProposalRecord, bool]:
    """Evaluate under the policy in force and store; False when the submission was seen before."""
    now = deps.clock.now()
    return await deps.repository.create_proposal(
        team_id=submission.team_id,
        channel_id=submission.channel_id,
        author_id=submission.author_id,
        submission_key=submission.submission_key,
        proposal=submission.proposal,
        evaluation=evaluate(submission.proposal, deps.policy),
        created_by=submission.author_id,
        vote_deadline=now + timedelta(days=submission.options.vote_window_days),
        secret_ballot=submission.options.secret_ballot,
        quorum=None,
        now=now,
    )


async def post_verdict(deps: Deps, record: ProposalRecord) -> None:
    """Post the verdict in the proposal's channel and remember the message."""
    message = verdict_message(
        proposal_id=record.id,
        proposal=record.proposal,
        evaluation=record.evaluation,
        author_id=record.author_id,
    )
    try:
        response = await deps.client.chat_postMessage(
            channel=record.channel_id,
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )
    except SlackApiError as error:
        await _undeliverable(deps, record, error)
        return
    await deps.repository.mark_posted(
        proposal_id=record.id,
        channel_id=str(response["channel"]),
        message_ts=str(response["ts"]),
        now=deps.clock.now(),
    )


async def _undeliverable(deps: Deps, record: ProposalRecord, error: SlackApiError) -> None:
    code = str(error.response.get("error", "unknown_error"))
    await deps.repository.mark_undeliverable(
        proposal_id=record.id, error=code, now=deps.clock.now()
    )
    if code not in UNREACHABLE_CHANNEL_ERRORS:
        raise UserFacingError(
            DELIVERY_FAILED.format(title=record.title, proposal_id=record.id, code=code)
        ) from error
    logger.info(
        "proposal #%d saved but #%s is out of reach: %s", record.id, record.channel_id, code
    )
    await deps.client.chat_postMessage(
        channel=record.author_id,
        text=not_in_channel_text(channel_id=record.channel_id, proposal_id=record.id),
    )
