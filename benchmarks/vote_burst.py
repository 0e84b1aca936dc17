"""Bursts of committee votes through the real HTTP app: how long until the final tally is stored
and shown, and how many `chat.update`s it took, next to one update per vote.

The app runs in a child process (SQLite file, the system clock, the default coalescing of one
update per message per second); this process runs the fake Slack Web API and sends the votes:
N/4 members, each casting four different votes one after the other (a click is sent once the
previous one was answered), all members at once. "Stored" is when the database holds every
member's last vote; "shown" is when the fake Slack received the last `chat.update` of the
verdict message, which is checked to carry the final tally. Slack allows about one update per
second per message, so one update per vote would take about N seconds to show the last state.
It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/vote_burst.py [--bursts 50,200,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.blocks.modal import proposal_modal  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.persistence.database import create_engine, run_migrations  # noqa: E402
from bot.persistence.records import Choice  # noqa: E402
from bot.persistence.repository import Repository  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.slack_client import make_client  # noqa: E402
from bot.web import EVENTS_PATH, create_web_app  # noqa: E402
from core.policy import Policy  # noqa: E402
from tests.bot import signing  # noqa: E402
from tests.bot.conftest import APPROVABLE, view_state  # noqa: E402
from tests.bot.fake_slack import TEAM_ID, Call, FakeSlack  # noqa: E402

ACTIONS_PER_MEMBER = 4
QUIET_SECONDS = 2.5
"""No chat.update for this long after the votes are stored means the last one has landed."""
ACTION_IDS = {
    Choice.APPROVE: "vote_approve",
    Choice.REJECT: "vote_reject",
    Choice.ABSTAIN: "vote_abstain",
}


# --- the child process: the real app ---------------------------------------------------------


async def host_app(connection: Connection, database_url: str, fake_port: int) -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
            "DATABASE_URL": database_url,
        }
    )
    engine = create_engine(database_url)
    repository = Repository(engine)
    deps = Deps(settings, repository, make_client(settings), SystemClock(), Policy())
    runner = web.AppRunner(create_web_app(create_app(deps), repository.ping), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    connection.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    await runner.cleanup()
    await deps.coalescer.drain()
    await engine.dispose()


def app_main(connection: Connection, database_url: str, fake_port: int) -> None:
    asyncio.run(host_app(connection, database_url, fake_port))


# --- this process: the fake Slack and the votes -----------------------------------------------


@dataclass(frozen=True)
class Burst:
    votes: int
    members: int
    answered: float
    stored: float
    shown: float
    updates: int
    final_tally_shown: bool


class Bench:
    def __init__(self, fake: FakeSlack, repository: Repository, app_url: str) -> None:
        self.fake = fake
        self.repository = repository
        self.url = app_url + EVENTS_PATH

    async def send(self, http: aiohttp.ClientSession, body: str) -> None:
        headers = signing.signed_headers(body, content_type=signing.FORM)
        async with http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"the app answered {response.status}")

    async def post_proposal(self, http: aiohttp.ClientSession, channel_id: str) -> tuple[int, str]:
        modal = proposal_modal(channel_id=channel_id, policy=Policy())
        body = signing.view_submission(
            values=view_state(modal, APPROVABLE),
            private_metadata=modal["private_metadata"],
            view_id=f"V{channel_id}",
        )
        before = len(self.fake.calls_to("chat.postMessage"))
        await self.send(http, body)
        post = (await self.fake.wait_for("chat.postMessage", before + 1, timeout=30))[before]
        await self.wait_until_posted(int(post.params["metadata"]["event_payload"]["proposal_id"]))
        return int(post.params["metadata"]["event_payload"]["proposal_id"]), str(post.answer["ts"])

    async def wait_until_posted(self, proposal_id: int) -> None:
        while True:
            record = await self.repository.get_proposal(proposal_id=proposal_id)
            if record is not None and record.message_ts is not None:
                return
            await asyncio.sleep(0.01)

    async def member(
        self,
        http: aiohttp.ClientSession,
        proposal_id: int,
        channel: str,
        user: str,
        plan: list[Choice],
    ) -> None:
        for choice in plan:
            body = signing.block_actions(
                action_id=ACTION_IDS[choice],
                value=str(proposal_id),
                user_id=user,
                channel_id=channel,
            )
            await self.send(http, body)

    async def wait_until_stored(self, proposal_id: int, last: dict[str, Choice]) -> None:
        while True:
            votes = await self.repository.votes_for(proposal_id=proposal_id)
            if {vote.user_id: vote.choice for vote in votes} == last:
                return
            await asyncio.sleep(0.01)

    def updates_of(self, ts: str) -> list[Call]:
        return [call for call in self.fake.calls_to("chat.update") if call.params.get("ts") == ts]

    async def wait_until_quiet(self, ts: str) -> list[Call]:
        while True:
            made = self.updates_of(ts)
            if made and time.monotonic() - made[-1].at >= QUIET_SECONDS:
                return made
            await asyncio.sleep(0.05)

    async def burst(self, votes: int) -> Burst:
        lengths = action_counts(votes)
        members = len(lengths)
        channel = f"C0BURST{votes}"
        voters = [f"U0B{votes}M{number:04d}" for number in range(members)]
        await self.repository.add_committee_members(
            team_id=TEAM_ID,
            channel_id=channel,
            user_ids=[*voters, "U0ABSENT"],
            actor_id="U0BENCH",
            now=SystemClock().now(),
        )
        plans = plans_for(dict(zip(voters, lengths, strict=True)), seed=votes)
        last = {voter: plan[-1] for voter, plan in plans.items()}
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:
            proposal_id, ts = await self.post_proposal(http, channel)
            started = time.monotonic()
            await asyncio.gather(
                *(self.member(http, proposal_id, channel, v, plan) for v, plan in plans.items())
            )
            answered = time.monotonic() - started
        await self.wait_until_stored(proposal_id, last)
        stored = time.monotonic() - started
        made = await self.wait_until_quiet(ts)
        counts = Counter(choice.value for choice in last.values())
        final = {choice.value: counts[choice] for choice in Choice}
        shown_tally = made[-1].params["metadata"]["event_payload"]["tally"]
        return Burst(
            votes=sum(len(plan) for plan in plans.values()),
            members=members,
            answered=answered,
            stored=stored,
            shown=made[-1].at - started,
            updates=len(made),
            final_tally_shown=shown_tally == final,
        )


def action_counts(votes: int) -> list[int]:
    """How many votes each member casts: four each, the remainder by one more member."""
    whole, rest = divmod(votes, ACTIONS_PER_MEMBER)
    return [ACTIONS_PER_MEMBER] * whole + ([rest] if rest else [])


def plans_for(counts: dict[str, int], seed: int) -> dict[str, list[Choice]]:
    """Each member's votes in order, each different from the previous one."""
    chooser = random.Random(seed)
    plans = {}
    for voter, count in counts.items():
        plan = [chooser.choice(list(Choice))]
        while len(plan) < count:
            plan.append(chooser.choice([c for c in Choice if c is not plan[-1]]))
        plans[voter] = plan
    return plans


def print_table(bursts: list[Burst]) -> None:
    print(
        "votes  members  all answered  final tally stored  final tally shown  chat.update"
        "  shown?  one update per vote (≈1/s per message)"
    )
    for b in bursts:
        print(
            f"{b.votes:>5}  {b.members:>7}  {b.answered:>10.2f} s  {b.stored:>16.2f} s"
            f"  {b.shown:>15.2f} s  {b.updates:>11}  {'yes' if b.final_tally_shown else 'NO':>6}"
            f"  {b.votes} updates, ≈{b.votes} s"
        )


async def run(bursts: list[int], workdir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    run_migrations(database_url)
    fake = FakeSlack()
    await fake.start()
    engine = create_engine(database_url)
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=app_main, args=(child, database_url, fake.port)
    )
    process.start()
    try:
        port = await asyncio.get_running_loop().run_in_executor(None, parent.recv)
        bench = Bench(fake, Repository(engine), f"http://127.0.0.1:{port}")
        results = [await bench.burst(votes) for votes in bursts]
    finally:
        parent.send("stop")
        process.join(timeout=30)
        await engine.dispose()
        await fake.stop()
    print_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", default="50,200,1000", help="votes per burst, comma-separated")
    arguments = parser.parse_args()
    bursts = [int(part) for part in arguments.bursts.split(",")]
    with tempfile.TemporaryDirectory() as workdir:
        asyncio.run(run(bursts, Path(workdir)))


if __name__ == "__main__":
    main()
