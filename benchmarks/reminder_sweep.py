"""The daily reminder sweep over many open proposals in a real SQLite file.

Two scenarios over 10 000 open proposals in 200 channels (by default):
- *typical day*: delivery times spread over 0–45 days, so a day has a slice of the reminders;
- *worst day*: every proposal has the same delivery time, so all their last-day reminders fall
  on one day (one thread message each, plus one grouped message per channel).

For each it prints the sweep's CPU time (`time.process_time`, planning, ledger and texts; the
sending itself is an in-memory poster, unpaced), the SQL statements issued (counted with a
SQLAlchemy ``before_cursor_execute`` event), the messages produced, and the time paced sending
needs at one message per second per channel, computed from the plan. Then it measures paced
sending for a small sample against the fake Slack Web API, with 429s thrown in. It prints
figures; it asserts nothing.

    .venv/bin/python benchmarks/reminder_sweep.py [--proposals 10000] [--channels 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import event, insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bot.infrastructure.settings import load_settings  # noqa: E402
from bot.infrastructure.slack_client import make_client  # noqa: E402
from bot.persistence.database import create_engine, run_migrations  # noqa: E402
from bot.persistence.rows import EVALUATIONS, PROPOSALS, model_json  # noqa: E402
from bot.persistence.stores import Stores  # noqa: E402
from bot.reminders.pacing import paced_duration  # noqa: E402
from bot.reminders.sweep import (  # noqa: E402
    Message,
    ReminderConfig,
    ReminderSweep,
    SlackPoster,
)
from core.engine import evaluate  # noqa: E402
from core.policy import Policy  # noqa: E402
from core.proposal import Proposal  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402
from tests.builders import approvable_proposal  # noqa: E402
from tests.clock import FixedClock  # noqa: E402

UTC_ZONE = ZoneInfo("UTC")
POSTED = datetime(2026, 10, 1, 9, tzinfo=UTC)
TYPICAL_DAY = date(2026, 11, 13)
WORST_DAY = date(2026, 11, 15)
INSERT_BATCH = 1000


def proposal(delivery_days: int) -> Proposal:
    """An approvable proposal with the given delivery time."""
    return approvable_proposal(
        title=f"Fine-tune delivering in {delivery_days} days", delivery_days=delivery_days
    )


async def seed(engine: AsyncEngine, *, proposals: int, channels: int, spread: bool) -> None:
    """Insert open, posted proposals in bulk, each with its first evaluation."""
    templates = {days: proposal(days) for days in range(46)}
    evaluations = {days: model_json(evaluate(p, Policy())) for days, p in templates.items()}
    policy = Policy()
    async with engine.begin() as connection:
        for start in range(0, proposals, INSERT_BATCH):
            numbers = range(start, min(start + INSERT_BATCH, proposals))
            days = [(n % 46 if spread else 45) for n in numbers]
            await connection.execute(
                insert(PROPOSALS),
                [
                    _proposal_row(n, channels, templates[d])
                    for n, d in zip(numbers, days, strict=True)
                ],
            )
            await connection.execute(
                insert(EVALUATIONS),
                [
                    _evaluation_row(n, templates[d], evaluations[d], policy)
                    for n, d in zip(numbers, days, strict=True)
                ],
            )


def _proposal_row(number: int, channels: int, planned: Proposal) -> dict[str, Any]:
    return {
        "id": number + 1,
        "team_id": "T0001",
        "channel_id": f"C{number % channels:05d}",
        "author_id": "UAUTHOR",
        "title": f"Proposal {number + 1}",
        "submission_key": f"bench-{number}",
        "proposal_json": model_json(planned),
        "revision": 1,
        "verdict": "approve",
        "recommendation": "fine_tune",
        "message_ts": f"1690000000.{number + 1:06d}",
        "delivery_state": "posted",
        "secret_ballot": False,
        "vote_state": "open",
        "created_at": POSTED,
        "updated_at": POSTED,
    }


def _evaluation_row(
    number: int, planned: Proposal, evaluation_json: str, policy: Policy
) -> dict[str, Any]:
    return {
        "proposal_id": number + 1,
        "revision": 1,
        "proposal_json": model_json(planned),
        "evaluation_json": evaluation_json,
        "verdict": "approve",
        "recommendation": "fine_tune",
        "policy_json": model_json(policy),
        "policy_hash": policy.hash,
        "created_by": "UAUTHOR",
        "created_at": POSTED,
    }


class CountingPoster:
    """Accepts every message at once and counts them per channel."""

    def __init__(self) -> None:
        self.per_channel: Counter[str] = Counter()

    async def post(self, message: Message) -> None:
        """Count the message."""
        self.per_channel[message.channel] += 1


@dataclass
class Figures:
    cpu_seconds: float
    wall_seconds: float
    queries: int
    messages: int
    reminders: int
    busiest_channel: int
    paced_seconds: float


async def sweep_scenario(path: Path, *, proposals: int, channels: int, spread: bool) -> Figures:
    """Seed a fresh database, run one sweep with an instant poster, measure it."""
    url = f"sqlite+aiosqlite:///{path}"
    run_migrations(url)
    engine = create_engine(url)
    await seed(engine, proposals=proposals, channels=channels, spread=spread)
    queries = Counter[str]()
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *_: queries.update(["q"]))
    poster = CountingPoster()
    day = TYPICAL_DAY if spread else WORST_DAY
    sweep = ReminderSweep(
        stores=Stores.on(engine),
        poster=poster,
        clock=FixedClock(datetime(day.year, day.month, day.day, 9, tzinfo=UTC)),
        config=ReminderConfig(
            offsets=(14, 7, 3, 1),
            start_month=1,
            zone=UTC_ZONE,
            committee_user_ids=(),
            policy=Policy(),
            pace_seconds=0.0,
        ),
    )
    cpu, wall = time.process_time(), time.perf_counter()
    report = await sweep.run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await engine.dispose()
    return Figures(
        cpu_seconds=cpu,
        wall_seconds=wall,
        queries=queries["q"],
        messages=report.messages_sent,
        reminders=report.reminders_sent,
        busiest_channel=max(poster.per_channel.values(), default=0),
        paced_seconds=paced_duration(poster.per_channel, 1.0),
    )


async def paced_sample(path: Path, *, channels: int, per_channel: int) -> tuple[float, int, int]:
    """Send a sample through the fake Slack at 1 msg/s/channel, with two 429s; wall time."""
    url = f"sqlite+aiosqlite:///{path}"
    run_migrations(url)
    engine = create_engine(url)
    await seed(engine, proposals=channels * per_channel, channels=channels, spread=False)
    fake = FakeSlack()
    await fake.start()
    fake.fail("chat.postMessage", "ratelimited", times=2, retry_after=1)
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench",
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": url,
        }
    )
    sweep = ReminderSweep(
        stores=Stores.on(engine),
        poster=SlackPoster(make_client(settings)),
        clock=FixedClock(datetime(2026, 11, 13, 9, tzinfo=UTC)),
        config=ReminderConfig.from_settings(settings, Policy()),
    )
    started = time.perf_counter()
    await sweep.run()
    elapsed = time.perf_counter() - started
    delivered = len(fake.successful("chat.postMessage"))
    attempts = len(fake.calls_to("chat.postMessage"))
    await fake.stop()
    await engine.dispose()
    return elapsed, delivered, attempts


def print_figures(name: str, figures: Figures, proposals: int, channels: int) -> None:
    print(f"{name}: {proposals:,} open proposals in {channels} channels")
    print(
        f"  sweep CPU time            {figures.cpu_seconds:8.2f} s"
        f"  (wall {figures.wall_seconds:.2f} s)"
    )
    print(f"  SQL statements issued     {figures.queries:8,}")
    print(f"  messages produced         {figures.messages:8,}  ({figures.reminders:,} reminders)")
    print(f"  busiest channel           {figures.busiest_channel:8,}  messages")
    print(f"  paced sending, 1 msg/s/ch {figures.paced_seconds:8.0f} s  (computed from the plan)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--sample-channels", type=int, default=4)
    parser.add_argument("--sample-per-channel", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, spread in (("typical day (13 Nov)", True), ("worst day (15 Nov)", False)):
            path = Path(folder) / f"{'typical' if spread else 'worst'}.db"
            figures = await sweep_scenario(
                path, proposals=args.proposals, channels=args.channels, spread=spread
            )
            print_figures(name, figures, args.proposals, args.channels)
        elapsed, delivered, attempts = await paced_sample(
            Path(folder) / "sample.db",
            channels=args.sample_channels,
            per_channel=args.sample_per_channel,
        )
    expected = (args.sample_per_channel - 1) * 1.0
    print(
        f"paced sample against the fake Slack: {args.sample_channels} channels × "
        f"{args.sample_per_channel} messages, two 429s (Retry-After 1 s): {elapsed:.2f} s wall, "
        f"{delivered} delivered in {attempts} calls (pacing alone: {expected:.0f} s)"
    )


if __name__ == "__main__":
    asyncio.run(main())
