"""Start-up of `python -m bot`: the banner, Socket Mode with /healthz, and one-line failures."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web
from sqlalchemy.engine import make_url

from core.policy import Policy
from tests.bot.conftest import environment
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_process import clean_environment, free_port, start_bot, wait_until_healthy
from tests.conftest import engine_is_postgres

APP_TOKEN = "xapp-1-A0001-1234-socketmodesecret"


async def run_until_healthy(env: dict[str, str], cwd: Path, port: int) -> list[dict[str, Any]]:
    """Start the bot, wait for /healthz, SIGTERM it; its JSON log lines (exit code checked)."""
    process = await start_bot(env, cwd)
    healthy = asyncio.ensure_future(wait_until_healthy(port))
    await asyncio.wait(
        [healthy, asyncio.ensure_future(process.wait())], timeout=40, return_when="FIRST_COMPLETED"
    )
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    output = stdout.decode() + stderr.decode()
    assert healthy.done() and not healthy.cancelled() and healthy.exception() is None, output
    assert (healthy.result()[0], process.returncode) == (200, 0), output
    assert APP_TOKEN not in output
    return [json.loads(line) for line in stderr.decode().splitlines()]


def banner(entries: list[dict[str, Any]]) -> dict[str, Any]:
    [line] = [entry for entry in entries if entry["msg"].startswith("finetune-check started")]
    return line


async def test_the_banner_says_mode_database_migrations_scheduler_and_policy(
    fake_slack: FakeSlack, empty_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = clean_environment(
        **environment(fake_slack, empty_database),
        PORT=str(port),
        REMINDER_HOUR="7",
        TIMEZONE="Europe/Berlin",
    )

    line = banner(await run_until_healthy(env, tmp_path, port))

    assert (line["mode"], line["port"]) == ("http", port)
    assert f"HTTP mode (port {port})" in line["msg"]
    assert line["migrations"].startswith("at head (")
    assert line["next_reminder_sweep"].split(" (")[0].endswith(("07:00 CET", "07:00 CEST"))
    assert "sweeps every 60 s" in line["msg"]
    assert line["policy_hash"] == Policy().hash
    url = make_url(empty_database)
    assert line["dialect"] == url.get_backend_name()
    if engine_is_postgres(empty_database):
        assert url.password is not None
        assert f":{url.password}@" not in json.dumps(line)
        assert "***" in line["database"]
    else:
        assert line["database"] == empty_database


class FakeSocketMode:
    """Just enough of Slack for a Socket Mode connection: the URL, a socket, a `hello`."""

    def __init__(self) -> None:
        self.connections = 0
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self._open)
        app.router.add_post("/api/{method}", self._ok)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _open(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})

    async def _ok(self, _request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.connections += 1
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type in {WSMsgType.CLOSE, WSMsgType.ERROR}:
                break
        return socket


@pytest.fixture
async def socket_slack() -> AsyncIterator[FakeSocketMode]:
    fake = FakeSocketMode()
    await fake.start()
    yield fake
    await fake.stop()


async def test_socket_mode_connects_and_still_serves_healthz_on_port(
    socket_slack: FakeSocketMode, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'socket.db'}"
    env = clean_environment(
        **{
            **environment(fake_slack, database),
            "SLACK_API_URL": f"http://127.0.0.1:{socket_slack.port}/api/",
            "SLACK_APP_TOKEN": APP_TOKEN,
            "PORT": str(port),
        }
    )

    line = banner(await run_until_healthy(env, tmp_path, port))

    assert socket_slack.connections == 1
    assert line["mode"] == "socket"
    assert f"Socket Mode (/healthz on port {port})" in line["msg"]


async def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="secret-value",
        DATABASE_URL="postgresql+asyncpg://bot:hunter2-password@127.0.0.1:9/finetune",
    )
    process = await start_bot(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 1
    assert len(lines) == 1
    assert lines[0].startswith("DATABASE_URL: cannot prepare the database")
    assert "hunter2-password" not in lines[0]
