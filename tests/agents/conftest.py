"""The agent directory on SQLite and on the real PostgreSQL (a fresh database per test,
dropped afterwards), with a clock the tests move by hand instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

START = datetime(2026, 3, 14, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self, moment: datetime = START) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def url(hub_db_url):
    return hub_db_url


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
