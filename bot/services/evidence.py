"""Files shared with a proposal, read after the ack: the modal's sample and trainer_state.json,
and a data file posted in a verdict's thread.

The modal's files. The proposal is stored on the typed figures before the modal closes
(revision 1), so nothing acknowledged waits on a download. After the ack, each file is fetched
(`files.info`, then its download link with the bot token) and measured in the worker process; the
measured proposal is stored as the next revision with its evidence (what each figure was typed
as and what was measured, from which file), and only then is the verdict posted, so the channel
sees one verdict: the measured one. A file that cannot be fetched or measured changes nothing:
the verdict stands on the typed figures and its thread says why the file was not used. Should
the process die meanwhile, the redelivery sweep posts whatever revision is stored.

A data file in a verdict's thread is scanned the same way; the reply is a short report with a
button that opens the revise modal prefilled with the measured figures (nothing is changed
until the author submits it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.evidence import scan_report_message, unused_file_line
from bot.evidence.shared import EvidenceKind, MeasureError, SharedFile, evidence_kind
from bot.evidence.slack_files import FetchedFile, FileProblem, fetch_shared_file
from bot.infrastructure.clock import Clock
from bot.models import ProposalRecord
from bot.persistence.evidence import EvidenceStore
from bot.persistence.proposals import ProposalStore
from bot.services.outbox import ThreadLines
from bot.services.worker import in_worker
from core.engine import evaluate
from core.policy import Policy
from core.proposal import Proposal

if TYPE_CHECKING:
    from bot.evidence.measure import Measurement

logger = logging.getLogger(__name__)

SECOND_OF_A_KIND = "only one {what} is read per proposal, and this one came second"
_WHAT = {EvidenceKind.DATA: "data sample", EvidenceKind.CURVE: "trainer_state.json"}


class FileNotUsed(Exception):
    """A file that was fetched but cannot be used, with the reason for the thread."""


@dataclass(frozen=True)
class Measured:
    """The record to post (the measured revision, or the typed one) and the thread's lines."""

    record: ProposalRecord
    lines: tuple[str, ...] = ()
    blocks: tuple[tuple[dict[str, object], ...] | None, ...] = ()
    """Per line: its blocks (a scan report's table), or None for plain text."""


def measure_job(proposal: Proposal, policy: Policy, name: str, data: bytes) -> Measurement:
    """The measurement, as the worker process runs it (the scanner is imported there)."""
    from bot.evidence.measure import measure_file

    return measure_file(proposal, policy, name, data)


class EvidenceMeasurer:
    """Fetches shared files, measures them in the worker process and stores what they say."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        proposals: ProposalStore,
        evidence: EvidenceStore,
        lines: ThreadLines,
        clock: Clock,
        policy: Policy,
    ) -> None:
        self._client = client
        self._proposals = proposals
        self._evidence = evidence
        self._lines = lines
        self._clock = clock
        self._policy = policy
        self._slot: asyncio.Semaphore | None = None

    async def measure_attached(
        self, record: ProposalRecord, files: Sequence[SharedFile]
    ) -> Measured:
        """Fetch and measure the modal's files into the stored proposal; store the measured
        revision and its evidence. A file that fails leaves a line saying why, nothing else."""
        proposal, measurements = record.proposal, []
        lines: list[str] = []
        blocks: list[tuple[dict[str, object], ...] | None] = []
        for shared in files:
            try:
                measurement = await self._measure_one(proposal, shared, measurements)
            except (FileProblem, FileNotUsed) as problem:
                name = shared.name or shared.id
                lines.append(unused_file_line(name, str(problem), typed_figures=True))
                blocks.append(None)
                continue
            proposal = measurement.proposal
            measurements.append(measurement)
            if measurement.summary is not None:
                text, report = scan_report_message(
                    measurement.summary, proposal_id=record.id, button=False
                )
                lines.append(text)
                blocks.append(tuple(report))
        if not measurements:
            return Measured(record, tuple(lines), tuple(blocks))
        stored = await self._store_measured(record, proposal, measurements)
        return Measured(stored, tuple(lines), tuple(blocks))

    async def scan_thread_file(self, record: ProposalRecord, shared: SharedFile) -> None:
        """Scan a data file posted in the verdict's thread and reply with the report (or why
        not)."""
        try:
            measurement = await self._measure_one(record.proposal, shared, ())
        except (FileProblem, FileNotUsed) as problem:
            line = unused_file_line(shared.name or shared.id, str(problem), typed_figures=False)
            self._lines.announce(record.id, line)
            return
        if measurement.summary is None:
            return
        text, blocks = scan_report_message(measurement.summary, proposal_id=record.id)
        self._lines.announce(record.id, text, blocks)

    async def _measure_one(
        self, proposal: Proposal, shared: SharedFile, done: Sequence[Measurement]
    ) -> Measurement:
        fetched = await fetch_shared_file(self._client, shared)
        kind = evidence_kind(fetched.name)
        if kind is not None and any(measurement.kind is kind for measurement in done):
            raise FileNotUsed(SECOND_OF_A_KIND.format(what=_WHAT[kind]))
        try:
            return await self._in_worker(proposal, fetched)
        except MeasureError as problem:
            raise FileNotUsed(str(problem)) from None
        except Exception as error:  # a bug in a reader must not cost the proposal its verdict
            logger.exception("measuring %s failed", fetched.name)
            raise FileNotUsed(f"it could not be read ({type(error).__name__})") from None

    async def _in_worker(self, proposal: Proposal, fetched: FetchedFile) -> Measurement:
        """Measure the file's bytes in the worker process (`bot.services.worker`), one file at
        a time (a scan runs two threads of its own), so the app's event loop keeps its GIL."""
        if self._slot is None:
            self._slot = asyncio.Semaphore(1)
        async with self._slot:
            return await in_worker(measure_job, proposal, self._policy, fetched.name, fetched.data)

    async def _store_measured(
        self, record: ProposalRecord, proposal: Proposal, measurements: Sequence[Measurement]
    ) -> ProposalRecord:
        now = self._clock.now()
        stored = await self._proposals.add_revision(
            proposal_id=record.id,
            proposal=proposal,
            evaluation=evaluate(proposal, self._policy),
            created_by=record.author_id,
            now=now,
            reset_votes=False,
        )
        for measurement in measurements:
            await self._evidence.record(
                proposal_id=record.id,
                revision=stored.revision,
                kind=measurement.kind.value,
                source=measurement.source,
                rows=measurement.rows,
                typed=measurement.typed,
                measured=measurement.measured,
                note=measurement.note,
                now=now,
            )
        return stored
