"""Migration tests: real SQLite files and real PostgreSQL databases (tests/conftest.py `hub_db_url` makes a
fresh empty one per test, on each backend)."""
from __future__ import annotations

import pytest

from bot.migrations import DATABASES


@pytest.fixture
def empty_url(hub_db_url: str) -> str:
    """An empty database (SQLite file, then PostgreSQL): hub or CRM, whichever the test migrates."""
    return hub_db_url


@pytest.fixture(params=sorted(DATABASES))
def database(request) -> str:
    return request.param
