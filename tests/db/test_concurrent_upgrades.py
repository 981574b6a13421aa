"""Two processes migrating one database at once (hub replicas, the hub and `carebot db upgrade`,
`carebot crm seed` and the action server) both succeed: one migrates, the other finds it done."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from bot import db
from bot.migrations import DATABASES
from bot.settings import PROJECT_ROOT
from tests.db.helpers import backend, schema_differences, version


@contextmanager
def migration_lock_held(url: str, database: str):
    """Hold the lock an upgrade takes, so upgraders started meanwhile queue behind it and then race."""
    engine = create_engine(url, connect_args={"timeout": 60} if backend(url) == "sqlite" else {})
    connection = engine.connect()
    if backend(url) == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DATABASES[database].lock_key})
    try:
        yield
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def wait_for_waiters(url: str, count: int, started: float) -> None:
    """Until `count` sessions wait for the advisory lock (PostgreSQL), or a moment has passed (SQLite)."""
    if backend(url) == "sqlite":
        time.sleep(1.0)
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            while connection.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND "
                    "database = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar() < count:
                assert time.monotonic() - started < 60, "the upgraders never reached the lock"
                time.sleep(0.05)
                connection.rollback()
    finally:
        engine.dispose()


def test_two_upgrades_at_once_both_succeed(empty_url, database):
    results, errors = [], []
    start = threading.Barrier(2)

    def upgrader():
        start.wait()
        try:
            results.append(db.upgrade(empty_url, database))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=upgrader) for _ in range(2)]
    with migration_lock_held(empty_url, database):
        started = time.monotonic()
        for thread in threads:
            thread.start()
        wait_for_waiters(empty_url, 2, started)
        assert not results and not errors  # both wait for the lock
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    head = db.head(database)
    assert sorted(r.before or "" for r in results) == ["", head]  # one migrated, the other found it done
    assert all(r.after == head for r in results)
    assert version(empty_url, database) == [head]
    assert schema_differences(empty_url, database) == []


@pytest.mark.parametrize("hub_db_url", ["postgresql"], indirect=True)  # threads above cover SQLite
def test_two_carebot_db_upgrade_processes_on_one_postgresql_database(hub_db_url, database):
    env = {**os.environ, "CAREBOT_LOG_FORMAT": "text", "CAREBOT_HUB_DB_URL": hub_db_url,
           "CAREBOT_CRM_URL": hub_db_url}
    with migration_lock_held(hub_db_url, database):
        started = time.monotonic()
        runs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "db", "upgrade", database], cwd=PROJECT_ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        try:
            wait_for_waiters(hub_db_url, 2, started)
        except AssertionError:
            for run in runs:
                run.kill()
            raise
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    head = db.head(database)
    assert sorted(out.strip() for out, _ in outputs) == sorted([
        f"{database} database: empty -> {head} (head)", f"{database} database: at {head} (head), nothing to do"])
    assert version(hub_db_url, database) == [head]
