"""The stores against a real database: SQLite file, or PostgreSQL via TEST_DATABASE_URL."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, StatementError

from bot.models import (
    CommitteeAction,
    DeliveryState,
    LedgerEntry,
    ProposalNotFoundError,
    ProposalRecord,
    ReminderRecord,
)
from bot.persistence.database import DatabaseUrlError, create_engine
from bot.persistence.ledger import is_given_up
from bot.persistence.stores import Stores
from bot.voting.domain import Choice, Outcome, VoteChange, VoteState
from core.evaluation import (
    Change,
    Check,
    CheckId,
    CheckKind,
    Evaluation,
    Figures,
    Flip,
    Recommendation,
    Status,
    Verdict,
)
from core.policy import Policy
from core.proposal import Proposal
from tests.builders import FALSE_POSITIVES_LOCK, slow_lift_proposal, statements_sent
from tests.conftest import engine_is_postgres

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEAM, CHANNEL, AUTHOR = "T001", "C001", "U_AUTHOR"


def make_proposal(title: str = "Fraud classifier fine-tune", lift: float = 6.2) -> Proposal:
    return slow_lift_proposal(
        title=title,
        kpi_name="false-positive rate",
        projected_lift_pct=lift,
        validation_losses=[0.9, 0.7, 0.72],
        metric_locks=[FALSE_POSITIVES_LOCK],
    )


def make_evaluation(verdict: Verdict = Verdict.REJECT, policy: Policy | None = None) -> Evaluation:
    approved = verdict is Verdict.APPROVE
    return Evaluation(
        verdict=verdict,
        recommendation=Recommendation.FINE_TUNE if approved else Recommendation.RESCOPE_OR_DEFER,
        primary_reason=None if approved else "Delivery takes 60 days; the limit is 45.",
        checks=[
            Check(
                id=CheckId.KPI_LIFT,
                kind=CheckKind.GATE,
                status=Status.PASS,
                value=6.2,
                threshold=5.0,
                message="Lift 6.2 % meets 5 %.",
            ),
            Check(
                id=CheckId.OVERFITTING,
                kind=CheckKind.ADVISORY,
                status=Status.NOT_APPLICABLE,
                value=None,
                threshold=None,
                message="No curve.",
            ),
        ],
        flips=[
            Flip(
                changes=[Change(field="delivery_days", current=60, required=45, comparator="<=")],
                gates=[CheckId.DELIVERY_WINDOW],
            ),
        ],
        figures=Figures(
            clean_proportion=0.874,
            clean_examples=131_100,
            total_cost_usd=0.0,
            weighted_lift_per_day_pct=0.45,
            raw_roi=float("inf"),
            timing_adjusted_gain_usd=80_000.0,
            timing_adjusted_roi=float("inf"),
        ),
        script="Delivery takes too long; rescope or defer.",
        policy=policy or Policy(),
    )


async def create(
    stores: Stores,
    key: str = "V001",
    *,
    author: str = AUTHOR,
    channel: str = CHANNEL,
    now: datetime = NOW,
    deadline: datetime | None = NOW + timedelta(days=3),
    title: str = "Fraud classifier fine-tune",
) -> int:
    record, created = await submit(
        stores,
        channel_id=channel,
        author_id=author,
        created_by=author,
        submission_key=key,
        proposal=make_proposal(title),
        vote_deadline=deadline,
        quorum=3,
        now=now,
    )
    assert created
    return record.id


async def submit(stores: Stores, **overrides: Any) -> tuple[ProposalRecord, bool]:
    """`create_proposal` as a submission calls it: these defaults, with `overrides`."""
    values: dict[str, Any] = {
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "author_id": AUTHOR,
        "submission_key": "V1",
        "proposal": make_proposal(),
        "evaluation": make_evaluation(),
        "created_by": AUTHOR,
        "vote_deadline": None,
        "secret_ballot": False,
        "quorum": None,
        "now": NOW,
    }
    return await stores.proposals.create_proposal(**{**values, **overrides})


# -- proposals --------------------------------------------------------------------------


async def test_a_created_proposal_reads_back_with_its_first_evaluation_and_policy(
    stores: Stores,
) -> None:
    policy = Policy(min_kpi_lift_pct=3.0)
    record, created = await submit(
        stores,
        evaluation=make_evaluation(policy=policy),
        vote_deadline=NOW + timedelta(days=3),
        secret_ballot=True,
        quorum=2,
    )
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert created
    assert stored == record
    assert stored.proposal == make_proposal()
    assert stored.evaluation == make_evaluation(policy=policy)
    assert stored.evaluation.figures.raw_roi == float("inf")
    assert (stored.revision, stored.policy_hash) == (1, policy.hash)
    assert (stored.delivery_state, stored.vote_state) == (DeliveryState.PENDING, VoteState.OPEN)
    assert (stored.secret_ballot, stored.quorum, stored.outcome) == (True, 2, None)


async def test_a_double_submit_makes_one_proposal(stores: Stores) -> None:
    first = await create(stores, "VIEW1")
    again, created = await submit(
        stores,
        submission_key="VIEW1",
        proposal=make_proposal("Other title"),
        now=NOW + timedelta(seconds=1),
    )
    assert (again.id, created, again.title) == (first, False, "Fraud classifier fine-tune")
    assert len(await stores.proposals.list_channel_proposals(team_id=TEAM, channel_id=CHANNEL)) == 1


async def test_concurrent_double_submits_create_exactly_one_proposal(
    stores: Stores,
) -> None:
    async def race() -> tuple[int, bool]:
        record, created = await submit(stores, submission_key="RACE")
        return record.id, created

    results = await asyncio.gather(*(race() for _ in range(12)))
    assert len({proposal_id for proposal_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    history = await stores.proposals.evaluation_history(proposal_id=results[0][0])
    assert len(history) == 1


async def test_a_submission_costs_two_inserts_and_its_posting_one_update(
    stores: Stores,
) -> None:
    with statements_sent(stores.engine) as creating:
        record, created = await submit(stores)
    with statements_sent(stores.engine) as posting:
        posted = await stores.proposals.mark_posted(
            proposal_id=record.id, channel_id=CHANNEL, message_ts="1.2", now=NOW
        )
    assert created
    assert [statement.split()[0] for statement in creating] == ["INSERT", "INSERT"]
    assert [statement.split()[0] for statement in posting] == ["UPDATE"]
    assert posted == await stores.proposals.get_proposal(proposal_id=record.id)


async def test_the_record_of_a_new_proposal_is_the_stored_one_whatever_the_time_zone(
    stores: Stores,
) -> None:
    tokyo = timezone(timedelta(hours=9))
    local = datetime(2026, 3, 2, 18, 0, 0, 123456, tzinfo=tokyo)
    record, _ = await submit(
        stores, submission_key="TOKYO", vote_deadline=local + timedelta(days=1), now=local
    )
    stored = await stores.proposals.get_proposal(proposal_id=record.id)
    assert stored is not None
    assert record == stored
    assert record.vote_deadline is not None
    assert (record.created_at.utcoffset(), record.vote_deadline.utcoffset()) == (
        timedelta(0),
        timedelta(0),
    )


async def test_a_thread_is_traced_back_to_its_proposal_by_team_channel_and_message(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    await stores.proposals.mark_posted(
        proposal_id=proposal_id, channel_id="C777", message_ts="1700000000.000100", now=NOW
    )

    async def look_up(team: str, channel: str, thread: str) -> int | None:
        return await stores.proposals.proposal_id_for_thread(
            team_id=team, channel_id=channel, thread_ts=thread
        )

    assert await look_up(TEAM, "C777", "1700000000.000100") == proposal_id
    assert await look_up(TEAM, CHANNEL, "1700000000.000100") is None
    assert await look_up("T_OTHER", "C777", "1700000000.000100") is None
    assert await look_up(TEAM, "C777", "1700000000.000200") is None


async def test_an_unknown_proposal_id_reads_as_none(stores: Stores) -> None:
    assert await stores.proposals.get_proposal(proposal_id=999) is None


async def test_the_latest_proposal_by_author_is_the_newest_in_that_channel(
    stores: Stores,
) -> None:
    await create(stores, "A", title="Old", now=NOW)
    newest = await create(stores, "B", title="New", now=NOW + timedelta(hours=1))
    await create(stores, "C", title="Elsewhere", channel="C999", now=NOW + timedelta(hours=2))
    await create(stores, "D", title="Someone else", author="U2", now=NOW + timedelta(hours=3))
    latest = await stores.proposals.latest_proposal_by_author(
        team_id=TEAM, channel_id=CHANNEL, author_id=AUTHOR
    )
    assert latest is not None
    assert latest.id == newest
    nobody = await stores.proposals.latest_proposal_by_author(
        team_id=TEAM, channel_id=CHANNEL, author_id="U_NOBODY"
    )
    assert nobody is None


async def test_channel_proposals_are_listed_newest_first_up_to_the_limit(
    stores: Stores,
) -> None:
    ids = [await create(stores, f"K{i}", now=NOW + timedelta(minutes=i)) for i in range(4)]
    await create(stores, "OTHER", channel="C999")
    listed = await stores.proposals.list_channel_proposals(
        team_id=TEAM, channel_id=CHANNEL, limit=3
    )
    assert [record.id for record in listed] == ids[::-1][:3]


async def test_marking_posted_records_the_message_and_clears_a_delivery_error(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    failed = await stores.proposals.mark_undeliverable(
        proposal_id=proposal_id, error="not_in_channel", now=NOW
    )
    assert (failed.delivery_state, failed.delivery_error) == (
        DeliveryState.UNDELIVERABLE,
        "not_in_channel",
    )
    later = NOW + timedelta(minutes=5)
    posted = await stores.proposals.mark_posted(
        proposal_id=proposal_id, channel_id="C777", message_ts="1700000000.000100", now=later
    )
    assert (posted.delivery_state, posted.delivery_error) == (DeliveryState.POSTED, None)
    assert (posted.channel_id, posted.message_ts, posted.updated_at) == (
        "C777",
        "1700000000.000100",
        later,
    )


async def test_marking_an_unknown_proposal_says_which_id_is_missing(
    stores: Stores,
) -> None:
    with pytest.raises(ProposalNotFoundError, match="proposal 404 does not exist"):
        await stores.proposals.mark_posted(
            proposal_id=404, channel_id="C", message_ts="1.2", now=NOW
        )


async def test_a_revision_becomes_the_latest_evaluation_and_keeps_the_history(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    stricter = Policy(max_delivery_days=30)
    revised = await stores.proposals.add_revision(
        proposal_id=proposal_id,
        proposal=make_proposal("Revised", lift=9.0),
        evaluation=make_evaluation(Verdict.APPROVE, policy=stricter),
        created_by="U_REVISER",
        now=NOW + timedelta(days=1),
        reset_votes=False,
    )
    history = await stores.proposals.evaluation_history(proposal_id=proposal_id)
    assert revised == await stores.proposals.get_proposal(proposal_id=proposal_id)
    assert (revised.revision, revised.title, revised.policy_hash) == (2, "Revised", stricter.hash)
    assert revised.evaluation.verdict is Verdict.APPROVE
    assert [entry.revision for entry in history] == [1, 2]
    assert [entry.policy_hash for entry in history] == [Policy().hash, stricter.hash]
    assert history[0].proposal == make_proposal()
    assert (history[1].created_by, history[1].proposal.projected_lift_pct) == ("U_REVISER", 9.0)


@pytest.mark.parametrize(("reset_votes", "votes_left"), [(True, 0), (False, 1)])
async def test_a_revision_resets_the_votes_only_when_asked(
    stores: Stores, reset_votes: bool, votes_left: int
) -> None:
    proposal_id = await create(stores)
    await stores.votes.cast_vote(
        proposal_id=proposal_id, user_id="U1", choice=Choice.APPROVE, reason=None, now=NOW
    )
    await stores.proposals.add_revision(
        proposal_id=proposal_id,
        proposal=make_proposal(),
        evaluation=make_evaluation(),
        created_by=AUTHOR,
        now=NOW,
        reset_votes=reset_votes,
    )
    assert len(await stores.votes.votes_for(proposal_id=proposal_id)) == votes_left


async def test_revising_an_unknown_proposal_is_refused(stores: Stores) -> None:
    with pytest.raises(ProposalNotFoundError):
        await stores.proposals.add_revision(
            proposal_id=31,
            proposal=make_proposal(),
            evaluation=make_evaluation(),
            created_by=AUTHOR,
            now=NOW,
            reset_votes=True,
        )


# -- votes ------------------------------------------------------------------------------


async def test_a_vote_is_new_then_unchanged_then_changed(stores: Stores) -> None:
    proposal_id = await create(stores)
    clicks = itertools.count(1)

    async def vote(choice: Choice, reason: str | None) -> VoteChange:
        return await stores.votes.cast_vote(
            proposal_id=proposal_id,
            user_id="U1",
            choice=choice,
            reason=reason,
            now=NOW,
            cast_at=NOW + timedelta(seconds=next(clicks)),
        )

    assert await vote(Choice.REJECT, None) is VoteChange.NEW
    assert await vote(Choice.REJECT, None) is VoteChange.UNCHANGED
    assert await vote(Choice.REJECT, "latency risk") is VoteChange.CHANGED
    assert await vote(Choice.REJECT, "latency risk") is VoteChange.UNCHANGED
    assert await vote(Choice.APPROVE, "latency risk") is VoteChange.CHANGED
    [stored] = await stores.votes.votes_for(proposal_id=proposal_id)
    assert (stored.user_id, stored.choice, stored.reason) == ("U1", Choice.APPROVE, "latency risk")


async def vote_at(
    stores: Stores, proposal_id: int, choice: Choice, moment: datetime, user: str = "U1"
) -> VoteChange:
    """A vote by ``user`` cast at ``moment`` (and stored now)."""
    return await stores.votes.cast_vote(
        proposal_id=proposal_id, user_id=user, choice=choice, reason=None, now=NOW, cast_at=moment
    )


async def stored_choices(stores: Stores, proposal_id: int) -> dict[str, Choice]:
    return {
        vote.user_id: vote.choice for vote in await stores.votes.votes_for(proposal_id=proposal_id)
    }


async def test_a_vote_cast_before_the_stored_one_is_unchanged_and_the_newer_vote_stays(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    newer = await vote_at(stores, proposal_id, Choice.REJECT, NOW + timedelta(seconds=2))
    older = await vote_at(stores, proposal_id, Choice.APPROVE, NOW + timedelta(seconds=1))
    assert (newer, older) == (VoteChange.NEW, VoteChange.UNCHANGED)
    assert await stored_choices(stores, proposal_id) == {"U1": Choice.REJECT}


async def test_a_repeat_of_the_stored_vote_cast_later_outranks_an_older_different_vote(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    first = await vote_at(stores, proposal_id, Choice.APPROVE, NOW + timedelta(seconds=1))
    repeat = await vote_at(stores, proposal_id, Choice.APPROVE, NOW + timedelta(seconds=3))
    between = await vote_at(stores, proposal_id, Choice.REJECT, NOW + timedelta(seconds=2))
    assert (first, repeat, between) == (VoteChange.NEW, VoteChange.UNCHANGED, VoteChange.UNCHANGED)
    assert await stored_choices(stores, proposal_id) == {"U1": Choice.APPROVE}


async def test_of_two_votes_cast_at_the_same_moment_the_one_stored_first_stays(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    first = await vote_at(stores, proposal_id, Choice.ABSTAIN, NOW)
    second = await vote_at(stores, proposal_id, Choice.REJECT, NOW)
    assert (first, second) == (VoteChange.NEW, VoteChange.UNCHANGED)
    assert await stored_choices(stores, proposal_id) == {"U1": Choice.ABSTAIN}


async def test_a_vote_without_a_cast_time_counts_as_cast_when_it_is_stored(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    await vote_at(stores, proposal_id, Choice.APPROVE, NOW + timedelta(minutes=1))
    untimed = await stores.votes.cast_vote(
        proposal_id=proposal_id, user_id="U1", choice=Choice.REJECT, reason=None, now=NOW
    )
    later = await stores.votes.cast_vote(
        proposal_id=proposal_id,
        user_id="U1",
        choice=Choice.REJECT,
        reason=None,
        now=NOW + timedelta(minutes=2),
    )
    assert (untimed, later) == (VoteChange.UNCHANGED, VoteChange.CHANGED)
    assert await stored_choices(stores, proposal_id) == {"U1": Choice.REJECT}


async def test_concurrent_votes_stored_in_shuffled_order_keep_each_member_s_latest_cast(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    generator = random.Random(16)
    members = [f"U{number:03d}" for number in range(40)]
    casts = [
        (member, generator.choice(list(Choice)), NOW + timedelta(milliseconds=click))
        for member in members
        for click in range(6)
    ]
    latest = {member: choice for member, choice, _ in casts}
    generator.shuffle(casts)
    changes = await asyncio.gather(
        *(vote_at(stores, proposal_id, choice, moment, member) for member, choice, moment in casts)
    )
    assert await stored_choices(stores, proposal_id) == latest
    assert Counter(changes)[VoteChange.NEW] == len(members)
    assert VoteChange.CLOSED not in changes


async def test_votes_are_listed_per_member_in_the_order_they_first_voted(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    for minute, (user, choice) in enumerate([("U2", Choice.REJECT), ("U1", Choice.ABSTAIN)]):
        await stores.votes.cast_vote(
            proposal_id=proposal_id,
            user_id=user,
            choice=choice,
            reason=None,
            now=NOW + timedelta(minutes=minute),
        )
    await stores.votes.cast_vote(
        proposal_id=proposal_id,
        user_id="U2",
        choice=Choice.APPROVE,
        reason="convinced",
        now=NOW + timedelta(minutes=5),
    )
    votes = await stores.votes.votes_for(proposal_id=proposal_id)
    assert [(vote.user_id, vote.choice) for vote in votes] == [
        ("U2", Choice.APPROVE),
        ("U1", Choice.ABSTAIN),
    ]
    assert votes[0].updated_at == NOW + timedelta(minutes=5)


async def test_a_vote_on_an_unknown_proposal_is_refused(stores: Stores) -> None:
    with pytest.raises(ProposalNotFoundError):
        await stores.votes.cast_vote(
            proposal_id=77, user_id="U1", choice=Choice.APPROVE, reason=None, now=NOW
        )


async def test_a_burst_of_200_votes_from_50_members_keeps_each_members_last_vote(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    choices = list(Choice)

    def plan(member: int) -> list[Choice]:
        return [choices[(member + step) % 3] for step in (0, 1, 1, 2)]

    async def member_votes(member: int) -> list[VoteChange]:
        changes = []
        for step, choice in enumerate(plan(member)):
            changes.append(
                await stores.votes.cast_vote(
                    proposal_id=proposal_id,
                    user_id=f"U{member:03d}",
                    choice=choice,
                    reason=None,
                    now=NOW + timedelta(seconds=step),
                )
            )
        return changes

    outcomes = await asyncio.gather(*(member_votes(member) for member in range(50)))
    stored = {
        vote.user_id: vote.choice for vote in await stores.votes.votes_for(proposal_id=proposal_id)
    }
    assert stored == {f"U{member:03d}": plan(member)[-1] for member in range(50)}
    expected = [VoteChange.NEW, VoteChange.CHANGED, VoteChange.UNCHANGED, VoteChange.CHANGED]
    assert all(changes == expected for changes in outcomes)


async def test_a_vote_after_the_close_is_refused_and_changes_nothing(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    await stores.votes.cast_vote(
        proposal_id=proposal_id, user_id="U1", choice=Choice.APPROVE, reason=None, now=NOW
    )
    await stores.votes.close_vote(
        proposal_id=proposal_id, outcome=Outcome.APPROVED, closed_by="U1", now=NOW
    )
    late = [
        await stores.votes.cast_vote(
            proposal_id=proposal_id, user_id=user, choice=choice, reason=None, now=NOW
        )
        for user, choice in [("U1", Choice.REJECT), ("U1", Choice.APPROVE), ("U2", Choice.REJECT)]
    ]
    votes = await stores.votes.votes_for(proposal_id=proposal_id)
    assert late == [VoteChange.CLOSED] * 3
    assert [(vote.user_id, vote.choice) for vote in votes] == [("U1", Choice.APPROVE)]


async def test_every_vote_acknowledged_before_a_close_is_counted_by_it(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    acknowledged: list[str] = []
    enough_votes = asyncio.Event()

    async def vote(user_id: str) -> VoteChange:
        change = await stores.votes.cast_vote(
            proposal_id=proposal_id, user_id=user_id, choice=Choice.REJECT, reason=None, now=NOW
        )
        if change is VoteChange.NEW:
            acknowledged.append(user_id)
        if len(acknowledged) == 20:
            enough_votes.set()
        return change

    async def close_and_count() -> set[str]:
        await enough_votes.wait()
        await stores.votes.close_vote(
            proposal_id=proposal_id, outcome=Outcome.REJECTED, closed_by="U1", now=NOW
        )
        return {vote.user_id for vote in await stores.votes.votes_for(proposal_id=proposal_id)}

    counted, *changes = await asyncio.gather(
        close_and_count(), *(vote(f"U{index:02d}") for index in range(80))
    )
    assert counted == set(acknowledged)
    assert set(changes) <= {VoteChange.NEW, VoteChange.CLOSED}


async def test_only_the_first_close_of_a_vote_wins(stores: Stores) -> None:
    proposal_id = await create(stores)
    results = await asyncio.gather(
        *(
            stores.votes.close_vote(
                proposal_id=proposal_id,
                outcome=outcome,
                closed_by=f"U{index}",
                now=NOW + timedelta(seconds=index),
            )
            for index, outcome in enumerate([Outcome.APPROVED, Outcome.REJECTED] * 5)
        )
    )
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)
    assert sum(results) == 1
    assert record is not None
    winner = results.index(True)
    assert record.vote_state is VoteState.CLOSED
    assert (record.closed_by, record.closed_at) == (f"U{winner}", NOW + timedelta(seconds=winner))
    assert record.outcome is [Outcome.APPROVED, Outcome.REJECTED][winner % 2]


async def test_only_open_votes_past_their_deadline_are_due(stores: Stores) -> None:
    due = await create(stores, "DUE", deadline=NOW - timedelta(minutes=1))
    exactly_now = await create(stores, "NOW", deadline=NOW)
    await create(stores, "LATER", deadline=NOW + timedelta(minutes=1))
    await create(stores, "NO_DEADLINE", deadline=None)
    closed = await create(stores, "CLOSED", deadline=NOW - timedelta(days=1))
    await stores.votes.close_vote(
        proposal_id=closed, outcome=Outcome.NO_DECISION, closed_by="U1", now=NOW
    )
    assert [record.id for record in await stores.proposals.open_proposals_due(now=NOW)] == [
        due,
        exactly_now,
    ]
    assert len(await stores.proposals.open_proposals()) == 4


async def test_a_deadline_in_another_time_zone_compares_by_the_instant(
    stores: Stores,
) -> None:
    plus_two = timezone(timedelta(hours=2))
    proposal_id = await create(stores, deadline=datetime(2026, 3, 2, 10, 30, tzinfo=plus_two))
    assert (
        await stores.proposals.open_proposals_due(now=datetime(2026, 3, 2, 8, 29, tzinfo=UTC)) == []
    )
    due = await stores.proposals.open_proposals_due(now=datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert [record.id for record in due] == [proposal_id]


# -- committee --------------------------------------------------------------------------


async def test_committee_changes_are_applied_and_audited_with_actor_and_time(
    stores: Stores,
) -> None:
    later = NOW + timedelta(hours=1)
    added = await stores.committees.add_committee_members(
        team_id=TEAM,
        channel_id=CHANNEL,
        user_ids=["U1", "U2", "U1"],
        actor_id="U_ADMIN",
        now=NOW,
    )
    again = await stores.committees.add_committee_members(
        team_id=TEAM, channel_id=CHANNEL, user_ids=["U2", "U3"], actor_id="U1", now=later
    )
    removed = await stores.committees.remove_committee_members(
        team_id=TEAM,
        channel_id=CHANNEL,
        user_ids=["U1", "U_NOT_A_MEMBER"],
        actor_id="U2",
        now=later,
    )
    members = await stores.committees.committee_members(team_id=TEAM, channel_id=CHANNEL)
    trail = await stores.committees.committee_changes(team_id=TEAM, channel_id=CHANNEL)
    assert (added, again, removed, members) == (["U1", "U2"], ["U3"], ["U1"], ["U2", "U3"])
    assert [(change.actor_id, change.action, change.user_id, change.at) for change in trail] == [
        ("U_ADMIN", CommitteeAction.ADD, "U1", NOW),
        ("U_ADMIN", CommitteeAction.ADD, "U2", NOW),
        ("U1", CommitteeAction.ADD, "U3", later),
        ("U2", CommitteeAction.REMOVE, "U1", later),
    ]


async def test_committees_of_different_channels_are_separate(stores: Stores) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id="C_A", user_ids=["U1"], actor_id="U1", now=NOW
    )
    assert await stores.committees.committee_members(team_id=TEAM, channel_id="C_B") == []
    assert await stores.committees.committee_changes(team_id=TEAM, channel_id="C_B") == []


# -- reminder ledger: the claim protocol ------------------------------------------------

DUE = date(2026, 3, 17)


def entry(proposal_id: int, kind: str = "qit_deadline", due: date = DUE) -> LedgerEntry:
    return LedgerEntry(proposal_id, kind, due, 3, CHANNEL)


async def claim(stores: Stores, *entries: LedgerEntry, now: datetime = NOW) -> set[Any]:
    return set(await stores.ledger.claim_reminders(entries=entries, now=now))


async def stored_reminder(
    stores: Stores, proposal_id: int, kind: str = "qit_deadline"
) -> ReminderRecord | None:
    """The ledger row of one reminder due on DUE, as the `reminders` report reads the ledger."""
    rows = await stores.ledger.reminders_on(due_date=DUE)
    return next((r for r in rows if (r.proposal_id, r.kind) == (proposal_id, kind)), None)


async def is_sent(stores: Stores, proposal_id: int, kind: str = "qit_deadline") -> bool:
    stored = await stored_reminder(stores, proposal_id, kind)
    return stored is not None and stored.sent_at is not None


async def test_a_claimed_reminder_counts_as_sent_only_once_marked_and_is_never_claimed_twice(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    qit = entry(proposal_id)

    won = await stores.ledger.claim_reminders(entries=[qit], now=NOW)
    assert set(won) == {qit.key}
    assert not await is_sent(stores, proposal_id)
    assert await claim(stores, qit, now=NOW + timedelta(minutes=1)) == set()
    await stores.ledger.mark_reminders_sent(row_ids=won.values(), now=NOW + timedelta(seconds=2))
    assert await is_sent(stores, proposal_id)
    assert not await is_sent(stores, proposal_id, "quarter_close")
    assert await claim(stores, qit, now=NOW + timedelta(hours=1)) == set()
    stored = await stored_reminder(stores, proposal_id)
    assert stored is not None
    assert (stored.sent_at, stored.attempts, stored.last_error) == (
        NOW + timedelta(seconds=2),
        1,
        None,
    )


async def test_concurrent_claims_of_the_same_reminders_have_exactly_one_winner_each(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    entries = [entry(proposal_id, kind) for kind in ("qit_deadline", "quarter_close", "x")]

    results = await asyncio.gather(
        *(stores.ledger.claim_reminders(entries=entries[::step], now=NOW) for step in (1, -1) * 10)
    )

    winners = [key for won in results for key in won]
    assert sorted(winners) == sorted(item.key for item in entries)
    assert len(await stores.ledger.reminders_on(due_date=DUE)) == 3


async def test_one_claim_covers_many_rows_and_repeated_entries_once(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    entries = [entry(proposal_id, f"kind-{number}") for number in range(1200)]

    won = await stores.ledger.claim_reminders(entries=entries + entries[:10], now=NOW)

    assert set(won) == {item.key for item in entries}
    assert len(set(won.values())) == 1200
    assert len(await stores.ledger.reminders_on(due_date=DUE)) == 1200


async def test_a_released_claim_keeps_the_error_counts_attempts_and_can_be_claimed_again(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    qit = entry(proposal_id)
    for attempt, error in [(1, "ratelimited"), (2, "x" * 600)]:
        won = await stores.ledger.claim_reminders(entries=[qit], now=NOW)
        [failure] = await stores.ledger.release_reminders(row_ids=won.values(), error=error)
        assert (failure.attempts, failure.last_error, failure.sent_at) == (
            attempt,
            error[:500],
            None,
        )
    won = await stores.ledger.claim_reminders(entries=[qit], now=NOW)
    await stores.ledger.mark_reminders_sent(row_ids=won.values(), now=NOW)
    stored = await stored_reminder(stores, proposal_id)
    assert stored is not None
    assert (stored.sent_at, stored.attempts, stored.days_before) == (NOW, 3, 3)
    assert await stores.ledger.release_reminders(row_ids=won.values(), error="late") == []


async def test_a_claim_holds_for_ten_minutes_then_a_crashed_sweepers_claim_is_taken_over(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    qit = entry(proposal_id)
    assert await claim(stores, qit, now=NOW) == {qit.key}

    assert await claim(stores, qit, now=NOW + timedelta(minutes=9, seconds=59)) == set()
    assert await claim(stores, qit, now=NOW + timedelta(minutes=10, seconds=1)) == {qit.key}


async def test_a_renewed_claim_holds_ten_minutes_from_its_renewal_and_only_its_holder_renews(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    qit = entry(proposal_id)
    won = await stores.ledger.claim_reminders(entries=[qit], now=NOW)
    later = NOW + timedelta(minutes=6)

    stranger = await stores.ledger.renew_reminder_claims(
        row_ids=won.values(), held_since=NOW - timedelta(seconds=1), now=later
    )
    holder = await stores.ledger.renew_reminder_claims(
        row_ids=won.values(), held_since=NOW, now=later
    )

    assert (stranger, holder) == (set(), set(won.values()))
    assert await claim(stores, qit, now=NOW + timedelta(minutes=11)) == set()
    assert await claim(stores, qit, now=later + timedelta(minutes=11)) == {qit.key}


async def test_a_reminder_to_a_channel_gone_three_times_is_given_up(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    qit = entry(proposal_id)
    records = []
    for _ in range(3):
        won = await stores.ledger.claim_reminders(entries=[qit], now=NOW)
        records += await stores.ledger.release_reminders(
            row_ids=won.values(), error="not_in_channel"
        )

    assert [is_given_up(record) for record in records] == [False, False, True]
    assert await claim(stores, qit, now=NOW + timedelta(days=1)) == set()
    assert await stores.ledger.settled_reminders_among(keys=[qit.key]) == {qit.key}


async def test_settled_keys_are_yesterdays_and_todays_and_passed_deadlines_since_a_date(
    stores: Stores,
) -> None:
    proposal_id = await create(stores)
    days = {DUE - timedelta(days=back): back for back in range(4)}
    entries = [entry(proposal_id, kind, day) for day in days for kind in ("a", "qit_passed")]
    entries.append(entry(proposal_id, "unsent"))
    won = await stores.ledger.claim_reminders(entries=entries, now=NOW)
    await stores.ledger.mark_reminders_sent(
        row_ids=[row_id for key, row_id in won.items() if key[1] != "unsent"], now=NOW
    )

    settled = await stores.ledger.settled_reminder_keys(
        day=DUE, late_kinds=["qit_passed"], since=DUE - timedelta(days=2)
    )

    assert settled == {
        (proposal_id, kind, day)
        for day, back in days.items()
        for kind in ("a", "qit_passed")
        if back <= 1 or (kind == "qit_passed" and back <= 2)
    }


async def test_reminders_on_a_date_lists_only_that_dates_ledger(stores: Stores) -> None:
    proposal_id = await create(stores)
    tomorrow = DUE + timedelta(days=1)
    await claim(stores, entry(proposal_id), entry(proposal_id, "quarter_close", tomorrow))

    [reminder] = await stores.ledger.reminders_on(due_date=DUE)

    assert (reminder.proposal_id, reminder.kind, reminder.due_date) == (
        proposal_id,
        "qit_deadline",
        DUE,
    )
    assert await stored_reminder(stores, proposal_id, "qit_passed") is None


async def test_only_one_holder_of_the_sweep_lock_on_postgresql_and_no_lock_elsewhere(
    stores: Stores, database_url: str
) -> None:
    other = create_engine(database_url)
    try:
        async with (
            stores.advisory_lock(key=42) as first,
            Stores.on(other).advisory_lock(key=42) as second,
        ):
            pass
        async with Stores.on(other).advisory_lock(key=42) as after_release:
            pass
    finally:
        await other.dispose()
    assert (first, second, after_release) == (True, not engine_is_postgres(database_url), True)


# -- processed deliveries ---------------------------------------------------------------


async def test_a_delivery_key_is_claimed_only_the_first_time(stores: Stores) -> None:
    long_key = "retry:" + "x" * 400
    assert await stores.events.claim_event(key="Ev01", now=NOW)
    assert not await stores.events.claim_event(key="Ev01", now=NOW)
    assert await stores.events.claim_event(key=long_key, now=NOW)
    assert not await stores.events.claim_event(key=long_key, now=NOW)
    claims = await asyncio.gather(
        *(stores.events.claim_event(key="Ev02", now=NOW) for _ in range(10))
    )
    assert sum(claims) == 1


async def test_old_delivery_keys_can_be_forgotten(stores: Stores) -> None:
    await stores.events.claim_event(key="old", now=NOW - timedelta(days=2))
    await stores.events.claim_event(key="new", now=NOW)
    assert await stores.events.forget_events(seen_before=NOW - timedelta(days=1)) == 1
    assert await stores.events.claim_event(key="old", now=NOW)
    assert not await stores.events.claim_event(key="new", now=NOW)


# -- the database itself ----------------------------------------------------------------


async def test_the_data_survives_an_engine_restart(database_url: str, engine: object) -> None:
    first = create_engine(database_url)
    proposal_id = await create(Stores.on(first))
    await Stores.on(first).votes.cast_vote(
        proposal_id=proposal_id, user_id="U1", choice=Choice.APPROVE, reason="ship it", now=NOW
    )
    await first.dispose()
    second = create_engine(database_url)
    try:
        reopened = Stores.on(second)
        record = await reopened.proposals.get_proposal(proposal_id=proposal_id)
        votes = await reopened.votes.votes_for(proposal_id=proposal_id)
    finally:
        await second.dispose()
    assert record is not None
    assert record.proposal == make_proposal()
    assert [(vote.user_id, vote.reason) for vote in votes] == [("U1", "ship it")]


async def test_timestamps_come_back_aware_in_utc(stores: Stores) -> None:
    tokyo = timezone(timedelta(hours=9))
    local = datetime(2026, 3, 2, 18, 0, 0, 123456, tzinfo=tokyo)
    proposal_id = await create(stores, now=local, deadline=local + timedelta(days=3))
    record = await stores.proposals.get_proposal(proposal_id=proposal_id)
    assert record is not None
    for stamp in (record.created_at, record.updated_at, record.vote_deadline):
        assert stamp is not None
        assert stamp.utcoffset() == timedelta(0)
    assert record.created_at == local
    assert record.created_at.hour == 9


async def test_a_naive_timestamp_is_refused(stores: Stores) -> None:
    with pytest.raises(StatementError, match="has no time zone"):
        await stores.events.claim_event(key="naive", now=datetime(2026, 3, 2, 9, 0))


async def test_ping_reaches_the_database_and_fails_when_it_is_gone(
    stores: Stores, tmp_path: Path
) -> None:
    await stores.ping()  # a migrated database answers
    (tmp_path / "gone").mkdir()
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone'}")  # a folder: no file
    try:
        with pytest.raises(OperationalError):
            await Stores.on(unreachable).ping()
    finally:
        await unreachable.dispose()


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(
    tmp_path: object,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/nested/dir/pragmas.db")
    try:
        async with engine.connect() as connection:
            values = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            ]
    finally:
        await engine.dispose()
    assert values == ["wal", 5000, 1]


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("mysql+aiomysql://user:pw@host/db", "'mysql+aiomysql', which is not supported"),
        ("not a url", "is not a valid database URL"),
        ("sqlite+aiosqlite://", "must name a SQLite file"),
        ("sqlite+aiosqlite:///:memory:", "must name a SQLite file"),
    ],
)
def test_an_unsupported_database_url_names_database_url_and_what_is_allowed(
    url: str, complaint: str
) -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        create_engine(url)
    assert str(raised.value).startswith("DATABASE_URL")
    assert complaint in str(raised.value)
    assert "postgresql+asyncpg://" in str(raised.value)


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///bot.db", "sqlite+aiosqlite"),
        ("postgres://u:p@localhost/db", "postgresql+asyncpg"),
        ("postgresql://u:p@localhost/db", "postgresql+asyncpg"),
    ],
)
async def test_plain_database_urls_get_the_async_driver(url: str, driver: str) -> None:
    engine = create_engine(url)
    await engine.dispose()
    assert engine.url.drivername == driver
