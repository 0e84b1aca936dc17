"""What the HTTP benchmarks share: the databases they run on, the processes they start, signed
requests, percentiles and the side-by-side table.

Every app under measurement is a real process: `python -m bot` in HTTP mode (one on SQLite,
`POSTGRES_REPLICAS` on PostgreSQL, requests alternated between them), pointed at a fake Slack
Web API on 127.0.0.1. The processes run in their own process group (a Ctrl-C in the terminal
reaches only the benchmark, which then stops them in order) and get SIGTERM if the benchmark
itself dies (Linux parent-death signal). `Stack` stops whatever it started, on success, on an
error and on Ctrl-C: SIGTERM, then SIGKILL after a grace period.

Run as a script it hosts the fake Slack Web API for a benchmark that wants it in its own
process (so its work is not charged to the apps):

    python benchmarks/harness.py fake-slack     # prints the port, serves until SIGTERM

Set BENCH_LOG_DIR to keep every process's log (the bots' JSON request and job lines).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bot.infrastructure.web import EVENTS_PATH, HEALTH_PATH  # noqa: E402
from bot.persistence.database import migrate  # noqa: E402
from tests.bot import signing  # noqa: E402
from tests.bot.fake_slack import FakeSlack  # noqa: E402
from tests.conftest import reset_postgres_schema  # noqa: E402

DATABASE_URL_VARIABLE = "BENCH_DATABASE_URL"
LOG_DIR_VARIABLE = "BENCH_LOG_DIR"
"""When set, every process's log (the bots' JSON lines) is copied there at the end."""
POSTGRES_REPLICAS = 2
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
LOG_TAIL_LINES = 15
_PR_SET_PDEATHSIG = 1


# -- the databases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """One column of the table: a database URL and how many app replicas run on it."""

    key: str
    label: str
    url: str
    replicas: int

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith(("postgresql", "postgres:"))


def add_database_option(parser: Any) -> None:
    """`--database-url`: the PostgreSQL database for the second column (its schema is wiped)."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get(DATABASE_URL_VARIABLE),
        help=(
            "a postgresql+asyncpg:// URL: also run on PostgreSQL with "
            f"{POSTGRES_REPLICAS} replicas and print both databases side by side (default: "
            f"${DATABASE_URL_VARIABLE}). Its schema `public` is dropped and recreated first: "
            "give it a database of its own."
        ),
    )


def databases(workdir: Path, postgres_url: str | None) -> list[Database]:
    """SQLite (a file in `workdir`, one process) and, when given, PostgreSQL (two replicas)."""
    sqlite = Database(
        "sqlite", "SQLite, 1 process", f"sqlite+aiosqlite:///{workdir / 'bench.db'}", 1
    )
    if not postgres_url:
        return [sqlite]
    if not postgres_url.startswith(("postgresql", "postgres:")):
        raise SystemExit(f"--database-url must be a PostgreSQL URL, not {postgres_url!r}")
    label = f"PostgreSQL, {POSTGRES_REPLICAS} replicas"
    return [sqlite, Database("postgres", label, postgres_url, POSTGRES_REPLICAS)]


def postgres_hint() -> str:
    """The line printed under a SQLite-only table."""
    return (
        "PostgreSQL column: add --database-url postgresql+asyncpg://USER:PASSWORD@127.0.0.1/DB "
        f"(or set {DATABASE_URL_VARIABLE}); it runs {POSTGRES_REPLICAS} `python -m bot` replicas "
        "on that database and wipes its schema first."
    )


async def prepare(database: Database) -> None:
    """An empty, migrated database: PostgreSQL's schema `public` is dropped and recreated."""
    if database.is_postgres:
        await reset_postgres_schema(database.url)
    await migrate(database.url)  # before the replicas start, so they do not race to migrate


# -- processes ----------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the benchmark dies, however it dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """A child process whose stderr goes to a log file, stopped with SIGTERM then SIGKILL."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path
    port: int = 0

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def events_url(self) -> str:
        return self.url + EVENTS_PATH

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (from /proc)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL if it lingers; its exit code."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
        return self.process.returncode

    def log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"    {line}" for line in lines[-LOG_TAIL_LINES:])


@dataclass
class Stack:
    """Every process a benchmark started; `close` stops them all (also after errors, Ctrl-C)."""

    workdir: Path
    processes: list[Process] = field(default_factory=list)
    cleanups: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    def on_close(self, cleanup: Callable[[], Awaitable[object]]) -> None:
        """Run `cleanup` (such as an engine's dispose) after the processes have stopped."""
        self.cleanups.append(cleanup)

    async def start(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        *,
        stdout: int | None = asyncio.subprocess.DEVNULL,
    ) -> Process:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            child = await asyncio.create_subprocess_exec(
                *argv,
                env=env,
                cwd=REPO,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=log,
                process_group=0,
                preexec_fn=_die_with_parent,
            )
        process = Process(name, child, log_path)
        self.processes.append(process)
        return process

    async def start_http(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Process:
        """Start an HTTP server process on a free port (env PORT) and wait for its /healthz."""
        port = free_port()
        process = await self.start(name, argv, {**env, "PORT": str(port)})
        process.port = port
        await wait_until_healthy(process)
        return process

    async def replicas(
        self, database: Database, slack_api_url: str, prefix: str = "bot"
    ) -> list[Process]:
        """`database.replicas` × `python -m bot` in HTTP mode on the database and the fake Slack."""
        env = bot_environment(database.url, slack_api_url)
        return list(
            await asyncio.gather(
                *(
                    self.start_http(
                        f"{prefix}-{database.key}-{n}", [sys.executable, "-m", "bot"], env
                    )
                    for n in range(database.replicas)
                )
            )
        )

    async def fake_slack(self) -> tuple[Process, str]:
        """The fake Slack Web API in a process of its own; the process and its API URL."""
        argv = [sys.executable, str(Path(__file__).resolve()), "fake-slack"]
        process = await self.start(
            "fake-slack", argv, dict(os.environ), stdout=asyncio.subprocess.PIPE
        )
        assert process.process.stdout is not None
        try:
            line = await asyncio.wait_for(process.process.stdout.readline(), START_TIMEOUT_SECONDS)
            process.port = int(line)
        except (TimeoutError, ValueError):
            raise RuntimeError(f"the fake Slack did not start:\n{process.log_tail()}") from None
        return process, f"{process.url}/api/"

    async def close(self) -> None:
        codes = await asyncio.gather(*(process.stop() for process in self.processes))
        for cleanup in reversed(self.cleanups):
            await cleanup()
        keep = os.environ.get(LOG_DIR_VARIABLE)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for process in self.processes:
                shutil.copy(process.log_path, Path(keep) / process.log_path.name)
        for process, code in zip(self.processes, codes, strict=True):
            if code not in (0, -signal.SIGTERM):
                print(
                    f"{process.name} exited with {code}; its log:\n{process.log_tail()}",
                    file=sys.stderr,
                )


@contextlib.asynccontextmanager
async def stack() -> Any:
    """A `Stack` in a temporary directory, every process stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="finetune-bench-") as workdir:
        started = Stack(Path(workdir))
        async with AsyncExitStack() as exits:
            exits.push_async_callback(started.close)
            yield started


def bot_environment(database_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    """The parent's environment without any bot setting, plus what an HTTP-mode bot needs."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_")
        and key not in {"DATABASE_URL", "PORT", "POLICY_FILE", "COMMITTEE_USER_IDS"}
        and key not in {DATABASE_URL_VARIABLE, LOG_DIR_VARIABLE}
    }
    return {
        **kept,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": signing.SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "DATABASE_URL": database_url,
        **extra,
    }


async def wait_until_healthy(process: Process) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as http:
        while True:
            if process.process.returncode is not None:
                raise RuntimeError(
                    f"{process.name} exited with {process.process.returncode} at start-up; "
                    f"its log:\n{process.log_tail()}"
                )
            try:
                async with http.get(process.url + HEALTH_PATH) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} did not become healthy:\n{process.log_tail()}")
            await asyncio.sleep(0.1)


def cpu_seconds(processes: Sequence[Process]) -> float:
    return sum(process.cpu_seconds() for process in processes)


# -- requests -----------------------------------------------------------------------------------


async def post_signed(
    http: aiohttp.ClientSession, url: str, body: str, content_type: str = signing.FORM
) -> float:
    """POST a body signed as Slack signs it; the seconds until the response was read."""
    headers = signing.signed_headers(body, content_type=content_type)
    started = time.perf_counter()
    async with http.post(url, data=body.encode(), headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - started


def alternate(processes: Sequence[Process]) -> Callable[[int], str]:
    """Request number n goes to replica n mod len(processes) (a round-robin load balancer)."""
    urls = [process.events_url for process in processes]
    return lambda number: urls[number % len(urls)]


async def settle_fake_slack(fake_url: str, quiet: float = 0.15) -> None:
    """Wait until the fake Slack (in its own process) has seen no call for `quiet` seconds."""
    previous: Any = None
    async with aiohttp.ClientSession() as http:
        while True:
            async with http.get(f"{fake_url}/_counts") as response:
                counts = await response.json()
            if counts == previous:
                return
            previous = counts
            await asyncio.sleep(quiet)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Columns under one title (a database), or untitled key columns."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    left: int = 0
    """How many leading columns are text (left-aligned); the rest are figures."""


def side_by_side(groups: Sequence[Group]) -> str:
    """One table: the groups' columns next to each other, separated by │, titles above."""
    row_count = max(len(group.rows) for group in groups)
    blocks: list[list[str]] = []
    for group in groups:
        widths = [
            max([len(header)] + [len(row[i]) for row in group.rows if i < len(row)])
            for i, header in enumerate(group.headers)
        ]
        width = sum(widths) + 2 * (len(widths) - 1)
        lines = [group.title.center(width) if group.title else " " * width]

        def line(cells: list[str], widths: list[int] = widths, left: int = group.left) -> str:
            cells = cells + [""] * (len(widths) - len(cells))
            return "  ".join(
                cell.ljust(width) if column < left else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
            )

        lines.append(line(group.headers))
        lines.extend(
            line(group.rows[index] if index < len(group.rows) else []) for index in range(row_count)
        )
        blocks.append(lines)
    return "\n".join(" │ ".join(parts).rstrip() for parts in zip(*blocks, strict=True))


# -- the fake Slack as a process ----------------------------------------------------------------


async def serve_fake_slack() -> None:
    fake = FakeSlack()
    await fake.start()
    print(fake.port, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await fake.stop()


async def serve_until_stopped(application: web.Application, port: int) -> None:
    """Serve an aiohttp application on 127.0.0.1:`port` until SIGTERM or SIGINT."""
    runner = web.AppRunner(application, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def run_benchmark(main: Callable[[], Any]) -> None:
    """`asyncio.run(main())`, Ctrl-C ending it quietly with 130 (processes already stopped)."""
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("interrupted; every process was stopped", file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    if sys.argv[1:] != ["fake-slack"]:
        raise SystemExit(f"usage: {sys.argv[0]} fake-slack")
    asyncio.run(serve_fake_slack())
