"""The container the composition root builds once: every service with the collaborators it
uses. Listeners are handed it; each service takes only what it uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.background import BackgroundWork
from bot.infrastructure.clock import Clock
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.infrastructure.settings import Settings
from bot.models import ProposalRecord
from bot.persistence.stores import Stores
from bot.services.delivery import VerdictDelivery
from bot.services.evidence import EvidenceMeasurer
from bot.services.intake import Intake
from bot.services.notes import VerdictNotesReader
from bot.services.outbox import BallotRefresh, ThreadLines
from bot.services.pictures import VerdictPictures
from bot.services.redelivery import Redelivery
from bot.services.revisions import Revisions
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
    def intake(self) -> Intake:
        """Stores submitted proposals before the modal closes."""
        return Intake(proposals=self.stores.proposals, clock=self.clock, policy=self.policy)

    @cached_property
    def measurer(self) -> EvidenceMeasurer:
        """Fetches and measures the files shared with proposals."""
        return EvidenceMeasurer(
            client=self.client,
            proposals=self.stores.proposals,
            evidence=self.stores.evidence,
            lines=self.thread_lines,
            clock=self.clock,
            policy=self.policy,
        )

    @cached_property
    def delivery(self) -> VerdictDelivery:
        """Posts each stored verdict once."""
        return VerdictDelivery(
            client=self.client,
            proposals=self.stores.proposals,
            events=self.stores.events,
            clock=self.clock,
            voting=self.voting,
            notes=self.verdict_notes,
            lines=self.thread_lines,
            pictures=self.verdict_pictures,
            measurer=self.measurer,
        )

    @cached_property
    def revisions(self) -> Revisions:
        """Stores revisions and tells the message and its thread."""
        return Revisions(
            proposals=self.stores.proposals,
            votes=self.stores.votes,
            events=self.stores.events,
            clock=self.clock,
            policy=self.policy,
            refresh=self.ballot_refresh,
            lines=self.thread_lines,
            pictures=self.verdict_pictures,
        )

    @cached_property
    def redelivery(self) -> Redelivery:
        """The sweep that posts verdicts a crash left pending."""
        return Redelivery(
            proposals=self.stores.proposals,
            delivery=self.delivery,
            client=self.client,
            clock=self.clock,
        )

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

    async def _snapshot(self, proposal_id: int) -> BallotSnapshot | None:
        return await self.voting.snapshot(proposal_id)

    def _today(self) -> date:
        return self.clock.now().astimezone(self.settings.zone).date()

    async def _curve_source(self, record: ProposalRecord) -> str | None:
        current = await self.stores.evidence.current(
            proposal_id=record.id, proposal=record.proposal
        )
        return next((found.source for found in current if found.kind == "curve"), None)
