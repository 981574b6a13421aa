"""`carebot db upgrade|current` as an operator runs it, and what the hub does at start."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot import db
from bot.settings import PROJECT_ROOT, Settings
from tests.db.helpers import make_release_0_1, schema_differences, version


def carebot(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "CAREBOT_LOG_FORMAT": "text", **env}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=PROJECT_ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_db_upgrade_migrates_the_hub_database_and_is_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'var' / 'hub.db'}"  # its folder does not exist yet
    assert carebot("db", "current", CAREBOT_HUB_DB_URL=url).returncode == 1
    first = carebot("db", "upgrade", CAREBOT_HUB_DB_URL=url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"hub database: empty -> {db.head('hub')} (head)"
    again = carebot("db", "upgrade", CAREBOT_HUB_DB_URL=url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"hub database: at {db.head('hub')} (head), nothing to do"
    current = carebot("db", "current", CAREBOT_HUB_DB_URL=url)
    assert (current.returncode, current.stdout.strip()) == (0, f"hub database: {db.head('hub')} (head)")
    assert schema_differences(url, "hub") == []


def test_db_upgrade_crm_and_a_release_0_1_database(tmp_path):
    crm_url = f"sqlite:///{tmp_path / 'crm.db'}"
    make_release_0_1(crm_url, "crm")
    run = carebot("db", "upgrade", "crm", CAREBOT_CRM_URL=crm_url, CAREBOT_HUB_DB_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"crm database: empty -> {db.head('crm')} (head) (tables made by release 0.1 kept)"
    assert version(crm_url, "crm") == [db.head("crm")]
    assert not (tmp_path / "x.db").exists()  # the hub database was left alone
    # --url overrides the settings
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert carebot("db", "upgrade", "crm", "--url", other).returncode == 0
    assert carebot("db", "current", "crm", "--url", other).returncode == 0


def test_db_upgrade_reports_an_unreachable_database(tmp_path):
    run = carebot("db", "upgrade", "--url", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    assert run.returncode == 2
    assert run.stderr.startswith("carebot db: hub database unavailable at postgresql+psycopg://nobody@127.0.0.1:1/")


def test_settings_db_upgrade(monkeypatch):
    assert Settings().db_upgrade is True  # built in code: a fresh database gets its schema
    monkeypatch.delenv("CAREBOT_DB_UPGRADE", raising=False)
    assert Settings.from_env().db_upgrade is False  # an operator's hub: `carebot db upgrade` does it
    monkeypatch.setenv("CAREBOT_DB_UPGRADE", "1")
    assert Settings.from_env().db_upgrade is True


def test_prepare_checks_unless_asked_to_upgrade(empty_url):
    with pytest.raises(db.SchemaNotCurrent, match=r"run `carebot db upgrade`"):
        db.prepare(empty_url, False)
    assert db.prepare(empty_url, True).current
    assert db.prepare(empty_url, False).current


def test_hub_refuses_to_start_on_an_older_schema(tmp_path):
    from starlette.testclient import TestClient

    from bot.channels.settings import ChannelSettings
    from bot.hub.app import create_app

    url = f"sqlite:///{tmp_path / 'hub.db'}"
    make_release_0_1(url, "hub")  # a 0.1 database, never upgraded
    app = create_app(Settings(hub_db_url=url, db_upgrade=False), channel_settings=ChannelSettings())
    with pytest.raises(db.SchemaNotCurrent, match="the hub database is at revision none"):
        with TestClient(app):
            pass
