"""Votes: the vote buttons, the "Close vote" button and thread replies that start with a vote.

A vote button's click is answered once its vote is stored (a few milliseconds), so a click
Slack saw acknowledged is never lost, even if the process dies the next moment; when a burst
queues the vote for longer than `STORE_BEFORE_ACK_SECONDS`, the answer goes first and the vote
is stored right after. Everything that talks to Slack comes after the answer. (Events API
deliveries are acknowledged by Bolt before any listener runs.)

Each vote carries when the member cast it, by Slack's clock: a click's `action_ts`, a reply's
`ts` (the server's clock only when Slack sent none that reads). The database keeps each
member's latest-cast vote, so a member's last click is the vote that stays even when
replicas store their clicks in another order (one storing a click late after answering it,
another storing the next click at once).

What the service answers is said where it belongs: a line in the verdict's thread, a private
message to the voter, the outcome once the vote closes. Thread lines and outcomes are queued
in `deps.thread_lines`, which gathers a burst's lines into one post per thread per second
(in arrival order, the outcome after them); the private word is sent at once. The verdict
message itself is refreshed by the service through the coalescer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.ids import ActionId
from bot.listeners.errors import failures_reported
from bot.services.outbox import announce_outcome, tell_privately
from bot.voting.domain import Choice
from bot.voting.service import CloseResult, VoteResult
from bot.voting.thread_votes import ThreadVote, slack_time, vote_from_event

VOTE_CHOICES = {
    ActionId.VOTE_APPROVE: Choice.APPROVE,
    ActionId.VOTE_REJECT: Choice.REJECT,
    ActionId.VOTE_ABSTAIN: Choice.ABSTAIN,
}

STORE_BEFORE_ACK_SECONDS = 2.0
"""How long a click waits for its vote to be stored before it is answered (Slack allows 3 s)."""

Listener = Callable[..., Awaitable[None]]


@dataclass(frozen=True)
class VoteRequest:
    """One vote as Slack delivered it: on which proposal, by whom, from where, cast when."""

    proposal_id: int
    user_id: str
    channel_id: str
    choice: Choice
    cast_at: datetime
    reason: str | None = None
    thread_ts: str | None = None


def register(app: AsyncApp, deps: Deps) -> None:
    """Listen for the vote and close buttons and for messages (thread replies)."""
    for action_id, choice in VOTE_CHOICES.items():
        app.action(action_id.value)(vote_button(deps, choice))
    app.action(ActionId.CLOSE_VOTE.value)(close_button(deps))
    app.event("message")(thread_reply(deps))


def vote_button(deps: Deps, choice: Choice) -> Listener:
    """The listener of one vote button."""

    async def cast_from_button(
        ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        request = VoteRequest(
            proposal_id=int(action["value"]),
            user_id=context.user_id or "",
            channel_id=context.channel_id or "",
            choice=choice,
            cast_at=cast_time(deps, action.get("action_ts")),
        )
        casting = asyncio.ensure_future(cast(deps, request))
        await asyncio.wait({casting}, timeout=STORE_BEFORE_ACK_SECONDS)
        await ack()
        async with failures_reported(deps, context):
            await answer_vote(deps, request, await casting)

    return cast_from_button


def close_button(deps: Deps) -> Listener:
    """The listener of "Close vote" (Slack asked for confirmation before sending it)."""

    async def close_from_button(
        ack: AsyncAck, action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        async with failures_reported(deps, context):
            user_id, channel_id = context.user_id or "", context.channel_id or ""
            result = await deps.voting.close(proposal_id=int(action["value"]), actor_id=user_id)
            await answer_close(deps, result, user_id=user_id, channel_id=channel_id)

    return close_from_button


def thread_reply(deps: Deps) -> Listener:
    """The listener of message events: a person's reply in a verdict's thread may be a vote."""

    async def cast_from_reply(event: dict[str, Any], context: AsyncBoltContext) -> None:
        vote = vote_from_event(event, context.bot_user_id)
        if vote is None:
            return
        async with failures_reported(deps, context):
            request = await thread_vote_request(deps, vote, team_id=context.team_id or "")
            if request is not None:
                await cast_and_answer(deps, request)

    return cast_from_reply


async def thread_vote_request(deps: Deps, vote: ThreadVote, *, team_id: str) -> VoteRequest | None:
    """The vote request of a reply, or None when the thread is not a verdict's."""
    proposal_id = await deps.stores.proposals.proposal_id_for_thread(
        team_id=team_id,
        channel_id=vote.channel_id,
        thread_ts=vote.thread_ts,
    )
    if proposal_id is None:
        return None
    return VoteRequest(
        proposal_id=proposal_id,
        user_id=vote.user_id,
        channel_id=vote.channel_id,
        choice=vote.choice,
        cast_at=cast_time(deps, vote.message_ts),
        reason=vote.reason,
        thread_ts=vote.thread_ts,
    )


def cast_time(deps: Deps, ts: object) -> datetime:
    """When a vote was cast: Slack's timestamp of the click or reply, else the clock's now."""
    return slack_time(ts) or deps.clock.now()


async def cast(deps: Deps, request: VoteRequest) -> VoteResult:
    """Hand the vote to the service (which stores it, or says why not)."""
    return await deps.voting.cast(
        proposal_id=request.proposal_id,
        user_id=request.user_id,
        choice=request.choice,
        cast_at=request.cast_at,
        reason=request.reason,
    )


async def cast_and_answer(deps: Deps, request: VoteRequest) -> None:
    """Cast the vote, then say what the service answered."""
    await answer_vote(deps, request, await cast(deps, request))


async def answer_vote(deps: Deps, request: VoteRequest, result: VoteResult) -> None:
    """The thread line of a new or changed vote (queued), the private word, then any outcome."""
    if result.thread_text:
        deps.thread_lines.say(request.proposal_id, result.thread_text)
    if result.private_text:
        await tell_privately(
            deps.client,
            channel_id=request.channel_id,
            user_id=request.user_id,
            text=result.private_text,
            thread_ts=request.thread_ts,
        )
    if result.closing is not None:
        announce_outcome(deps.thread_lines, result.closing)


async def answer_close(deps: Deps, result: CloseResult, *, user_id: str, channel_id: str) -> None:
    """The outcome in the thread, or a private word on why nothing closed."""
    if result.closing is not None:
        announce_outcome(deps.thread_lines, result.closing)
    if result.private_text:
        await tell_privately(
            deps.client, channel_id=channel_id, user_id=user_id, text=result.private_text
        )
