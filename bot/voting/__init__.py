"""Committee voting: pure rules and parsing, the update coalescer and the voting use-cases."""

from bot.voting.coalescer import UpdateCoalescer
from bot.voting.committee import (
    CommitteeCommand,
    CommitteeCommandError,
    CommitteeVerb,
    parse_committee_command,
)
from bot.voting.rules import Tally, summary_line, tally
from bot.voting.service import (
    BallotSnapshot,
    CloseResult,
    Closing,
    CommitteeResult,
    Refusal,
    VoteResult,
    VotingService,
)
from bot.voting.thread_votes import ThreadVote, is_countable_message, parse_vote, vote_from_event

__all__ = [
    "BallotSnapshot",
    "CloseResult",
    "Closing",
    "CommitteeCommand",
    "CommitteeCommandError",
    "CommitteeResult",
    "CommitteeVerb",
    "Refusal",
    "Tally",
    "ThreadVote",
    "UpdateCoalescer",
    "VoteResult",
    "VotingService",
    "is_countable_message",
    "parse_committee_command",
    "parse_vote",
    "summary_line",
    "tally",
    "vote_from_event",
]
