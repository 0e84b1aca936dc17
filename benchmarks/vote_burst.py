"""Bursts of committee votes through the real HTTP app: how long until the final tally is stored
and shown, and how many `chat.update`s it took, next to one update per vote; on SQLite (one
process) and, given a PostgreSQL URL, on PostgreSQL with two replicas.

The app is `python -m bot` in HTTP mode (the system clock, the default coalescing of one update
per message per second in each process): one process on a SQLite file; with `--database-url`
(or BENCH_DATABASE_URL) also two replicas on one PostgreSQL database, a member's consecutive
clicks going to alternate replicas. This process runs the fake Slack Web API and sends the
votes: N/4 members, each casting four different votes one after the other (a click is sent
once the previous one was answered), all members at once. "Stored" is when the database holds
every member's last vote; "shown" is when the fake Slack received the last `chat.update` of the
verdict message, which is checked to carry the final tally ("final?"). Slack allows about one
update per second per message, so one update per vote would take about N seconds to show the
last state. "Thread" is when the last acknowledgement line reached the verdict's thread, and
"posts" how many thread messages carried the N lines (the app gathers a second's lines into
one post, ≤ 3 000 characters each; one post per vote would take about N seconds at Slack's
≈1 message per second per channel). Each burst size runs on each database in turn. It prints
figures; it asserts nothing. PostgreSQL's schema `public` is dropped and recreated first.

    .venv/bin/python benchmarks/vote_burst.py [--bursts 50,200,1000]
        [--database-url postgresql+asyncpg://USER:PASSWORD@127.0.0.1/DB]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
import harness  # noqa: E402
from harness import Database, Group, Process  # noqa: E402

from bot.infrastructure.clock import SystemClock  # noqa: E402
from bot.modal.view import proposal_modal  # noqa: E402
from bot.models import Choice  # noqa: E402
from bot.persistence.database import create_engine  # noqa: E402
from bot.persistence.stores import Stores  # noqa: E402
from core.policy import Policy  # noqa: E402
from tests.bot import signing  # noqa: E402
from tests.bot.conftest import APPROVABLE, view_state  # noqa: E402
from tests.bot.fake_slack import TEAM_ID, Call, FakeSlack  # noqa: E402

ACTIONS_PER_MEMBER = 4
WAIT_LIMIT_SECONDS = 120.0
"""The longest wait for a verdict or a first update of it before giving up."""
STORE_LIMIT_SECONDS = 30.0
"""After this long, members whose stored vote is still not their last click are reported."""
QUIET_SECONDS = 2.5
"""No chat.update for this long after the votes are stored means the last one has landed."""
ACTION_IDS = {
    Choice.APPROVE: "vote_approve",
    Choice.REJECT: "vote_reject",
    Choice.ABSTAIN: "vote_abstain",
}


# --- the votes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Burst:
    votes: int
    members: int
    answered: float
    stored: float | None
    """None when some member's stored vote never became their last click (see `wrong`)."""
    shown: float
    updates: int
    final_tally_shown: bool
    said: float
    """When the last acknowledgement line reached the thread."""
    thread_posts: int
    lines: int
    """The acknowledgement lines across those posts (one per vote when nothing is lost)."""
    wrong: dict[str, tuple[str, str]]
    """Member → (last click, stored vote) for the members whose stored vote is not the last."""


class Bench:
    """Bursts on one database: its replicas, and its stores, to see what is stored."""

    def __init__(
        self, fake: FakeSlack, database: Database, stores: Stores, apps: list[Process]
    ) -> None:
        self.fake = fake
        self.database = database
        self.stores = stores
        self.url_for = harness.alternate(apps)

    async def send(self, http: aiohttp.ClientSession, body: str, number: int = 0) -> None:
        """Send a signed request to replica `number` mod the replica count."""
        await harness.post_signed(http, self.url_for(number), body)

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
        async with asyncio.timeout(WAIT_LIMIT_SECONDS):
            while True:
                record = await self.stores.proposals.get_proposal(proposal_id=proposal_id)
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
        number: int,
    ) -> None:
        """Member `number` clicks its plan in order, click k going to replica number + k."""
        for click, choice in enumerate(plan):
            body = signing.block_actions(
                action_id=ACTION_IDS[choice],
                value=str(proposal_id),
                user_id=user,
                channel_id=channel,
            )
            await self.send(http, body, number + click)

    async def wait_until_stored(
        self, proposal_id: int, last: dict[str, Choice]
    ) -> dict[str, tuple[str, str]]:
        """Wait until every member's stored vote is their last click; those that never are."""
        deadline = time.monotonic() + STORE_LIMIT_SECONDS
        while True:
            votes = await self.stores.votes.votes_for(proposal_id=proposal_id)
            stored = {vote.user_id: vote.choice for vote in votes}
            if stored == last:
                return {}
            if time.monotonic() > deadline:
                return {
                    member: (choice.value, stored[member].value if member in stored else "none")
                    for member, choice in last.items()
                    if stored.get(member) is not choice
                }
            await asyncio.sleep(0.01)

    def updates_of(self, ts: str) -> list[Call]:
        return [call for call in self.fake.calls_to("chat.update") if call.params.get("ts") == ts]

    async def wait_until_quiet(self, ts: str) -> list[Call]:
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while True:
            made = self.updates_of(ts)
            if made and time.monotonic() - made[-1].at >= QUIET_SECONDS:
                return made
            if not made and time.monotonic() > deadline:
                raise RuntimeError(f"{self.database.label}: no chat.update of the verdict")
            await asyncio.sleep(0.05)

    def thread_posts_of(self, ts: str) -> list[Call]:
        return [
            call
            for call in self.fake.successful("chat.postMessage")
            if call.params.get("thread_ts") == ts
        ]

    async def wait_until_said(self, ts: str, votes: int) -> list[Call]:
        """Wait until the thread holds a line per vote (or stops growing); its posts."""
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        while True:
            posts = self.thread_posts_of(ts)
            if count_lines(posts) >= votes or time.monotonic() > deadline:
                return posts
            if posts and time.monotonic() - posts[-1].at >= WAIT_LIMIT_SECONDS / 4:
                return posts
            await asyncio.sleep(0.05)

    async def burst(self, votes: int) -> Burst:
        lengths = action_counts(votes)
        members = len(lengths)
        channel = f"C0BURST{self.database.key.upper()}{votes}"
        voters = [f"U0B{votes}M{number:04d}" for number in range(members)]
        await self.stores.committees.add_committee_members(
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
                *(
                    self.member(http, proposal_id, channel, voter, plan, number)
                    for number, (voter, plan) in enumerate(plans.items())
                )
            )
            answered = time.monotonic() - started
        wrong = await self.wait_until_stored(proposal_id, last)
        stored = None if wrong else time.monotonic() - started
        made = await self.wait_until_quiet(ts)
        counts = Counter(choice.value for choice in last.values())
        final = {choice.value: counts[choice] for choice in Choice}
        shown_tally = made[-1].params["metadata"]["event_payload"]["tally"]
        cast = sum(len(plan) for plan in plans.values())
        posts = await self.wait_until_said(ts, cast)
        return Burst(
            votes=cast,
            members=members,
            answered=answered,
            stored=stored,
            shown=made[-1].at - started,
            updates=len(made),
            final_tally_shown=shown_tally == final,
            said=posts[-1].at - started if posts else float("nan"),
            thread_posts=len(posts),
            lines=count_lines(posts),
            wrong=wrong,
        )


def count_lines(posts: list[Call]) -> int:
    return sum(len(str(post.params.get("text", "")).split("\n")) for post in posts)


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


def print_table(bursts: dict[str, list[Burst]], databases: list[Database]) -> None:
    first = bursts[databases[0].key]
    keys = Group("", ["votes", "members"], [[str(b.votes), str(b.members)] for b in first])
    groups = [
        Group(
            database.label,
            ["answered", "stored", "shown", "chat.update", "final?", "thread", "posts", "lines"],
            [
                [
                    f"{b.answered:.2f}",
                    "never" if b.stored is None else f"{b.stored:.2f}",
                    f"{b.shown:.2f}",
                    str(b.updates),
                    "yes" if b.final_tally_shown else "NO",
                    f"{b.said:.2f}",
                    str(b.thread_posts),
                    str(b.lines),
                ]
                for b in bursts[database.key]
            ],
        )
        for database in databases
    ]
    naive = Group("", ["1 per vote"], [[f"{b.votes} (≈{b.votes} s)"] for b in first])
    # the same figure stands for chat.update and for thread posts without coalescing
    print(
        "Vote bursts: N/4 members at once, 4 different votes each. Seconds from the first click "
        "until every click was answered, the final tally was stored, and shown (its last "
        "chat.update); final? = that update carries the final tally; thread = the last "
        "acknowledgement line in the verdict's thread, posts/lines = the thread messages and the "
        "vote lines they carried."
    )
    print(
        "app = `python -m bot`, ≤1 chat.update per message per second per process; 1 per vote = "
        "the chat.update calls and thread posts (and time, at Slack's ≈1/s per message and per "
        "channel) without coalescing."
    )
    print(harness.side_by_side([keys, *groups, naive]))
    for database in databases:
        for burst in bursts[database.key]:
            if burst.wrong:
                print(wrong_votes(database, burst))
    if len(databases) == 1:
        print()
        print(harness.postgres_hint())


def wrong_votes(database: Database, burst: Burst) -> str:
    examples = ", ".join(
        f"{member} clicked {clicked} last, stored {stored}"
        for member, (clicked, stored) in sorted(burst.wrong.items())[:3]
    )
    return (
        f"{database.label}, {burst.votes} votes: {len(burst.wrong)} of {burst.members} members' "
        f"stored vote is not their last click {STORE_LIMIT_SECONDS:.0f} s later ({examples})"
    )


async def run(bursts: list[int], postgres_url: str | None) -> None:
    fake = FakeSlack()
    await fake.start()
    results: dict[str, list[Burst]] = {}
    try:
        async with harness.stack() as processes:
            databases = harness.databases(processes.workdir, postgres_url)
            benches = []
            for database in databases:
                await harness.prepare(database)
                apps = await processes.replicas(database, fake.api_url)
                engine = create_engine(database.url)
                processes.on_close(engine.dispose)
                benches.append(Bench(fake, database, Stores.on(engine), apps))
            for votes in bursts:
                for bench in benches:
                    burst = await bench.burst(votes)
                    results.setdefault(bench.database.key, []).append(burst)
                    print(
                        f"measured {votes} votes on {bench.database.label}",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        await fake.stop()
    print_table(results, databases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", default="50,200,1000", help="votes per burst, comma-separated")
    harness.add_database_option(parser)
    arguments = parser.parse_args()
    bursts = [int(part) for part in arguments.bursts.split(",")]
    harness.run_benchmark(lambda: run(bursts, arguments.database_url))


if __name__ == "__main__":
    main()
