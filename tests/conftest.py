"""Root fixtures: a migrated database (SQLite file, or TEST_DATABASE_URL) and its stores."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.database import create_engine, migrate
from bot.persistence.stores import Stores


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """TEST_DATABASE_URL when set (CI points it at PostgreSQL), else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


async def reset_postgres_schema(url: str) -> None:
    """Drop and recreate the schema `public` so each test starts from an empty database."""
    engine = create_engine(url, pooled=False)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture
async def empty_database(database_url: str) -> str:
    """The database URL, with nothing in the database yet (PostgreSQL is wiped)."""
    if engine_is_postgres(database_url):
        await reset_postgres_schema(database_url)
    return database_url


@pytest.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a freshly migrated database, disposed after the test."""
    await migrate(empty_database)
    engine = create_engine(empty_database)
    yield engine
    await engine.dispose()


@pytest.fixture
def stores(engine: AsyncEngine) -> Stores:
    """The stores on the migrated test database."""
    return Stores.on(engine)


def engine_is_postgres(url: str) -> bool:
    """Whether the URL names a PostgreSQL database."""
    return url.startswith(("postgresql", "postgres:"))
