"""The verdict message's notes, read when it is rendered: the stored evidence that still holds
for the current revision, and the sentence of how sure the verdict is."""

from __future__ import annotations

from bot.blocks.evidence import evidence_lines
from bot.blocks.verdict import VerdictNotes
from bot.models import ProposalRecord
from bot.persistence.evidence import EvidenceStore
from bot.services.uncertainty import UncertaintyCache
from core.uncertainty import describe_uncertainty


class VerdictNotesReader:
    """`await reader(record)`: the notes of a stored proposal's verdict message."""

    def __init__(self, *, evidence: EvidenceStore, uncertainty: UncertaintyCache) -> None:
        self._evidence = evidence
        self._uncertainty = uncertainty

    async def __call__(self, record: ProposalRecord) -> VerdictNotes:
        records = await self._evidence.current(proposal_id=record.id, proposal=record.proposal)
        uncertainty = await self._uncertainty.of(record.proposal, record.evaluation.policy)
        return VerdictNotes(
            evidence=evidence_lines(records),
            uncertainty=describe_uncertainty(uncertainty) if uncertainty else None,
        )
