"""`python -m bot` as a process: serves /healthz, stops cleanly on SIGTERM, refuses bad settings."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.persistence.database import create_engine
from bot.persistence.repository import Repository
from bot.web import create_web_app
from tests.bot.conftest import environment
from tests.bot.fake_slack import FakeSlack

START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(**variables: str) -> dict[str, str]:
    """The parent's environment without any Slack or bot settings, plus `variables`."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACK_") and key not in {"DATABASE_URL", "PORT", "POLICY_FILE"}
    }
    return {**kept, **variables}


async def start_bot(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_until_healthy(port: int) -> tuple[int, dict]:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status, await response.json()
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)


@pytest.fixture
async def running_bot(
    fake_slack: FakeSlack, tmp_path: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'process.db'}"
    env = clean_environment(**environment(fake_slack, database), PORT=str(port))
    process = await start_bot(env, tmp_path)
    yield process, port
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_the_process_serves_healthz_and_stops_cleanly_on_sigterm(
    running_bot: tuple[asyncio.subprocess.Process, int],
) -> None:
    process, port = running_bot
    status, health = await wait_until_healthy(port)
    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    assert (status, health) == (200, {"ok": True, "database": "ok"})
    assert process.returncode == 0
    assert time.monotonic() - started < 5
    log = stderr.decode()
    assert "HTTP mode" in log
    assert f"port {port}" in log
    assert "process.db" in log
    assert "Traceback" not in log


async def test_a_missing_token_exits_2_with_one_line_naming_it(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = clean_environment(SLACK_SIGNING_SECRET="secret", SLACK_API_URL=fake_slack.api_url)
    process = await start_bot(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 2
    assert len(lines) == 1
    assert lines[0].startswith("SLACK_BOT_TOKEN is missing")
    assert fake_slack.calls == []


async def test_a_bad_setting_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="secret", TIMEZONE="Atlantis/Capital"
    )
    process = await start_bot(env, tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert stderr.decode().strip().startswith("TIMEZONE is invalid")


async def test_healthz_answers_503_with_the_error_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    (tmp_path / "not-a-file.db").mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'not-a-file.db'}")
    repository = Repository(engine)
    web_app = create_web_app(bolt_app=None, ping=repository.ping)  # type: ignore[arg-type]
    try:
        async with TestClient(TestServer(web_app)) as client:
            response = await client.get("/healthz")
            body = await response.json()
    finally:
        await engine.dispose()
    assert response.status == 503
    assert body["ok"] is False
    assert "unable to open database" in body["database"]
