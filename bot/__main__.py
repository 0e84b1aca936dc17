"""`python -m bot`: the composition root (settings, database, repository, client, app, server)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from bot.app import create_app
from bot.clock import SystemClock
from bot.deps import Deps
from bot.logging import configure_logging
from bot.persistence.database import create_engine, database_url, run_migrations
from bot.persistence.repository import Repository
from bot.settings import Settings, SettingsError, load_settings
from bot.slack_client import make_client
from bot.web import create_web_app

logger = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2
DRAIN_SECONDS = 10.0


def main(argv: Sequence[str] | None = None) -> int:
    """Start the bot; return the process exit code."""
    configure_logging()
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_SETTINGS
    try:
        run_migrations(settings.database_url)
    except Exception as error:  # an unreachable or broken database ends start-up in one line
        print(f"DATABASE_URL: cannot prepare the database ({error})", file=sys.stderr)
        return EXIT_FAILED
    return asyncio.run(serve(settings))


async def serve(settings: Settings) -> int:
    """Run the app until SIGTERM or SIGINT, then shut down gracefully."""
    engine = create_engine(settings.database_url)
    repository = Repository(engine)
    deps = Deps(
        settings=settings,
        repository=repository,
        client=make_client(settings),
        clock=SystemClock(),
        policy=settings.load_policy(),
    )
    app = create_app(deps)
    stop = _stop_on_signals()
    try:
        if settings.socket_mode:
            await _run_socket_mode(app, settings, stop)
        else:
            await _run_http(app, deps, stop)
        await _finish_background_work(deps)
    finally:
        await engine.dispose()
    logger.info("stopped")
    return EXIT_OK


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _run_http(app: AsyncApp, deps: Deps, stop: asyncio.Event) -> None:
    runner = web.AppRunner(
        create_web_app(app, deps.repository.ping),
        handle_signals=False,
        access_log=None,
        shutdown_timeout=DRAIN_SECONDS,
    )
    await runner.setup()
    await web.TCPSite(runner, host="0.0.0.0", port=deps.settings.port).start()
    _log_start("HTTP", deps.settings, port=deps.settings.port)
    await stop.wait()
    logger.info("shutting down: no new requests, finishing the ones in flight")
    await runner.cleanup()


async def _run_socket_mode(app: AsyncApp, settings: Settings, stop: asyncio.Event) -> None:
    token = settings.slack_app_token
    assert token is not None  # socket_mode means the app token is set
    handler = AsyncSocketModeHandler(app, token.get_secret_value())
    await handler.connect_async()
    _log_start("Socket Mode", settings, port=None)
    await stop.wait()
    logger.info("shutting down: closing the Socket Mode connection")
    await handler.close_async()


async def _finish_background_work(deps: Deps) -> None:
    """Let the work listeners queued after their ack (posting verdicts) finish."""
    if deps.background.pending:
        logger.info("finishing %d piece(s) of work in flight", deps.background.pending)
    unfinished = await deps.background.drain(timeout=DRAIN_SECONDS)
    if unfinished:
        logger.warning("%d piece(s) of work still running after %.0f s", unfinished, DRAIN_SECONDS)


def _log_start(mode: str, settings: Settings, *, port: int | None) -> None:
    where = f" on port {port}" if port is not None else ""
    database = database_url(settings.database_url).render_as_string(hide_password=True)
    logger.info("finetune-check started in %s mode%s; database %s", mode, where, database)


if __name__ == "__main__":
    sys.exit(main())
