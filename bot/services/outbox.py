"""The verdict message kept in step with the vote: coalesced `chat.update`s and thread lines.

`BallotRefresh` is the `refresh(proposal_id)` the `VotingService` calls after every accepted
change. It only asks the `UpdateCoalescer` for a render, so a burst of votes on one message
causes at most one `chat.update` per second; the render reads the stored vote when it runs,
so the last state always lands. Every update carries the message metadata with the tally and,
once closed, the outcome (docs/contracts.md).

`ThreadLines` does the same for the verdict's thread (Slack allows about one message per
second per channel): the acknowledgement lines of one proposal's votes wait in its queue, and
each render of the same coalescer (under its own key, so `coalescer.drain()` flushes them too)
posts what has gathered as ONE message, a line per vote in arrival order. The first line goes
out at once; a burst makes at most one thread post per proposal per interval, each up to
`POST_CHARS` characters (more waits for the next interval), and nothing is dropped or said
twice. Every accepted vote keeps its own line, so a member who changed their vote twice in one
interval is shown twice, in order: the thread is the record of what was cast, the message the
current state. An outcome announcement goes through the same queue as a message of its own,
so it always follows the lines of the votes that led to it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.verdict import VerdictMessage, VerdictNotes, verdict_message
from bot.infrastructure.clock import Clock
from bot.infrastructure.coalescer import UpdateCoalescer
from bot.models import ProposalRecord
from bot.persistence.proposals import ProposalStore
from bot.voting.service import BallotSnapshot, Closing, VotingService

if TYPE_CHECKING:
    from bot.pictures import Picture

logger = logging.getLogger(__name__)

ReadSnapshot = Callable[[int], Awaitable[BallotSnapshot | None]]
ReadNotes = Callable[[ProposalRecord], Awaitable[VerdictNotes]]


async def no_notes(_record: ProposalRecord) -> VerdictNotes:
    """No evidence and no uncertainty: the message of the evaluation alone."""
    return VerdictNotes()


def ballot_message(snapshot: BallotSnapshot, notes: VerdictNotes | None = None) -> VerdictMessage:
    """The verdict message as the stored vote (and the stored evidence) make it now."""
    proposal = snapshot.proposal
    return verdict_message(
        proposal_id=proposal.id,
        proposal=proposal.proposal,
        evaluation=proposal.evaluation,
        author_id=proposal.author_id,
        ballot=snapshot.ballot,
        notes=notes,
    )


class BallotRefresh:
    """Re-renders a proposal's verdict message from the stored vote, coalesced per message."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        coalescer: UpdateCoalescer,
        read: ReadSnapshot,
        notes: ReadNotes = no_notes,
    ) -> None:
        self._client = client
        self._coalescer = coalescer
        self._read = read
        self._notes = notes

    async def __call__(self, proposal_id: int) -> None:
        """Ask for an update of the proposal's message; it runs within a second or so."""
        self._coalescer.request(proposal_id, partial(self.render, proposal_id))

    async def render(self, proposal_id: int) -> None:
        """Update the message now with what is stored (nothing when it was never posted)."""
        snapshot = await self._read(proposal_id)
        if snapshot is None or snapshot.proposal.message_ts is None:
            logger.info("proposal #%d has no verdict message to update", proposal_id)
            return
        message = ballot_message(snapshot, await self._notes(snapshot.proposal))
        await self._client.chat_update(
            channel=snapshot.proposal.channel_id,
            ts=snapshot.proposal.message_ts,
            text=message.text,
            blocks=message.blocks,
            metadata=message.metadata,
        )


POST_CHARS = 3000
"""The most characters of vote lines gathered in one thread post (Slack's `text` allows 40 000)."""
POST_ATTEMPTS = 3
"""How many renders in a row may fail on one post before its lines are given up (and logged)."""


@dataclass(frozen=True)
class _Entry:
    """A line for the thread: a vote's acknowledgement, an announcement posted on its own, or
    a verdict's pictures (uploaded on their own once rendered; `text` names them in logs)."""

    text: str
    alone: bool = False
    pictures: Awaitable[Sequence[Picture]] | None = None
    blocks: tuple[dict[str, Any], ...] | None = None


@dataclass
class _Queue:
    """One proposal's lines not posted yet, oldest first, and the failed tries of the first."""

    entries: deque[_Entry]
    failures: int = 0


def next_post(entries: deque[_Entry], limit: int = POST_CHARS) -> int:
    """How many entries from the front make the next post: an announcement alone, else the
    vote lines up to the next announcement that fit in `limit` characters (at least one)."""
    if entries[0].alone:
        return 1
    taken, size = 1, len(entries[0].text)
    for entry in list(entries)[1:]:
        size += 1 + len(entry.text)
        if entry.alone or size > limit:
            break
        taken += 1
    return taken


class ThreadLines:
    """The verdict threads' outbox: lines gathered per proposal, coalesced into few posts."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        coalescer: UpdateCoalescer,
        proposals: ProposalStore,
        limit: int = POST_CHARS,
    ) -> None:
        self._client = client
        self._coalescer = coalescer
        self._proposals = proposals
        self._limit = limit
        self._queues: dict[int, _Queue] = {}

    def say(self, proposal_id: int, line: str) -> None:
        """Queue a vote's line; it is posted with the others that arrive within the interval."""
        self._add(proposal_id, _Entry(line))

    def announce(
        self, proposal_id: int, text: str, blocks: Sequence[dict[str, Any]] | None = None
    ) -> None:
        """Queue a message of its own (an outcome, a scan report with its `blocks`), posted
        after the lines queued before it."""
        self._add(proposal_id, _Entry(text, alone=True, blocks=tuple(blocks) if blocks else None))

    def upload(
        self, proposal_id: int, pictures: Awaitable[Sequence[Picture]], *, label: str
    ) -> None:
        """Queue pictures (still rendering) after the lines queued before them; each is
        uploaded on its own, and one that fails is logged without stopping the others."""
        self._add(proposal_id, _Entry(label, alone=True, pictures=pictures))

    @property
    def pending(self) -> int:
        """How many lines wait to be posted, over every proposal."""
        return sum(len(queue.entries) for queue in self._queues.values())

    def _add(self, proposal_id: int, entry: _Entry) -> None:
        queue = self._queues.setdefault(proposal_id, _Queue(deque()))
        queue.entries.append(entry)
        self._request(proposal_id)

    def _request(self, proposal_id: int) -> None:
        self._coalescer.request(("thread", proposal_id), partial(self._post_next, proposal_id))

    async def _post_next(self, proposal_id: int) -> None:
        """Post the next message of the proposal's queue; ask for another render if more wait."""
        queue = self._queues.get(proposal_id)
        if queue is None:
            return
        try:
            if queue.entries[0].pictures is not None:
                await self._upload_first(proposal_id, queue)
            else:
                await self._post_lines(proposal_id, queue)
        finally:
            if queue.entries:
                self._request(proposal_id)
            else:
                del self._queues[proposal_id]

    async def _post_lines(self, proposal_id: int, queue: _Queue) -> None:
        count = next_post(queue.entries, self._limit)
        blocks = queue.entries[0].blocks
        try:
            await self._post(
                proposal_id, [entry.text for entry in list(queue.entries)[:count]], blocks
            )
        except Exception:
            queue.failures += 1
            if queue.failures < POST_ATTEMPTS:
                raise
            self._give_up(proposal_id, queue, count)
            raise
        else:
            self._done(queue, count)

    async def _upload_first(self, proposal_id: int, queue: _Queue) -> None:
        """Upload the pictures at the front of the queue (one try each: the client already
        retries rate limits and server errors); they leave the queue whatever happens."""
        entry = queue.entries[0]
        try:
            await self._upload(proposal_id, entry)
        finally:
            self._done(queue, 1)

    async def _upload(self, proposal_id: int, entry: _Entry) -> None:
        assert entry.pictures is not None
        try:
            pictures = await entry.pictures
        except Exception:
            logger.exception("could not render the %s", entry.text)
            return
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None or proposal.message_ts is None:
            logger.info("proposal #%d has no verdict thread for the %s", proposal_id, entry.text)
            return
        for picture in pictures:
            try:
                await self._client.files_upload_v2(
                    channel=proposal.channel_id,
                    thread_ts=proposal.message_ts,
                    file=picture.png,
                    filename=picture.filename,
                    title=picture.title,
                    alt_txt=picture.alt_text,
                )
            except Exception:
                logger.exception("upload of %s (%s) failed", picture.filename, entry.text)

    async def _post(
        self,
        proposal_id: int,
        lines: list[str],
        blocks: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        proposal = await self._proposals.get_proposal(proposal_id=proposal_id)
        if proposal is None or proposal.message_ts is None:
            logger.info("proposal #%d has no verdict thread for: %s", proposal_id, lines)
            return
        await self._client.chat_postMessage(
            channel=proposal.channel_id,
            thread_ts=proposal.message_ts,
            text="\n".join(lines),
            blocks=list(blocks) if blocks else None,
        )

    @staticmethod
    def _done(queue: _Queue, count: int) -> None:
        for _ in range(count):
            queue.entries.popleft()
        queue.failures = 0

    @staticmethod
    def _give_up(proposal_id: int, queue: _Queue, count: int) -> None:
        lost = [queue.entries.popleft().text for _ in range(count)]
        queue.failures = 0
        logger.error(
            "%d line(s) for proposal #%d not posted after %d tries: %s",
            count,
            proposal_id,
            POST_ATTEMPTS,
            lost,
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


def announce_outcome(lines: ThreadLines, closing: Closing) -> None:
    """Announce a closed vote's outcome in its verdict's thread, after its queued vote lines."""
    if closing.message_ts is None:
        logger.info("vote #%d closed, but its verdict was never posted", closing.proposal_id)
        return
    lines.announce(closing.proposal_id, closing.announcement)


async def close_due_votes(voting: VotingService, lines: ThreadLines, clock: Clock) -> None:
    """Close every vote past its deadline, announce each outcome and refresh its message.

    The announcements are queued (see `ThreadLines`); a post that fails is logged there."""
    for closing in await voting.close_due(clock.now()):
        announce_outcome(lines, closing)
