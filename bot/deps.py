"""What every listener and service is handed: built once by the composition root."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.verdict import VerdictNotes
from bot.infrastructure.background import BackgroundWork
from bot.infrastructure.clock import Clock
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings
from bot.models import ProposalRecord
from bot.persistence.stores import Stores
from bot.services.ballot import BallotRefresh, ThreadLines
from bot.services.notes import VerdictNotesReader
from bot.services.pictures import VerdictPictures
from bot.services.uncertainty import UncertaintyCache
from bot.voting.service import BallotSnapshot, VotingService
from core.policy import Policy


@dataclass(frozen=True)
class Deps:
    """The app's collaborators, injected so tests can swap the clock, database and Slack.

    The voting service, the refresh of verdict messages and the verdict threads' outbox are
    built from the fields on first use, so constructing `Deps` stays the same for every caller.
    The refreshes and the thread lines share `coalescer` (under different keys), so draining it
    flushes both. `pictures` turns the verdict's pictures in its thread on (the default) or off.
    """

    settings: Settings
    stores: Stores
    client: AsyncWebClient
    clock: Clock
    policy: Policy
    background: BackgroundWork = field(default_factory=BackgroundWork)
    coalescer: UpdateCoalescer = field(default_factory=UpdateCoalescer)
    pictures: bool = True

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
        return BallotRefresh(
            client=self.client,
            coalescer=self.coalescer,
            read=self._snapshot,
            notes=self.verdict_notes,
        )

    @cached_property
    def thread_lines(self) -> ThreadLines:
        """The vote lines and outcomes of verdict threads, coalesced into few posts per thread."""
        return ThreadLines(
            client=self.client, coalescer=self.coalescer, proposals=self.stores.proposals
        )

    @cached_property
    def measuring_slot(self) -> asyncio.Semaphore:
        """One shared file measured at a time (a scan runs two threads of its own)."""
        return asyncio.Semaphore(1)

    @cached_property
    def uncertainty(self) -> UncertaintyCache:
        """P(approve) and the swing of proposals with ranges, simulated once each."""
        return UncertaintyCache()

    @cached_property
    def verdict_notes(self) -> VerdictNotesReader:
        """The evidence and uncertainty lines of a verdict message."""
        return VerdictNotesReader(evidence=self.stores.evidence, uncertainty=self.uncertainty)

    @cached_property
    def verdict_pictures(self) -> VerdictPictures:
        """The pictures of each posted verdict, uploaded in its thread in order."""
        return VerdictPictures(
            lines=self.thread_lines,
            uncertainty=self.uncertainty,
            today=self._today,
            fiscal_year_start_month=self.settings.fiscal_year_start_month,
            curve_source=self._curve_source,
            enabled=self.pictures,
        )

    async def notes_for(self, record: ProposalRecord) -> VerdictNotes:
        """The verdict message's notes for a stored proposal."""
        return await self.verdict_notes(record)

    async def _snapshot(self, proposal_id: int) -> BallotSnapshot | None:
        return await self.voting.snapshot(proposal_id)

    def _today(self) -> date:
        return self.clock.now().astimezone(self.settings.zone).date()

    async def _curve_source(self, record: ProposalRecord) -> str | None:
        current = await self.stores.evidence.current(
            proposal_id=record.id, proposal=record.proposal
        )
        return next((found.source for found in current if found.kind == "curve"), None)
