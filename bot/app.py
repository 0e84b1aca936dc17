"""The Bolt app: built from injected parts, with every listener group registered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from bot.infrastructure.observability import install_request_logging
from bot.listeners import register_listeners

logger = logging.getLogger(__name__)

Middleware = Callable[..., Awaitable[BoltResponse | None]]


def create_app(deps: Deps) -> AsyncApp:
    """A Bolt AsyncApp that acks first and does the slow work after (the composition root checks
    the tokens before it serves; the app is given its client, never a token)."""
    secret = deps.settings.slack_signing_secret
    app = AsyncApp(
        name="finetune-check",
        client=deps.client,
        signing_secret=secret.get_secret_value() if secret else "",
        process_before_response=False,
        logger=logging.getLogger("bot.bolt"),
    )
    install_request_logging(app)
    app.use(skip_redelivered_events(deps))
    register_listeners(app, deps)
    return app


def skip_redelivered_events(deps: Deps) -> Middleware:
    """A global middleware that lets each Events API event through once, retries included."""

    async def middleware(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await deps.stores.events.claim_event(
            key=f"event:{event_id}", now=deps.clock.now()
        ):
            logger.info("skipping event %s: already delivered", event_id)
            return BoltResponse(status=200, body="")
        await next()
        return None

    return middleware
