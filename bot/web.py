"""The HTTP face of the app: Slack's request URL and a health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 3.0

Ping = Callable[[], Awaitable[object]]


def create_web_app(bolt_app: AsyncApp, ping: Ping) -> web.Application:
    """An aiohttp application serving `POST /slack/events` and `GET /healthz`."""

    async def slack_events(request: web.Request) -> web.Response:
        bolt_response = await bolt_app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    application = create_health_app(ping)
    application.router.add_post(EVENTS_PATH, slack_events)
    return application


def create_health_app(ping: Ping) -> web.Application:
    """An aiohttp application serving only `GET /healthz` (what Socket Mode needs)."""

    async def healthz(_request: web.Request) -> web.Response:
        return await health(ping)

    application = web.Application()
    application.router.add_get(HEALTH_PATH, healthz)
    return application


async def health(ping: Ping) -> web.Response:
    """200 when the database answers `SELECT 1`, 503 with the error otherwise."""
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            await ping()
    except Exception as error:  # any failure of the database is a failed health check
        logger.warning("health check failed: %s", error)
        problem = f"{type(error).__name__}: {error}".strip(": ")
        return web.json_response({"ok": False, "database": problem}, status=503)
    return web.json_response({"ok": True, "database": "ok"})
