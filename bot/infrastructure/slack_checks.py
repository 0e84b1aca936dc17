"""The tokens, checked with Slack before the bot starts doing anything.

`auth.test` checks the bot token and, in Socket Mode, `apps.connections.open` checks the
app-level token; both go through SLACK_API_URL (so a test server or a proxy answers them).
A refused token ends the start with one line naming its variable; an unreachable Web API with
one line naming SLACK_API_URL.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.settings import Settings
from bot.infrastructure.slack_client import slack_error_code
from bot.infrastructure.token_shapes import WHERE_APP_TOKEN, WHERE_BOT_TOKEN

# The answers that mean "this token is not good here", not "Slack is having trouble".
TOKEN_REFUSED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
        "missing_scope",
        "team_access_not_granted",
    }
)
UNREACHABLE = (aiohttp.ClientError, TimeoutError, OSError)


class SlackCheckError(Exception):
    """Slack refused a token, or could not be asked; the message is the operator's one line."""

    def __init__(self, line: str, *, refused: bool) -> None:
        super().__init__(line)
        self.refused = refused


async def check_tokens(client: AsyncWebClient, settings: Settings) -> None:
    """Ask Slack whether the bot token (and in Socket Mode the app token) is good."""
    await check_bot_token(client, settings)
    if settings.slack_app_token is not None:
        await check_app_token(client, settings, settings.slack_app_token.get_secret_value())


async def check_bot_token(client: AsyncWebClient, settings: Settings) -> None:
    """`auth.test` with the bot token."""
    try:
        await client.auth_test()
    except SlackApiError as error:
        raise _refusal("SLACK_BOT_TOKEN", WHERE_BOT_TOKEN, "auth.test", error, settings) from None
    except UNREACHABLE as error:
        raise _unreachable(settings, error) from None


async def check_app_token(client: AsyncWebClient, settings: Settings, app_token: str) -> None:
    """`apps.connections.open` with the app-level token (the URL it gives is not used)."""
    try:
        await client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        raise _refusal(
            "SLACK_APP_TOKEN", WHERE_APP_TOKEN, "apps.connections.open", error, settings
        ) from None
    except UNREACHABLE as error:
        raise _unreachable(settings, error) from None


def _refusal(
    variable: str, where: str, method: str, error: SlackApiError, settings: Settings
) -> SlackCheckError:
    code = slack_error_code(error)
    if code in TOKEN_REFUSED:
        hint = " (it needs the connections:write scope)" if code == "missing_scope" else ""
        return SlackCheckError(
            f"{variable}: Slack refused the token ({code}){hint}; paste {where}", refused=True
        )
    return SlackCheckError(
        f"SLACK_API_URL: the Slack Web API at {settings.slack_api_url} answered {method} "
        f"with {code}",
        refused=False,
    )


def _unreachable(settings: Settings, error: BaseException) -> SlackCheckError:
    reason = str(error).strip() or type(error).__name__
    return SlackCheckError(
        f"SLACK_API_URL: cannot reach the Slack Web API at {settings.slack_api_url} ({reason})",
        refused=False,
    )
