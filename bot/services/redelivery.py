"""The redelivery sweep: post the verdicts a crash left unposted.

A submission stores its proposal (delivery ``pending``) before Slack gets its answer and posts
the verdict afterwards, in the background; a process that dies between the two leaves the
proposal pending with nobody left to post it. The sweep, every minute and once at start-up,
posts the verdicts still pending `REDELIVERY_GRACE` after their proposal was stored, through
the same `VerdictDelivery.post` as a submission (so an unreachable channel is handled the same way).

Each post is claimed on the proposal first (`ProposalStore.claim_pending_delivery`: one
conditional UPDATE, still pending and untouched for the grace period → touched now), by the
submission's background post and by the sweep alike, so of two replicas sweeping at once, or
of a sweep and a background post that was queued late, exactly one posts. The claim is a
lease: a post cut short by another crash leaves the proposal pending, and a sweep claims it
again once the grace period has passed since that claim. The grace is longer than the
slowest post the retrying Slack client makes (`bot.infrastructure.slack_client`), so no
claimed post is still on its way when the proposal is claimed again.

A crash after Slack accepted the message but before it was recorded cannot be told apart
from one before: that verdict is posted a second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.infrastructure.clock import Clock
from bot.models import DeliveryState, ProposalRecord
from bot.persistence.proposals import ProposalStore
from bot.services import UserFacingError
from bot.services.delivery import VerdictDelivery

logger = logging.getLogger(__name__)

REDELIVERY_GRACE = timedelta(minutes=5)
"""How long a pending verdict is left to the post that claimed it (or to its submission)."""
REDELIVERY_BATCH = 50
"""The most verdicts one sweep posts; the next sweep takes the rest, oldest first."""


@dataclass(frozen=True)
class RedeliveryReport:
    """What one sweep did with the pending verdicts it found: posted, undeliverable (Slack
    refused them; their authors told), claimed by someone else first, or failed (left pending
    for a sweep after the grace)."""

    stale: int = 0
    posted: int = 0
    undeliverable: int = 0
    claimed_elsewhere: int = 0
    failed: int = 0


class Redelivery:
    """The sweep that posts the verdicts a crash left pending."""

    def __init__(
        self,
        *,
        proposals: ProposalStore,
        delivery: VerdictDelivery,
        client: AsyncWebClient,
        clock: Clock,
    ) -> None:
        self._proposals = proposals
        self._delivery = delivery
        self._client = client
        self._clock = clock

    async def sweep(self, *, grace: timedelta = REDELIVERY_GRACE) -> RedeliveryReport:
        """Post every verdict pending for longer than ``grace`` that no one else has claimed."""
        cutoff = self._clock.now() - grace
        stale = await self._proposals.stale_pending_proposals(
            untouched_since=cutoff, limit=REDELIVERY_BATCH
        )
        outcomes: list[DeliveryState | None] = []
        claimed_elsewhere = 0
        for record in stale:
            claimed = await self._proposals.claim_pending_delivery(
                proposal_id=record.id, untouched_since=cutoff, now=self._clock.now()
            )
            if claimed is None:
                logger.info("the verdict of proposal #%d is claimed elsewhere", record.id)
                claimed_elsewhere += 1
                continue
            logger.info("posting the verdict of proposal #%d, still pending", record.id)
            outcomes.append(await self._post(claimed))
        return RedeliveryReport(
            stale=len(stale),
            posted=outcomes.count(DeliveryState.POSTED),
            undeliverable=outcomes.count(DeliveryState.UNDELIVERABLE),
            claimed_elsewhere=claimed_elsewhere,
            failed=outcomes.count(None),
        )

    async def _post(self, record: ProposalRecord) -> DeliveryState | None:
        """Post one claimed verdict: the delivery state recorded, or None when it failed.

        A refusal is recorded by the delivery (undeliverable) and told to the author as after
        a submission; any other failure leaves the proposal pending for a later sweep.
        """
        try:
            return await self._delivery.post(record)
        except UserFacingError as error:
            logger.warning("Slack refused the verdict of proposal #%d", record.id, exc_info=error)
            await self._tell_author(record, error.user_message)
            return DeliveryState.UNDELIVERABLE
        except Exception:  # any failure of one post is logged; the sweep goes on with the next
            logger.exception("could not post the verdict of proposal #%d", record.id)
        return None

    async def _tell_author(self, record: ProposalRecord, message: str) -> None:
        try:
            await self._client.chat_postMessage(channel=record.author_id, text=message)
        except (SlackApiError, ClientError, TimeoutError):
            logger.exception("could not tell the author of proposal #%d", record.id)
