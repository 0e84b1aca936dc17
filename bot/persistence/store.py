"""What every store holds: the engine, a session maker and the dialect's upserting insert, and
the one way a store writes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

_SQLITE_WRITERS: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


class Store:
    """A store of one aggregate on one engine; each method is one short transaction.

    Writes go through `_writing()` / `_writing_session()`. On SQLite they take turns, one at a
    time per engine: SQLite has one writer, and a second writer that finds the lock taken waits
    in SQLite's busy handler, which sleeps in steps of up to 100 ms even when the lock is
    released a millisecond later; waiting in turn on an asyncio lock resumes at once. Reads
    never wait (WAL). PostgreSQL writes run side by side."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        dialect: Any = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a write transaction, committed when the block ends."""
        async with self._write_turn(), self._engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def _writing_session(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction, committed when the block ends."""
        async with self._write_turn(), self._sessions.begin() as session:
            yield session

    def _write_turn(self) -> AbstractAsyncContextManager[Any]:
        if self._engine.dialect.name != "sqlite":
            return nullcontext()
        return _SQLITE_WRITERS.setdefault(self._engine.sync_engine, asyncio.Lock())
