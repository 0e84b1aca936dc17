"""Whether the bot is connected to Slack, for `/healthz`.

- Socket Mode: the websocket client's own connection state (`is_connected()`: a session that
  is open, not stale, answering pings). Until the connection is first opened, disconnected.
- HTTP mode there is no connection to watch: Slack calls in. The bot counts as connected while
  its last `auth.test` succeeded. The start-up check records the first answer; `/healthz`
  asks again once that answer is older than `RECHECK_SECONDS`, so a revoked token or an
  unreachable Web API shows within half a minute, and health probes cost at most one
  `auth.test` per half minute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.slack_client import slack_error_code

logger = logging.getLogger(__name__)

RECHECK_SECONDS = 30.0
CHECK_TIMEOUT_SECONDS = 2.5


class SlackLink(Protocol):
    """Something that knows whether the bot can talk to Slack right now."""

    async def connected(self) -> bool:
        """Whether the bot is connected to Slack."""
        ...


class SocketModeLink:
    """Socket Mode: connected while the websocket client says so."""

    def __init__(self) -> None:
        self._client: AsyncBaseSocketModeClient | None = None

    def follow(self, client: AsyncBaseSocketModeClient) -> None:
        """Report the state of this websocket client from now on."""
        self._client = client

    async def connected(self) -> bool:
        """Whether the websocket is open and answering."""
        return self._client is not None and await self._client.is_connected()


class WebApiLink:
    """HTTP mode: connected while the last `auth.test` succeeded (re-asked when it is old)."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        recheck_seconds: float = RECHECK_SECONDS,
        timeout: float = CHECK_TIMEOUT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._recheck_seconds = recheck_seconds
        self._timeout = timeout
        self._monotonic = monotonic
        self._ok = False
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()

    def record(self, ok: bool) -> None:
        """Remember an answer Slack just gave (the start-up check's)."""
        self._ok, self._checked_at = ok, self._monotonic()

    async def connected(self) -> bool:
        """The last answer, asked again first when it is missing or older than the recheck."""
        if self._stale():
            async with self._lock:
                if self._stale():
                    self.record(await self._auth_test())
        return self._ok

    def _stale(self) -> bool:
        checked = self._checked_at
        return checked is None or self._monotonic() - checked >= self._recheck_seconds

    async def _auth_test(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.auth_test()
        except SlackApiError as error:
            logger.warning("Slack refused auth.test: %s", slack_error_code(error))
            return False
        except Exception as error:  # unreachable, timed out: disconnected all the same
            logger.warning("Slack's Web API cannot be reached: %s", type(error).__name__)
            return False
        return True
