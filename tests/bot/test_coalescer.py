"""The update coalescer: bursts become at most one render per key per interval, the last state
always lands, keys are independent and a failing render does not block the next."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.infrastructure.coalescer import UpdateCoalescer


class VirtualTime:
    """A monotonic clock and a sleep that only move when the test advances time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), wake))
        await wake

    async def advance_to(self, moment: float) -> None:
        """Wake every sleeper due by `moment`, in time order, letting each one run."""
        await settle()
        while self._sleepers and self._sleepers[0][0] <= moment:
            due, _, wake = heapq.heappop(self._sleepers)
            self.now = max(self.now, due)
            wake.set_result(None)
            await settle()
        self.now = max(self.now, moment)
        await settle()


async def settle() -> None:
    """Let every ready task run until it waits again."""
    for _ in range(20):
        await asyncio.sleep(0)


class Screen:
    """A fake verdict message: each render shows the state as it is when the render runs."""

    def __init__(self, time: VirtualTime, duration: float = 0.05) -> None:
        self.state = 0
        self.renders: list[tuple[float, int]] = []
        self._time = time
        self._duration = duration

    async def render(self) -> None:
        self.renders.append((self._time.now, self.state))
        await self._time.sleep(self._duration)


@pytest.fixture
def time() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
def coalescer(time: VirtualTime) -> UpdateCoalescer:
    return UpdateCoalescer(1.0, monotonic=time.monotonic, sleep=time.sleep)


async def burst(
    time: VirtualTime, coalescer: UpdateCoalescer, screen: Screen, count: int, seconds: float
) -> None:
    """`count` state changes, each followed by a request, spread evenly over `seconds`."""
    for number in range(count):
        await time.advance_to(number * seconds / count)
        screen.state += 1
        coalescer.request("message", screen.render)


async def finish(time: VirtualTime, coalescer: UpdateCoalescer) -> None:
    await time.advance_to(time.now + 60)
    await coalescer.drain()


async def test_the_first_request_renders_at_once(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time)
    screen.state = 1
    coalescer.request("message", screen.render)
    await settle()
    assert screen.renders == [(0.0, 1)]


async def test_a_burst_of_200_over_half_a_second_renders_at_most_twice_and_shows_the_last(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time)
    await burst(time, coalescer, screen, count=200, seconds=0.5)
    await finish(time, coalescer)
    assert len(screen.renders) <= 2
    assert screen.renders[-1][1] == 200


async def test_sustained_requests_over_three_seconds_render_at_most_four_times(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time)
    await burst(time, coalescer, screen, count=300, seconds=3.0)
    await finish(time, coalescer)
    assert len(screen.renders) <= 4
    assert screen.renders[-1][1] == 300


async def test_renders_of_one_key_start_at_least_an_interval_apart(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time, duration=0.3)
    await burst(time, coalescer, screen, count=100, seconds=5.0)
    await finish(time, coalescer)
    starts = [at for at, _ in screen.renders]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(starts))
    assert screen.renders[-1][1] == 100


async def test_a_request_during_a_render_schedules_exactly_one_more(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time, duration=0.5)
    coalescer.request("message", screen.render)
    await time.advance_to(0.1)
    for _ in range(5):
        screen.state += 1
        coalescer.request("message", screen.render)
    await finish(time, coalescer)
    assert screen.renders == [(0.0, 0), (1.0, 5)]


async def test_a_request_after_a_quiet_interval_renders_at_once_again(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time)
    coalescer.request("message", screen.render)
    await time.advance_to(5.0)
    coalescer.request("message", screen.render)
    await settle()
    assert [at for at, _ in screen.renders] == [0.0, 5.0]


async def test_different_keys_do_not_wait_for_each_other(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    first, second = Screen(time), Screen(time)
    coalescer.request("first", first.render)
    coalescer.request("second", second.render)
    await settle()
    assert first.renders == [(0.0, 0)]
    assert second.renders == [(0.0, 0)]


async def test_the_latest_render_given_is_the_one_that_runs(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    shown: list[str] = []

    def render_of(label: str) -> Callable[[], Awaitable[None]]:
        async def render() -> None:
            shown.append(label)
            await time.sleep(0.1)

        return render

    coalescer.request("message", render_of("first"))
    await settle()
    for label in ("second", "third"):
        coalescer.request("message", render_of(label))
    await finish(time, coalescer)
    assert shown == ["first", "third"]


async def test_a_failing_render_does_not_block_the_next_one(
    time: VirtualTime, coalescer: UpdateCoalescer
) -> None:
    screen = Screen(time)

    async def failing() -> None:
        raise RuntimeError("Slack said no")

    coalescer.request("message", failing)
    await settle()
    screen.state = 7
    coalescer.request("message", screen.render)
    await finish(time, coalescer)
    assert screen.renders == [(1.0, 7)]


async def test_a_failure_is_logged_with_its_key(
    time: VirtualTime, coalescer: UpdateCoalescer, caplog: pytest.LogCaptureFixture
) -> None:
    async def failing() -> None:
        raise RuntimeError("Slack said no")

    with caplog.at_level(logging.ERROR, logger="bot.infrastructure.coalescer"):
        coalescer.request("proposal-7", failing)
        await finish(time, coalescer)
    assert "update of proposal-7 failed" in caplog.text
    assert "Slack said no" in caplog.text


async def test_drain_waits_for_the_pending_render_with_real_time() -> None:
    coalescer = UpdateCoalescer(0.05)
    seen: list[int] = []
    state = {"value": 0}

    async def render() -> None:
        seen.append(state["value"])

    for value in range(1, 30):
        state["value"] = value
        coalescer.request("message", render)
        await asyncio.sleep(0)
    await coalescer.drain()
    assert seen[-1] == 29
    assert len(seen) <= 2


def test_a_negative_interval_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="interval must be 0 seconds or more"):
        UpdateCoalescer(-1.0)
