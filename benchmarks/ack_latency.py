"""Ack latency of the real HTTP app against a bare Bolt app that only acks and opens a modal.

Both apps run behind the same aiohttp adapter in one child process, the fake Slack Web API
in another (so its work is not charged to the apps); this process sends signed slash commands
and valid view submissions at several concurrency levels and prints p50/p99 of the time to the
HTTP response. It prints figures; it asserts nothing.

    .venv/bin/python benchmarks/ack_latency.py [--requests 300] [--levels 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from slack_bolt.async_app import AsyncApp  # noqa: E402
from slack_bolt.context.ack.async_ack import AsyncAck  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.blocks.modal import proposal_modal  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.ids import CallbackId  # noqa: E402
from bot.listeners.commands import COMMAND  # noqa: E402
from bot.persistence.database import create_engine, run_migrations  # noqa: E402
from bot.persistence.repository import Repository  # noqa: E402
from bot.settings import Settings, load_settings  # noqa: E402
from bot.slack_client import make_client  # noqa: E402
from bot.web import EVENTS_PATH, create_web_app  # noqa: E402
from core.policy import Policy  # noqa: E402
from tests.bot import signing  # noqa: E402
from tests.bot.conftest import APPROVABLE, view_state  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402

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
WARM_UP = 20
ROUNDS = 10


# --- the child process: fake Slack, the real app and the bare app ------------------------------


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


async def start_site(application: web.Application) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def bench_settings(fake: FakeSlack, database_url: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "DATABASE_URL": database_url,
        }
    )


async def host_fake_slack(connection: Connection) -> None:
    fake = FakeSlack()
    await fake.start()
    connection.send(fake.port)
    await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    await fake.stop()


def fake_slack_main(connection: Connection) -> None:
    asyncio.run(host_fake_slack(connection))


async def host_apps(connection: Connection, workdir: str, fake_port: int) -> None:
    fake = FakeSlack()  # only for its URLs: the fake Slack itself runs in its own process
    fake._port = fake_port
    database_url = f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
    run_migrations(database_url)
    engine = create_engine(database_url)
    settings = bench_settings(fake, database_url)
    repository = Repository(engine)
    deps = Deps(settings, repository, make_client(settings), SystemClock(), Policy())
    real_runner, real_port = await start_site(create_web_app(create_app(deps), repository.ping))
    bare = bare_app(make_client(settings))
    bare_runner, bare_port = await start_site(create_web_app(bare, repository.ping))
    stats_runner, stats_port = await start_site(cpu_stats_app())
    ports = {"real": real_port, "bare": bare_port, "fake": fake_port, "stats": stats_port}
    connection.send(ports)
    await asyncio.get_running_loop().run_in_executor(None, connection.recv)
    for runner in (real_runner, bare_runner, stats_runner):
        await runner.cleanup()
    await engine.dispose()


def cpu_stats_app() -> web.Application:
    """Reports the CPU time the apps' process has used, to charge each slice of load."""

    async def cpu(_request: web.Request) -> web.Response:
        return web.json_response({"seconds": time.process_time()})

    application = web.Application()
    application.router.add_get("/cpu", cpu)
    return application


def apps_main(connection: Connection, workdir: str, fake_port: int) -> None:
    asyncio.run(host_apps(connection, workdir, fake_port))


# --- this process: the load ------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    body: str
    content_type: str


def slash_commands(fake_port: int, tag: str) -> Callable[[int], Request]:
    response_url = f"http://127.0.0.1:{fake_port}/respond/{tag}"

    def build(number: int) -> Request:
        body = signing.slash_command(response_url=response_url, trigger_id=f"{tag}.{number}")
        return Request(body, signing.FORM)

    return build


def view_submissions(tag: str) -> Callable[[int], Request]:
    modal = proposal_modal(channel_id=signing.CHANNEL_ID, policy=Policy())
    values = view_state(modal, APPROVABLE)

    def build(number: int) -> Request:
        body = signing.view_submission(
            values=values,
            private_metadata=modal["private_metadata"],
            view_id=f"V{tag}{number}",
        )
        return Request(body, signing.FORM)

    return build


async def timed_post(http: aiohttp.ClientSession, url: str, request: Request) -> float:
    headers = signing.signed_headers(request.body, content_type=request.content_type)
    started = time.perf_counter()
    async with http.post(url, data=request.body.encode(), headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - started


async def load(url: str, build: Callable[[int], Request], count: int, level: int) -> list[float]:
    """Send `count` requests with `level` in flight at once; return each one's latency."""
    numbers: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        numbers.put_nowait(number)
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=level)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            while not numbers.empty():
                latencies.append(await timed_post(http, url, build(numbers.get_nowait())))

        await asyncio.gather(*(worker() for _ in range(level)))
    return latencies


async def settle(fake_port: int, quiet: float = 0.15) -> None:
    """Wait until the fake Slack has seen no call for `quiet` seconds (listeners finished)."""
    url = f"http://127.0.0.1:{fake_port}/_counts"
    previous: Any = None
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.get(url) as response:
                counts = await response.json()
            if counts == previous:
                return
            previous = counts
            await asyncio.sleep(quiet)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def cpu_seconds(stats_port: int) -> float:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{stats_port}/cpu") as response,
    ):
        return float((await response.json())["seconds"])


@dataclass
class Measured:
    latencies: list[float]
    cpu_seconds: float = 0.0


async def measure_pair(
    ports: dict[str, int], kind: str, level: int, count: int
) -> dict[str, Measured]:
    """Latencies of both apps, in alternating slices so that noise on the machine hits both."""
    results = {"real": Measured([]), "bare": Measured([])}
    slice_size = max(level, count // ROUNDS)
    for round_number in range(max(1, count // slice_size)):
        order = ("real", "bare") if round_number % 2 == 0 else ("bare", "real")
        for name in order:
            tag = f"{name}{kind[0]}{level}r{round_number}"
            build = (
                slash_commands(ports["fake"], tag) if kind == "command" else view_submissions(tag)
            )
            url = f"http://127.0.0.1:{ports[name]}{EVENTS_PATH}"
            cpu_before = await cpu_seconds(ports["stats"])
            results[name].latencies += await load(url, build, slice_size, level)
            await settle(ports["fake"])
            results[name].cpu_seconds += await cpu_seconds(ports["stats"]) - cpu_before
    return results


def row(kind: str, level: int, results: dict[str, Measured]) -> str:
    real, bare = results["real"], results["bare"]
    figures = [percentile(real.latencies, 0.5), percentile(real.latencies, 0.99)]
    figures += [percentile(bare.latencies, 0.5), percentile(bare.latencies, 0.99)]
    ms = " ".join(f"{value * 1000:8.2f}" for value in figures)
    cpu = [m.cpu_seconds * 1000 / len(m.latencies) for m in (real, bare)]
    ratio = figures[1] / figures[3]
    return f"{kind:<11}{level:>5} {ms} {ratio:8.2f}x {cpu[0]:8.2f} {cpu[1]:8.2f}"


async def run(ports: dict[str, int], levels: list[int], count: int) -> None:
    for kind in ("command", "submission"):
        await measure_pair(ports, kind, 1, WARM_UP * 2)
    print(f"{count} requests per app, kind and level; latency = time to the HTTP response (ms);")
    print("CPU = the apps' process CPU per request, background work included (ms)")
    names = ["app p50", "app p99", "bare p50", "bare p99", "p99 ×", "app CPU", "bare CPU"]
    print(f"{'kind':<11}{'conc':>5} " + " ".join(f"{name:>8}" for name in names))
    for level in levels:
        for kind in ("command", "submission"):
            results = await measure_pair(ports, kind, level, count)
            print(row(kind, level, results), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--levels", default="1,8,32")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    context = multiprocessing.get_context("spawn")
    to_fake, fake_end = context.Pipe()
    to_apps, apps_end = context.Pipe()
    with tempfile.TemporaryDirectory() as workdir:
        fake = context.Process(target=fake_slack_main, args=(fake_end,), daemon=True)
        fake.start()
        fake_port = to_fake.recv()
        apps = context.Process(target=apps_main, args=(apps_end, workdir, fake_port), daemon=True)
        apps.start()
        ports = to_apps.recv()
        try:
            asyncio.run(run(ports, levels, args.requests))
        finally:
            for pipe, process in ((to_apps, apps), (to_fake, fake)):
                pipe.send("stop")
                process.join(timeout=30)


if __name__ == "__main__":
    main()
