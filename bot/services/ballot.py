"""The verdict message kept in step with the vote: coalesced `chat.update`s and thread lines.

`BallotRefresh` is the `refresh(proposal_id)` the `VotingService` calls after every accepted
change. It only asks the `UpdateCoalescer` for a render, so a burst of votes on one message
causes at most one `chat.update` per second; the render reads the stored vote when it runs,
so the last state always lands. Every update carries the message metadata with the tally and,
once closed, the outcome (DESIGN.md).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.verdict import VerdictMessage, verdict_message
from bot.voting.coalescer import UpdateCoalescer
from bot.voting.service import BallotSnapshot, Closing

if TYPE_CHECKING:
    from bot.deps import Deps

logger = logging.getLogger(__name__)

ReadSnapshot = Callable[[int], Awaitable[BallotSnapshot | None]]


def ballot_message(snapshot: BallotSnapshot) -> VerdictMessage:
    """The verdict message as the stored vote makes it now."""
    proposal = snapshot.proposal
    return verdict_message(
        proposal_id=proposal.id,
        proposal=proposal.proposal,
        evaluation=proposal.evaluation,
        author_id=proposal.author_id,
        ballot=snapshot.ballot,
    )


class BallotRefresh:
    """Re-renders a proposal's verdict message from the stored vote, coalesced per message."""

    def __init__(
        self, *, client: AsyncWebClient, coalescer: UpdateCoalescer, read: ReadSnapshot
    ) -> None:
        self._client = client
        self._coalescer = coalescer
        self._read = read

    async def __call__(self, proposal_id: int) -> None:
        """Ask for an update of the proposal's message; it runs within a second or so."""
        self._coalescer.request(proposal_id, partial(self.render, proposal_id))

    async def render(self, proposal_id: int) -> None:
        """Update the message now with what is stored (nothing when it was never posted)."""
        snapshot = await self._read(proposal_id)
        if snapshot is None or snapshot.proposal.message_ts is None:
            logger.info("proposal #%d has no verdict message to update", proposal_id)
            return
        message = ballot_message(snapshot)
        await self._client.chat_update(
            channel=snapshot.proposal.channel_id,
            ts=snapshot.proposal.message_ts,
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )


async def say_in_thread(deps: Deps, proposal_id: int, text: str) -> None:
    """Post a line in the thread of the proposal's verdict (nowhere if it was never posted)."""
    proposal = await deps.repository.get_proposal(proposal_id=proposal_id)
    if proposal is None or proposal.message_ts is None:
        logger.info("proposal #%d has no verdict thread for: %s", proposal_id, text)
        return
    await deps.client.chat_postMessage(
        channel=proposal.channel_id, thread_ts=proposal.message_ts, text=text
    )


async def tell_privately(
    client: AsyncWebClient,
    *,
    channel_id: str,
    user_id: str,
    text: str,
    thread_ts: str | None = None,
) -> None:
    """An ephemeral message only `user_id` sees, in the channel (or thread) they acted in."""
    await client.chat_postEphemeral(
        channel=channel_id, user=user_id, text=text, thread_ts=thread_ts
    )


async def post_in_thread(client: AsyncWebClient, closing: Closing) -> None:
    """Announce a closed vote's outcome in its verdict's thread."""
    if closing.message_ts is None:
        logger.info("vote #%d closed, but its verdict was never posted", closing.proposal_id)
        return
    await client.chat_postMessage(
        channel=closing.channel_id, thread_ts=closing.message_ts, text=closing.announcement
    )


async def close_due_votes(deps: Deps) -> None:
    """Close every vote past its deadline, announce each outcome and refresh its message."""
    for closing in await deps.voting.close_due(deps.clock.now()):
        try:
            await post_in_thread(deps.client, closing)
        except SlackApiError:
            logger.exception("vote #%d closed; its outcome was not posted", closing.proposal_id)
