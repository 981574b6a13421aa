"""The agent directory on SQLite and on the real PostgreSQL (a fresh database per test,
dropped afterwards), with a clock the tests move by hand instead of sleeping."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

POSTGRES_ADMIN = os.environ.get("CAREBOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hub.db'}"
        return
    if os.environ.get("CAREBOT_SKIP_POSTGRES") == "1":
        pytest.skip("CAREBOT_SKIP_POSTGRES=1")
    name = f"carebot_agents_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def directory(url, clock):
    from bot.agents.directory import AgentDirectory

    agents = AgentDirectory(url, now=clock)
    agents.create_schema()
    yield agents
    agents.close()
