"""What every store holds: the engine, a session maker and the dialect's upserting insert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


class Store:
    """A store of one aggregate on one engine; each method is one short transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        dialect: Any = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert
