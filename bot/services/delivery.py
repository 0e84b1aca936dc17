"""Post a stored proposal's verdict once; when the channel is out of reach, tell the author."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from itertools import zip_longest
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.replies import not_in_channel_text
from bot.blocks.verdict import VerdictNotes, verdict_metadata
from bot.evidence.shared import SharedFile
from bot.infrastructure.clock import Clock
from bot.infrastructure.slack_client import slack_error_code
from bot.models import DeliveryState, ProposalRecord
from bot.persistence.events import ProcessedEvents
from bot.persistence.proposals import ProposalStore
from bot.services import UserFacingError
from bot.services.evidence import EvidenceMeasurer, Measured
from bot.services.outbox import ThreadLines, ballot_message
from bot.services.pictures import VerdictPictures
from bot.voting.service import VotingService

logger = logging.getLogger(__name__)

UNREACHABLE_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found"})

DELIVERY_FAILED = (
    'Your proposal "{title}" (#{proposal_id}) is saved, but Slack did not accept the verdict '
    "message (`{code}`). Please try again in a few minutes."
)
MEASURED_NOT_SAVED = (
    "⚠️ The measured figures could not be saved just now; the verdict uses the typed figures."
)

ReadNotes = Callable[[ProposalRecord], Awaitable[VerdictNotes]]


class VerdictDelivery:
    """Posts verdicts: the measured revision when files came with it, the ballot, the notes,
    then the thread's lines and pictures."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        proposals: ProposalStore,
        events: ProcessedEvents,
        clock: Clock,
        voting: VotingService,
        notes: ReadNotes,
        lines: ThreadLines,
        pictures: VerdictPictures,
        measurer: EvidenceMeasurer,
    ) -> None:
        self._client = client
        self._proposals = proposals
        self._events = events
        self._clock = clock
        self._voting = voting
        self._notes = notes
        self._lines = lines
        self._pictures = pictures
        self._measurer = measurer

    async def deliver(self, record: ProposalRecord, files: Sequence[SharedFile] = ()) -> None:
        """Post the verdict of a stored, not yet posted proposal, once however often it is
        submitted.

        Attached `files` are measured first (`bot.services.evidence`): the verdict posted is the
        measured revision, or the typed one with the thread saying why a file was not used.

        The claim makes a double submit post one verdict, while a proposal stored by a
        submission that crashed before its verdict went out is still posted when the modal is
        sent again. The delivery is then claimed on the proposal itself, as the redelivery sweep
        claims it (`bot.services.redelivery`): whichever comes first posts, the other leaves it.
        """
        if record.delivery_state is not DeliveryState.PENDING:
            logger.info("proposal #%d is already %s", record.id, record.delivery_state.value)
            return
        if not await self._events.claim_event(key=f"verdict:{record.id}", now=self._clock.now()):
            logger.info("the verdict of proposal #%d is already on its way", record.id)
            return
        claimed = await self._proposals.claim_pending_delivery(
            proposal_id=record.id, untouched_since=record.updated_at, now=self._clock.now()
        )
        if claimed is None:
            logger.info("the verdict of proposal #%d was taken over by the redelivery", record.id)
            return
        measured = await self._measured_or_typed(claimed, files)
        await self.post(measured.record, measured.lines, measured.blocks)

    async def _measured_or_typed(
        self, record: ProposalRecord, files: Sequence[SharedFile]
    ) -> Measured:
        """The measured revision of the record (with its thread lines), or the record itself."""
        if not files:
            return Measured(record)
        try:
            return await self._measurer.measure_attached(record, files)
        except Exception:  # the typed proposal is stored: it is posted whatever went wrong here
            logger.exception("measuring the files of proposal #%d failed", record.id)
            return Measured(record, (MEASURED_NOT_SAVED,), (None,))

    async def post(
        self,
        record: ProposalRecord,
        lines: Sequence[str] = (),
        blocks: Sequence[Sequence[dict[str, Any]] | None] = (),
    ) -> DeliveryState:
        """Post the verdict with its open ballot in the proposal's channel and remember it.

        The first post carries the metadata of docs/contracts.md as it is; every later
        `chat.update` adds the tally (and the outcome once closed). Then the thread gets `lines`
        (each with its `blocks`, if any: what became of attached files) and the verdict's
        pictures, in that order. Returns the delivery state recorded: posted, or undeliverable
        when the channel is out of reach (any other refusal raises).
        """
        snapshot = await self._voting.snapshot(record.id)
        if snapshot is None:
            raise LookupError(f"proposal #{record.id} vanished before its verdict was posted")
        message = ballot_message(snapshot, await self._notes(snapshot.proposal))
        try:
            response = await self._client.chat_postMessage(
                channel=record.channel_id,
                text=message.text,
                blocks=message.blocks,
                metadata=verdict_metadata(record.id, record.evaluation),
            )
        except SlackApiError as error:
            await self._undeliverable(record, error)
            return DeliveryState.UNDELIVERABLE
        posted = await self._proposals.mark_posted(
            proposal_id=record.id,
            channel_id=str(response["channel"]),
            message_ts=str(response["ts"]),
            now=self._clock.now(),
        )
        for line, line_blocks in zip_longest(lines, blocks[: len(lines)]):
            self._lines.announce(record.id, line, line_blocks)
        self._pictures.post(snapshot.proposal)
        return posted.delivery_state

    async def _undeliverable(self, record: ProposalRecord, error: SlackApiError) -> None:
        code = slack_error_code(error)
        await self._proposals.mark_undeliverable(
            proposal_id=record.id, error=code, now=self._clock.now()
        )
        if code not in UNREACHABLE_CHANNEL_ERRORS:
            raise UserFacingError(
                DELIVERY_FAILED.format(title=record.title, proposal_id=record.id, code=code)
            ) from error
        logger.info(
            "proposal #%d saved but #%s is out of reach: %s", record.id, record.channel_id, code
        )
        await self._client.chat_postMessage(
            channel=record.author_id,
            text=not_in_channel_text(channel_id=record.channel_id, proposal_id=record.id),
        )
