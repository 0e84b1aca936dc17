"""Two replicas of the bot (`python -m bot` processes) on one database, one fake Slack.

On PostgreSQL (CI sets TEST_DATABASE_URL) this is the production shape; on SQLite the same
scenarios run on one WAL-mode file shared by the two processes, so nothing is skipped. The
sweep's advisory lock exists only on PostgreSQL; the ledger's claim guards both.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.infrastructure.web import EVENTS_PATH
from bot.persistence.stores import Stores
from bot.voting.domain import Choice
from tests.bot import signing
from tests.bot.conftest import environment
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_process import clean_environment, free_port, start_bot, wait_until_healthy
from tests.bot.test_reminder_sweep import add_proposal
from tests.conftest import engine_is_postgres

VOTE_ACTIONS = {
    Choice.APPROVE: "vote_approve",
    Choice.REJECT: "vote_reject",
    Choice.ABSTAIN: "vote_abstain",
}
EVERY_DAY = ",".join(str(days) for days in range(1, 200))


@dataclass
class Replica:
    """One bot process serving HTTP on its own port."""

    name: str
    process: asyncio.subprocess.Process
    port: int
    log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    async def send(self, http: aiohttp.ClientSession, body: str) -> int:
        """POST a signed form body; the HTTP status, or 0 when the replica did not answer."""
        headers = signing.signed_headers(body, content_type=signing.FORM)
        try:
            async with http.post(self.events_url, data=body.encode(), headers=headers) as reply:
                await reply.read()
                return reply.status
        except (aiohttp.ClientError, ConnectionError):
            return 0

    async def stop(self) -> int | None:
        """SIGTERM (unless already dead), then keep its JSON log lines."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(self.process.communicate(), timeout=30)
        self.log = [
            json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")
        ]
        return self.process.returncode

    def job_runs(self, job: str) -> list[dict[str, Any]]:
        return [entry for entry in self.log if entry.get("job") == job and "outcome" in entry]


@asynccontextmanager
async def replicas(
    count: int, fake_slack: FakeSlack, database: str, tmp_path: Path, **settings: str
) -> AsyncIterator[list[Replica]]:
    """Start `count` replicas at the same moment; stop whatever still runs afterwards."""
    started: list[Replica] = []
    for number in range(count):
        port = free_port()
        env = clean_environment(**environment(fake_slack, database), PORT=str(port), **settings)
        process = await start_bot(env, tmp_path)
        started.append(Replica(f"replica-{number}", process, port))
    try:
        await asyncio.gather(*(wait_until_healthy(replica.port) for replica in started))
        yield started
    finally:
        for replica in started:
            if replica.process.returncode is None:
                await replica.stop()


def vote(proposal_id: int, member: str, choice: Choice, action_ts: str | None = None) -> str:
    return signing.block_actions(
        action_id=VOTE_ACTIONS[choice],
        value=str(proposal_id),
        user_id=member,
        channel_id=signing.CHANNEL_ID,
        block_id="verdict_actions",
        action_ts=action_ts,
    )


async def votes_settle(
    stores: Stores, proposal_id: int, expected: int, timeout: float = 15.0
) -> dict[str, Choice]:
    """Each member's stored vote once `expected` members have one (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while True:
        votes = {v.user_id: v.choice for v in await stores.votes.votes_for(proposal_id=proposal_id)}
        if len(votes) >= expected or time.monotonic() > deadline:
            return votes
        await asyncio.sleep(0.1)


async def open_proposal(stores: Stores) -> int:
    now = datetime.now(UTC)
    return await add_proposal(
        stores,
        f"Vote {now.timestamp()}",
        channel=signing.CHANNEL_ID,
        created=now,
        vote_deadline=now + timedelta(days=3),
    )


def quiet_settings() -> dict[str, str]:
    """Settings under which no reminder sweep runs while a test sends votes."""
    return {"REMINDER_HOUR": "23"} if datetime.now(UTC).hour < 23 else {}


# -- (a) the reminder sweep -------------------------------------------------------------------


async def test_two_replicas_sweeping_at_the_same_moment_send_every_reminder_once(
    stores: Stores, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    for number in range(3):
        await add_proposal(stores, f"Launch {number}", channel="CREMIND", created=now)
    settings = {
        "REMINDER_HOUR": "0",  # started after the reminder hour: both sweep at start-up
        "REMINDER_OFFSETS_DAYS": EVERY_DAY,
        "FISCAL_YEAR_START_MONTH": str(now.month),  # today is in a quarter's first month
    }

    async with replicas(2, fake_slack, database_url, tmp_path, **settings) as pair:
        await fake_slack.wait_for("chat.postMessage", 6, timeout=30)
        await fake_slack.settle(quiet=1.5)
        codes = [await replica.stop() for replica in pair]

    posts = fake_slack.calls_to("chat.postMessage")
    sent_keys = await sent_ledger_keys(stores, now.date())
    runs = [run for replica in pair for run in replica.job_runs("reminder-sweep")]
    assert codes == [0, 0]
    assert len(posts) == 6  # a QIT-deadline and a quarter-close reminder per proposal
    assert len({(p.params["thread_ts"], p.params["text"]) for p in posts}) == len(posts)
    assert len(sent_keys) == len(posts)
    assert sum(run["counts"]["messages_sent"] for run in runs) == len(posts)
    if engine_is_postgres(database_url):
        assert sorted(run["outcome"] for run in runs) == ["locked_out", "ok"]


async def sent_ledger_keys(stores: Stores, day: date) -> list[tuple[int, str]]:
    rows = await stores.ledger.reminders_on(due_date=day)
    return [(row.proposal_id, row.kind) for row in rows if row.sent_at is not None]


# -- (b) concurrent votes ---------------------------------------------------------------------


async def test_concurrent_votes_sent_alternately_to_two_replicas_stay_exact(
    stores: Stores, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    proposal_id = await open_proposal(stores)
    members = [f"U0VOTER{number:03d}" for number in range(60)]
    first = {m: list(Choice)[n % 3] for n, m in enumerate(members)}
    second = {m: list(Choice)[(n + 1) % 3] for n, m in enumerate(members)}

    async with replicas(2, fake_slack, database_url, tmp_path, **quiet_settings()) as pair:
        async with aiohttp.ClientSession() as http:
            statuses = await send_votes(http, pair, proposal_id, first)
            assert await votes_settle(stores, proposal_id, len(members)) == first
            statuses += await send_votes(http, pair, proposal_id, second, offset=1)
            await fake_slack.settle(quiet=0.5)
        codes = [await replica.stop() for replica in pair]

    stored = {v.user_id: v.choice for v in await stores.votes.votes_for(proposal_id=proposal_id)}
    assert set(statuses) == {200}
    assert codes == [0, 0]
    assert stored == second
    assert Counter(stored.values()) == {Choice.APPROVE: 20, Choice.REJECT: 20, Choice.ABSTAIN: 20}


async def send_votes(
    http: aiohttp.ClientSession,
    pair: Sequence[Replica],
    proposal_id: int,
    choices: dict[str, Choice],
    offset: int = 0,
) -> list[int]:
    """Every member's vote at once, member n's to replica (n + offset) mod 2."""
    sends = [
        pair[(number + offset) % len(pair)].send(http, vote(proposal_id, member, choice))
        for number, (member, choice) in enumerate(choices.items())
    ]
    return list(await asyncio.gather(*sends))


async def test_a_member_s_clicks_sent_at_once_to_alternating_replicas_keep_the_last_click(
    stores: Stores, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    proposal_id = await open_proposal(stores)
    members = [f"U0CLICK{number:03d}" for number in range(40)]
    plans = click_plans(members, clicks=5)
    last = {member: plan[-1] for member, plan in plans.items()}
    clicked_at = time.time()

    async with replicas(2, fake_slack, database_url, tmp_path, **quiet_settings()) as pair:
        async with aiohttp.ClientSession() as http:
            sends = [
                pair[(number + click) % len(pair)].send(
                    http, vote(proposal_id, member, choice, f"{clicked_at + click / 1000:.6f}")
                )
                for number, (member, plan) in enumerate(plans.items())
                for click, choice in enumerate(plan)
            ]
            statuses = await asyncio.gather(*sends)
            await fake_slack.settle(quiet=1.0)
        codes = [await replica.stop() for replica in pair]

    stored = {v.user_id: v.choice for v in await stores.votes.votes_for(proposal_id=proposal_id)}
    assert set(statuses) == {200}
    assert codes == [0, 0]
    assert stored == last


def click_plans(members: Sequence[str], clicks: int) -> dict[str, list[Choice]]:
    """Each member's clicks, every one a different choice from the one before."""
    choices = list(Choice)
    return {
        member: [choices[(number + click) % len(choices)] for click in range(clicks)]
        for number, member in enumerate(members)
    }


# -- (c) a replica killed mid-burst -----------------------------------------------------------


async def test_a_replica_killed_mid_burst_loses_no_acknowledged_vote(
    stores: Stores, database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    proposal_id = await open_proposal(stores)
    members = [f"U0BURST{number:03d}" for number in range(120)]

    async with replicas(2, fake_slack, database_url, tmp_path, **quiet_settings()) as pair:
        victim = pair[0]
        acknowledged = await burst_with_kill(pair, proposal_id, members, kill_after=40)
        survivors = await votes_settle(stores, proposal_id, len(acknowledged))
        await victim.stop()

    assert victim.process.returncode == -signal.SIGKILL
    assert 40 <= len(acknowledged) < len(members)  # some requests were refused by the dead one
    missing = sorted(set(acknowledged) - set(survivors))
    assert missing == [], f"acknowledged but not stored: {missing}"


async def burst_with_kill(
    pair: Sequence[Replica], proposal_id: int, members: Sequence[str], kill_after: int
) -> list[str]:
    """Send votes 8 at a time, alternating replicas; SIGKILL the first replica mid-burst.

    Returns the members whose vote was acknowledged (HTTP 200)."""
    acknowledged: list[str] = []
    slots = asyncio.Semaphore(8)

    async def one(http: aiohttp.ClientSession, number: int, member: str) -> None:
        async with slots:
            replica = pair[number % len(pair)]
            if await replica.send(http, vote(proposal_id, member, Choice.APPROVE)) == 200:
                acknowledged.append(member)
                # Killed once, by the acknowledgement that reaches the count: a second kill()
                # would reap the dead process itself before asyncio's child watcher sees it
                # exit, which then reports the exit status as 255 instead of -SIGKILL.
                if len(acknowledged) == kill_after:
                    pair[0].process.kill()

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(one(http, n, member) for n, member in enumerate(members)))
    return acknowledged
