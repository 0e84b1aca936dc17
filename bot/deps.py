"""What every listener and service is handed: built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.persistence.repository import Repository
from bot.services import BackgroundWork
from bot.settings import Settings
from core.policy import Policy


@dataclass(frozen=True)
class Deps:
    """The app's collaborators, injected so tests can swap the clock, database and Slack."""

    settings: Settings
    repository: Repository
    client: AsyncWebClient
    clock: Clock
    policy: Policy
    background: BackgroundWork = field(default_factory=BackgroundWork)
