"""What shared files measured for a proposal (its own table).

A verdict message is re-rendered on every vote from what is stored, so "measured from
support-sample.jsonl (48,211 rows)" has to be stored too: one row per revision and kind of
evidence (a data sample, a training log), with the typed and the measured value of each
figure it replaced. A later revision keeps showing a row while its figures still hold the
measured values (`EvidenceRecord.holds_for`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.models import EvidenceRecord
from bot.persistence.rows import EVIDENCE, evidence_record
from bot.persistence.store import Store
from core.proposal import Proposal


class EvidenceStore(Store):
    """Records and reads the evidence rows of proposals."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self._insert_evidence = self._insert(EVIDENCE).on_conflict_do_nothing(
            index_elements=[EVIDENCE.c.proposal_id, EVIDENCE.c.revision, EVIDENCE.c.kind]
        )

    async def record(
        self,
        *,
        proposal_id: int,
        revision: int,
        kind: str,
        source: str,
        rows: int | None,
        typed: dict[str, Any],
        measured: dict[str, Any],
        note: str,
        now: datetime,
    ) -> None:
        """Store one revision's evidence of one kind (a repeat of the same is ignored)."""
        values = {
            "proposal_id": proposal_id,
            "revision": revision,
            "kind": kind,
            "source": source[:255],
            "rows": rows,
            "typed_json": json.dumps(typed),
            "measured_json": json.dumps(measured),
            "note": note,
            "created_at": now,
        }
        async with self._writing() as connection:
            await connection.execute(self._insert_evidence, values)

    async def for_proposal(self, *, proposal_id: int) -> list[EvidenceRecord]:
        """Every evidence row of the proposal, oldest revision first."""
        statement = (
            select(EVIDENCE)
            .where(EVIDENCE.c.proposal_id == proposal_id)
            .order_by(EVIDENCE.c.revision, EVIDENCE.c.kind)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [evidence_record(row) for row in rows]

    async def current(self, *, proposal_id: int, proposal: Proposal) -> list[EvidenceRecord]:
        """The latest row of each kind whose measured values the proposal still holds."""
        latest: dict[str, EvidenceRecord] = {}
        for record in await self.for_proposal(proposal_id=proposal_id):
            latest[record.kind] = record
        return [record for record in latest.values() if record.holds_for(proposal)]
