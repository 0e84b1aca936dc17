"""Paced sending: about one message per second per channel, different channels at once.

Slack allows `chat.postMessage` about one message per second per channel (short bursts
aside). Each channel (a DM's user id counts as a channel) is a lane whose messages start at
least `interval` seconds apart (after a call slowed by retries, `interval` after it ended);
lanes run concurrently, with at most `max_in_flight` calls
open at a time. A 429 is retried inside the call by the Web API client's retry handler
(`bot.infrastructure.slack_client`), which honours ``Retry-After``, so a rate-limited message
is still sent once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_INTERVAL_SECONDS = 1.0
DEFAULT_MAX_IN_FLIGHT = 20

Deliver = Callable[[], Awaitable[bool]]
"""Sends one message; True when it called Slack (so the lane must wait before the next)."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message waiting in its channel's lane."""

    lane: str
    deliver: Deliver


def lanes_of(items: Iterable[Outgoing]) -> dict[str, list[Deliver]]:
    """The messages grouped by lane, each lane in the order given."""
    lanes: dict[str, list[Deliver]] = {}
    for item in items:
        lanes.setdefault(item.lane, []).append(item.deliver)
    return lanes


def paced_duration(messages_per_lane: Mapping[str, int], interval: float) -> float:
    """Seconds the paced sending needs, not counting the calls themselves."""
    busiest = max(messages_per_lane.values(), default=0)
    return max(0, busiest - 1) * interval


async def send_paced(
    items: Sequence[Outgoing],
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
) -> int:
    """Deliver every item, paced per lane; returns how many deliveries called Slack."""
    gate = asyncio.Semaphore(max_in_flight)
    lanes = [
        asyncio.ensure_future(_run_lane(deliveries, gate, interval))
        for deliveries in lanes_of(items).values()
    ]
    try:
        counts = await asyncio.gather(*lanes)
    except BaseException:
        # One lane failed (or the sweep was cancelled): stop the others before returning, so
        # that nothing is still sending once the caller records what was sent.
        for lane in lanes:
            lane.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)
        raise
    return sum(counts)


def _spaced_from(started: float, finished: float, interval: float) -> float:
    """When the lane's next call may start: a slow call (a 429 retried inside it) counts from
    its end, since its last request went out just before it returned."""
    return (finished if finished - started >= interval else started) + interval


async def _run_lane(deliveries: list[Deliver], gate: asyncio.Semaphore, interval: float) -> int:
    called = 0
    next_start = float("-inf")
    for deliver in deliveries:
        wait = next_start - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        async with gate:
            started = time.monotonic()
            if await deliver():
                called += 1
                next_start = _spaced_from(started, time.monotonic(), interval)
    return called
