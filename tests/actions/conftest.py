"""Fixtures for the action tests: real trackers (JSON), the real domain, a real seeded CRM.

Every test gets its own copy of a SQLite CRM seeded once per session at `SEED_NOW`
(today 17:00 UTC = midday in New York), `CAREBOT_CRM_URL` pointing at it, a clean CRM
cache, and the actions' clock fixed at `SEED_NOW` (tests needing another time patch
`bot.client_profile.now` themselves).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from action_testkit import SEED_NOW

from actions import common
from bot import client_profile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    from bot.crm import open_crm
    from bot.crm.seed import seed

    path = tmp_path_factory.mktemp("crm-template") / "crm.db"
    crm = open_crm(f"sqlite:///{path}")
    try:
        seed(crm, now=SEED_NOW)
    finally:
        crm.close()
    return path


@pytest.fixture(autouse=True)
def crm_cache():
    common.reset_crm_cache()
    yield
    common.reset_crm_cache()


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(client_profile, "now", lambda: SEED_NOW)
    monkeypatch.setenv("CAREBOT_CLIENT_FILE", str(ROOT / "client.yml"))
    return SEED_NOW


@pytest.fixture
def crm_url(seeded_db, tmp_path, monkeypatch) -> str:
    """A private copy of the seeded CRM for this test, set as CAREBOT_CRM_URL."""
    path = tmp_path / "crm.db"
    shutil.copy(seeded_db, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("CAREBOT_CRM_URL", url)
    return url


@pytest.fixture
def crm(crm_url):
    """Direct access to the test's CRM (to read what the actions wrote)."""
    from bot.crm import open_crm

    handle = open_crm(crm_url)
    yield handle
    handle.close()


@pytest.fixture
def crm_down(tmp_path, monkeypatch) -> str:
    """CAREBOT_CRM_URL pointing at a database that cannot be opened (a directory)."""
    blocked = tmp_path / "not-a-database"
    blocked.mkdir()
    url = f"sqlite:///{blocked}"
    monkeypatch.setenv("CAREBOT_CRM_URL", url)
    return url


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def kb_env(project_kb_index, tmp_path, monkeypatch):
    """The knowledge-base actions on the project's articles and a hub database of the test's own."""
    from actions import knowledge

    monkeypatch.setenv("CAREBOT_KB_INDEX", str(project_kb_index))
    monkeypatch.setenv("CAREBOT_HUB_DB_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    knowledge.reset_caches()
    yield
    knowledge.reset_caches()


@pytest.fixture
def answer_log(tmp_path):
    """The answer log in that database (SQLite), its schema created, with the action server's data keys
    (what it writes is sealed: bot/sealed.py)."""
    from bot.kb.answers import AnswerLog
    from bot.settings import Settings

    log = AnswerLog(f"sqlite:///{tmp_path / 'hub.db'}", keys=Settings.from_env().data_keys)
    log.create_schema()
    yield log
    log.close()
