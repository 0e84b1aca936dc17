"""Ack latency of the real HTTP app against a bare Bolt app that only acks and opens a modal,
on SQLite (one process) and, given a PostgreSQL URL, on PostgreSQL with two replicas.

The app is `python -m bot` in HTTP mode: one process on a SQLite file; with `--database-url`
(or BENCH_DATABASE_URL) also two replicas on one PostgreSQL database, requests alternated
between them. The bare app (ack, open a one-block modal; ack submissions) runs as the same
number of processes, so each comparison is like with like. The fake Slack Web API runs in a
process of its own (its work is not charged to the apps). This process sends signed slash
commands and valid view submissions at several concurrency levels and prints p50/p99 of the
time to the HTTP response. Every app and database gets its slices of each load in turn, so
noise on the machine hits all of them. CPU is the apps' processes' user + system time per
request, the work done after the ack included; on PostgreSQL the database server's own CPU is
not in it (on SQLite the database work is in the app's process). It prints figures; it asserts
nothing. PostgreSQL's schema `public` is dropped and recreated first.

    .venv/bin/python benchmarks/ack_latency.py [--requests 300] [--levels 1,8,32]
        [--database-url postgresql+asyncpg://USER:PASSWORD@127.0.0.1/DB]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
import harness  # noqa: E402
from harness import Database, Group, Process  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_bolt.context.ack.async_ack import AsyncAck  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.ids import CallbackId  # noqa: E402
from bot.infrastructure.web import create_web_app  # noqa: E402
from bot.listeners.commands import COMMAND  # noqa: E402
from bot.modal.view import proposal_modal  # noqa: E402
from core.policy import Policy  # noqa: E402
from tests.bot import signing  # noqa: E402
from tests.bot.conftest import APPROVABLE, view_state  # noqa: E402

ONE_BLOCK_MODAL = {
    "type": "modal",
    "callback_id": CallbackId.PROPOSAL.value,
    "title": {"type": "plain_text", "text": "Proposal"},
    "submit": {"type": "plain_text", "text": "Check"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}
WARM_UP = 40
ROUNDS = 10
KINDS = ("command", "submission")
APPS = ("app", "bare")
SERVE_BARE = "--serve-bare"


# --- the bare app, run as its own process (`ack_latency.py --serve-bare`, env PORT) -----------


def bare_app(client: AsyncWebClient) -> AsyncApp:
    """The least any such app must do: ack the command and open a one-block modal; ack submits."""
    app = AsyncApp(
        client=client, signing_secret=signing.SIGNING_SECRET, process_before_response=False
    )

    @app.command(COMMAND)
    async def open_modal(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=ONE_BLOCK_MODAL)

    @app.view(CallbackId.PROPOSAL.value)
    async def accept(ack: AsyncAck) -> None:
        await ack()

    return app


async def serve_bare() -> None:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )

    async def ping() -> None:
        return None

    web_app = create_web_app(bare_app(client), ping)
    await harness.serve_until_stopped(web_app, int(os.environ["PORT"]))


# --- the load ------------------------------------------------------------------------------


def slash_commands(fake_url: str, tag: str) -> Callable[[int], str]:
    response_url = f"{fake_url}/respond/{tag}"

    def build(number: int) -> str:
        return signing.slash_command(response_url=response_url, trigger_id=f"{tag}.{number}")

    return build


def view_submissions(tag: str) -> Callable[[int], str]:
    modal = proposal_modal(channel_id=signing.CHANNEL_ID, policy=Policy())
    values = view_state(modal, APPROVABLE)

    def build(number: int) -> str:
        return signing.view_submission(
            values=values, private_metadata=modal["private_metadata"], view_id=f"V{tag}{number}"
        )

    return build


async def load(
    url_for: Callable[[int], str], build: Callable[[int], str], count: int, level: int
) -> list[float]:
    """Send `count` requests with `level` in flight at once; return each one's latency."""
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        numbers.put_nowait(number)
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=level)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            while not numbers.empty():
                number = numbers.get_nowait()
                latencies.append(await harness.post_signed(http, url_for(number), build(number)))

        await asyncio.gather(*(worker() for _ in range(level)))
    return latencies


@dataclass
class Measured:
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0


@dataclass
class Target:
    """One app (real or bare) on one database: its processes, requests alternated over them."""

    database: Database
    app: str
    processes: list[Process]

    @property
    def key(self) -> str:
        return f"{self.database.key}-{self.app}"


class Bench:
    def __init__(self, targets: list[Target], fake_url: str) -> None:
        self.targets = targets
        self.fake_url = fake_url
        self.slices = 0  # numbers every slice, so no two submissions share a view id
        self.expected: Counter[str] = Counter()  # the fake Slack calls the requests must cause

    async def slice(self, target: Target, kind: str, level: int, count: int, tag: str) -> Measured:
        build = slash_commands(self.fake_url, tag) if kind == "command" else view_submissions(tag)
        if kind == "command":
            self.expected["views.open"] += count
        elif target.app == "app":
            self.expected["chat.postMessage"] += count
        before = harness.cpu_seconds(target.processes)
        latencies = await load(harness.alternate(target.processes), build, count, level)
        await harness.settle_fake_slack(self.fake_url)  # the work after the ack is done
        return Measured(latencies, harness.cpu_seconds(target.processes) - before)

    async def measure(self, kind: str, level: int, count: int) -> dict[str, Measured]:
        """Every target's latencies, in slices taken in turn (the order rotating each round)."""
        results = {target.key: Measured() for target in self.targets}
        slice_size = max(level, count // ROUNDS)
        for round_number in range(max(1, count // slice_size)):
            turn = round_number % len(self.targets)
            for target in self.targets[turn:] + self.targets[:turn]:
                self.slices += 1
                tag = f"{target.key}-{kind[0]}{level}-{self.slices}-"
                measured = await self.slice(target, kind, level, slice_size, tag)
                results[target.key].latencies += measured.latencies
                results[target.key].cpu_seconds += measured.cpu_seconds
        return results

    async def check(self) -> str:
        """Whether every command opened a modal and every submission posted one verdict."""
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.fake_url}/_counts") as response,
        ):
            counts = await response.json()
        seen = ", ".join(
            f"{method} {counts.get(method, 0)} (expected {wanted})"
            for method, wanted in sorted(self.expected.items())
        )
        whole = all(counts.get(method, 0) == n for method, n in self.expected.items())
        return f"fake Slack received {seen}: {'as expected' if whole else 'MISMATCH'}"


# --- the table -----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def latency_cells(results: dict[str, Measured], database: Database) -> list[str]:
    app, bare = results[f"{database.key}-app"], results[f"{database.key}-bare"]
    p99_app, p99_bare = (
        harness.percentile(app.latencies, 0.99),
        harness.percentile(bare.latencies, 0.99),
    )
    return [
        ms(harness.percentile(app.latencies, 0.5)),
        ms(p99_app),
        ms(harness.percentile(bare.latencies, 0.5)),
        ms(p99_bare),
        f"{p99_app / p99_bare:.2f}×",
    ]


def cpu_cells(results: dict[str, Measured], database: Database) -> list[str]:
    app, bare = results[f"{database.key}-app"], results[f"{database.key}-bare"]
    return [ms(m.cpu_seconds / len(m.latencies)) for m in (app, bare)]


def print_tables(
    rows: list[tuple[str, int, dict[str, Measured]]],
    databases: list[Database],
    count: int,
    check: str,
) -> None:
    keys = Group("", ["kind", "conc"], [[kind, str(level)] for kind, level, _ in rows], left=1)
    latency = [
        Group(
            database.label,
            ["app p50", "app p99", "bare p50", "bare p99", "p99 ×"],
            [latency_cells(results, database) for _, _, results in rows],
        )
        for database in databases
    ]
    cpu = [
        Group(
            database.label,
            ["app", "bare"],
            [cpu_cells(results, database) for _, _, results in rows],
        )
        for database in databases
    ]
    print(
        f"Ack latency (ms): time to the HTTP response, {count} requests per app, kind, "
        "concurrency and database."
    )
    print(
        "app = `python -m bot`; bare = a Bolt AsyncApp that only acks and opens a one-block "
        "modal, as many processes as the app; p99 × = app p99 / bare p99."
    )
    print(harness.side_by_side([keys, *latency]))
    print()
    print("CPU per request (ms): the app processes' user + system time, after-ack work included")
    print(harness.side_by_side([keys, *cpu]))
    print(check)
    if len(databases) == 1:
        print()
        print(harness.postgres_hint())


async def run(levels: list[int], count: int, postgres_url: str | None) -> None:
    async with harness.stack() as processes:
        databases = harness.databases(processes.workdir, postgres_url)
        fake, api_url = await processes.fake_slack()
        targets: list[Target] = []
        bare_argv = [sys.executable, str(Path(__file__).resolve()), SERVE_BARE]
        for database in databases:
            await harness.prepare(database)
            targets.append(Target(database, "app", await processes.replicas(database, api_url)))
            env = harness.bot_environment(database.url, api_url)
            bare = [
                await processes.start_http(f"bare-{database.key}-{n}", bare_argv, env)
                for n in range(database.replicas)
            ]
            targets.append(Target(database, "bare", bare))
        bench = Bench(targets, fake.url)
        for kind in KINDS:
            await bench.measure(kind, 1, WARM_UP)
        rows = []
        for level in levels:
            for kind in KINDS:
                rows.append((kind, level, await bench.measure(kind, level, count)))
                print(f"measured {kind} at concurrency {level}", file=sys.stderr, flush=True)
        check = await bench.check()
    print_tables(rows, databases, count, check)


def main() -> None:
    if sys.argv[1:] == [SERVE_BARE]:
        asyncio.run(serve_bare())
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="per app, kind, level, database")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels, comma-separated")
    harness.add_database_option(parser)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    harness.run_benchmark(lambda: run(levels, args.requests, args.database_url))


if __name__ == "__main__":
    main()
