"""Structured logs: one JSON object per line, one line per request and job, and no token or
signing secret in any line, whoever logs it (in process and in a `python -m bot` process)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import create_app
from bot.infrastructure.json_logs import REDACTED, configure_logging, log_context
from bot.infrastructure.observability import JobRunner, install_request_logging, request_kind
from bot.modal.view import proposal_modal
from bot.reminders import SweepReport
from core.policy import Policy
from tests.bot import signing
from tests.bot.conftest import APPROVABLE, RunningApp, environment, serve, view_state
from tests.bot.fake_slack import FakeSlack
from tests.bot.test_process import clean_environment, free_port, start_bot, wait_until_healthy

BOT_TOKEN = "xoxb-test-token"  # what tests.bot.conftest.environment sets
PASTED_TOKEN = "xoxp-1234-5678-pastedbyauser"  # a user token someone typed into Slack
SECRETS = (BOT_TOKEN, signing.SIGNING_SECRET, PASTED_TOKEN)


class LogCapture:
    """The process's log output, as the JSON formatter wrote it."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def from_logger(self, name: str) -> list[dict[str, Any]]:
        return [entry for entry in self.entries() if entry["logger"] == name]


@pytest.fixture
def logs() -> Iterator[LogCapture]:
    """Configure the bot's logging at DEBUG into a buffer; restore the root logger afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()
    configure_logging(logging.DEBUG, secrets=[signing.SIGNING_SECRET], stream=stream)
    yield LogCapture(stream)
    root.handlers[:] = handlers
    root.setLevel(level)


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], f"secrets in the log output: {leaked}"


def test_every_line_is_a_json_object_with_time_level_logger_message_and_extra_fields(
    logs: LogCapture,
) -> None:
    logging.getLogger("bot.somewhere").warning("%d things", 3, extra={"channel": "C1"})

    [entry] = logs.entries()
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "bot.somewhere"
    assert entry["msg"] == "3 things"
    assert entry["channel"] == "C1"
    assert entry["ts"].endswith("+00:00")


def test_a_token_or_the_signing_secret_is_redacted_whichever_logger_emits_it(
    logs: LogCapture,
) -> None:
    logging.getLogger("slack_sdk.web.async_base_client").info("Authorization: Bearer %s", BOT_TOKEN)
    logging.getLogger("some.library").warning("secret=%s", signing.SIGNING_SECRET)
    logging.getLogger().error("app token %s", "xapp-1-A0001-42-abcdef")

    assert [entry["msg"] for entry in logs.entries()] == [
        f"Authorization: Bearer {REDACTED}",
        f"secret={REDACTED}",
        f"app token {REDACTED}",
    ]


def test_a_traceback_mentioning_a_token_is_redacted_too(logs: LogCapture) -> None:
    try:
        raise RuntimeError(f"request failed with token {BOT_TOKEN}")
    except RuntimeError:
        logging.getLogger("bot").exception("boom")

    [entry] = logs.entries()
    assert "RuntimeError" in entry["exc"]
    assert REDACTED in entry["exc"]
    assert_no_secret(logs.text)


async def test_work_started_inside_a_log_context_carries_its_fields(logs: LogCapture) -> None:
    async def later() -> None:
        await asyncio.sleep(0)
        logging.getLogger("bot.work").info("posted")

    with log_context(request_id="r-1"):
        task = asyncio.ensure_future(later())
    logging.getLogger("bot.work").info("outside")
    await task

    by_message = {entry["msg"]: entry for entry in logs.entries()}
    assert by_message["posted"]["request_id"] == "r-1"
    assert "request_id" not in by_message["outside"]


async def test_a_job_run_logs_one_line_with_its_duration_and_counts(logs: LogCapture) -> None:
    async def sweep() -> SweepReport:
        return SweepReport(planned=3, messages_sent=2, failed=1, given_up=[(1, "k", None)])  # type: ignore[list-item]

    async def broken() -> None:
        raise ValueError("no database")

    jobs = JobRunner()
    await jobs.wrap("reminder-sweep", sweep)()
    await jobs.wrap("close-due-votes", broken)()

    done, failed = logs.from_logger("bot.jobs")
    assert done["job"] == "reminder-sweep"
    assert done["outcome"] == "ok"
    assert done["duration_ms"] >= 0
    assert done["counts"]["planned"] == 3
    assert done["counts"]["messages_sent"] == 2
    assert done["counts"]["given_up"] == 1
    assert (failed["job"], failed["outcome"], failed["level"]) == (
        "close-due-votes",
        "failed",
        "ERROR",
    )
    assert "ValueError: no database" in failed["exc"]


def test_request_kinds_name_what_slack_sent_but_never_what_a_user_typed() -> None:
    command = request_kind({"command": "/finetune-check", "text": "list my 7.2 secret"})
    assert (command.kind, command.name) == ("command", "/finetune-check")
    action = {"type": "block_actions", "actions": [{"action_id": "vote_approve"}]}
    assert (request_kind(action).kind, request_kind(action).name) == ("action", "vote_approve")
    event = {"type": "event_callback", "event": {"type": "message", "subtype": "thread_broadcast"}}
    assert request_kind(event).name == "message/thread_broadcast"


async def test_signed_requests_log_one_line_each_and_no_line_holds_a_secret(
    logs: LogCapture, deps: Any, fake_slack: FakeSlack
) -> None:
    async with serve(deps, fake_slack, customise=install_request_logging) as app:
        await exercise(app)
        await fake_slack.wait_for("chat.postMessage")

    requests = logs.from_logger("bot.requests")
    outcomes = [(entry["kind"], entry["action"], entry["outcome"]) for entry in requests]
    assert outcomes == [
        ("command", "/finetune-check", "ok"),
        ("view_submission", "finetune_proposal", "invalid_input"),
        ("view_submission", "finetune_proposal", "ok"),
        ("command", "/finetune-check", "bad_signature"),
        ("action", "no_such_button", "unhandled"),
    ]
    first = requests[0]
    assert (first["team"], first["channel"], first["user"]) == (
        "T0001",
        signing.CHANNEL_ID,
        signing.USER_ID,
    )
    assert first["latency_ms"] > 0
    assert len({entry["request_id"] for entry in requests}) == len(requests)
    assert any(entry["logger"].startswith("slack_bolt") or entry["logger"] == "bot.bolt"
               for entry in logs.entries())  # fmt: skip
    assert_no_secret(logs.text)


async def test_a_request_bolt_cannot_authorise_is_logged_as_a_failure_not_ok(
    logs: LogCapture, deps: Any, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("auth.test", "invalid_auth")  # the bot token was revoked after start-up
    async with serve(deps, fake_slack, customise=install_request_logging) as app:
        status, body = await app.command("help")

    [entry] = logs.from_logger("bot.requests")
    assert status == 200  # Bolt answers so that the user reads why nothing happened
    assert "no longer available" in body
    assert (entry["outcome"], entry["level"]) == ("unauthorized", "ERROR")


async def exercise(app: RunningApp) -> None:
    """Requests that make Bolt, slack_sdk and the app log, some carrying a pasted token."""
    assert (await app.command(f"my token is {PASTED_TOKEN}"))[0] == 200
    assert (await app.submit({**APPROVABLE, "title": f"leak {PASTED_TOKEN}", "engineers": "x"}))[
        0
    ] == 200
    assert (await app.submit({**APPROVABLE, "title": f"Fraud {PASTED_TOKEN}"}))[0] == 200
    body = signing.slash_command(response_url=app.fake_slack.response_url(), text="help")
    assert (await app.send(body, signing.FORM, secret="not-the-secret"))[0] == 401
    click = signing.block_actions(action_id="no_such_button", channel_id=signing.CHANNEL_ID)
    assert (await app.click(click))[0] == 404


def test_create_app_with_request_logging_installed_twice_logs_each_request_once(
    deps: Any,
) -> None:
    app = create_app(deps)
    install_request_logging(app)
    dispatch = app.async_dispatch
    install_request_logging(app)
    assert app.async_dispatch is dispatch


async def test_the_bot_process_logs_json_lines_without_tokens_or_the_signing_secret(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    database = f"sqlite+aiosqlite:///{tmp_path / 'logged.db'}"
    env = clean_environment(**environment(fake_slack, database), PORT=str(port), REMINDER_HOUR="0")
    process = await start_bot(env, tmp_path)
    try:
        await wait_until_healthy(port)
        await send_to_process(port, fake_slack)
        await fake_slack.wait_for("chat.postMessage")
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
    output = stdout.decode() + stderr.decode()
    entries = [json.loads(line) for line in stderr.decode().splitlines()]
    assert process.returncode == 0
    assert_no_secret(output)
    assert [e["outcome"] for e in entries if e["logger"] == "bot.requests"] == [
        "ok",
        "bad_signature",
    ]
    jobs = sorted(e["job"] for e in entries if e["logger"] == "bot.jobs")
    assert jobs == ["redeliver-verdicts", "reminder-sweep"]


async def send_to_process(port: int, fake_slack: FakeSlack) -> None:
    modal = proposal_modal(channel_id=signing.CHANNEL_ID, policy=Policy())
    body = signing.view_submission(
        values=view_state(modal, {**APPROVABLE, "title": f"Fraud {PASTED_TOKEN}"}),
        private_metadata=modal["private_metadata"],
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    async with aiohttp.ClientSession() as http:
        for secret in (signing.SIGNING_SECRET, "wrong-secret"):
            headers = signing.signed_headers(body, content_type=signing.FORM, secret=secret)
            async with http.post(url, data=body.encode(), headers=headers) as response:
                await response.read()
