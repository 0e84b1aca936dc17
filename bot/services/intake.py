"""A submitted proposal, evaluated under the policy in force and stored before the modal closes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.evidence.shared import SharedFile
from bot.infrastructure.clock import Clock
from bot.modal.fields import ModalOptions
from bot.models import ProposalRecord
from bot.persistence.proposals import ProposalStore
from core.engine import evaluate
from core.policy import Policy
from core.proposal import Proposal


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


class Intake:
    """Stores submissions: a submission seen before (a double submit) is stored once."""

    def __init__(self, *, proposals: ProposalStore, clock: Clock, policy: Policy) -> None:
        self._proposals = proposals
        self._clock = clock
        self._policy = policy

    async def store(self, submission: Submission) -> ProposalRecord:
        """Evaluate under the policy in force and store the proposal (revision 1)."""
        now = self._clock.now()
        record, _created = await self._proposals.create_proposal(
            team_id=submission.team_id,
            channel_id=submission.channel_id,
            author_id=submission.author_id,
            submission_key=submission.submission_key,
            proposal=submission.proposal,
            evaluation=evaluate(submission.proposal, self._policy),
            created_by=submission.author_id,
            vote_deadline=now + timedelta(days=submission.options.vote_window_days),
            secret_ballot=submission.options.secret_ballot,
            quorum=None,  # the modal sets none: a majority of the committee at closing time
            now=now,
        )
        return record
