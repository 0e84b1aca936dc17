"""Many proposals submitted in a row: each verdict post and refresh carries its own metadata.

Submitted one after another on one database, the second proposal's message once said
"Approve" in its text while its metadata carried the first proposal's reject. Every post and
every refresh after a vote must carry the proposal's own verdict and recommendation.
"""

from __future__ import annotations

import pytest

from bot.ids import ActionId
from core.engine import evaluate
from core.policy import Policy
from core.proposal import Proposal
from tests.bot import signing
from tests.bot.conftest import RunningApp, modal_answers
from tests.bot.fake_slack import FakeSlack
from tests.worked_cases import worked_cases


def proposals() -> list[Proposal]:
    """The nine worked cases and three variations, every title different."""
    cases = [case.proposal for case in worked_cases()]
    first = cases[0]
    return [
        *cases,
        first.model_copy(update={"title": "Variation: faster delivery", "delivery_days": 10}),
        first.model_copy(update={"title": "Variation: bigger lift", "projected_lift_pct": 12.0}),
        first.model_copy(update={"title": "Variation: slow model", "latency_ms": 400.0}),
    ]


@pytest.fixture
async def posted(app: RunningApp, fake_slack: FakeSlack) -> list[tuple[Proposal, dict]]:
    """Every proposal submitted through the modal, in order; each with its verdict post."""
    found = []
    for number, proposal in enumerate(proposals(), start=1):
        status, _ = await app.submit(modal_answers(proposal), view_id=f"V0MANY{number:04d}")
        assert status == 200
        posts = await fake_slack.wait_for("chat.postMessage", number)
        found.append((proposal, posts[number - 1].params))
    assert await app.deps.background.drain(timeout=10) == 0
    return found


def test_the_proposals_have_different_verdicts_and_recommendations() -> None:
    evaluations = [evaluate(proposal, Policy()) for proposal in proposals()]
    assert {evaluation.verdict.value for evaluation in evaluations} == {"approve", "reject"}
    assert len({evaluation.recommendation for evaluation in evaluations}) >= 5


async def test_each_verdict_post_carries_its_own_verdict_in_text_and_metadata(
    posted: list[tuple[Proposal, dict]],
) -> None:
    for number, (proposal, params) in enumerate(posted, start=1):
        expected = evaluate(proposal, Policy())
        payload = params["metadata"]["event_payload"]
        assert payload["proposal_id"] == number
        assert (payload["verdict"], payload["recommendation"]) == (
            expected.verdict.value,
            expected.recommendation.value,
        )
        assert proposal.title in params["text"]


async def test_each_refresh_after_a_vote_keeps_its_own_verdict(
    app: RunningApp, fake_slack: FakeSlack, posted: list[tuple[Proposal, dict]]
) -> None:
    ts_of = {}
    for call in fake_slack.successful("chat.postMessage"):
        payload = call.params.get("metadata", {}).get("event_payload", {})
        if "proposal_id" in payload:
            ts_of[payload["proposal_id"]] = call.answer["ts"]
    for number in reversed(range(1, len(posted) + 1)):
        body = signing.block_actions(
            action_id=ActionId.VOTE_APPROVE,
            value=str(number),
            user_id="U_VOTER",
            channel_id=signing.CHANNEL_ID,
            response_url=fake_slack.response_url("action"),
            block_id="verdict_actions",
        )
        status, _ = await app.click(body)
        assert status == 200
    await fake_slack.wait_for("chat.update", len(posted), timeout=15)
    assert await app.deps.background.drain(timeout=10) == 0
    await app.deps.coalescer.drain()
    refreshed = {call.params["ts"]: call.params for call in fake_slack.successful("chat.update")}
    for number, (proposal, _) in enumerate(posted, start=1):
        expected = evaluate(proposal, Policy())
        payload = refreshed[ts_of[number]]["metadata"]["event_payload"]
        assert payload["proposal_id"] == number
        assert (payload["verdict"], payload["recommendation"]) == (
            expected.verdict.value,
            expected.recommendation.value,
        )
        assert payload["tally"] == {"approve": 1, "reject": 0, "abstain": 0}
