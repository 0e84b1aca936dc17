"""The HTTP face of the app: Slack's request URL and a health check.

`GET /healthz` answers ``{"ok": …, "database": "ok" | what failed, "slack": "connected" |
"disconnected" | "starting"}``: 200 when both are fine, 503 otherwise (so Docker's HEALTHCHECK
calls a bot that lost Slack unhealthy). "starting" until the start-up has finished (tokens
checked, connected, sweeps scheduled): a bot still starting is not healthy yet. What
"connected" means in each mode is in `bot.infrastructure.slack_link`; an app served without
a link (some tests) reports the database alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.infrastructure.slack_link import SlackLink

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 3.0

Ping = Callable[[], Awaitable[object]]


def create_web_app(
    bolt_app: AsyncApp,
    ping: Ping,
    *,
    slack: SlackLink | None = None,
    started: asyncio.Event | None = None,
) -> web.Application:
    """An aiohttp application serving `POST /slack/events` and `GET /healthz`."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    application = create_health_app(ping, slack=slack, started=started)
    application.router.add_post(EVENTS_PATH, slack_events)
    return application


def create_health_app(
    ping: Ping, *, slack: SlackLink | None = None, started: asyncio.Event | None = None
) -> web.Application:
    """An aiohttp application serving only `GET /healthz` (what Socket Mode needs)."""

    async def healthz(_request: web.Request) -> web.Response:
        return await health(ping, slack, started)

    application = web.Application()
    application.router.add_get(HEALTH_PATH, healthz)
    return application


async def health(
    ping: Ping, slack: SlackLink | None = None, started: asyncio.Event | None = None
) -> web.Response:
    """200 when the database answers `SELECT 1` and Slack is connected; 503 otherwise."""
    starting = started is not None and not started.is_set()
    slack_check = slack_connected(slack) if slack is not None and not starting else _nothing()
    database, connected = await asyncio.gather(database_state(ping), slack_check)
    body: dict[str, object] = {"ok": database == "ok", "database": database}
    if slack is not None:
        body["ok"] = database == "ok" and connected
        body["slack"] = "starting" if starting else "connected" if connected else "disconnected"
    return web.json_response(body, status=200 if body["ok"] else 503)


async def database_state(ping: Ping) -> str:
    """``ok``, or what went wrong asking the database for `SELECT 1`."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            await ping()
    except Exception as error:  # any failure of the database is a failed health check
        logger.warning("health check failed: %s", error)
        return f"{type(error).__name__}: {error}".strip(": ")
    return "ok"


async def slack_connected(slack: SlackLink) -> bool:
    """Whether Slack is connected; a link that does not answer in time counts as down."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            return await slack.connected()
    except Exception as error:  # a broken check is a failed check
        logger.warning("Slack health check failed: %s", type(error).__name__)
        return False


async def _nothing() -> bool:
    return False
