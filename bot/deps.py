"""What every listener and service is handed: built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.background import BackgroundWork
from bot.infrastructure.clock import Clock
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings
from bot.persistence.stores import Stores
from bot.services.ballot import BallotRefresh, ThreadLines
from bot.voting.service import BallotSnapshot, VotingService
from core.policy import Policy


@dataclass(frozen=True)
class Deps:
    """The app's collaborators, injected so tests can swap the clock, database and Slack.

    The voting service, the refresh of verdict messages and the verdict threads' outbox are
    built from the fields on first use, so constructing `Deps` stays the same for every caller.
    The refreshes and the thread lines share `coalescer` (under different keys), so draining it
    flushes both.
    """

    settings: Settings
    stores: Stores
    client: AsyncWebClient
    clock: Clock
    policy: Policy
    background: BackgroundWork = field(default_factory=BackgroundWork)
    coalescer: UpdateCoalescer = field(default_factory=UpdateCoalescer)

    @cached_property
    def voting(self) -> VotingService:
        """Casts and closes votes and changes committees; refreshes messages when it does."""
        return VotingService(
            proposals=self.stores.proposals,
            votes=self.stores.votes,
            committees=self.stores.committees,
            clock=self.clock,
            refresh=self.ballot_refresh,
            fallback_committee=self.settings.committee_user_ids,
        )

    @cached_property
    def ballot_refresh(self) -> BallotRefresh:
        """The coalesced `chat.update` of a proposal's verdict message."""
        return BallotRefresh(client=self.client, coalescer=self.coalescer, read=self._snapshot)

    @cached_property
    def thread_lines(self) -> ThreadLines:
        """The vote lines and outcomes of verdict threads, coalesced into few posts per thread."""
        return ThreadLines(
            client=self.client, coalescer=self.coalescer, proposals=self.stores.proposals
        )

    async def _snapshot(self, proposal_id: int) -> BallotSnapshot | None:
        return await self.voting.snapshot(proposal_id)
