"""What operators see: one log line per request and per job run, and the start-up banner.

`install_request_logging(app)` logs every request the Bolt app handles, over HTTP or Socket
Mode alike: request id, team, channel, user, what it was (command, action, view submission,
event…), the latency until Slack got its answer (the ack), and the outcome. Bolt's async
middleware chain runs *before* the listeners (`next()` only flags that the chain continues),
so a middleware cannot time the ack; the hook therefore wraps the app's `async_dispatch`,
which both the HTTP adapter and the Socket Mode handler call. The request id is in the log
context, so every line logged while handling the request, including the work started after
the ack, carries it.

`JobRunner` wraps the scheduler's sweeps: one line per run with its duration and counts,
and a drain at shutdown so a sweep is not cut off in the middle of a send.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from alembic.script import ScriptDirectory
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.infrastructure.json_logs import log_context
from bot.persistence.database import alembic_config

REQUEST_LOGGER = logging.getLogger("bot.requests")
JOB_LOGGER = logging.getLogger("bot.jobs")

Job = Callable[[], Awaitable[object]]
Dispatch = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]

OUTCOMES = {200: "ok", 401: "bad_signature", 404: "unhandled", 500: "failed"}
NO_AUTHORIZATION_NEEDED = {"url_verification", "ssl_check"}
FAILURES = {"failed", "exception", "unauthorized"}
_INSTALLED = "_finetune_request_logging"


def new_id() -> str:
    """A short random id for a request or a job run."""
    return uuid.uuid4().hex[:16]


# -- requests -------------------------------------------------------------------------------


def install_request_logging(app: AsyncApp) -> None:
    """Log one JSON line per request the app handles (idempotent)."""
    if getattr(app, _INSTALLED, False):
        return
    app.async_dispatch = logged_dispatch(app.async_dispatch)  # type: ignore[method-assign,assignment]
    setattr(app, _INSTALLED, True)


def logged_dispatch(dispatch: Dispatch) -> Dispatch:
    """`dispatch`, timed and logged, with the request id in the log context."""

    async def dispatch_logged(request: AsyncBoltRequest) -> BoltResponse:
        started = time.perf_counter()
        with log_context(request_id=new_id()):
            try:
                response = await dispatch(request)
            except BaseException:
                log_request(request, None, started)
                raise
            log_request(request, response, started)
        return response

    return dispatch_logged


@dataclass(frozen=True, slots=True)
class RequestKind:
    """What a request was: its kind (command, action, …) and the name Slack gave it."""

    kind: str
    name: str | None = None


def log_request(request: AsyncBoltRequest, response: BoltResponse | None, started: float) -> None:
    """Log the request's one line."""
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    what = request_kind(request.body)
    outcome = request_outcome(response, request)
    fields = {
        **request_parties(request),
        "kind": what.kind,
        "action": what.name,
        "status": response.status if response is not None else None,
        "latency_ms": latency_ms,
        "outcome": outcome,
        **_retry(request),
    }
    level = _level(outcome)
    REQUEST_LOGGER.log(
        level,
        "%s %s: %s in %.1f ms",
        what.kind,
        what.name or "-",
        outcome,
        latency_ms,
        extra=fields,
    )


def request_parties(request: AsyncBoltRequest) -> dict[str, str | None]:
    """Team, channel and user of the request, as Bolt parsed them."""
    context = request.context
    return {
        "slack_id": _slack_id(request.body),
        "team": context.team_id or context.enterprise_id,
        "channel": context.channel_id,
        "user": context.user_id,
    }


def request_kind(body: Mapping[str, Any]) -> RequestKind:
    """Command, action, view submission, event, shortcut…, with the id that names it."""
    if "command" in body:
        return RequestKind("command", str(body["command"]))  # not its text: users type anything
    payload_type = str(body.get("type") or "unknown")
    if payload_type == "event_callback":
        event = body.get("event") or {}
        subtype = event.get("subtype")
        return RequestKind(
            "event", f"{event.get('type')}/{subtype}" if subtype else event.get("type")
        )
    if payload_type in {"block_actions", "block_suggestion", "interactive_message"}:
        actions = body.get("actions") or [body]
        return RequestKind("action", actions[0].get("action_id") or body.get("callback_id"))
    if payload_type in {"view_submission", "view_closed"}:
        return RequestKind(payload_type, (body.get("view") or {}).get("callback_id"))
    return RequestKind(payload_type, body.get("callback_id"))


def _slack_id(body: Mapping[str, Any]) -> str | None:
    for key in ("event_id", "trigger_id"):
        if body.get(key):
            return str(body[key])
    return None


def _retry(request: AsyncBoltRequest) -> dict[str, str]:
    retry = request.headers.get("x-slack-retry-num") or []
    return {"retry": retry[0]} if retry else {}


def request_outcome(response: BoltResponse | None, request: AsyncBoltRequest | None = None) -> str:
    """ok, invalid_input, unauthorized, bad_signature, unhandled, failed, exception, or
    http_<status>.

    ``unauthorized``: Bolt could not authorise the request (its `auth.test` with the bot token
    failed) and answered 200 with "installation … no longer available" for the user to read.
    """
    if response is None:
        return "exception"
    if response.status == 200 and request is not None and not _authorized(request):
        return "unauthorized"
    if response.status == 200 and _response_action(response) == "errors":
        return "invalid_input"
    return OUTCOMES.get(response.status, f"http_{response.status}")


def _authorized(request: AsyncBoltRequest) -> bool:
    """Whether Bolt authorised the request (the two kinds that need no authorisation count)."""
    if request.body.get("type") in NO_AUTHORIZATION_NEEDED:
        return True
    return request.context.authorize_result is not None


def _response_action(response: BoltResponse) -> str | None:
    body = response.body
    if not isinstance(body, str) or not body.startswith("{"):
        return None
    try:
        return json.loads(body).get("response_action")
    except (json.JSONDecodeError, AttributeError):
        return None


def _level(outcome: str) -> int:
    if outcome in FAILURES or outcome.startswith("http_5"):
        return logging.ERROR
    if outcome == "bad_signature":
        return logging.WARNING
    return logging.INFO


# -- jobs -----------------------------------------------------------------------------------


class JobRunner:
    """Wraps sweeps so each run logs one line, and lets shutdown wait for runs in progress."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[Any]] = set()

    def wrap(self, name: str, job: Job) -> Job:
        """`job`, logged under `name` and tracked until it finishes."""

        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await run_logged(name, job)
            finally:
                self._running.discard(task)  # type: ignore[arg-type]

        run.__name__ = run.__qualname__ = name
        return run

    @property
    def running(self) -> int:
        """How many job runs are in progress."""
        return len(self._running)

    async def drain(self, timeout: float) -> int:
        """Wait for the runs in progress; return how many did not finish in time."""
        if not self._running:
            return 0
        _done, unfinished = await asyncio.wait(set(self._running), timeout=timeout)
        return len(unfinished)


async def run_logged(name: str, job: Job) -> None:
    """Run a job once and log one line: duration, counts and outcome (failures with traceback)."""
    started = time.perf_counter()
    with log_context(job=name, job_run=new_id()):
        try:
            result = await job()
        except Exception:
            JOB_LOGGER.exception(
                "job %s failed after %.0f ms",
                name,
                _elapsed_ms(started),
                extra={"duration_ms": _elapsed_ms(started), "outcome": "failed"},
            )
            return
        counts = job_counts(result)
        outcome = "locked_out" if counts.get("locked_out") else "ok"
        JOB_LOGGER.info(
            "job %s %s in %.0f ms",
            name,
            outcome,
            _elapsed_ms(started),
            extra={"duration_ms": _elapsed_ms(started), "outcome": outcome, "counts": counts},
        )


def job_counts(result: object) -> dict[str, object]:
    """The numbers a job reported: a report dataclass's fields (lists counted), or a count."""
    if isinstance(result, bool) or result is None:
        return {}
    if isinstance(result, int):
        return {"count": result}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {
            field.name: _count(getattr(result, field.name)) for field in dataclasses.fields(result)
        }
    return {}


def _count(value: object) -> object:
    if isinstance(value, list | tuple | set | dict):
        return len(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# -- start-up -------------------------------------------------------------------------------


async def migration_state(engine: AsyncEngine, url: str) -> str:
    """``at head (rev)`` when the database has the newest schema, else what it has."""
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        current = {str(row[0]) for row in rows}
    label = ",".join(sorted(current)) or "none"
    return f"at head ({label})" if current == heads else f"NOT at head ({label})"
