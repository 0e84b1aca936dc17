"""Evaluate, store and post a verdict; when the channel is out of reach, tell the author."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import zip_longest
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.blocks.format import mention
from bot.blocks.modal import votes_cast_phrase
from bot.blocks.replies import not_in_channel_text
from bot.blocks.verdict import VERDICT_LABELS, verdict_metadata
from bot.deps import Deps
from bot.evidence.shared import SharedFile
from bot.forms import ModalOptions
from bot.infrastructure.slack_client import slack_error_code
from bot.models import DeliveryState, ProposalRecord
from bot.services import UserFacingError
from bot.services.ballot import ballot_message
from bot.services.evidence import Measured, measure_attached
from core.engine import evaluate
from core.proposal import Proposal

logger = logging.getLogger(__name__)

UNREACHABLE_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found"})

NOT_THE_AUTHOR = (
    "Only the author ({author}) can revise proposal #{proposal_id}; "
    "you can submit your own with `/finetune-check`."
)
UNKNOWN_PROPOSAL = "Proposal #{proposal_id} does not exist (any more), so nothing was revised."

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
    files: tuple[SharedFile, ...] = ()
    """The data sample and trainer_state.json attached, measured after the ack."""


@dataclass(frozen=True)
class Revision:
    """New numbers for a stored proposal, from its revise modal."""

    proposal_id: int
    editor_id: str
    submission_key: str
    proposal: Proposal
    reset_votes: bool


async def deliver_verdict(
    deps: Deps, record: ProposalRecord, files: Sequence[SharedFile] = ()
) -> None:
    """Post the verdict of a stored, not yet posted proposal, once however often it is submitted.

    Attached `files` are measured first (`bot.services.evidence`): the verdict posted is the
    measured revision, or the typed one with the thread saying why a file was not used.

    The claim makes a double submit post one verdict, while a proposal stored by a submission
    that crashed before its verdict went out is still posted when the modal is sent again.
    The delivery is then claimed on the proposal itself, as the redelivery sweep claims it
    (`bot.services.redelivery`): whichever comes first posts, the other leaves it alone.
    """
    if record.delivery_state is not DeliveryState.PENDING:
        logger.info("proposal #%d is already %s", record.id, record.delivery_state.value)
        return
    if not await deps.stores.events.claim_event(key=f"verdict:{record.id}", now=deps.clock.now()):
        logger.info("the verdict of proposal #%d is already on its way", record.id)
        return
    claimed = await deps.stores.proposals.claim_pending_delivery(
        proposal_id=record.id, untouched_since=record.updated_at, now=deps.clock.now()
    )
    if claimed is None:
        logger.info("the verdict of proposal #%d was taken over by the redelivery sweep", record.id)
        return
    measured = await measured_or_typed(deps, claimed, files)
    await post_verdict(deps, measured.record, measured.lines, measured.blocks)


MEASURED_NOT_SAVED = (
    "⚠️ The measured figures could not be saved just now; the verdict uses the typed figures."
)


async def measured_or_typed(
    deps: Deps, record: ProposalRecord, files: Sequence[SharedFile]
) -> Measured:
    """The measured revision of the record (with its thread lines), or the record itself."""
    if not files:
        return Measured(record)
    try:
        return await measure_attached(deps, record, files)
    except Exception:  # the typed proposal is stored: it is posted whatever went wrong here
        logger.exception("measuring the files of proposal #%d failed", record.id)
        return Measured(record, (MEASURED_NOT_SAVED,), (None,))


async def store_proposal(deps: Deps, submission: Submission) -> ProposalRecord:
    """Evaluate under the policy in force and store (a submission seen before is stored once)."""
    now = deps.clock.now()
    record, _created = await deps.stores.proposals.create_proposal(
        team_id=submission.team_id,
        channel_id=submission.channel_id,
        author_id=submission.author_id,
        submission_key=submission.submission_key,
        proposal=submission.proposal,
        evaluation=evaluate(submission.proposal, deps.policy),
        created_by=submission.author_id,
        vote_deadline=now + timedelta(days=submission.options.vote_window_days),
        secret_ballot=submission.options.secret_ballot,
        quorum=None,  # the modal sets none: a majority of the committee at closing time
        now=now,
    )
    return record


async def post_verdict(
    deps: Deps,
    record: ProposalRecord,
    lines: Sequence[str] = (),
    blocks: Sequence[Sequence[dict[str, Any]] | None] = (),
) -> DeliveryState:
    """Post the verdict with its open ballot in the proposal's channel and remember the message.

    The first post carries docs/contracts.md's metadata as it is; every later `chat.update` adds the
    tally (and the outcome once closed). Then the thread gets `lines` (each with its `blocks`,
    if any: what became of attached files) and the verdict's pictures, in that order. Returns
    the delivery state recorded: posted, or undeliverable when the channel is out of reach
    (any other refusal raises).
    """
    snapshot = await deps.voting.snapshot(record.id)
    if snapshot is None:
        raise LookupError(f"proposal #{record.id} vanished before its verdict was posted")
    message = ballot_message(snapshot, await deps.notes_for(snapshot.proposal))
    metadata = verdict_metadata(record.id, record.evaluation)
    try:
        response = await deps.client.chat_postMessage(
            channel=record.channel_id,
            text=message.text,
            blocks=message.blocks,
            metadata=metadata,
        )
    except SlackApiError as error:
        await _undeliverable(deps, record, error)
        return DeliveryState.UNDELIVERABLE
    posted = await deps.stores.proposals.mark_posted(
        proposal_id=record.id,
        channel_id=str(response["channel"]),
        message_ts=str(response["ts"]),
        now=deps.clock.now(),
    )
    for line, line_blocks in zip_longest(lines, blocks[: len(lines)]):
        deps.thread_lines.announce(record.id, line, line_blocks)
    deps.verdict_pictures.post(snapshot.proposal)
    return posted.delivery_state


async def _undeliverable(deps: Deps, record: ProposalRecord, error: SlackApiError) -> None:
    code = slack_error_code(error)
    await deps.stores.proposals.mark_undeliverable(
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


@dataclass(frozen=True)
class StoredRevision:
    """A revision written to the database, with how many votes it reset."""

    record: ProposalRecord
    votes_reset: int


async def store_revision(deps: Deps, revision: Revision) -> StoredRevision | None:
    """Re-evaluate and store the next revision (history kept); None when already applied.

    Runs before the modal closes, so a revision the author saw accepted is never lost. A
    repeated delivery of the same submit changes nothing.
    """
    current = await revisable_proposal(deps, revision.proposal_id, revision.editor_id)
    claimed = await deps.stores.events.claim_event(
        key=f"revision:{revision.submission_key}", now=deps.clock.now()
    )
    if not claimed:
        logger.info("revision %s already applied", revision.submission_key)
        return None
    votes = await deps.stores.votes.votes_for(proposal_id=current.id)
    reset = revision.reset_votes and bool(votes)
    record = await deps.stores.proposals.add_revision(
        proposal_id=current.id,
        proposal=revision.proposal,
        evaluation=evaluate(revision.proposal, deps.policy),
        created_by=revision.editor_id,
        now=deps.clock.now(),
        reset_votes=reset,
    )
    return StoredRevision(record=record, votes_reset=len(votes) if reset else 0)


async def announce_revision(deps: Deps, stored: StoredRevision, editor_id: str) -> None:
    """Refresh the verdict message and say in its thread what the revision changed."""
    await deps.ballot_refresh(stored.record.id)
    line = revision_line(stored.record, editor_id, stored.votes_reset)
    deps.thread_lines.announce(stored.record.id, line)
    deps.verdict_pictures.post(stored.record)


async def revisable_proposal(deps: Deps, proposal_id: int, editor_id: str) -> ProposalRecord:
    """The proposal the editor may revise; a `UserFacingError` says why not otherwise."""
    record = await deps.stores.proposals.get_proposal(proposal_id=proposal_id)
    if record is None:
        raise UserFacingError(UNKNOWN_PROPOSAL.format(proposal_id=proposal_id))
    if record.author_id != editor_id:
        raise UserFacingError(
            NOT_THE_AUTHOR.format(author=mention(record.author_id), proposal_id=proposal_id)
        )
    return record


def revision_line(record: ProposalRecord, editor_id: str, votes_reset: int) -> str:
    """The thread line of a revision: who, which revision, the new verdict, what became of votes."""
    line = (
        f"{mention(editor_id)} revised proposal #{record.id} (revision {record.revision}): "
        f"{VERDICT_LABELS[record.evaluation.verdict]}."
    )
    if not votes_reset:
        return line
    verb = "was" if votes_reset == 1 else "were"
    reset = f"{votes_cast_phrase(votes_reset).capitalize()} {verb} reset"
    return f"{line} {reset}: please vote again."
