"""The committee vote as a domain: its states, choices, outcomes and tally, and whose committee
a channel has. Pure: no I/O, no Slack, no database.

The rules over these (who votes, quorum, the outcome) are `bot.voting.rules`; what people read
about votes and outcomes is `bot.voting.texts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict

CLOSED_AT_DEADLINE = "deadline"
"""`closed_by` of a vote the deadline closed."""

CLOSED_ALL_VOTED = "all_voted"
"""`closed_by` of a vote that closed because every member had voted."""


class VoteState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Choice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    NO_DECISION = "no_decision"


class VoteChange(StrEnum):
    """What a cast vote did: a first vote, a different vote, a repeat, or nothing (vote closed)."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    CLOSED = "closed"


@dataclass(frozen=True)
class Tally:
    """How many votes each choice has."""

    approve: int = 0
    reject: int = 0
    abstain: int = 0

    @property
    def cast(self) -> int:
        """Every vote cast, abstentions included."""
        return self.approve + self.reject + self.abstain

    def as_payload(self) -> dict[str, int]:
        """The tally as the verdict message's metadata carries it (docs/contracts.md)."""
        return {"approve": self.approve, "reject": self.reject, "abstain": self.abstain}

    @classmethod
    def of(cls, choices: Iterable[Choice]) -> Tally:
        """Count the choices."""
        counted = list(choices)
        return cls(
            approve=counted.count(Choice.APPROVE),
            reject=counted.count(Choice.REJECT),
            abstain=counted.count(Choice.ABSTAIN),
        )


def effective_committee(own: Sequence[str] | None, fallback: Sequence[str]) -> list[str]:
    """The channel's own committee, else the workspace's fallback committee (each member once;
    empty when neither exists: then anyone in the channel may vote)."""
    return list(dict.fromkeys(own if own else fallback))


class Vote(Protocol):
    """A member's vote, as the rules read it."""

    @property
    def user_id(self) -> str: ...

    @property
    def choice(self) -> Choice: ...


class Ballot(BaseModel):
    """What the verdict message shows of the committee vote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    committee: list[str] = []
    votes: dict[str, Choice] = {}
    secret: bool = False
    closed: bool = False
    outcome: Outcome | None = None
    deadline: datetime | None = None
    quorum: int | None = None

    def tally(self) -> Tally:
        """The votes counted by choice."""
        return Tally.of(self.votes.values())

    def voters_for(self, choice: Choice) -> list[str]:
        """Who voted ``choice``, in the order the votes are held."""
        return [user for user, chosen in self.votes.items() if chosen is choice]

    def not_voted(self) -> list[str]:
        """Committee members who have not voted."""
        return [member for member in self.committee if member not in self.votes]
