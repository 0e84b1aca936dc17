"""Every store on one engine, built once by the composition root and handed out piece by piece:
each component gets the stores it uses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.committees import CommitteeStore
from bot.persistence.database import advisory_lock, ping
from bot.persistence.events import ProcessedEvents
from bot.persistence.evidence import EvidenceStore
from bot.persistence.proposals import ProposalStore
from bot.persistence.read_models import ReadModels
from bot.persistence.reminder_ledger import ReminderLedger
from bot.persistence.votes import VoteStore


@dataclass(frozen=True)
class Stores:
    """The stores of one database."""

    engine: AsyncEngine
    proposals: ProposalStore
    votes: VoteStore
    committees: CommitteeStore
    ledger: ReminderLedger
    events: ProcessedEvents
    reads: ReadModels
    evidence: EvidenceStore

    @classmethod
    def on(cls, engine: AsyncEngine) -> Stores:
        """Every store on ``engine``."""
        return cls(
            engine=engine,
            proposals=ProposalStore(engine),
            votes=VoteStore(engine),
            committees=CommitteeStore(engine),
            ledger=ReminderLedger(engine),
            events=ProcessedEvents(engine),
            reads=ReadModels(engine),
            evidence=EvidenceStore(engine),
        )

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""
        await ping(self.engine)

    @asynccontextmanager
    async def advisory_lock(self, *, key: int) -> AsyncIterator[bool]:
        """The database's advisory lock (`bot.persistence.database.advisory_lock`)."""
        async with advisory_lock(self.engine, key=key) as taken:
            yield taken
