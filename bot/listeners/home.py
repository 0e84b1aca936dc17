"""App Home: publish the user's dashboard whenever they open the app's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import home_view
from bot.deps import Deps
from bot.listeners.errors import failures_reported
from core.calendar import fiscal_quarter

HOME_TAB = "home"


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for `app_home_opened` (Bolt acknowledges events before listeners run)."""

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab") != HOME_TAB:
            return
        async with failures_reported(deps, context):
            view = await home_for(deps, team_id=context.team_id or "", user_id=event["user"])
            await client.views_publish(user_id=event["user"], view=view)


async def home_for(deps: Deps, *, team_id: str, user_id: str) -> dict[str, Any]:
    """The user's App Home as of today in the configured time zone."""
    today = deps.clock.now().astimezone(deps.settings.zone).date()
    quarter = fiscal_quarter(today, deps.settings.fiscal_year_start_month)
    data = await deps.stores.reads.home_data(
        team_id=team_id,
        user_id=user_id,
        fallback_committee=deps.settings.committee_user_ids,
        since=quarter.start,
    )
    return home_view(user_id=user_id, data=data, today=today, quarter=quarter)
