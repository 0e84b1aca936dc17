"""`python -m bot`: the composition root (settings, database, repository, client, app, scheduler,
server).

Start-up: settings → logging (secrets registered for redaction) → migrations → engine and
repository → Bolt app with request logging → HTTP server (Socket Mode: the Socket Mode
connection plus `/healthz` on PORT) → scheduler with the reminder, nudge, vote-close and
verdict-redelivery sweeps (the last also run at once) → one banner line. SIGTERM or SIGINT
stops it in the reverse order: no new requests, the sweeps in progress finish, the work queued
after acks finishes, then the engine is disposed.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from contextlib import AsyncExitStack
from functools import partial

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.clock import SystemClock
from bot.deps import Deps
from bot.logging import configure_logging, redact
from bot.observability import JobRunner, migration_state
from bot.persistence.database import create_engine, database_url, run_migrations
from bot.persistence.repository import Repository
from bot.reminders import ReminderConfig, ReminderSweep, SlackPoster
from bot.scheduler import (
    DAILY_SWEEP_JOB,
    FREQUENT_SECONDS,
    build_scheduler,
    started_after_reminder_hour,
)
from bot.services.ballot import close_due_votes
from bot.services.event_keys import forget_old_event_keys
from bot.services.redelivery import redeliver_pending_verdicts
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_client import make_client
from bot.web import create_health_app, create_web_app

logger = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
DRAIN_SECONDS = 10.0
LISTEN_HOST = "0.0.0.0"


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line the operator sees."""


def main(argv: Sequence[str] | None = None) -> int:
    """Start the bot; return the process exit code."""
    configure_logging()
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    configure_logging(secrets=secret_values(settings))
    try:
        run_migrations(settings.database_url)
    except Exception as error:  # an unreachable or broken database ends start-up in one line
        print(redact(f"DATABASE_URL: cannot prepare the database ({error})"), file=sys.stderr)
        return EXIT_FAILED
    try:
        return asyncio.run(serve(settings))
    except StartupError as error:
        print(redact(str(error)), file=sys.stderr)
        return EXIT_FAILED


def secret_values(settings: Settings) -> list[str]:
    """The values no log line may contain: the tokens and the signing secret."""
    secrets = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token]
    return [secret.get_secret_value() for secret in secrets if secret is not None]


async def serve(settings: Settings) -> int:
    """Run the app until SIGTERM or SIGINT, then shut down gracefully."""
    engine = create_engine(settings.database_url)
    deps = build_deps(settings, Repository(engine))
    app = create_app(deps)
    stop = _stop_on_signals()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        stack.push_async_callback(_finish_background_work, deps)
        jobs = JobRunner()
        scheduler = start_jobs(deps, engine, jobs)
        stack.push_async_callback(stop_jobs, scheduler, jobs)
        await _start_server(stack, app, deps)
        await _log_banner(settings, deps, engine, scheduler)
        await stop.wait()
        logger.info("shutting down: no new requests; finishing sweeps and work in flight")
    logger.info("stopped")
    return EXIT_OK


def build_deps(settings: Settings, repository: Repository) -> Deps:
    """The production collaborators: the real clock, the retrying Slack client."""
    return Deps(
        settings=settings,
        repository=repository,
        client=make_client(settings),
        clock=SystemClock(),
        policy=settings.load_policy(),
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
        engine=engine,
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
        close_due_votes=jobs.wrap("close-due-votes", partial(close_due_votes, deps)),
        redeliver_verdicts=jobs.wrap(
            "redeliver-verdicts", partial(redeliver_pending_verdicts, deps)
        ),
        forget_event_keys=jobs.wrap(
            "forget-event-keys", partial(forget_old_event_keys, deps.repository, deps.clock)
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


async def _start_server(stack: AsyncExitStack, app: AsyncApp, deps: Deps) -> None:
    settings = deps.settings
    if settings.socket_mode:
        await _listen(stack, create_health_app(deps.repository.ping), settings.port)
        await _connect_socket_mode(stack, app, settings)
    else:
        await _listen(stack, create_web_app(app, deps.repository.ping), settings.port)


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


async def _connect_socket_mode(stack: AsyncExitStack, app: AsyncApp, settings: Settings) -> None:
    token = settings.slack_app_token
    assert token is not None  # socket_mode means the app token is set
    handler = AsyncSocketModeHandler(app, token.get_secret_value())
    await handler.connect_async()
    stack.push_async_callback(handler.close_async)


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


if __name__ == "__main__":
    sys.exit(main())
