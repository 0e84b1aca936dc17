"""Alembic environment: runs the migrations on the async engine of DATABASE_URL."""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.persistence.database import (
    REVISIONS_AFTER,
    REVISIONS_BEFORE,
    create_engine,
    database_url,
)
from bot.persistence.tables import METADATA

# Any constant shared by every replica: the migration runs under this PostgreSQL lock.
MIGRATION_LOCK_ID = 0x66745F6D6967

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = METADATA


def configured_url() -> str:
    """The URL given by `run_migrations`, else DATABASE_URL, else `sqlalchemy.url` of the ini."""
    url = (
        config.attributes.get("database_url")
        or os.environ.get("DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise SystemExit("DATABASE_URL is not set: export it to tell Alembic which database to use")
    return str(url)


def run_migrations_offline() -> None:
    """Emit the SQL of the migrations instead of running them."""
    context.configure(
        url=database_url(configured_url()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the migrations on one connection, serialised across replicas on PostgreSQL.

    The revisions found before and after are left in the configuration's attributes, so
    `run_migrations` can say whether it created, upgraded or left the schema alone.
    """
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        migration = context.get_context()
        config.attributes[REVISIONS_BEFORE] = migration.get_current_heads()
        context.run_migrations()
        config.attributes[REVISIONS_AFTER] = migration.get_current_heads()


async def run_async_migrations() -> None:
    """Open an unpooled async engine and run the migrations on it."""
    engine = create_engine(configured_url(), pooled=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Run the migrations against the database."""
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
