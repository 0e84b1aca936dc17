"""The one error handler: log every failure and tell the user something they can act on."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.infrastructure.slack_client import slack_error_code
from bot.services import UserFacingError

logger = logging.getLogger(__name__)

GENERIC_MESSAGE = (
    "Sorry, something went wrong on our side while handling that ({kind}). "
    "Nothing you saved was lost; please try again in a minute."
)
SLACK_MESSAGE = (
    "Sorry, Slack refused a request the bot made (`{code}`). "
    "Please try again in a minute; if it keeps happening, tell whoever runs the bot."
)


def user_message(error: BaseException) -> str:
    """The sentence shown to the user for an error."""
    if isinstance(error, UserFacingError):
        return error.user_message
    if isinstance(error, SlackApiError):
        return SLACK_MESSAGE.format(code=slack_error_code(error))
    return GENERIC_MESSAGE.format(kind=type(error).__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Install the central `@app.error` handler."""

    @app.error
    async def handle_error(error: Exception, context: AsyncBoltContext) -> None:
        await report_failure(deps, error, context)


async def report_failure(deps: Deps, error: Exception, context: AsyncBoltContext) -> None:
    """Log the failure with its traceback and tell the user what happened."""
    logger.error("failed to handle a request from %s", context.user_id, exc_info=error)
    await tell_user(deps, context, user_message(error))


@asynccontextmanager
async def failures_reported(deps: Deps, context: AsyncBoltContext) -> AsyncIterator[None]:
    """Report a failure of the work done after `ack()` here rather than raise it to Bolt.

    Bolt's asyncio runner clears an ack already given when the listener then raises, so a
    fast failure would turn the 200 Slack needs into a late 404. Reporting is the same.
    """
    try:
        yield
    except Exception as error:  # every failure is logged and reported to the user
        await report_failure(deps, error, context)


async def tell_user(deps: Deps, context: AsyncBoltContext, message: str) -> None:
    """Reach the user: an ephemeral reply when Slack gave a response_url, else a DM."""
    try:
        if context.response_url and context.respond is not None:
            await context.respond(text=message, response_type="ephemeral", replace_original=False)
        elif context.user_id:
            await deps.client.chat_postMessage(channel=context.user_id, text=message)
        else:
            logger.warning("no user to tell about the failure: %s", message)
    except (SlackApiError, ClientError, TimeoutError):
        logger.exception("could not tell the user about a failure")
