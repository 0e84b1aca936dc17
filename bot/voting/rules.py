"""The committee's voting rules: who votes, quorum, tally, outcome and when a vote closes. PURE.

The rules, as decided:
- With no committee anyone in the channel may vote, and the quorum is one vote.
- A workspace admin who is not on the committee does not vote: an admin may change the
  committee (and so add themselves, which is audited), but never votes around it.
- Quorum counts every vote cast, abstentions included: an abstention is taking part.
- Every stored vote counts at closing, also that of a member removed after voting: the vote
  was valid when it was cast.
- A tie, 0–0 included (quorum met by abstentions alone), rejects: fine-tuning needs a majority.
- With no committee, only the author may close the vote early.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from bot.voting.domain import Outcome, Tally, Vote

QUORUM_WITHOUT_COMMITTEE = 1


def tally(votes: Iterable[Vote]) -> Tally:
    """Count the votes by choice."""
    return Tally.of(vote.choice for vote in votes)


def may_vote(user_id: str, committee: Collection[str]) -> bool:
    """Whether the user may vote: a committee member, or anyone when there is no committee."""
    return not committee or user_id in committee


def may_close(user_id: str, author_id: str, committee: Collection[str]) -> bool:
    """Whether the user may close the vote early: the author or a committee member."""
    return user_id == author_id or user_id in committee


def may_change_committee(user_id: str, committee: Collection[str], is_admin: bool) -> bool:
    """Whether the user may change the committee: anyone while there is none, else a member or
    a workspace admin."""
    return not committee or is_admin or user_id in committee


def default_quorum(committee_size: int) -> int:
    """A majority of the committee (⌊n/2⌋+1); one vote when there is no committee."""
    if committee_size <= 0:
        return QUORUM_WITHOUT_COMMITTEE
    return committee_size // 2 + 1


def effective_quorum(configured: int | None, committee_size: int) -> int:
    """The quorum set on the proposal, or the default for this committee."""
    return configured if configured is not None else default_quorum(committee_size)


def outcome(counts: Tally, quorum: int) -> Outcome:
    """The committee's decision: no quorum → no decision; more approvals → approved; else
    rejected (a tie rejects)."""
    if counts.cast < quorum:
        return Outcome.NO_DECISION
    return Outcome.APPROVED if counts.approve > counts.reject else Outcome.REJECTED


def everyone_voted(committee: Collection[str], votes: Iterable[Vote]) -> bool:
    """Whether every committee member has voted (never true without a committee)."""
    voters = {vote.user_id for vote in votes}
    return bool(committee) and set(committee) <= voters


def deadline_passed(now: datetime, deadline: datetime | None) -> bool:
    """Whether the vote window is over (the deadline itself counts as over)."""
    return deadline is not None and now >= deadline


def not_voted(committee: Iterable[str], votes: Iterable[Vote]) -> list[str]:
    """The committee members who have not voted yet, in committee order."""
    voters = {vote.user_id for vote in votes}
    return [user_id for user_id in committee if user_id not in voters]
