"""The one place that opens the hub database: the hub's store and the tables other
modules own in the same database (for example the knowledge-base answer log) share it. And the
one place that migrates a database (hub or demo CRM) to the schema of the code: `upgrade`.

SQLite gets WAL and a 30 s busy timeout, because the hub and the action server write to
the same file; PostgreSQL connections are checked before use.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)
# The largest id an Integer primary key holds on every database (PostgreSQL's INTEGER is 32-bit). An id from
# outside (a URL, a frame) above it is no row, not a query: SQLite would raise OverflowError, PostgreSQL
# NumericValueOutOfRange.
ROW_ID_MAX = 2**31 - 1


def is_row_id(value: object) -> bool:
    """`value` can name a row: an int (not a bool) from 1 to ROW_ID_MAX."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ROW_ID_MAX


# Alembic's `context` and `op` are module-wide: one migration run at a time in this process.
_ALEMBIC = threading.Lock()


def engine_for(url_or_engine: "str | Engine", keys: "tuple[str, ...]" = ()) -> tuple[Engine, bool]:
    """(the engine, whether the caller owns it): a URL opens a new engine (the caller disposes of it);
    an engine is shared (the composition root opens one per database and hands it to every store)."""
    if isinstance(url_or_engine, Engine):
        return url_or_engine, False
    return make_engine(url_or_engine, keys=keys), True


def make_engine(url: str, *, keys: "tuple[str, ...] | list[str]" = ()) -> Engine:
    """An engine for the hub database (SQLite with WAL and a busy timeout, or PostgreSQL). With ``keys``
    (Settings.data_keys) its SealedText / SealedJSON columns are encrypted at rest (bot/sealed.py)."""
    parsed = make_url(url)
    # hide_parameters: an error's text (logged with its traceback) never carries a customer's words
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if keys:
        from bot.sealed import Seal

        engine.dialect.carebot_seal = Seal(tuple(keys))  # where the sealed column types find it
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")  # an erased message is overwritten, not left in a free page
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


# -- migrations (bot/migrations, docs/database.md) --------------------------------------------------


class SchemaNotCurrent(RuntimeError):
    """The database is not at the schema this code needs, and was not to be upgraded here."""


@dataclass(frozen=True)
class Revisions:
    database: str  # "hub" | "crm"
    before: str | None  # None: no version table (empty, or made by release 0.1)
    after: str | None
    head: str
    adopted: bool = False  # tables made by release 0.1 (create_all) were found and kept

    @property
    def current(self) -> bool:
        return self.after == self.head


def alembic_config(database: str = "hub", connection: Connection | None = None) -> Config:
    """Alembic's configuration for one database, built in code (no alembic.ini needed)."""
    from alembic.config import Config

    from bot.migrations import DATABASES

    config = Config()
    config.set_main_option("script_location", str(DATABASES[database].script_location))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=None)
def _scripts(database: str) -> ScriptDirectory:
    """The migration scripts of a database, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database))


def head(database: str = "hub") -> str:
    return _scripts(database).get_current_head()


def upgrade(url_or_engine: str | Engine, database: str = "hub") -> Revisions:
    """Migrate the database to the newest schema (`alembic upgrade head`); the one place that does.

    A database made by release 0.1 (tables from `create_all`, no version table) is adopted: the
    first migration creates only the tables it lacks and keeps every row. Safe when several
    processes start at once: the upgrade runs in one transaction that first takes a lock
    (pg_advisory_xact_lock on PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite), and
    whoever comes second finds the work done."""
    with _connection(url_or_engine) as connection:
        found = _revision(connection, database)
        target = head(database)
        if found == target:  # the usual case: nothing to lock
            return Revisions(database, found, found, target)
        with _locked(connection, database):
            before = _revision(connection, database)
            adopted = before is None and _has_tables(connection, database)
            if before != target:
                _run_upgrade(connection, database)
            after = _revision(connection, database)
    if before != after:
        # Existing data migrated is news; a new database getting its tables is routine (create_all was silent).
        level = logging.INFO if before is not None or adopted else logging.DEBUG
        log.log(level, "database upgraded", extra={"event": "db_upgraded", "database": database,
                                                   "from_revision": before, "to_revision": after, "adopted": adopted})
    return Revisions(database, before, after, target, adopted)


def current(url_or_engine: str | Engine, database: str = "hub") -> Revisions:
    """The database's revision next to the code's head (nothing is changed)."""
    with _connection(url_or_engine) as connection:
        found = _revision(connection, database)
    return Revisions(database, found, found, head(database))


def prepare(url_or_engine: str | Engine, upgrade_schema: bool, database: str = "hub") -> Revisions:
    """What a service does at start: upgrade when asked (CAREBOT_DB_UPGRADE), otherwise check that
    someone did (`carebot db upgrade`) and refuse to run on an older schema."""
    if upgrade_schema:
        return upgrade(url_or_engine, database)
    revisions = current(url_or_engine, database)
    if not revisions.current:
        flag = "" if database == "crm" else " (or set CAREBOT_DB_UPGRADE=1)"
        raise SchemaNotCurrent(
            f"the {database} database is at revision {revisions.after or 'none'}, this code needs {revisions.head}: "
            f"run `carebot db upgrade{' crm' if database == 'crm' else ''}`{flag}")
    return revisions


@contextmanager
def _connection(url_or_engine: str | Engine) -> Iterator[Connection]:
    if isinstance(url_or_engine, Engine):
        with url_or_engine.connect() as connection:
            yield connection
        return
    engine = _migration_engine(url_or_engine)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return create_engine(parsed, poolclass=NullPool, connect_args={"timeout": 60}, hide_parameters=True)
    return create_engine(parsed, poolclass=NullPool, hide_parameters=True)


@contextmanager
def _locked(connection: Connection, database: str) -> Iterator[None]:
    """One transaction holding the database's migration lock; committed at the end."""
    from bot.migrations import DATABASES

    connection.rollback()  # end the read above: the lock must be the transaction's first step
    if connection.dialect.name == "sqlite":
        # Copying a table (batch migrations) must not fire ON DELETE CASCADE: foreign keys off, which
        # SQLite only allows outside a transaction; the engine's own setting is restored after.
        keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; a second process waits here
            yield
            connection.commit()
        finally:
            connection.rollback()
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if keys else 'OFF'}")
            connection.commit()
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DATABASES[database].lock_key})
    try:
        yield
        connection.commit()
    finally:
        connection.rollback()


def _revision(connection: Connection, database: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from bot.migrations import DATABASES

    context = MigrationContext.configure(connection, opts={"version_table": DATABASES[database].version_table})
    return context.get_current_revision()


def _has_tables(connection: Connection, database: str) -> bool:
    from bot.migrations import DATABASES

    return any(DATABASES[database].owns(name) for name in inspect(connection).get_table_names())


def _run_upgrade(connection: Connection, database: str) -> None:
    """`alembic upgrade head` on this connection, inside the caller's transaction."""
    from alembic.runtime.environment import EnvironmentContext

    scripts = _scripts(database)
    config = alembic_config(database, connection)
    steps = lambda rev, _context: scripts._upgrade_revs("head", rev)  # noqa: E731, SLF001 - as `alembic upgrade`
    with _ALEMBIC, EnvironmentContext(config, scripts, fn=steps, destination_rev="head"):
        scripts.run_env()


# -- personal data (docs/privacy.md, "Export and erasure") ------------------------------------------
@dataclass(frozen=True)
class PersonalTable:
    """A table that holds what a customer said or who they are, declared by the module that owns it, so
    `bot.privacy` can export and erase one customer's rows without knowing any feature.

    A row belongs to a subject through ``conversation_column`` (the conversation's id), through
    ``customer_column`` (the CRM customer id), or through ``parent``: (our column, the parent's
    declaration, the parent's column), the rows of the parent's selected rows. Erasure deletes the
    rows. A retention purge deletes them too unless ``anonymise`` is given: the row is kept for the
    statistics (KPIs, QA) with these columns set to these values (the words removed)."""

    table: Any  # sqlalchemy.Table
    conversation_column: str | None = "conversation_id"
    customer_column: str | None = None
    parent: "tuple[str, PersonalTable, str] | None" = None
    anonymise: "dict[str, Any] | None" = None

    @property
    def name(self) -> str:
        return str(self.table.name)
