"""Revising a stored proposal: who may, the new revision with its evaluation, and what the
message and its thread say about it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.blocks.format import mention
from bot.blocks.verdict import VERDICT_LABELS
from bot.infrastructure.clock import Clock
from bot.modal.view import votes_cast_phrase
from bot.models import ProposalRecord
from bot.persistence.events import ProcessedEvents
from bot.persistence.proposals import ProposalStore
from bot.persistence.votes import VoteStore
from bot.services import UserFacingError
from bot.services.outbox import ThreadLines
from bot.services.pictures import VerdictPictures
from core.engine import evaluate
from core.policy import Policy
from core.proposal import Proposal

logger = logging.getLogger(__name__)

NOT_THE_AUTHOR = (
    "Only the author ({author}) can revise proposal #{proposal_id}; "
    "you can submit your own with `/finetune-check`."
)
UNKNOWN_PROPOSAL = "Proposal #{proposal_id} does not exist (any more), so nothing was revised."

Refresh = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Revision:
    """New numbers for a stored proposal, from its revise modal."""

    proposal_id: int
    editor_id: str
    submission_key: str
    proposal: Proposal
    reset_votes: bool


@dataclass(frozen=True)
class StoredRevision:
    """A revision written to the database, with how many votes it reset."""

    record: ProposalRecord
    votes_reset: int


class Revisions:
    """Stores revisions (history kept) and tells the message and its thread."""

    def __init__(
        self,
        *,
        proposals: ProposalStore,
        votes: VoteStore,
        events: ProcessedEvents,
        clock: Clock,
        policy: Policy,
        refresh: Refresh,
        lines: ThreadLines,
        pictures: VerdictPictures,
    ) -> None:
        self._proposals = proposals
        self._votes = votes
        self._events = events
        self._clock = clock
        self._policy = policy
        self._refresh = refresh
        self._lines = lines
        self._pictures = pictures

    async def revisable(self, proposal_id: int, editor_id: str) -> ProposalRecord:
        """The proposal the editor may revise; a `UserFacingError` says why not otherwise."""
        record = await self._proposals.get_proposal(proposal_id=proposal_id)
        if record is None:
            raise UserFacingError(UNKNOWN_PROPOSAL.format(proposal_id=proposal_id))
        if record.author_id != editor_id:
            raise UserFacingError(
                NOT_THE_AUTHOR.format(author=mention(record.author_id), proposal_id=proposal_id)
            )
        return record

    async def store(self, revision: Revision) -> StoredRevision | None:
        """Re-evaluate and store the next revision; None when already applied.

        Runs before the modal closes, so a revision the author saw accepted is never lost. A
        repeated delivery of the same submit changes nothing.
        """
        current = await self.revisable(revision.proposal_id, revision.editor_id)
        claimed = await self._events.claim_event(
            key=f"revision:{revision.submission_key}", now=self._clock.now()
        )
        if not claimed:
            logger.info("revision %s already applied", revision.submission_key)
            return None
        votes = await self._votes.votes_for(proposal_id=current.id)
        reset = revision.reset_votes and bool(votes)
        record = await self._proposals.add_revision(
            proposal_id=current.id,
            proposal=revision.proposal,
            evaluation=evaluate(revision.proposal, self._policy),
            created_by=revision.editor_id,
            now=self._clock.now(),
            reset_votes=reset,
        )
        return StoredRevision(record=record, votes_reset=len(votes) if reset else 0)

    async def announce(self, stored: StoredRevision, editor_id: str) -> None:
        """Refresh the verdict message and say in its thread what the revision changed."""
        await self._refresh(stored.record.id)
        line = revision_line(stored.record, editor_id, stored.votes_reset)
        self._lines.announce(stored.record.id, line)
        self._pictures.post(stored.record)


def revision_line(record: ProposalRecord, editor_id: str, votes_reset: int) -> str:
    """The thread line of a revision: who, which revision, the new verdict, what became of
    votes."""
    line = (
        f"{mention(editor_id)} revised proposal #{record.id} (revision {record.revision}): "
        f"{VERDICT_LABELS[record.evaluation.verdict]}."
    )
    if not votes_reset:
        return line
    verb = "was" if votes_reset == 1 else "were"
    reset = f"{votes_cast_phrase(votes_reset).capitalize()} {verb} reset"
    return f"{line} {reset}: please vote again."
