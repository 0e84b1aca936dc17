"""App Home end to end: opening the Home tab publishes the user's dashboard with `views.publish`."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from typing import Any

from bot.blocks.home import HOME_BLOCK_LIMIT
from bot.infrastructure.settings import load_settings
from bot.modal.parsing import parse_proposal_form
from bot.modal.view import proposal_modal
from bot.persistence.stores import Stores
from tests.bot import signing
from tests.bot.block_kit import view_problems
from tests.bot.conftest import (
    APPROVABLE,
    NOW,
    RunningApp,
    environment,
    make_deps,
    serve,
    view_state,
)
from tests.bot.fake_slack import TEAM_ID, Call, FakeSlack
from tests.builders import store_proposal
from tests.clock import FixedClock

AUTHOR = signing.USER_ID
MEMBER = "U0MEMBER1"
_event_numbers = itertools.count(1)


async def open_home(app: RunningApp, user_id: str, *, tab: str = "home") -> None:
    """Deliver `app_home_opened` as Slack does when `user_id` opens one of the app's tabs."""
    event = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id[1:],
        "tab": tab,
        "event_ts": "1800000000.000100",
    }
    body = signing.event_callback(event=event, event_id=f"EvHOME{next(_event_numbers):04d}")
    status, _ = await app.event(body)
    assert status == 200


async def published_home(app: RunningApp, user_id: str) -> dict[str, Any]:
    """Open the Home tab and return the one view published for it."""
    before = len(app.fake_slack.calls_to("views.publish"))
    await open_home(app, user_id)
    calls = await app.fake_slack.wait_for("views.publish", before + 1)
    [call] = calls[before:]
    assert call.params["user_id"] == user_id
    return view_of(call)


def view_of(call: Call) -> dict[str, Any]:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


async def post_proposal(app: RunningApp, view_id: str = "V0SUBMIT1") -> None:
    before = len(app.fake_slack.calls_to("chat.postMessage"))
    status, _ = await app.submit(APPROVABLE, view_id=view_id)
    assert status == 200
    await app.fake_slack.wait_for("chat.postMessage", before + 1)
    assert await app.deps.background.drain(timeout=5) == 0


async def seat_committee(stores: Stores) -> None:
    await stores.committees.add_committee_members(
        team_id=TEAM_ID,
        channel_id=signing.CHANNEL_ID,
        user_ids=[MEMBER, "U0MEMBER2"],
        actor_id=AUTHOR,
        now=NOW,
    )


async def test_opening_the_home_tab_with_no_proposals_publishes_a_valid_welcome(
    app: RunningApp,
) -> None:
    view = await published_home(app, AUTHOR)

    assert view["type"] == "home"
    assert view_problems(view) == []
    assert "Nothing here yet." in text_of(view)
    assert "FY2026 Q1 · closes 2026-03-31 (in 49 days) · today 2026-02-10" in text_of(view)


async def test_a_committee_member_sees_the_proposal_awaiting_their_vote(
    app: RunningApp, stores: Stores
) -> None:
    await seat_committee(stores)
    await post_proposal(app)
    view = await published_home(app, MEMBER)
    shown = text_of(view)

    assert view_problems(view) == []
    assert "Awaiting your vote (1)" in shown
    assert "*#1* Fraud classifier fine-tune" in shown
    assert f"by <@{AUTHOR}>" in shown


async def test_the_author_sees_their_own_proposal_and_its_vote_state(
    app: RunningApp, stores: Stores
) -> None:
    await seat_committee(stores)
    await post_proposal(app)
    view = await published_home(app, AUTHOR)
    shown = text_of(view)

    assert view_problems(view) == []
    assert "Your proposals (1)" in shown
    assert "Awaiting your vote (0)" in shown
    assert "vote open, 0 approve · 0 reject · 0 abstain" in shown


async def test_opening_the_messages_tab_publishes_nothing(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    await open_home(app, AUTHOR, tab="messages")
    await fake_slack.settle(0.1)
    assert fake_slack.calls_to("views.publish") == []


async def test_the_dashboard_s_day_is_today_in_the_configured_time_zone(
    fake_slack: FakeSlack, database_url: str, stores: Stores
) -> None:
    settings = load_settings(environment(fake_slack, database_url, TIMEZONE="Asia/Tokyo"))
    late_on_the_last_day_in_utc = FixedClock(datetime(2026, 3, 31, 20, 0, tzinfo=UTC))
    deps = make_deps(settings, stores, late_on_the_last_day_in_utc)
    async with serve(deps, fake_slack) as app:
        view = await published_home(app, AUTHOR)

    assert "FY2026 Q2 · closes 2026-06-30 (in 90 days) · today 2026-04-01" in text_of(view)


async def test_a_home_with_hundreds_of_proposals_stays_within_the_block_limit(
    app: RunningApp, stores: Stores
) -> None:
    await seat_committee(stores)
    modal = proposal_modal(channel_id=signing.CHANNEL_ID, policy=app.deps.policy)
    proposal = parse_proposal_form(view_state(modal, APPROVABLE)).proposal
    assert proposal is not None
    for number in range(150):
        record = await store_proposal(
            stores,
            proposal,
            team_id=TEAM_ID,
            channel_id=signing.CHANNEL_ID,
            author_id=AUTHOR,
            submission_key=f"V0MANY{number:04d}",
            now=NOW,
            vote_window=None,
            policy=app.deps.policy,
        )
        await stores.proposals.mark_posted(
            proposal_id=record.id,
            channel_id=signing.CHANNEL_ID,
            message_ts=f"1700000000.{number:06d}",
            now=NOW,
        )
    view = await published_home(app, MEMBER)

    assert len(view["blocks"]) <= HOME_BLOCK_LIMIT
    assert view_problems(view) == []
    assert "Awaiting your vote (150)" in text_of(view)
    assert "…and 140 more." in text_of(view)


async def test_a_refused_publish_is_reported_to_the_user_in_a_direct_message(
    app: RunningApp, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.publish", "text_405")
    await open_home(app, AUTHOR)
    [direct_message] = await fake_slack.wait_for("chat.postMessage")

    assert direct_message.params["channel"] == AUTHOR
    assert "`http_405`" in direct_message.params["text"]
