"""The composition root, shared by `python -m bot` and `finetune-check serve`: settings,
database, stores, client, app, scheduler, server; built here and nowhere else.

Start-up, in an order where a start that fails has sent nothing to Slack and run no sweep:
settings (tokens shaped right, no placeholders; the Slack secrets then leave the process
environment, so nothing else reads them there) → logging (secrets registered for redaction) →
migrations → engine, stores and Bolt app → the HTTP server bound on PORT (HTTP mode: the
app and `/healthz`; Socket Mode: `/healthz`) → the tokens checked with Slack (`auth.test`,
and `apps.connections.open` in Socket Mode) → the Socket Mode connection → the scheduler with
the reminder, nudge, vote-close and verdict-redelivery sweeps (the last also run at once) →
one banner line. SIGTERM or SIGINT stops it at any point, within seconds: during start-up
what was started is undone; afterwards in the reverse order: no new sweeps (those in progress
finish), the Socket Mode connection closes, the server stops taking requests, the work queued
after acks finishes, then the engine is disposed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Sequence
from contextlib import AsyncExitStack, suppress
from functools import partial
from typing import TypeVar

from aiohttp import ClientSession, web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.deps import Deps
from bot.infrastructure.clock import SystemClock
from bot.infrastructure.json_logs import configure_logging, redact
from bot.infrastructure.observability import JobRunner, migration_state
from bot.infrastructure.scheduler import (
    DAILY_SWEEP_JOB,
    FREQUENT_SECONDS,
    build_scheduler,
    started_after_reminder_hour,
)
from bot.infrastructure.settings import Settings, SettingsError, load_settings
from bot.infrastructure.slack_checks import SlackCheckError, check_tokens
from bot.infrastructure.slack_client import make_client
from bot.infrastructure.slack_link import SocketModeLink, WebApiLink
from bot.infrastructure.web import create_health_app, create_web_app
from bot.persistence.database import (
    create_engine,
    database_url,
    describe_failure,
    run_migrations,
)
from bot.persistence.stores import Stores
from bot.reminders import ReminderConfig, ReminderSweep, SlackPoster
from bot.services import worker
from bot.services.event_keys import forget_old_event_keys
from bot.services.outbox import close_due_votes

logger = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
DRAIN_SECONDS = 10.0
SOCKET_CONNECT_SECONDS = 30.0
LISTEN_HOST = "0.0.0.0"
SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")

T = TypeVar("T")


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line the operator sees."""

    def __init__(self, line: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(line)
        self.exit_code = exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Start the bot; return the process exit code."""
    configure_logging()
    try:
        settings = load_settings()
    except SettingsError as error:
        print("\n".join(error.lines), file=sys.stderr)
        return EXIT_BAD_SETTINGS
    forget_secret_environment()
    configure_logging(secrets=secret_values(settings))
    try:
        run_migrations(settings.database_url)
    except KeyboardInterrupt:  # SIGINT before the event loop handles signals
        print("stopped during start-up", file=sys.stderr)
        return EXIT_OK
    except Exception as error:  # an unreachable or broken database ends start-up in one line
        reason = describe_failure(settings.database_url, error)
        print(redact(f"DATABASE_URL: cannot prepare the database ({reason})"), file=sys.stderr)
        return EXIT_FAILED
    try:
        return asyncio.run(serve(settings))
    except StartupError as error:
        print(redact(str(error)), file=sys.stderr)
        return error.exit_code


def secret_values(settings: Settings) -> list[str]:
    """The values no log line may contain: the tokens and the signing secret."""
    secrets = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    return [secret.get_secret_value() for secret in secrets if secret is not None]


def forget_secret_environment() -> None:
    """Take the Slack secrets out of the process environment once the settings hold them.

    The settings are the one source of configuration. Bolt reads SLACK_BOT_TOKEN from the
    environment itself (and warns that it is unused when the app is given its client), and a
    child process would inherit the secrets.
    """
    for variable in SECRET_VARIABLES:
        os.environ.pop(variable, None)


async def serve(settings: Settings) -> int:
    """Start, run until SIGTERM or SIGINT, then shut down gracefully."""
    stop = _stop_on_signals()
    engine = create_engine(settings.database_url)
    http = ClientSession()  # one pool of connections to Slack for every Web API call
    deps = build_deps(settings, Stores.on(engine), http)
    app = create_app(deps)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        stack.push_async_callback(http.close)
        stack.push_async_callback(_finish_background_work, deps)
        started = await until_stopped(stop, start(stack, app, deps, engine))
        if started is None:
            logger.info("stopped during start-up: nothing was started")
            return EXIT_OK
        await stop.wait()
        logger.info("shutting down: no new requests; finishing sweeps and work in flight")
    logger.info("stopped")
    return EXIT_OK


async def start(stack: AsyncExitStack, app: AsyncApp, deps: Deps, engine: AsyncEngine) -> bool:
    """Bind the port, check the tokens, connect, then start the sweeps and log the banner.

    Everything started is pushed on `stack`, so an error or a signal part way undoes it.
    """
    settings, ping, started = deps.settings, deps.stores.ping, asyncio.Event()
    if settings.socket_mode:
        link = SocketModeLink()
        health = create_health_app(ping, slack=link, started=started)
        await _listen(stack, health, settings.port)
        await _check_tokens(deps)
        await _connect_socket_mode(stack, app, settings, link)
    else:
        web_api = WebApiLink(deps.client)
        served = create_web_app(app, ping, slack=web_api, started=started)
        await _listen(stack, served, settings.port)
        await _check_tokens(deps)
        web_api.record(True)
    jobs = JobRunner()
    scheduler = start_jobs(deps, engine, jobs)
    stack.push_async_callback(stop_jobs, scheduler, jobs)
    stack.callback(worker.shutdown)  # the picture worker, when one was started
    await _log_banner(settings, deps, engine, scheduler)
    started.set()  # /healthz stops saying "starting"
    return True


async def until_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """`work`'s result, or None when `stop` is set first (the work is then cancelled)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopped.cancel()
        return task.result()
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    return None


PICTURES_SWITCH = "FINETUNE_CHECK_PICTURES"
"""Set to ``off`` to post verdicts without their pictures (benchmarks/plots.py compares the
ack with and without); not part of the settings contract."""


def build_deps(settings: Settings, stores: Stores, http: ClientSession) -> Deps:
    """The production collaborators: the real clock, the retrying Slack client on one pool."""
    return Deps(
        settings=settings,
        stores=stores,
        client=make_client(settings, http),
        clock=SystemClock(),
        policy=settings.load_policy(),
        pictures=os.environ.get(PICTURES_SWITCH, "on").strip().lower() != "off",
    )


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


# -- the scheduler --------------------------------------------------------------------------


def start_jobs(deps: Deps, engine: AsyncEngine, jobs: JobRunner) -> AsyncIOScheduler:
    """Start the reminder sweep (daily), the nudges, the vote close and the redelivery of
    verdicts left pending (every minute; the redelivery also at once)."""
    settings = deps.settings
    sweep = ReminderSweep(
        stores=deps.stores,
        poster=SlackPoster(deps.client),
        clock=deps.clock,
        config=ReminderConfig.from_settings(settings, deps.policy),
    )
    scheduler = build_scheduler(
        hour=settings.reminder_hour,
        zone=settings.zone,
        clock=deps.clock,
        reminder_sweep=jobs.wrap("reminder-sweep", sweep.run),
        nudge_sweep=jobs.wrap("vote-nudges", sweep.nudge),
        close_due_votes=jobs.wrap(
            "close-due-votes", partial(close_due_votes, deps.voting, deps.thread_lines, deps.clock)
        ),
        redeliver_verdicts=jobs.wrap("redeliver-verdicts", deps.redelivery.sweep),
        forget_event_keys=jobs.wrap(
            "forget-event-keys", partial(forget_old_event_keys, deps.stores, deps.clock)
        ),
    )
    scheduler.start()  # in the running event loop: start_jobs is called from a coroutine
    return scheduler


async def stop_jobs(scheduler: AsyncIOScheduler, jobs: JobRunner) -> None:
    """No new runs; let the runs in progress finish (the ledger covers any cut short)."""
    scheduler.pause()
    unfinished = await jobs.drain(timeout=DRAIN_SECONDS)
    if unfinished:
        logger.warning(
            "%d sweep(s) still running after %.0f s; cancelled", unfinished, DRAIN_SECONDS
        )
    scheduler.shutdown(wait=False)


# -- the servers ----------------------------------------------------------------------------


async def _check_tokens(deps: Deps) -> None:
    try:
        await check_tokens(deps.client, deps.settings)
    except SlackCheckError as error:
        code = EXIT_BAD_SETTINGS if error.refused else EXIT_FAILED
        raise StartupError(str(error), code) from None


async def _listen(stack: AsyncExitStack, application: web.Application, port: int) -> None:
    runner = web.AppRunner(
        application, handle_signals=False, access_log=None, shutdown_timeout=DRAIN_SECONDS
    )
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    try:
        await web.TCPSite(runner, host=LISTEN_HOST, port=port).start()
    except OSError as error:
        raise StartupError(f"PORT: cannot listen on port {port} ({error.strerror})") from None


async def _connect_socket_mode(
    stack: AsyncExitStack, app: AsyncApp, settings: Settings, link: SocketModeLink
) -> None:
    token = settings.slack_app_token
    assert token is not None  # socket_mode means the app token is set
    handler = AsyncSocketModeHandler(app, token.get_secret_value())
    stack.push_async_callback(handler.close_async)
    link.follow(handler.client)
    try:
        await asyncio.wait_for(handler.connect_async(), timeout=SOCKET_CONNECT_SECONDS)
    except TimeoutError:
        raise StartupError(
            f"SLACK_APP_TOKEN: Slack accepted the token, but its Socket Mode websocket did not "
            f"open within {SOCKET_CONNECT_SECONDS:.0f} s; check that outbound websocket (wss://) "
            f"connections are allowed"
        ) from None


async def _finish_background_work(deps: Deps) -> None:
    """Let the work listeners queued after their ack (posting verdicts, updates) finish."""
    if deps.background.pending:
        logger.info("finishing %d piece(s) of work in flight", deps.background.pending)
    unfinished = await deps.background.drain(timeout=DRAIN_SECONDS)
    if unfinished:
        logger.warning("%d piece(s) of work still running after %.0f s", unfinished, DRAIN_SECONDS)
    try:
        await asyncio.wait_for(deps.coalescer.drain(), timeout=DRAIN_SECONDS)
    except TimeoutError:
        logger.warning("message updates still pending after %.0f s", DRAIN_SECONDS)


# -- the banner -----------------------------------------------------------------------------


async def _log_banner(
    settings: Settings, deps: Deps, engine: AsyncEngine, scheduler: AsyncIOScheduler
) -> None:
    url = database_url(settings.database_url)
    mode = "Socket Mode" if settings.socket_mode else "HTTP mode"
    fields = {
        "mode": "socket" if settings.socket_mode else "http",
        "port": settings.port,
        "database": url.render_as_string(hide_password=True),
        "dialect": url.get_dialect().name,
        "migrations": await migration_state(engine, settings.database_url),
        "next_reminder_sweep": _next_sweep(scheduler, settings, deps),
        "timezone": settings.timezone,
        "policy_hash": deps.policy.hash,
    }
    logger.info(
        "finetune-check started in %s (%s); database %s (%s), migrations %s; scheduler: "
        "next reminder sweep %s, vote-close, nudge and redelivery sweeps every %.0f s; policy %s",
        mode,
        f"/healthz on port {settings.port}" if settings.socket_mode else f"port {settings.port}",
        fields["database"],
        fields["dialect"],
        fields["migrations"],
        fields["next_reminder_sweep"],
        FREQUENT_SECONDS,
        fields["policy_hash"],
        extra=fields,
    )


def _next_sweep(scheduler: AsyncIOScheduler, settings: Settings, deps: Deps) -> str:
    job = scheduler.get_job(DAILY_SWEEP_JOB)
    if job is None or job.next_run_time is None:
        return "not scheduled"
    when = job.next_run_time.strftime("%Y-%m-%d %H:%M %Z")
    now = deps.clock.now()
    catching_up = started_after_reminder_hour(now, hour=settings.reminder_hour, zone=settings.zone)
    return f"{when} (catch-up sweep at start-up)" if catching_up else when

