"""Start-up of `python -m bot`: the banner, Socket Mode with /healthz and its connection state,
signals, and one-line failures (refused tokens, an unreachable database)."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from core.policy import Policy
from tests.bot.conftest import environment
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_process import (
    STOP_TIMEOUT,
    clean_environment,
    finish,
    free_port,
    json_lines,
    start_bot,
    wait_until_healthy,
)
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


def socket_mode_environment(fake_slack: FakeSlack, tmp_path: Path, port: int) -> dict[str, str]:
    """A Socket Mode bot (no signing secret) whose Web API and websocket are the fake's."""
    database = f"sqlite+aiosqlite:///{tmp_path / 'socket.db'}"
    env = clean_environment(
        **environment(fake_slack, database), SLACK_APP_TOKEN=APP_TOKEN, PORT=str(port)
    )
    del env["SLACK_SIGNING_SECRET"]
    return env


async def test_socket_mode_connects_and_still_serves_healthz_on_port(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = socket_mode_environment(fake_slack, tmp_path, port)

    line = banner(await run_until_healthy(env, tmp_path, port))

    assert fake_slack.socket_connections == 1
    assert line["mode"] == "socket"
    assert f"Socket Mode (/healthz on port {port})" in line["msg"]
    checks = [call.method for call in fake_slack.calls if call.method != "chat.postMessage"]
    assert checks[:2] == ["auth.test", "apps.connections.open"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_a_connected_socket_mode_bot_within_seconds(
    fake_slack: FakeSlack, tmp_path: Path, signum: signal.Signals
) -> None:
    port = free_port()
    process = await start_bot(socket_mode_environment(fake_slack, tmp_path, port), tmp_path)
    try:
        status, health = await wait_until_healthy(port)
        process.send_signal(signum)
        code, lines = await finish(process, timeout=STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert (status, health) == (200, {"ok": True, "database": "ok", "slack": "connected"})
    assert code == 0
    assert json_lines(lines)[-1]["msg"] == "stopped"
    assert fake_slack.open_sockets == 0


async def test_a_signal_stops_a_socket_mode_bot_still_trying_to_connect(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    await fake_slack.drop_sockets()  # the token is good, but no websocket ever opens
    port = free_port()
    process = await start_bot(socket_mode_environment(fake_slack, tmp_path, port), tmp_path)
    try:
        # the start-up check's call, then the Socket Mode client's own first attempt
        await fake_slack.wait_for("apps.connections.open", count=2, timeout=30)
        process.send_signal(signal.SIGTERM)
        code, lines = await finish(process, timeout=STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert code == 0
    assert "stopped during start-up: nothing was started" in [e["msg"] for e in json_lines(lines)]
    assert fake_slack.socket_connections == 0


async def test_healthz_answers_503_while_the_socket_mode_connection_is_down(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = await start_bot(socket_mode_environment(fake_slack, tmp_path, port), tmp_path)
    try:
        connected = await wait_until_healthy(port)
        await fake_slack.drop_sockets()
        dropped = await wait_until_healthy(port, want=503)
        process.send_signal(signal.SIGTERM)
        code, _lines = await finish(process, timeout=STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert connected == (200, {"ok": True, "database": "ok", "slack": "connected"})
    assert dropped == (503, {"ok": False, "database": "ok", "slack": "disconnected"})
    assert code == 0


@pytest.mark.parametrize(
    ("method", "variable"),
    [("auth.test", "SLACK_BOT_TOKEN"), ("apps.connections.open", "SLACK_APP_TOKEN")],
)
async def test_a_token_slack_refuses_in_socket_mode_ends_the_start_in_one_line_naming_it(
    fake_slack: FakeSlack, tmp_path: Path, method: str, variable: str
) -> None:
    fake_slack.fail(method, "invalid_auth", times=100)  # as Slack does, every time
    port = free_port()
    env = {**socket_mode_environment(fake_slack, tmp_path, port), "SLACK_BOT_TOKEN": "xoxb-bad"}
    env["SLACK_APP_TOKEN"] = "xapp-bad"

    code, lines = await finish(await start_bot(env, tmp_path), timeout=STOP_TIMEOUT)

    [line] = [line for line in lines if not line.startswith("{")]
    assert code == 2
    assert line.startswith(f"{variable}: Slack refused the token (invalid_auth); paste ")
    assert len(fake_slack.calls_to(method)) == 1  # refused once, never retried
    assert fake_slack.socket_connections == 0
    assert "Traceback" not in "\n".join(lines)


async def test_an_app_token_given_as_the_bot_token_is_refused_before_any_call(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    env = {**socket_mode_environment(fake_slack, tmp_path, port), "SLACK_BOT_TOKEN": APP_TOKEN}

    code, lines = await finish(await start_bot(env, tmp_path), timeout=STOP_TIMEOUT)

    assert code == 2
    assert [line.split(";")[0] for line in lines] == [
        "SLACK_BOT_TOKEN: holds an app-level token (xapp-…), which belongs in SLACK_APP_TOKEN"
    ]
    assert APP_TOKEN not in "\n".join(lines)
    assert fake_slack.calls == []


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
