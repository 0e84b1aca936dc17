"""`python -m bot` as a process: serves /healthz, stops cleanly on SIGTERM or SIGINT, refuses
bad settings and refused tokens in one line each, and a start that fails sends nothing."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.infrastructure.settings import Settings
from bot.infrastructure.slack_client import make_client
from bot.infrastructure.slack_link import WebApiLink
from bot.infrastructure.web import create_web_app
from bot.persistence.database import create_engine
from bot.persistence.stores import Stores
from tests.bot.conftest import environment
from tests.bot.fake_slack import FakeSlack
from tests.builders import approvable_proposal, store_proposal

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0  # generous: a stop takes well under a second when it works
README = Path(__file__).resolve().parents[2] / "README.md"


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


async def wait_until_healthy(port: int, want: int = 200) -> tuple[int, dict]:
    """Poll /healthz until it answers `want` (200: started and connected to Slack); the last
    answer when it never does within the start timeout."""
    deadline = time.monotonic() + START_TIMEOUT
    answer: tuple[int, dict] | None = None
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    answer = response.status, await response.json()
                if answer[0] == want:
                    return answer
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline and answer is None:
                    raise
            if time.monotonic() > deadline and answer is not None:
                return answer
            await asyncio.sleep(0.1)


async def finish(process: asyncio.subprocess.Process, timeout: float = 30) -> tuple[int, list[str]]:
    """Wait for the process to end; its exit code and its stderr lines."""
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    assert process.returncode is not None
    return process.returncode, stderr.decode().strip().splitlines()


def json_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines if line.startswith("{")]


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


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_the_process_serves_healthz_and_stops_cleanly_on_a_signal(
    running_bot: tuple[asyncio.subprocess.Process, int], signum: signal.Signals
) -> None:
    process, port = running_bot
    status, health = await wait_until_healthy(port)
    process.send_signal(signum)
    code, lines = await finish(process, timeout=STOP_TIMEOUT)
    assert (status, health) == (200, {"ok": True, "database": "ok", "slack": "connected"})
    assert code == 0
    log = "\n".join(lines)
    assert "HTTP mode" in log
    assert f"port {port}" in log
    assert "process.db" in log
    assert "Traceback" not in log


async def test_a_normal_start_logs_no_warning_not_even_bolt_s_about_the_token(
    running_bot: tuple[asyncio.subprocess.Process, int],
) -> None:
    process, port = running_bot  # SLACK_BOT_TOKEN is in the process's environment
    await wait_until_healthy(port)
    process.send_signal(signal.SIGTERM)
    code, lines = await finish(process, timeout=STOP_TIMEOUT)
    entries = json_lines(lines)
    assert code == 0
    assert any(entry["msg"].startswith("finetune-check started") for entry in entries)
    assert [entry["msg"] for entry in entries if entry["level"] != "INFO"] == []
    assert "will be unused" not in "\n".join(lines)


async def test_a_missing_token_exits_2_with_one_line_naming_it(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = clean_environment(SLACK_SIGNING_SECRET="secret", SLACK_API_URL=fake_slack.api_url)
    code, lines = await finish(await start_bot(env, tmp_path))
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("SLACK_BOT_TOKEN: is not set; ")
    assert fake_slack.calls == []


async def test_every_bad_setting_exits_2_with_a_line_each(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=fake_slack.api_url,
        TIMEZONE="Atlantis/Capital",
        PORT="abc",
    )
    code, lines = await finish(await start_bot(env, tmp_path))
    assert code == 2
    assert lines == [
        "PORT: must be a whole number from 1 to 65535; got 'abc'",
        "TIMEZONE: must be an IANA time zone name such as UTC or Europe/Berlin; "
        "got 'Atlantis/Capital'",
    ]
    assert fake_slack.calls == []


def readme_dotenv() -> str:
    """The `.env` the README tells a newcomer to write, exactly as it stands there."""
    found = re.search(r"cat > \.env <<'EOF'\n(.*?)\n *EOF\n", README.read_text(), re.DOTALL)
    assert found is not None, "the README's .env recipe is gone"
    return "".join(line.strip() + "\n" for line in found.group(1).splitlines())


async def test_the_readme_s_dotenv_left_as_it_is_is_refused_before_any_call(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(readme_dotenv())
    env = clean_environment(SLACK_API_URL=fake_slack.api_url, PORT=str(free_port()))
    code, lines = await finish(await start_bot(env, tmp_path))
    assert code == 2
    assert [line.split(";")[0] for line in lines] == [
        "SLACK_BOT_TOKEN: still holds a placeholder, not a token",
        "SLACK_APP_TOKEN: still holds a placeholder, not a token",
    ]
    assert fake_slack.calls == []


async def test_a_bot_token_slack_refuses_exits_in_one_line_naming_it(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.fail("auth.test", "invalid_auth")
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'refused.db'}"
    env = clean_environment(**environment(fake_slack, database), PORT=str(port))
    env["SLACK_BOT_TOKEN"] = "xoxb-bad"
    code, lines = await finish(await start_bot(env, tmp_path))
    assert code == 2
    assert lines == [
        "SLACK_BOT_TOKEN: Slack refused the token (invalid_auth); paste the Bot User OAuth "
        "Token (xoxb-…) from your app's OAuth & Permissions page"
    ]
    assert [call.method for call in fake_slack.calls] == ["auth.test"]


async def test_an_unreachable_web_api_exits_in_one_line_naming_slack_api_url(
    tmp_path: Path,
) -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    env = clean_environment(
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="secret",
        SLACK_API_URL=api_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'unreachable.db'}",
        PORT=str(free_port()),
    )
    code, lines = await finish(await start_bot(env, tmp_path), timeout=60)
    assert code == 1
    [line] = [line for line in lines if not line.startswith("{")]
    assert line.startswith(f"SLACK_API_URL: cannot reach the Slack Web API at {api_url} (")


async def test_a_taken_port_ends_the_start_before_any_sweep_or_call_reaches_slack(
    fake_slack: FakeSlack, settings: Settings, stores: Stores, database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    crashed = datetime.now(UTC) - timedelta(hours=1)  # a verdict the start-up sweep would post
    await store_proposal(
        stores, approvable_proposal(), team_id="T0001", channel_id="C1", now=crashed
    )
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_environment(
            **environment(fake_slack, database_url), PORT=str(port), REMINDER_HOUR="0"
        )
        code, lines = await finish(await start_bot(env, tmp_path))
    await fake_slack.settle()
    assert code == 1
    assert lines[-1].startswith(f"PORT: cannot listen on port {port}")
    assert fake_slack.calls == []
    assert not [entry for entry in json_lines(lines) if entry["logger"] == "bot.jobs"]


async def test_a_bot_still_starting_is_not_healthy_and_a_signal_stops_it_at_once(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.hang("auth.test")  # the start-up check waits for Slack, which never answers
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'stuck.db'}"
    env = clean_environment(**environment(fake_slack, database), PORT=str(port))
    process = await start_bot(env, tmp_path)
    try:
        await fake_slack.wait_for("auth.test", timeout=START_TIMEOUT)
        meanwhile = await wait_until_healthy(port, want=503)  # the port is bound by now
        process.send_signal(signal.SIGTERM)
        code, lines = await finish(process, timeout=STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert meanwhile == (503, {"ok": False, "database": "ok", "slack": "starting"})
    assert code == 0
    messages = [entry["msg"] for entry in json_lines(lines)]
    assert "stopped during start-up: nothing was started" in messages
    assert not any(message.startswith("finetune-check started") for message in messages)


async def serve_health(stores: Stores, link: WebApiLink) -> tuple[int, Any]:
    web_app = create_web_app(bolt_app=None, ping=stores.ping, slack=link)  # type: ignore[arg-type]
    async with TestClient(TestServer(web_app)) as client:
        response = await client.get("/healthz")
        return response.status, await response.json()


async def test_healthz_in_http_mode_reports_slack_connected_while_auth_test_succeeds(
    settings: Settings, stores: Stores, fake_slack: FakeSlack
) -> None:
    status, body = await serve_health(stores, WebApiLink(make_client(settings)))
    assert (status, body) == (200, {"ok": True, "database": "ok", "slack": "connected"})
    assert [call.method for call in fake_slack.calls] == ["auth.test"]


async def test_healthz_in_http_mode_answers_503_once_slack_refuses_the_token(
    settings: Settings, stores: Stores, fake_slack: FakeSlack
) -> None:
    now = [0.0]
    link = WebApiLink(make_client(settings), recheck_seconds=30, monotonic=lambda: now[0])
    link.record(True)  # the start-up check passed
    fake_slack.fail("auth.test", "invalid_auth")

    fresh = await serve_health(stores, link)
    now[0] = 31.0  # the answer is old: asked again
    stale = await serve_health(stores, link)

    assert fresh == (200, {"ok": True, "database": "ok", "slack": "connected"})
    assert stale == (503, {"ok": False, "database": "ok", "slack": "disconnected"})
    assert [call.method for call in fake_slack.calls] == ["auth.test"]


async def test_healthz_answers_503_with_the_error_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    (tmp_path / "not-a-file.db").mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'not-a-file.db'}")
    stores = Stores.on(engine)
    web_app = create_web_app(bolt_app=None, ping=stores.ping)  # type: ignore[arg-type]
    try:
        async with TestClient(TestServer(web_app)) as client:
            response = await client.get("/healthz")
            body = await response.json()
    finally:
        await engine.dispose()
    assert response.status == 503
    assert body["ok"] is False
    assert "unable to open database" in body["database"]
