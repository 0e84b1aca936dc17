"""Engines for SQLite and PostgreSQL, and Alembic migrations run from code."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, func, literal, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_PORT = 5432
# Where the migrations' env.py leaves the revisions it found before and after upgrading.
REVISIONS_BEFORE = "revisions_before"
REVISIONS_AFTER = "revisions_after"
# The Alembic scripts ship inside the package (bot/persistence/migrations), so an editable
# checkout, a wheel and the Docker image all find them; MIGRATIONS_DIR overrides the place.
MIGRATIONS_DIR = Path(
    os.environ.get("MIGRATIONS_DIR") or Path(__file__).resolve().parent / "migrations"
)

_DRIVER_ALIASES = {
    "sqlite": SQLITE_DRIVER,
    SQLITE_DRIVER: SQLITE_DRIVER,
    "postgres": POSTGRES_DRIVER,
    "postgresql": POSTGRES_DRIVER,
    POSTGRES_DRIVER: POSTGRES_DRIVER,
}
_ALLOWED = "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host/db"


class DatabaseUrlError(ValueError):
    """DATABASE_URL is malformed or names a database the bot does not support."""


def database_url(url: str) -> URL:
    """Parse a database URL, mapping plain `sqlite://` and `postgresql://` to the async drivers."""
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        # The URL is not echoed: it may hold a password.
        raise DatabaseUrlError(
            f"DATABASE_URL is not a valid database URL; use {_ALLOWED}"
        ) from None
    driver = _DRIVER_ALIASES.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlError(
            f"DATABASE_URL uses {parsed.drivername!r}, which is not supported; use {_ALLOWED}"
        )
    parsed = parsed.set(drivername=driver)
    if driver == SQLITE_DRIVER and parsed.database in (None, "", ":memory:"):
        raise DatabaseUrlError(
            f"DATABASE_URL must name a SQLite file (an in-memory database is not shared "
            f"between connections); use {_ALLOWED}"
        )
    return parsed


def create_engine(url: str, *, pooled: bool = True) -> AsyncEngine:
    """An async engine for DATABASE_URL: SQLite with WAL, a busy timeout and foreign keys on.

    ``pooled=False`` opens a fresh connection each time (for migrations and one-off scripts).
    """
    parsed = database_url(url)
    options: dict[str, Any] = {"poolclass": NullPool} if not pooled else {}
    if parsed.drivername == SQLITE_DRIVER:
        return _sqlite_engine(parsed, options)
    return create_async_engine(parsed, pool_pre_ping=True, **options)


def _sqlite_engine(url: URL, options: dict[str, Any]) -> AsyncEngine:
    Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, **options)
    event.listen(engine.sync_engine, "connect", _set_sqlite_pragmas)
    return engine


def _set_sqlite_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


async def ping(engine: AsyncEngine) -> None:
    """Run a trivial query; raises if the database cannot be reached."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


@asynccontextmanager
async def advisory_lock(engine: AsyncEngine, *, key: int) -> AsyncIterator[bool]:
    """Hold a PostgreSQL session advisory lock for the block: True when taken, False when
    another session holds it (no waiting). Elsewhere there is no such lock: always True."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        taken = await connection.scalar(select(func.pg_try_advisory_lock(literal(key))))
        try:
            yield bool(taken)
        finally:
            if taken:
                await connection.execute(select(func.pg_advisory_unlock(literal(key))))


def alembic_config(url: str) -> Config:
    """An Alembic configuration built in code, pointing at the stores's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url(url).render_as_string(hide_password=False)
    return config


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """The schema revisions of a database before and after `run_migrations` (empty: none)."""

    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def created(self) -> bool:
        """Whether the database had no schema before: the migrations created it."""
        return not self.before

    @property
    def changed(self) -> bool:
        """Whether the migrations changed the schema."""
        return self.before != self.after


def run_migrations(url: str) -> MigrationResult:
    """Upgrade the database to the newest schema; idempotent, safe inside a running event loop."""
    config = alembic_config(url)
    if not MIGRATIONS_DIR.is_dir():
        raise FileNotFoundError(f"Alembic migrations not found at {MIGRATIONS_DIR}")
    if _event_loop_running():
        _run_in_thread(lambda: command.upgrade(config, "head"))
    else:
        command.upgrade(config, "head")
    return MigrationResult(
        before=tuple(config.attributes.get(REVISIONS_BEFORE, ())),
        after=tuple(config.attributes.get(REVISIONS_AFTER, ())),
    )


async def migrate(url: str) -> MigrationResult:
    """`run_migrations` without blocking the running event loop."""
    return await asyncio.to_thread(run_migrations, url)


def describe_failure(url: str, error: BaseException) -> str:
    """What went wrong reaching the database, naming where it is (never the password).

    "the database server at db.internal:5432 refused the connection; is it running?", or the
    first line of the driver's own message for anything else.
    """
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError):
        return _unreachable(_where(url), error)
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).strip()
    first_line = text.splitlines()[0] if text else type(error).__name__
    return " ".join(first_line.split())


def _where(url: str) -> str:
    try:
        parsed = database_url(url)
    except DatabaseUrlError:
        return "the database"
    if parsed.drivername == SQLITE_DRIVER:
        return f"the SQLite file {parsed.database}"
    return f"the database server at {parsed.host or 'localhost'}:{parsed.port or POSTGRES_PORT}"


def _unreachable(where: str, error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return f"{where} refused the connection; is it running and listening there?"
    if isinstance(error, socket.gaierror):
        return f"{where} cannot be reached: its host name is unknown"
    if isinstance(error, TimeoutError):
        return f"{where} did not answer in time"
    return f"{where} cannot be reached: {error.strerror or error or type(error).__name__}"


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _run_in_thread(work: Any) -> None:
    failures: list[BaseException] = []

    def target() -> None:
        try:
            work()
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=target, name="alembic-upgrade")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]
