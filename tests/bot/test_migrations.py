"""The Alembic migration builds exactly the schema of `bot/persistence/tables.py`."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.persistence.database import alembic_config, create_engine, migrate, run_migrations
from bot.persistence.tables import METADATA

BOOKKEEPING = {"alembic_version"}


def live_schema(connection: Connection) -> dict[str, dict[str, Any]]:
    """Tables with their columns, unique constraints, indexes and foreign keys, as migrated."""
    inspector = inspect(connection)
    dialect = connection.dialect
    return {
        table: {
            "columns": {
                column["name"]: (column["type"].compile(dialect), column["nullable"])
                for column in inspector.get_columns(table)
            },
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "unique": {
                (unique["name"], tuple(unique["column_names"]))
                for unique in inspector.get_unique_constraints(table)
            },
            "indexes": {
                (index["name"], tuple(index["column_names"]))
                for index in inspector.get_indexes(table)
                if not index.get("duplicates_constraint")
            },
            "foreign_keys": {
                (
                    key["name"],
                    tuple(key["constrained_columns"]),
                    key["referred_table"],
                    key["options"].get("ondelete"),
                )
                for key in inspector.get_foreign_keys(table)
            },
        }
        for table in set(inspector.get_table_names()) - BOOKKEEPING
    }


def declared_schema(connection: Connection) -> dict[str, dict[str, Any]]:
    """The same view of the SQLModel metadata, compiled for the connection's dialect."""
    dialect = connection.dialect
    return {
        table.name: {
            "columns": {
                column.name: (column.type.compile(dialect), column.nullable)
                for column in table.columns
            },
            "primary_key": tuple(column.name for column in table.primary_key.columns),
            "unique": {
                (constraint.name, tuple(column.name for column in constraint.columns))
                for constraint in table.constraints
                if constraint.__class__.__name__ == "UniqueConstraint"
            },
            "indexes": {
                (index.name, tuple(column.name for column in index.columns))
                for index in table.indexes
            },
            "foreign_keys": {
                (key.name, (key.parent.name,), key.column.table.name, key.ondelete)
                for key in table.foreign_keys
            },
        }
        for table in METADATA.sorted_tables
    }


async def schemas(engine: AsyncEngine) -> tuple[dict[str, Any], dict[str, Any]]:
    async with engine.connect() as connection:
        live = await connection.run_sync(live_schema)
        declared = await connection.run_sync(declared_schema)
    return live, declared


async def version(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return [row[0] for row in rows]


async def test_the_migrated_schema_matches_the_sqlmodel_tables(engine: AsyncEngine) -> None:
    live, declared = await schemas(engine)
    assert sorted(live) == sorted(declared)
    for table in declared:
        assert live[table] == declared[table], table


async def test_alembic_autogenerate_finds_nothing_to_change(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, METADATA))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_migrating_twice_changes_nothing(engine: AsyncEngine, database_url: str) -> None:
    before = await schemas(engine)
    await migrate(database_url)
    assert await schemas(engine) == before
    assert await version(engine) == ["0002"]


async def test_migrations_can_run_inside_a_running_event_loop(
    engine: AsyncEngine, database_url: str
) -> None:
    run_migrations(database_url)
    assert await version(engine) == ["0002"]


async def test_downgrading_drops_every_table_and_upgrading_restores_them(
    engine: AsyncEngine, database_url: str
) -> None:
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    async with engine.connect() as connection:
        left = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    assert set(left) <= BOOKKEEPING
    await migrate(database_url)
    live, declared = await schemas(engine)
    assert live == declared


def test_migrations_run_from_synchronous_code(empty_database: str) -> None:
    run_migrations(empty_database)
    run_migrations(empty_database)
    engine = create_engine(empty_database)

    async def read_version() -> list[str]:
        try:
            return await version(engine)
        finally:
            await engine.dispose()

    assert asyncio.run(read_version()) == ["0002"]
