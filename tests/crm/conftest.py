"""Fixtures for the CRM tests: the same suite runs on SQLite and on the real PostgreSQL.

PostgreSQL: CAREBOT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test) is the
admin connection; every fixture creates its own `carebot_crm_test_<random>` database and drops it
afterwards, so parallel runs never collide. If PostgreSQL is not reachable the PostgreSQL tests
FAIL (they do not skip) unless CAREBOT_SKIP_POSTGRES=1.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest

NOW = datetime(2026, 3, 14, 15, 0, tzinfo=timezone.utc)  # a Saturday; fixed "now" of the seeded data
PG_ADMIN_URL = os.environ.get("CAREBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SKIP_POSTGRES = os.environ.get("CAREBOT_SKIP_POSTGRES", "").strip() == "1"
BACKENDS = ["sqlite", "postgresql"]


def postgres_problem() -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def require_postgres() -> None:
    if SKIP_POSTGRES:
        pytest.skip("PostgreSQL tests disabled by CAREBOT_SKIP_POSTGRES=1")
    problem = postgres_problem()
    if problem:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({problem}). Start PostgreSQL, point "
            "CAREBOT_TEST_POSTGRES_URL at a server where you may CREATE DATABASE, or set "
            "CAREBOT_SKIP_POSTGRES=1 to skip the PostgreSQL half of the CRM tests.",
            pytrace=False,
        )


@contextmanager
def temp_postgres_database() -> Iterator[str]:
    """A fresh, empty database; yields its SQLAlchemy URL (postgresql+psycopg://...)."""
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    require_postgres()
    name = f"carebot_crm_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def database_url(backend: str, directory) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'crm-{secrets.token_hex(4)}.db'}"
    else:
        with temp_postgres_database() as url:
            yield url


def fixed_clock(moment: datetime = NOW):
    return lambda: moment


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path) -> Iterator[str]:
    """URL of an empty database (no schema) on each backend."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def seeded_crm(request, tmp_path_factory):
    """A CRM seeded at NOW whose clock is NOW. Shared by a whole session: READ-ONLY tests only."""
    from bot.crm.seed import seed
    from bot.crm.sql import SqlCrm

    with database_url(request.param, tmp_path_factory.mktemp("crm-ro")) as url:
        crm = SqlCrm(url, clock=fixed_clock())
        seed(crm, NOW)
        yield crm
        crm.close()


@pytest.fixture(scope="session", params=BACKENDS)
def _writable_url(request, tmp_path_factory) -> Iterator[str]:
    with database_url(request.param, tmp_path_factory.mktemp("crm-rw")) as url:
        yield url


@pytest.fixture
def fresh_crm(_writable_url):
    """A CRM freshly (re)seeded at NOW for this test alone, clock NOW: tests may write."""
    from bot.crm.seed import seed
    from bot.crm.sql import SqlCrm

    crm = SqlCrm(_writable_url, clock=fixed_clock())
    seed(crm, NOW, reset=True)
    yield crm
    crm.close()


class PostgresTools:
    """What tests need to know about the test PostgreSQL server (see the module docstring)."""

    admin_url = PG_ADMIN_URL

    @staticmethod
    def require() -> None:
        require_postgres()

    @staticmethod
    def temp_database():
        return temp_postgres_database()


@pytest.fixture
def pg() -> PostgresTools:
    return PostgresTools()
