"""The committee's use-cases: cast a vote, close a vote, change the committee.

The service decides and stores; it never calls Slack. It returns what the listener must say
(a line for the thread, a private explanation) and calls the injected `refresh(proposal_id)`
after every accepted change, which the listener layer routes through the `UpdateCoalescer`
to `chat.update`.

Every vote carries when the member cast it (`cast_at`, Slack's time of the click or reply),
and the database keeps each member's latest-cast vote: an older vote stored after a newer one
changes nothing. So a member's last click is the vote that stays in whatever order processes
store them: one replica answering a click before storing it while another stores the next
click at once, or Slack delivering two clicks out of order.

Votes and closes on one proposal are serialised within a process by a lock taken before the
first await, so no vote lands after the close that computed the outcome. Across several
replicas the database keeps one vote per member and lets only the first close win.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.infrastructure.clock import Clock
from bot.infrastructure.keyed_locks import KeyedLocks
from bot.models import ProposalNotFoundError, ProposalRecord, VoteRecord
from bot.persistence.committees import CommitteeStore
from bot.persistence.proposals import ProposalStore
from bot.persistence.votes import VoteStore
from bot.voting import texts
from bot.voting.committee import CommitteeCommand, CommitteeVerb
from bot.voting.domain import (
    CLOSED_ALL_VOTED,
    CLOSED_AT_DEADLINE,
    Ballot,
    Choice,
    Outcome,
    Tally,
    VoteChange,
    VoteState,
    effective_committee,
)
from bot.voting.rules import (
    deadline_passed,
    effective_quorum,
    everyone_voted,
    may_change_committee,
    may_close,
    may_vote,
    outcome,
    tally,
)

Refresh = Callable[[int], Awaitable[None]]


class Refusal(StrEnum):
    """Why a request changed nothing."""

    UNKNOWN_PROPOSAL = "unknown_proposal"
    VOTE_CLOSED = "vote_closed"
    NOT_A_MEMBER = "not_a_member"
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True)
class Closing:
    """A vote that just closed: where it lives, its outcome and the line that announces it."""

    proposal_id: int
    channel_id: str
    message_ts: str | None
    outcome: Outcome
    tally: Tally
    line: str
    closed_by: str

    @property
    def announcement(self) -> str:
        """The thread message: the outcome line and what closed the vote."""
        return texts.announcement(self.line, self.closed_by)


@dataclass(frozen=True)
class VoteResult:
    """What a vote did; `thread_text` goes in the verdict's thread, `private_text` to the voter."""

    change: VoteChange | None = None
    refusal: Refusal | None = None
    thread_text: str | None = None
    private_text: str | None = None
    closing: Closing | None = None

    @property
    def accepted(self) -> bool:
        """Whether the vote was stored (possibly unchanged)."""
        return self.refusal is None


@dataclass(frozen=True)
class CloseResult:
    """What a request to close did; on refusal `private_text` says why."""

    closing: Closing | None = None
    refusal: Refusal | None = None
    private_text: str | None = None


@dataclass(frozen=True)
class CommitteeResult:
    """The answer to a committee command, and who was added or removed."""

    text: str
    changed: tuple[str, ...] = ()
    refusal: Refusal | None = None


@dataclass(frozen=True)
class BallotSnapshot:
    """A proposal's vote as stored right now, ready for the verdict message."""

    proposal: ProposalRecord
    committee: list[str]
    votes: list[VoteRecord]
    ballot: Ballot


class VotingService:
    """Casts and closes votes and changes committees, under the rules of `bot.voting.rules`."""

    def __init__(
        self,
        *,
        proposals: ProposalStore,
        votes: VoteStore,
        committees: CommitteeStore,
        clock: Clock,
        refresh: Refresh,
        fallback_committee: Sequence[str] = (),
    ) -> None:
        self._proposals = proposals
        self._votes = votes
        self._committees = committees
        self._clock = clock
        self._refresh = refresh
        self._fallback_committee = list(dict.fromkeys(fallback_committee))
        self._locks = KeyedLocks()

    # -- committee -----------------------------------------------------------------------

    async def committee_for(self, *, team_id: str, channel_id: str) -> list[str]:
        """The channel's own committee, else the configured default (possibly empty)."""
        own = await self._committees.committee_members(team_id=team_id, channel_id=channel_id)
        return effective_committee(own, self._fallback_committee)

    async def change_committee(
        self,
        *,
        team_id: str,
        channel_id: str,
        actor_id: str,
        is_admin: bool,
        command: CommitteeCommand,
    ) -> CommitteeResult:
        """Show, add or remove members; once there is a committee only members or an admin
        change it, and every change is stored with who made it and when."""
        committee = await self.committee_for(team_id=team_id, channel_id=channel_id)
        if command.verb is CommitteeVerb.SHOW:
            return CommitteeResult(text=await self._committee_text(team_id, channel_id))
        if not may_change_committee(actor_id, committee, is_admin):
            return CommitteeResult(
                text=texts.may_not_change_committee(committee), refusal=Refusal.NOT_ALLOWED
            )
        changed = await self._apply(team_id, channel_id, actor_id, command)
        if changed:
            await self._refresh_open_proposals(team_id, channel_id)
        return CommitteeResult(
            text=await self._change_text(team_id, channel_id, command, changed),
            changed=tuple(changed),
        )

    async def _apply(
        self, team_id: str, channel_id: str, actor_id: str, command: CommitteeCommand
    ) -> list[str]:
        change = (
            self._committees.add_committee_members
            if command.verb is CommitteeVerb.ADD
            else self._committees.remove_committee_members
        )
        return await change(
            team_id=team_id,
            channel_id=channel_id,
            user_ids=list(command.user_ids),
            actor_id=actor_id,
            now=self._clock.now(),
        )

    async def _refresh_open_proposals(self, team_id: str, channel_id: str) -> None:
        for proposal in await self._proposals.open_proposals():
            if (proposal.team_id, proposal.channel_id) == (team_id, channel_id):
                await self._refresh(proposal.id)

    async def _committee_text(self, team_id: str, channel_id: str) -> str:
        own = await self._committees.committee_members(team_id=team_id, channel_id=channel_id)
        return texts.committee_description(own, self._fallback_committee)

    async def _change_text(
        self, team_id: str, channel_id: str, command: CommitteeCommand, changed: list[str]
    ) -> str:
        adding = command.verb is CommitteeVerb.ADD
        unchanged = [user for user in command.user_ids if user not in changed]
        change = texts.committee_change(adding, changed, unchanged)
        description = await self._committee_text(team_id, channel_id)
        return f"{change} {description}" if change else description

    # -- votes -------------------------------------------------------------------------

    async def cast(
        self,
        *,
        proposal_id: int,
        user_id: str,
        choice: Choice,
        cast_at: datetime,
        reason: str | None = None,
    ) -> VoteResult:
        """Store a member's vote (or refuse it), closing the vote when everyone has voted.

        ``cast_at`` is when the member cast it; a vote cast before the member's stored vote
        (or at the same moment) is unchanged: nothing stored, said or refreshed.
        """
        async with self._locks.hold(proposal_id):
            result = await self._cast_locked(proposal_id, user_id, choice, reason, cast_at)
        if result.closing is not None or result.change in (VoteChange.NEW, VoteChange.CHANGED):
            await self._refresh(proposal_id)
        return result

    async def _cast_locked(
        self,
        proposal_id: int,
        user_id: str,
        choice: Choice,
        reason: str | None,
        cast_at: datetime,
    ) -> VoteResult:
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None:
            return _unknown_vote(proposal_id)
        if proposal.vote_state is VoteState.CLOSED:
            return VoteResult(refusal=Refusal.VOTE_CLOSED, private_text=_closed_text(proposal))
        now = self._clock.now()
        committee = await self._committee_of(proposal)
        if deadline_passed(now, proposal.vote_deadline):
            closing = await self._close_locked(proposal, committee, CLOSED_AT_DEADLINE, now)
            text = _late_text(proposal, closing)
            return VoteResult(refusal=Refusal.VOTE_CLOSED, private_text=text, closing=closing)
        if not may_vote(user_id, committee):
            return VoteResult(
                refusal=Refusal.NOT_A_MEMBER,
                private_text=texts.not_a_member(_name(proposal), committee),
            )
        return await self._store_vote(proposal, committee, user_id, choice, reason, cast_at, now)

    async def _store_vote(
        self,
        proposal: ProposalRecord,
        committee: list[str],
        user_id: str,
        choice: Choice,
        reason: str | None,
        cast_at: datetime,
        now: datetime,
    ) -> VoteResult:
        try:
            change = await self._votes.cast_vote(
                proposal_id=proposal.id,
                user_id=user_id,
                choice=choice,
                reason=reason,
                now=now,
                cast_at=cast_at,
            )
        except ProposalNotFoundError:
            return _unknown_vote(proposal.id)
        closing = None
        if change is VoteChange.NEW:
            closing = await self._close_if_everyone_voted(proposal, committee, now)
        return _accepted(proposal, change, user_id, choice, reason, closing)

    async def _close_if_everyone_voted(
        self, proposal: ProposalRecord, committee: list[str], now: datetime
    ) -> Closing | None:
        votes = await self._votes.votes_for(proposal_id=proposal.id)
        if not everyone_voted(committee, votes):
            return None
        return await self._close_locked(proposal, committee, CLOSED_ALL_VOTED, now, votes)

    # -- closing -----------------------------------------------------------------------

    async def close(self, *, proposal_id: int, actor_id: str) -> CloseResult:
        """Close the vote early: only the author or a committee member; the first close wins."""
        async with self._locks.hold(proposal_id):
            result = await self._close_request_locked(proposal_id, actor_id)
        if result.closing is not None:
            await self._refresh(proposal_id)
        return result

    async def _close_request_locked(self, proposal_id: int, actor_id: str) -> CloseResult:
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None:
            return CloseResult(
                refusal=Refusal.UNKNOWN_PROPOSAL, private_text=texts.unknown_proposal(proposal_id)
            )
        if proposal.vote_state is VoteState.CLOSED:
            return CloseResult(refusal=Refusal.VOTE_CLOSED, private_text=_closed_text(proposal))
        committee = await self._committee_of(proposal)
        if not may_close(actor_id, proposal.author_id, committee):
            return CloseResult(
                refusal=Refusal.NOT_ALLOWED,
                private_text=texts.may_not_close(_name(proposal), proposal.author_id),
            )
        closing = await self._close_locked(proposal, committee, actor_id, self._clock.now())
        if closing is None:
            text = await self._closed(proposal)
            return CloseResult(refusal=Refusal.VOTE_CLOSED, private_text=text)
        return CloseResult(closing=closing)

    async def close_due(self, now: datetime) -> list[Closing]:
        """Close every open vote whose deadline has passed (the scheduler's sweep)."""
        closings = []
        for due in await self._proposals.open_proposals_due(now=now):
            async with self._locks.hold(due.id):
                closing = await self._close_due_locked(due.id, now)
            if closing is not None:
                await self._refresh(due.id)
                closings.append(closing)
        return closings

    async def _close_due_locked(self, proposal_id: int, now: datetime) -> Closing | None:
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None or proposal.vote_state is VoteState.CLOSED:
            return None
        committee = await self._committee_of(proposal)
        return await self._close_locked(proposal, committee, CLOSED_AT_DEADLINE, now)

    async def _close_locked(
        self,
        proposal: ProposalRecord,
        committee: list[str],
        closed_by: str,
        now: datetime,
        votes: list[VoteRecord] | None = None,
    ) -> Closing | None:
        """Compute the outcome from the stored votes and close; None if another close won."""
        if votes is None:
            votes = await self._votes.votes_for(proposal_id=proposal.id)
        counts = tally(votes)
        quorum = effective_quorum(proposal.quorum, len(committee))
        decision = outcome(counts, quorum)
        closed = await self._votes.close_vote(
            proposal_id=proposal.id, outcome=decision, closed_by=closed_by, now=now
        )
        if not closed:
            return None
        return Closing(
            proposal_id=proposal.id,
            channel_id=proposal.channel_id,
            message_ts=proposal.message_ts,
            outcome=decision,
            tally=counts,
            line=texts.outcome_line(counts, decision, quorum, len(committee)),
            closed_by=closed_by,
        )

    async def _closed(self, proposal: ProposalRecord) -> str:
        current = await self._proposals.get_proposal(proposal_id=proposal.id)
        return _closed_text(current or proposal)

    # -- reading -----------------------------------------------------------------------

    async def snapshot(self, proposal_id: int) -> BallotSnapshot | None:
        """The proposal's vote as stored now (what a coalesced render shows), or None."""
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None:
            return None
        committee = await self._committee_of(proposal)
        votes = await self._votes.votes_for(proposal_id=proposal_id)
        ballot = Ballot(
            committee=committee,
            votes={vote.user_id: vote.choice for vote in votes},
            secret=proposal.secret_ballot,
            closed=proposal.vote_state is VoteState.CLOSED,
            outcome=proposal.outcome,
            deadline=proposal.vote_deadline,
            quorum=effective_quorum(proposal.quorum, len(committee)),
        )
        return BallotSnapshot(proposal=proposal, committee=committee, votes=votes, ballot=ballot)

    async def _committee_of(self, proposal: ProposalRecord) -> list[str]:
        return await self.committee_for(team_id=proposal.team_id, channel_id=proposal.channel_id)


# -- what the listener says ----------------------------------------------------------------


def _accepted(
    proposal: ProposalRecord,
    change: VoteChange,
    user_id: str,
    choice: Choice,
    reason: str | None,
    closing: Closing | None,
) -> VoteResult:
    if change is VoteChange.UNCHANGED:
        return VoteResult(change=change, closing=closing)
    if proposal.secret_ballot:
        private = texts.secret_vote_recorded(choice)
        return VoteResult(change=change, private_text=private, closing=closing)
    thread_text = texts.vote_line(user_id, choice, reason)
    return VoteResult(change=change, thread_text=thread_text, closing=closing)


def _name(proposal: ProposalRecord) -> str:
    return texts.proposal_name(proposal.id, proposal.title)


def _unknown_vote(proposal_id: int) -> VoteResult:
    return VoteResult(
        refusal=Refusal.UNKNOWN_PROPOSAL, private_text=texts.unknown_proposal(proposal_id)
    )


def _closed_text(proposal: ProposalRecord) -> str:
    return texts.vote_closed(_name(proposal), proposal.outcome)


def _late_text(proposal: ProposalRecord, closing: Closing | None) -> str:
    if closing is None:
        return _closed_text(proposal)
    return texts.vote_too_late(_name(proposal), closing.line)
