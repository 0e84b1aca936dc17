"""The committee's voting rules: who votes and closes, quorum, outcome and its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import VoteRecord
from bot.voting.domain import Choice, Outcome, Tally
from bot.voting.rules import (
    deadline_passed,
    default_quorum,
    effective_quorum,
    everyone_voted,
    may_change_committee,
    may_close,
    may_vote,
    not_voted,
    outcome,
    tally,
)
from bot.voting.texts import outcome_line

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
COMMITTEE = ["U1", "U2", "U3", "U4"]


def vote(user_id: str, choice: Choice) -> VoteRecord:
    return VoteRecord(proposal_id=1, user_id=user_id, choice=choice, reason=None, updated_at=NOW)


def votes(*choices: Choice) -> list[VoteRecord]:
    return [vote(f"U{number}", choice) for number, choice in enumerate(choices, start=1)]


def test_a_committee_member_may_vote_and_an_outsider_may_not() -> None:
    assert may_vote("U1", COMMITTEE)
    assert not may_vote("U9", COMMITTEE)


def test_anyone_may_vote_when_there_is_no_committee() -> None:
    assert may_vote("U9", [])


def test_the_author_or_a_member_may_close_but_nobody_else() -> None:
    assert may_close("UA", "UA", COMMITTEE)
    assert may_close("U2", "UA", COMMITTEE)
    assert not may_close("U9", "UA", COMMITTEE)


def test_only_the_author_may_close_when_there_is_no_committee() -> None:
    assert may_close("UA", "UA", [])
    assert not may_close("U9", "UA", [])


def test_once_there_is_a_committee_only_members_or_an_admin_change_it() -> None:
    assert may_change_committee("U9", [], is_admin=False)
    assert may_change_committee("U1", COMMITTEE, is_admin=False)
    assert may_change_committee("U9", COMMITTEE, is_admin=True)
    assert not may_change_committee("U9", COMMITTEE, is_admin=False)


@pytest.mark.parametrize(
    ("size", "quorum"), [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (50, 26)]
)
def test_the_default_quorum_is_a_majority_of_the_committee(size: int, quorum: int) -> None:
    assert default_quorum(size) == quorum


def test_a_quorum_set_on_the_proposal_wins_over_the_default() -> None:
    assert effective_quorum(2, 6) == 2
    assert effective_quorum(None, 6) == 4


def test_the_tally_counts_each_choice() -> None:
    counted = tally(votes(Choice.APPROVE, Choice.REJECT, Choice.APPROVE, Choice.ABSTAIN))
    assert counted == Tally(approve=2, reject=1, abstain=1)
    assert counted.cast == 4
    assert counted.as_payload() == {"approve": 2, "reject": 1, "abstain": 1}


@pytest.mark.parametrize(
    ("counts", "quorum", "expected"),
    [
        (Tally(approve=4, reject=2), 3, Outcome.APPROVED),
        (Tally(approve=2, reject=4), 3, Outcome.REJECTED),
        (Tally(approve=3, reject=3), 3, Outcome.REJECTED),
        (Tally(abstain=3), 3, Outcome.REJECTED),
        (Tally(approve=2), 3, Outcome.NO_DECISION),
        (Tally(approve=1, abstain=1), 2, Outcome.APPROVED),
        (Tally(), 1, Outcome.NO_DECISION),
    ],
)
def test_the_outcome_needs_quorum_and_a_majority_and_a_tie_rejects(
    counts: Tally, quorum: int, expected: Outcome
) -> None:
    assert outcome(counts, quorum) is expected


def test_abstentions_count_towards_the_quorum() -> None:
    assert outcome(Tally(approve=1, abstain=2), 3) is Outcome.APPROVED
    assert outcome(Tally(approve=1, abstain=1), 3) is Outcome.NO_DECISION


@pytest.mark.parametrize(
    ("counts", "quorum", "size", "line"),
    [
        (Tally(approve=4, reject=2), 4, 6, "Committee: 4–2 in favour → approved"),
        (Tally(approve=2, reject=4), 4, 6, "Committee: 2–4 against → rejected"),
        (Tally(approve=3, reject=3), 4, 6, "Committee: 3–3 tie → rejected"),
        (Tally(abstain=3), 3, 4, "Committee: 0–0 tie → rejected"),
        (
            Tally(approve=1, reject=1),
            3,
            4,
            "Committee: no quorum (2 of 4 voted, 3 needed) → no decision",
        ),
        (Tally(), 1, 0, "Committee: no quorum (0 voted, 1 needed) → no decision"),
    ],
)
def test_the_outcome_line_says_the_score_and_the_outcome(
    counts: Tally, quorum: int, size: int, line: str
) -> None:
    assert outcome_line(counts, outcome(counts, quorum), quorum, size) == line


def test_the_deadline_itself_counts_as_passed() -> None:
    deadline = NOW + timedelta(hours=1)
    assert not deadline_passed(NOW, deadline)
    assert deadline_passed(deadline, deadline)
    assert deadline_passed(deadline + timedelta(seconds=1), deadline)
    assert not deadline_passed(NOW, None)


def test_everyone_voted_once_the_last_member_votes() -> None:
    three = votes(Choice.APPROVE, Choice.REJECT, Choice.ABSTAIN)
    assert not everyone_voted(COMMITTEE, three)
    assert everyone_voted(COMMITTEE, [*three, vote("U4", Choice.APPROVE)])


def test_without_a_committee_everyone_voted_is_never_true() -> None:
    assert not everyone_voted([], votes(Choice.APPROVE))


def test_not_voted_lists_the_missing_members_in_committee_order() -> None:
    assert not_voted(COMMITTEE, [vote("U3", Choice.APPROVE), vote("U9", Choice.REJECT)]) == [
        "U1",
        "U2",
        "U4",
    ]
