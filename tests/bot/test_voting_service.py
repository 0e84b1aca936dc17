"""The voting use-cases against a real database: cast, change, refuse, close, committee."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.infrastructure.coalescer import UpdateCoalescer
from bot.models import CommitteeAction, ProposalRecord, VoteRecord
from bot.persistence.stores import Stores
from bot.voting.committee import parse_committee_command
from bot.voting.domain import (
    CLOSED_ALL_VOTED,
    CLOSED_AT_DEADLINE,
    Choice,
    Outcome,
    Tally,
    VoteChange,
    VoteState,
)
from bot.voting.service import Refusal, VotingService
from bot.voting.thread_votes import slack_time
from core.proposal import Proposal
from tests.builders import slow_lift_proposal, store_proposal
from tests.clock import FixedClock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=3)
TEAM, CHANNEL, AUTHOR = "T001", "C001", "U_AUTHOR"
MEMBERS = ["U1", "U2", "U3", "U4"]


class RefreshLog:
    """The injected refresh: records which proposals were to be re-rendered."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    async def __call__(self, proposal_id: int) -> None:
        self.calls.append(proposal_id)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def refreshes() -> RefreshLog:
    return RefreshLog()


@pytest.fixture
def service(stores: Stores, clock: FixedClock, refreshes: RefreshLog) -> VotingService:
    return voting_service(stores, clock, refreshes, [])


def voting_service(
    stores: Stores, clock: FixedClock, refresh: Any, fallback: list[str]
) -> VotingService:
    """The service on the test database's stores."""
    return VotingService(
        proposals=stores.proposals,
        votes=stores.votes,
        committees=stores.committees,
        clock=clock,
        refresh=refresh,
        fallback_committee=fallback,
    )


def proposal_input(title: str = "Fraud classifier fine-tune") -> Proposal:
    return slow_lift_proposal(title=title)


_clicks = itertools.count(1)


def clicked() -> datetime:
    """When a vote is cast: a moment after every cast time handed out before."""
    return NOW + timedelta(microseconds=next(_clicks))


async def propose(
    stores: Stores,
    *,
    quorum: int | None = None,
    secret: bool = False,
    deadline: datetime | None = NOW + WINDOW,
) -> ProposalRecord:
    record = await store_proposal(
        stores,
        proposal_input(),
        team_id=TEAM,
        channel_id=CHANNEL,
        author_id=AUTHOR,
        now=NOW,
        vote_window=None if deadline is None else deadline - NOW,
        secret_ballot=secret,
        quorum=quorum,
    )
    return await stores.proposals.mark_posted(
        proposal_id=record.id, channel_id=CHANNEL, message_ts="1700000000.000100", now=NOW
    )


async def seat(stores: Stores, members: list[str] = MEMBERS) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id=CHANNEL, user_ids=members, actor_id=AUTHOR, now=NOW
    )


async def stored_votes(stores: Stores, proposal_id: int) -> dict[str, Choice]:
    return {
        vote.user_id: vote.choice for vote in await stores.votes.votes_for(proposal_id=proposal_id)
    }


# -- casting -------------------------------------------------------------------------------


async def test_a_member_s_vote_is_stored_acknowledged_in_the_thread_and_refreshed(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    result = await service.cast(
        proposal_id=record.id,
        user_id="U1",
        choice=Choice.REJECT,
        cast_at=clicked(),
        reason="latency risk",
    )
    assert result.accepted
    assert result.change is VoteChange.NEW
    assert result.thread_text == "<@U1> votes reject: latency risk"
    assert result.private_text is None
    assert await stored_votes(stores, record.id) == {"U1": Choice.REJECT}
    assert refreshes.calls == [record.id]


async def test_changing_a_vote_replaces_it_and_is_acknowledged_again(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(proposal_id=record.id, user_id="U1", choice=Choice.REJECT, cast_at=clicked())
    result = await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert result.change is VoteChange.CHANGED
    assert result.thread_text == "<@U1> votes approve"
    assert await stored_votes(stores, record.id) == {"U1": Choice.APPROVE}
    assert refreshes.calls == [record.id, record.id]


async def test_the_same_vote_twice_is_acknowledged_once(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    first = await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.ABSTAIN, cast_at=clicked()
    )
    again = await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.ABSTAIN, cast_at=clicked()
    )
    assert first.thread_text == "<@U2> votes abstain"
    assert again.accepted
    assert again.change is VoteChange.UNCHANGED
    assert again.thread_text is None
    assert again.private_text is None
    assert refreshes.calls == [record.id]


async def test_a_vote_cast_before_the_stored_one_changes_nothing_and_says_nothing(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    earlier, later = clicked(), clicked()
    newer = await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=later
    )
    older = await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.REJECT, cast_at=earlier
    )
    assert newer.change is VoteChange.NEW
    assert older.accepted
    assert older.change is VoteChange.UNCHANGED
    assert (older.thread_text, older.private_text, older.closing) == (None, None, None)
    assert await stored_votes(stores, record.id) == {"U1": Choice.APPROVE}
    assert refreshes.calls == [record.id]


async def test_a_member_s_last_vote_stays_whatever_order_the_votes_arrive_in(
    service: VotingService, stores: Stores
) -> None:
    await seat(stores)
    record = await propose(stores)
    plan = [Choice.REJECT, Choice.APPROVE, Choice.REJECT, Choice.ABSTAIN, Choice.APPROVE]
    timed = [(choice, clicked()) for choice in plan]
    # The last vote repeats the first one stored: it must still outrank the ones in between.
    arrival = [timed[index] for index in (1, 4, 0, 3, 2)]
    results = [
        await service.cast(proposal_id=record.id, user_id="U1", choice=choice, cast_at=cast_at)
        for choice, cast_at in arrival
    ]
    assert [result.change for result in results] == [VoteChange.NEW] + [VoteChange.UNCHANGED] * 4
    assert await stored_votes(stores, record.id) == {"U1": Choice.APPROVE}


@pytest.mark.parametrize(
    ("ts", "instant"),
    [
        ("1712345678.123456", datetime(2024, 4, 5, 19, 34, 38, 123456, tzinfo=UTC)),
        ("1712345678.000001", datetime(2024, 4, 5, 19, 34, 38, 1, tzinfo=UTC)),
        ("1712345678.5", datetime(2024, 4, 5, 19, 34, 38, 500000, tzinfo=UTC)),
        ("1712345678", datetime(2024, 4, 5, 19, 34, 38, tzinfo=UTC)),
    ],
)
def test_a_slack_timestamp_reads_as_its_exact_utc_instant(ts: str, instant: datetime) -> None:
    assert slack_time(ts) == instant


@pytest.mark.parametrize("ts", [None, 1712345678.5, "", "soon", "1712345678.1234567", "-1.5"])
def test_anything_else_is_not_a_slack_timestamp(ts: object) -> None:
    assert slack_time(ts) is None


def test_slack_timestamps_microseconds_apart_read_in_their_order() -> None:
    stamps = ["1712345678.999999", "1712345679.000000", "1712345679.000001"]
    instants = [slack_time(ts) for ts in stamps]
    assert instants == sorted(instants)  # type: ignore[type-var]
    assert len(set(instants)) == 3


async def test_a_reason_is_echoed_as_safe_text_that_cannot_ping_the_channel(
    service: VotingService, stores: Stores
) -> None:
    record = await propose(stores)
    result = await service.cast(
        proposal_id=record.id,
        user_id="U1",
        choice=Choice.REJECT,
        cast_at=clicked(),
        reason="<!channel> & co",
    )
    assert result.thread_text == "<@U1> votes reject: &lt;!channel&gt; &amp; co"


async def test_a_non_member_is_refused_privately_and_nothing_changes(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    result = await service.cast(
        proposal_id=record.id, user_id="U_OUTSIDER", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert not result.accepted
    assert result.refusal is Refusal.NOT_A_MEMBER
    assert result.thread_text is None
    assert result.private_text is not None
    assert "Only the committee votes on #" in result.private_text
    assert "<@U1>, <@U2>, <@U3>, <@U4>" in result.private_text
    assert await stored_votes(stores, record.id) == {}
    assert refreshes.calls == []


async def test_with_no_committee_anyone_in_the_channel_may_vote(
    service: VotingService, stores: Stores
) -> None:
    record = await propose(stores)
    result = await service.cast(
        proposal_id=record.id, user_id="U_ANYONE", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert result.change is VoteChange.NEW


async def test_the_configured_default_committee_applies_where_a_channel_has_none(
    stores: Stores, clock: FixedClock, refreshes: RefreshLog
) -> None:
    service = voting_service(stores, clock, refreshes, ["U_DEFAULT"])
    record = await propose(stores)
    outsider = await service.cast(
        proposal_id=record.id, user_id="U9", choice=Choice.APPROVE, cast_at=clicked()
    )
    member = await service.cast(
        proposal_id=record.id, user_id="U_DEFAULT", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert outsider.refusal is Refusal.NOT_A_MEMBER
    assert member.accepted


async def test_a_vote_on_an_unknown_proposal_is_refused_with_its_number(
    service: VotingService,
) -> None:
    result = await service.cast(
        proposal_id=999, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert result.refusal is Refusal.UNKNOWN_PROPOSAL
    assert result.private_text is not None
    assert "#999 does not exist" in result.private_text


async def test_a_secret_ballot_confirms_privately_instead_of_naming_the_voter_in_the_thread(
    service: VotingService, stores: Stores
) -> None:
    record = await propose(stores, secret=True)
    result = await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.REJECT, cast_at=clicked()
    )
    assert result.change is VoteChange.NEW
    assert result.thread_text is None
    assert result.private_text is not None
    assert "recorded: reject" in result.private_text


# -- closing -------------------------------------------------------------------------------


async def test_a_vote_after_close_is_refused_and_changes_nothing(
    service: VotingService, stores: Stores
) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    await service.close(proposal_id=record.id, actor_id=AUTHOR)
    late = await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.REJECT, cast_at=clicked()
    )
    assert late.refusal is Refusal.VOTE_CLOSED
    assert late.private_text is not None
    assert "is closed (no decision)" in late.private_text
    assert await stored_votes(stores, record.id) == {"U1": Choice.APPROVE}


async def test_the_vote_closes_as_soon_as_every_member_has_voted(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    choices = [Choice.APPROVE, Choice.APPROVE, Choice.APPROVE, Choice.REJECT]
    results = [
        await service.cast(proposal_id=record.id, user_id=member, choice=choice, cast_at=clicked())
        for member, choice in zip(MEMBERS, choices, strict=True)
    ]
    assert [result.closing for result in results[:3]] == [None, None, None]
    closing = results[-1].closing
    assert closing is not None
    assert closing.outcome is Outcome.APPROVED
    assert closing.line == "Committee: 3–1 in favour → approved"
    assert closing.announcement == f"{closing.line} (every member has voted)"
    assert (closing.channel_id, closing.message_ts) == (CHANNEL, "1700000000.000100")
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert (stored.vote_state, stored.outcome) == (VoteState.CLOSED, Outcome.APPROVED)
    assert stored.closed_by == CLOSED_ALL_VOTED
    assert refreshes.calls == [record.id] * 4


async def test_close_due_closes_votes_past_their_deadline_at_the_injected_time(
    service: VotingService, stores: Stores, clock: FixedClock, refreshes: RefreshLog
) -> None:
    await seat(stores)
    due = await propose(stores)
    later = await propose(stores, deadline=NOW + WINDOW * 2)
    for member in MEMBERS[:3]:
        await service.cast(
            proposal_id=due.id, user_id=member, choice=Choice.REJECT, cast_at=clicked()
        )
    refreshes.calls.clear()
    assert await service.close_due(NOW + WINDOW - timedelta(seconds=1)) == []
    closings = await service.close_due(NOW + WINDOW)
    assert [closing.proposal_id for closing in closings] == [due.id]
    assert closings[0].line == "Committee: 0–3 against → rejected"
    assert closings[0].closed_by == CLOSED_AT_DEADLINE
    assert "the vote window ended" in closings[0].announcement
    assert refreshes.calls == [due.id]
    still_open = await stores.proposals.get_proposal(proposal_id=later.id)
    assert still_open is not None
    assert still_open.vote_state is VoteState.OPEN


async def test_close_due_a_second_time_closes_nothing_again(
    service: VotingService, stores: Stores
) -> None:
    await propose(stores)
    assert len(await service.close_due(NOW + WINDOW)) == 1
    assert await service.close_due(NOW + WINDOW * 2) == []


async def test_a_vote_arriving_after_the_deadline_closes_the_vote_and_is_not_counted(
    service: VotingService, stores: Stores, clock: FixedClock
) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    clock.set(NOW + WINDOW)
    late = await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.APPROVE, cast_at=clicked()
    )
    assert late.refusal is Refusal.VOTE_CLOSED
    assert late.closing is not None
    assert late.closing.outcome is Outcome.NO_DECISION
    assert late.private_text is not None
    assert "closed at its deadline" in late.private_text
    assert await stored_votes(stores, record.id) == {"U1": Choice.APPROVE}


async def test_the_author_may_close_early_and_gets_the_outcome_line(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    choices = [Choice.APPROVE, Choice.APPROVE, Choice.REJECT]
    for member, choice in zip(MEMBERS[:3], choices, strict=True):
        await service.cast(proposal_id=record.id, user_id=member, choice=choice, cast_at=clicked())
    refreshes.calls.clear()
    result = await service.close(proposal_id=record.id, actor_id=AUTHOR)
    assert result.refusal is None
    assert result.closing is not None
    assert result.closing.line == "Committee: 2–1 in favour → approved"
    assert result.closing.announcement.endswith("(closed by <@U_AUTHOR>)")
    assert refreshes.calls == [record.id]
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert (stored.closed_by, stored.closed_at) == (AUTHOR, NOW)


async def test_a_committee_member_may_close_early(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores)
    result = await service.close(proposal_id=record.id, actor_id="U3")
    assert result.closing is not None
    assert result.closing.closed_by == "U3"


async def test_closing_by_a_non_member_is_refused_and_the_vote_stays_open(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    record = await propose(stores)
    result = await service.close(proposal_id=record.id, actor_id="U_OUTSIDER")
    assert result.refusal is Refusal.NOT_ALLOWED
    assert result.closing is None
    assert result.private_text is not None
    assert "Only the author (<@U_AUTHOR>) or a committee member" in result.private_text
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert stored.vote_state is VoteState.OPEN
    assert refreshes.calls == []


async def test_closing_twice_reports_the_first_outcome(
    service: VotingService, stores: Stores
) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(proposal_id=record.id, user_id="U1", choice=Choice.REJECT, cast_at=clicked())
    await service.cast(proposal_id=record.id, user_id="U2", choice=Choice.REJECT, cast_at=clicked())
    await service.cast(
        proposal_id=record.id, user_id="U3", choice=Choice.APPROVE, cast_at=clicked()
    )
    first, second = await asyncio.gather(
        service.close(proposal_id=record.id, actor_id=AUTHOR),
        service.close(proposal_id=record.id, actor_id="U1"),
    )
    assert first.closing is not None
    assert first.closing.outcome is Outcome.REJECTED
    assert second.refusal is Refusal.VOTE_CLOSED
    assert second.private_text is not None
    assert "is closed (rejected)" in second.private_text


async def test_a_tie_rejects(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores)
    choices = [Choice.APPROVE, Choice.APPROVE, Choice.REJECT, Choice.REJECT]
    results = [
        await service.cast(proposal_id=record.id, user_id=member, choice=choice, cast_at=clicked())
        for member, choice in zip(MEMBERS, choices, strict=True)
    ]
    assert results[-1].closing is not None
    assert results[-1].closing.line == "Committee: 2–2 tie → rejected"
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert stored.outcome is Outcome.REJECTED


async def test_a_tie_line_says_tie(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    await service.cast(proposal_id=record.id, user_id="U2", choice=Choice.REJECT, cast_at=clicked())
    await service.cast(
        proposal_id=record.id, user_id="U3", choice=Choice.ABSTAIN, cast_at=clicked()
    )
    result = await service.close(proposal_id=record.id, actor_id="U4")
    assert result.closing is not None
    assert result.closing.line == "Committee: 1–1 tie → rejected"
    assert result.closing.tally == Tally(approve=1, reject=1, abstain=1)


async def test_without_quorum_there_is_no_decision(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores)
    await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.APPROVE, cast_at=clicked()
    )
    result = await service.close(proposal_id=record.id, actor_id=AUTHOR)
    assert result.closing is not None
    assert result.closing.outcome is Outcome.NO_DECISION
    assert result.closing.line == "Committee: no quorum (2 of 4 voted, 3 needed) → no decision"


async def test_a_quorum_set_on_the_proposal_is_used(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores, quorum=2)
    await service.cast(
        proposal_id=record.id, user_id="U1", choice=Choice.APPROVE, cast_at=clicked()
    )
    await service.cast(
        proposal_id=record.id, user_id="U2", choice=Choice.APPROVE, cast_at=clicked()
    )
    result = await service.close(proposal_id=record.id, actor_id=AUTHOR)
    assert result.closing is not None
    assert result.closing.outcome is Outcome.APPROVED


async def test_the_snapshot_shows_the_stored_ballot(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    record = await propose(stores, secret=True)
    await service.cast(proposal_id=record.id, user_id="U2", choice=Choice.REJECT, cast_at=clicked())
    snapshot = await service.snapshot(record.id)
    assert snapshot is not None
    assert snapshot.ballot.committee == MEMBERS
    assert snapshot.ballot.votes == {"U2": Choice.REJECT}
    assert snapshot.ballot.secret
    assert snapshot.ballot.quorum == 3
    assert not snapshot.ballot.closed
    assert await service.snapshot(999) is None


# -- committee -----------------------------------------------------------------------------


async def test_with_no_committee_anyone_may_create_it_and_the_change_is_audited(
    service: VotingService, stores: Stores, clock: FixedClock
) -> None:
    result = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U_ANYONE",
        is_admin=False,
        command=parse_committee_command("committee add <@U1> <@U2|bo>"),
    )
    assert result.refusal is None
    assert result.changed == ("U1", "U2")
    assert "Added <@U1>, <@U2>." in result.text
    changes = await stores.committees.committee_changes(team_id=TEAM, channel_id=CHANNEL)
    assert [(c.actor_id, c.action, c.user_id, c.at) for c in changes] == [
        ("U_ANYONE", CommitteeAction.ADD, "U1", NOW),
        ("U_ANYONE", CommitteeAction.ADD, "U2", NOW),
    ]


async def test_once_a_committee_exists_an_outsider_may_not_change_it(
    service: VotingService, stores: Stores
) -> None:
    await seat(stores)
    result = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U_OUTSIDER",
        is_admin=False,
        command=parse_committee_command("committee remove <@U1>"),
    )
    assert result.refusal is Refusal.NOT_ALLOWED
    assert "Only committee members or a workspace admin" in result.text
    assert await stores.committees.committee_members(team_id=TEAM, channel_id=CHANNEL) == MEMBERS


async def test_a_member_or_an_admin_may_change_it(service: VotingService, stores: Stores) -> None:
    await seat(stores)
    by_member = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U1",
        is_admin=False,
        command=parse_committee_command("committee remove <@U4>"),
    )
    by_admin = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U_ADMIN",
        is_admin=True,
        command=parse_committee_command("committee add <@U5>"),
    )
    assert (by_member.changed, by_admin.changed) == (("U4",), ("U5",))
    members = await stores.committees.committee_members(team_id=TEAM, channel_id=CHANNEL)
    assert members == ["U1", "U2", "U3", "U5"]


async def test_adding_someone_already_on_it_says_so_and_changes_nothing(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    await seat(stores)
    await propose(stores)
    result = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U1",
        is_admin=False,
        command=parse_committee_command("committee add <@U2>"),
    )
    assert result.changed == ()
    assert "<@U2>: already on the committee" in result.text
    assert refreshes.calls == []


async def test_a_committee_change_refreshes_the_channel_s_open_votes(
    service: VotingService, stores: Stores, refreshes: RefreshLog
) -> None:
    record = await propose(stores)
    await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U1",
        is_admin=False,
        command=parse_committee_command("committee add <@U1>"),
    )
    assert refreshes.calls == [record.id]


async def test_show_names_the_committee_or_says_anyone_may_vote(
    service: VotingService, stores: Stores
) -> None:
    async def show() -> str:
        result = await service.change_committee(
            team_id=TEAM,
            channel_id=CHANNEL,
            actor_id="U9",
            is_admin=False,
            command=parse_committee_command("committee show"),
        )
        return result.text

    assert "anyone in it may vote" in await show()
    await seat(stores, ["U1", "U2"])
    assert await show() == "This channel's committee: <@U1>, <@U2>."


async def test_show_names_the_default_committee_where_the_channel_has_none(
    stores: Stores, clock: FixedClock, refreshes: RefreshLog
) -> None:
    service = voting_service(stores, clock, refreshes, ["U7", "U8"])
    result = await service.change_committee(
        team_id=TEAM,
        channel_id=CHANNEL,
        actor_id="U9",
        is_admin=False,
        command=parse_committee_command("committee"),
    )
    assert result.text.endswith("the default one votes: <@U7>, <@U8>.")


# -- concurrency ---------------------------------------------------------------------------


async def test_200_concurrent_votes_from_50_members_keep_each_member_s_last_vote(
    stores: Stores, clock: FixedClock
) -> None:
    members = [f"U{number:03d}" for number in range(50)]
    await seat(stores, [*members, "U_AWAY"])
    record = await propose(stores)
    coalescer = UpdateCoalescer(0.2)
    rendered: list[dict[str, int]] = []

    async def render() -> None:
        rendered.append(_tally_of(await stores.votes.votes_for(proposal_id=record.id)))

    async def refresh(proposal_id: int) -> None:
        coalescer.request(proposal_id, render)

    service = voting_service(stores, clock, refresh, [])
    generator = random.Random(4)
    calls = [(member, generator.choice(list(Choice))) for member in members * 4]
    generator.shuffle(calls)
    last = {member: choice for member, choice in calls}
    results = await asyncio.gather(
        *(
            service.cast(proposal_id=record.id, user_id=member, choice=choice, cast_at=clicked())
            for member, choice in calls
        )
    )
    await coalescer.drain()

    assert all(result.accepted for result in results)
    assert await stored_votes(stores, record.id) == last
    expected = _tally_of_choices(list(last.values()))
    assert rendered[-1] == expected
    # Far fewer renders than votes (the one-per-interval spacing itself is proven with virtual
    # time in test_coalescer.py; counting keeps this test free of the machine's speed).
    assert 1 <= len(rendered) <= len(calls) // 4
    acknowledged = sum(result.thread_text is not None for result in results)
    changed = sum(result.change is not VoteChange.UNCHANGED for result in results)
    assert acknowledged == changed


async def test_concurrent_last_votes_of_a_whole_committee_close_the_vote_exactly_once(
    service: VotingService, stores: Stores
) -> None:
    members = [f"U{number:03d}" for number in range(20)]
    await seat(stores, members)
    record = await propose(stores)
    results = await asyncio.gather(
        *(
            service.cast(
                proposal_id=record.id, user_id=member, choice=Choice.APPROVE, cast_at=clicked()
            )
            for member in members
        )
    )
    closings = [result.closing for result in results if result.closing is not None]
    assert len(closings) == 1
    assert closings[0].tally == Tally(approve=20)
    assert closings[0].line == "Committee: 20–0 in favour → approved"


def _tally_of(votes: list[VoteRecord]) -> dict[str, int]:
    return _tally_of_choices([vote.choice for vote in votes])


def _tally_of_choices(choices: list[Choice]) -> dict[str, int]:
    return {choice.value: choices.count(choice) for choice in Choice}
