"""The Slack Web API client: pointed at SLACK_API_URL, retrying 429, 5xx and connection errors."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import ClientSession
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.settings import Settings

RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
CONNECTION_ERROR_RETRIES = 2
TIMEOUT_SECONDS = 10


def retry_handlers() -> list[AsyncRetryHandler]:
    """slack_sdk's async retry handlers: 429 (honours Retry-After), 500/503, connection errors."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_ERROR_RETRIES),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
    ]


def make_client(settings: Settings, session: ClientSession | None = None) -> AsyncWebClient:
    """The bot's Web API client, built from the settings.

    Given an HTTP session, every call reuses its pooled connections; without one slack_sdk opens
    a session (and a connection) per call. A new connection per call is the dearest part of a
    `views.open` on the command path.
    """
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=retry_handlers(),
        session=session,
    )


def slack_error_code(error: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`), or what went wrong when the answer was not JSON.

    slack_sdk hands over a text body (an HTML or plain-text error page) as a string, and an
    unreadable JSON body as the raw HTTP response; neither has an ``error`` field to read.
    """
    response = error.response
    data = getattr(response, "data", None)
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return data["error"]
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if isinstance(status, int) and status != HTTPStatus.OK:
        return f"http_{status}"
    return "unexpected_response"
