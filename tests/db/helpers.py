"""Helpers of the migration tests: compare a database with the models, read its version, make the
database release 0.1 made (tests/db/data)."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.migrations import DATABASES

DATA = Path(__file__).resolve().parent / "data"


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def schema_differences(url: str, database: str, metadata=None) -> list:
    """What Alembic's autogenerate would still change: [] when the database matches the models (or
    the given metadata)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    spec = DATABASES[database]
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "compare_server_default": True, "version_table": spec.version_table,
                "include_name": lambda name, kind, _parent: kind != "table" or spec.owns(name)})
            return compare_metadata(context, spec.metadata() if metadata is None else metadata)
    finally:
        engine.dispose()


def version(url: str, database: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = text(f"SELECT version_num FROM {DATABASES[database].version_table}")
            return list(connection.execute(query).scalars())
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def release_0_1_statements(database: str, dialect: str, only: set[str] | None = None) -> list[str]:
    """The DDL with which release 0.1 made the database (`create_all`), from tests/db/data; `only`
    keeps the statements of those tables."""
    ddl = (DATA / f"{database}-0.1.{dialect}.sql").read_text(encoding="utf-8")
    ddl = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in re.split(r";\s*\n", ddl) if s.strip()]
    if only is not None:
        statements = [s for s in statements if re.search(r"(?:TABLE|ON) (\w+)", s).group(1) in only]
    return statements


def make_release_0_1(url: str, database: str, only: set[str] | None = None) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in release_0_1_statements(database, backend(url), only):
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
