"""The App Home dashboard: pure builders over `HomeData`, and the stores that fills it."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.blocks.home import (
    awaiting_vote,
    home_view,
    next_qit_deadlines,
    own_proposals,
    quarter_decisions,
)
from bot.models import DecisionSummary, DeliveryState, HomeData, ProposalRecord
from bot.persistence.stores import Stores
from bot.voting.domain import Choice, Outcome, VoteState
from core.calendar import FiscalQuarter, fiscal_quarter
from core.evaluation import Recommendation, Verdict
from tests.bot.block_kit import block_kit_problems, view_problems
from tests.builders import slow_lift_proposal, statements_sent, store_proposal

TODAY = date(2026, 3, 2)
QUARTER = fiscal_quarter(TODAY, 1)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ME, OTHER = "U_ME", "U_OTHER"
TEAM = "T001"

_ids = itertools.count(1)


def summary(**overrides: Any) -> DecisionSummary:
    values: dict[str, Any] = {
        "id": next(_ids),
        "team_id": TEAM,
        "channel_id": "C_COMMITTEE",
        "author_id": OTHER,
        "title": "Fraud classifier fine-tune",
        "created_at": NOW - timedelta(days=1),
        "verdict": Verdict.APPROVE,
        "recommendation": Recommendation.FINE_TUNE,
        "primary_reason": None,
        "total_cost_usd": 32_000.0,
        "projected_revenue_usd": 120_000.0,
        "timing_adjusted_roi": 2.5,
        "delivery_days": 10,
        "policy_hash": "abc123",
        "delivery_state": DeliveryState.POSTED,
        "vote_state": VoteState.OPEN,
        "vote_deadline": NOW + timedelta(days=3),
        "secret_ballot": False,
        "outcome": None,
        "approve": 0,
        "reject": 0,
        "abstain": 0,
        "closed_at": None,
    }
    return DecisionSummary(**{**values, **overrides})


def closed(outcome: Outcome, **overrides: Any) -> DecisionSummary:
    values: dict[str, Any] = {"vote_state": VoteState.CLOSED, "outcome": outcome, "closed_at": NOW}
    return summary(**{**values, **overrides})


def data(*proposals: DecisionSummary, **overrides: Any) -> HomeData:
    values: dict[str, Any] = {"committees": {"C_COMMITTEE": [ME, "U_X"]}}
    return HomeData(proposals=list(proposals), **{**values, **overrides})


def view_of(home: HomeData) -> dict[str, Any]:
    return home_view(user_id=ME, data=home, today=TODAY, quarter=QUARTER)


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def assert_valid_home(view: dict[str, Any]) -> None:
    assert view["type"] == "home"
    assert len(view["blocks"]) <= 100
    assert block_kit_problems(view["blocks"], max_blocks=100) == []
    assert view_problems(view) == []


# --- the view as a whole ---------------------------------------------------------------------


def test_an_empty_home_is_valid_and_says_how_to_start() -> None:
    view = view_of(data())
    assert_valid_home(view)
    assert "/finetune-check" in text_of(view)
    assert "Nothing here yet" in text_of(view)


def test_one_proposal_awaiting_my_vote_shows_in_its_sections() -> None:
    proposal = summary(title="Ranking fine-tune")
    view = view_of(data(proposal))
    assert_valid_home(view)
    shown = text_of(view)
    assert "Awaiting your vote (1)" in shown
    assert "Your proposals (0)" in shown
    assert "Next QIT deadlines (1)" in shown
    assert f"*#{proposal.id}* Ranking fine-tune" in shown


def test_five_hundred_proposals_stay_within_slacks_limits_with_a_more_line() -> None:
    proposals = [
        summary(author_id=ME if index % 2 else OTHER, title=f"Proposal {index}, {'x' * 140}")
        for index in range(500)
    ]
    view = view_of(data(*proposals))
    assert_valid_home(view)
    shown = text_of(view)
    assert "Your proposals (250)" in shown
    assert "…and 240 more." in shown
    assert "Awaiting your vote (500)" in shown
    assert "…and 490 more." in shown


def test_user_text_in_a_title_cannot_ping_or_format() -> None:
    view = view_of(data(summary(title="<!channel> & <@U999>")))
    shown = text_of(view)
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in shown
    assert "<!channel>" not in shown


# --- who is awaited --------------------------------------------------------------------------


def test_a_committee_member_who_has_not_voted_is_awaited() -> None:
    proposal = summary()
    assert awaiting_vote(ME, data(proposal)) == [proposal]


def test_someone_outside_the_channels_committee_is_not_awaited() -> None:
    proposal = summary(channel_id="C_OTHER_COMMITTEE")
    home = data(proposal, committees={"C_OTHER_COMMITTEE": ["U_X"]})
    assert awaiting_vote(ME, home) == []


def test_a_member_who_already_voted_is_not_awaited() -> None:
    proposal = summary()
    assert awaiting_vote(ME, data(proposal, my_votes={proposal.id: Choice.REJECT})) == []


def test_a_closed_vote_awaits_nobody() -> None:
    assert awaiting_vote(ME, data(closed(Outcome.APPROVED))) == []


def test_an_unposted_proposal_awaits_nobody_since_there_is_nothing_to_vote_on() -> None:
    proposal = summary(delivery_state=DeliveryState.UNDELIVERABLE)
    assert awaiting_vote(ME, data(proposal)) == []


def test_without_any_committee_anyone_who_has_not_voted_is_awaited() -> None:
    proposal = summary(channel_id="C_OPEN")
    assert awaiting_vote(ME, data(proposal, committees={})) == [proposal]


def test_the_fallback_committee_decides_in_a_channel_without_its_own() -> None:
    proposal = summary(channel_id="C_OPEN")
    assert awaiting_vote(ME, data(proposal, committees={}, fallback_committee=["U_X"])) == []
    assert awaiting_vote(ME, data(proposal, committees={}, fallback_committee=[ME])) == [proposal]


def test_the_vote_closing_soonest_comes_first() -> None:
    later = summary(vote_deadline=NOW + timedelta(days=3))
    sooner = summary(vote_deadline=NOW + timedelta(hours=5))
    undated = summary(vote_deadline=None)
    assert awaiting_vote(ME, data(later, undated, sooner)) == [sooner, later, undated]


# --- my proposals, the quarter, the deadlines ------------------------------------------------


def test_my_proposals_are_listed_newest_first_with_their_state() -> None:
    old = closed(Outcome.REJECTED, author_id=ME, created_at=NOW - timedelta(days=200), reject=3)
    new = summary(author_id=ME, approve=2)
    home = data(old, new, summary())
    assert own_proposals(ME, home) == [new, old]
    shown = text_of(view_of(home))
    assert "committee rejected 0–3" in shown
    assert "vote open, 2 approve · 0 reject · 0 abstain" in shown


def test_the_quarter_counts_decisions_and_sums_spend_and_revenue() -> None:
    approved = closed(Outcome.APPROVED, total_cost_usd=30_000.0, projected_revenue_usd=100_000.0)
    rejected = closed(
        Outcome.REJECTED,
        verdict=Verdict.REJECT,
        total_cost_usd=20_000.0,
        projected_revenue_usd=10_000.0,
    )
    voting = summary(total_cost_usd=5_000.0, projected_revenue_usd=1_000.0)
    last_quarter = closed(
        Outcome.APPROVED,
        created_at=datetime(2025, 11, 3, tzinfo=UTC),
        closed_at=datetime(2025, 11, 6, tzinfo=UTC),
    )
    home = data(approved, rejected, voting, last_quarter)
    assert set(quarter_decisions(home, QUARTER)) == {approved, rejected, voting}
    shown = text_of(view_of(home))
    assert "*Engine:* 2 approve · 1 reject" in shown
    assert "*Committee:* 1 approved · 1 rejected · 0 no decision · 1 still voting" in shown
    assert "$55,000 total spend for $111,000 projected revenue" in shown
    assert "*Committee-approved:* $30,000 total spend for $100,000 projected revenue" in shown


def test_a_proposal_closed_this_quarter_counts_as_this_quarters_decision() -> None:
    carried = closed(Outcome.APPROVED, created_at=datetime(2025, 12, 20, tzinfo=UTC))
    assert quarter_decisions(data(carried), QUARTER) == [carried]


def test_the_next_qit_deadline_is_this_quarters_while_it_is_ahead() -> None:
    (deadline,) = next_qit_deadlines(data(summary(delivery_days=10)), TODAY, QUARTER)
    assert deadline.day == date(2026, 3, 21)
    assert (deadline.quarter.fiscal_year, deadline.quarter.quarter) == (2026, 1)
    assert not deadline.this_quarter_passed


def test_a_passed_qit_deadline_moves_to_the_next_quarters() -> None:
    (deadline,) = next_qit_deadlines(data(summary(delivery_days=30)), TODAY, QUARTER)
    assert deadline.day == date(2026, 5, 31)
    assert deadline.quarter.quarter == 2
    assert deadline.this_quarter_passed
    assert "(this quarter's has passed)" in text_of(view_of(data(summary(delivery_days=30))))


def test_a_delivery_longer_than_a_quarter_finds_the_first_deadline_still_ahead() -> None:
    (deadline,) = next_qit_deadlines(data(summary(delivery_days=200)), TODAY, QUARTER)
    assert deadline.day >= TODAY
    assert deadline.day == deadline.quarter.close - timedelta(days=200)


def test_deadlines_follow_a_fiscal_year_that_starts_in_february() -> None:
    quarter = fiscal_quarter(TODAY, 2)
    (deadline,) = next_qit_deadlines(data(summary(delivery_days=10)), TODAY, quarter)
    assert deadline.day == date(2026, 4, 20)


def test_rejected_and_undecided_proposals_have_no_deadline_to_meet() -> None:
    home = data(closed(Outcome.REJECTED), closed(Outcome.NO_DECISION), closed(Outcome.APPROVED))
    assert [d.proposal.outcome for d in next_qit_deadlines(home, TODAY, QUARTER)] == [
        Outcome.APPROVED
    ]


# --- the stores fills HomeData -----------------------------------------------------------


async def store(
    stores: Stores, *, channel: str, author: str = OTHER, at: datetime = NOW
) -> ProposalRecord:
    record = await store_proposal(
        stores,
        slow_lift_proposal(title=f"{channel} by {author}", delivery_days=10),
        team_id=TEAM,
        channel_id=channel,
        author_id=author,
        now=at,
    )
    return await stores.proposals.mark_posted(
        proposal_id=record.id, channel_id=channel, message_ts="1.0", now=at
    )


async def home_for(stores: Stores, **options: Any) -> HomeData:
    return await stores.reads.home_data(
        team_id=TEAM,
        user_id=ME,
        fallback_committee=options.pop("fallback_committee", []),
        since=QUARTER.start,
        **options,
    )


async def test_the_read_model_finds_the_proposals_in_my_channels_only(
    stores: Stores,
) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id="C_MINE", user_ids=[ME], actor_id=ME, now=NOW
    )
    in_committee = await store(stores, channel="C_MINE")
    mine = await store(stores, channel="C_AUTHORED", author=ME)
    beside_mine = await store(stores, channel="C_AUTHORED")
    voted_on = await store(stores, channel="C_VOTED")
    await stores.votes.cast_vote(
        proposal_id=voted_on.id, user_id=ME, choice=Choice.ABSTAIN, reason=None, now=NOW
    )
    beside_vote = await store(stores, channel="C_VOTED")
    await store(stores, channel="C_ELSEWHERE")
    home = await home_for(stores)
    assert [p.id for p in home.proposals] == [
        in_committee.id,
        mine.id,
        beside_mine.id,
        voted_on.id,
        beside_vote.id,
    ]
    assert home.my_votes == {voted_on.id: Choice.ABSTAIN}
    assert home.committees == {"C_MINE": [ME]}
    assert [p.id for p in awaiting_vote(ME, home)] == [
        in_committee.id,
        mine.id,
        beside_mine.id,
        beside_vote.id,
    ]


async def test_channels_slack_names_for_the_user_count_as_theirs(stores: Stores) -> None:
    listed = await store(stores, channel="C_LISTED")
    home = await home_for(stores, channel_ids=["C_LISTED"])
    assert [p.id for p in home.proposals] == [listed.id]


async def test_a_fallback_member_sees_every_channel_without_a_committee_of_its_own(
    stores: Stores,
) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id="C_OWN", user_ids=["U_X"], actor_id="U_X", now=NOW
    )
    open_channel = await store(stores, channel="C_NO_COMMITTEE")
    await store(stores, channel="C_OWN")
    home = await home_for(stores, fallback_committee=[ME])
    assert [p.id for p in home.proposals] == [open_channel.id]
    assert awaiting_vote(ME, home) == home.proposals


async def test_old_closed_proposals_drop_out_but_mine_stay(stores: Stores) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM, channel_id="C_MINE", user_ids=[ME], actor_id=ME, now=NOW
    )
    long_ago = NOW - timedelta(days=300)
    old_other = await store(stores, channel="C_MINE", at=long_ago)
    old_mine = await store(stores, channel="C_MINE", author=ME, at=long_ago)
    for proposal in (old_other, old_mine):
        await stores.votes.close_vote(
            proposal_id=proposal.id, outcome=Outcome.REJECTED, closed_by=ME, now=long_ago
        )
    still_open = await store(stores, channel="C_MINE", at=long_ago)
    home = await home_for(stores)
    assert [p.id for p in home.proposals] == [old_mine.id, still_open.id]


async def test_vote_counts_come_with_each_proposal(stores: Stores) -> None:
    proposal = await store(stores, channel="C_MINE", author=ME)
    for user, choice in [("U1", Choice.APPROVE), ("U2", Choice.APPROVE), ("U3", Choice.REJECT)]:
        await stores.votes.cast_vote(
            proposal_id=proposal.id, user_id=user, choice=choice, reason=None, now=NOW
        )
    (found,) = (await home_for(stores)).proposals
    assert (found.approve, found.reject, found.abstain) == (2, 1, 0)
    assert found.total_cost_usd == proposal.evaluation.figures.total_cost_usd
    assert found.delivery_days == 10


async def test_the_home_costs_the_same_few_queries_for_3_or_30_proposals(
    stores: Stores,
) -> None:
    async def queries_for_home() -> int:
        with statements_sent(stores.engine) as statements:
            await home_for(stores)
        return len(statements)

    for _ in range(3):
        await store(stores, channel="C_AUTHORED", author=ME)
    few = await queries_for_home()
    for _ in range(27):
        await store(stores, channel="C_AUTHORED", author=ME)
    assert await queries_for_home() == few <= 5


async def test_a_home_built_from_the_database_is_valid_block_kit(stores: Stores) -> None:
    for index in range(12):
        await store(stores, channel=f"C{index % 3}", author=ME)
    view = home_view(user_id=ME, data=await home_for(stores), today=TODAY, quarter=QUARTER)
    assert_valid_home(view)
    assert "Your proposals (12)" in text_of(view)


def test_the_quarter_passed_in_names_the_fiscal_year() -> None:
    quarter = FiscalQuarter(
        fiscal_year=2027, quarter=1, start=date(2026, 2, 1), close=date(2026, 4, 30)
    )
    shown = text_of(home_view(user_id=ME, data=data(summary()), today=TODAY, quarter=quarter))
    assert "FY2027 Q1" in shown
