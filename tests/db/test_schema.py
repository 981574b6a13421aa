"""Migrating an empty database gives exactly the schema of the models, on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text

from bot import db
from bot.migrations import DATABASES, MODEL_MODULES
from bot.settings import PROJECT_ROOT
from tests.db.helpers import schema_differences, tables, version


def test_upgrade_of_an_empty_database_gives_the_models_schema(empty_url, database):
    revisions = db.upgrade(empty_url, database)
    assert (revisions.before, revisions.after, revisions.adopted) == (None, db.head(database), False)
    assert version(empty_url, database) == [db.head(database)]
    assert schema_differences(empty_url, database) == []
    spec = DATABASES[database]
    model_tables = {t for metadata in spec.metadata() for t in metadata.tables}
    assert tables(empty_url) == model_tables | {spec.version_table}
    # The comparison sees a difference when there is one: an index less.
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        index = "ix_messages_reply_to" if database == "hub" else "ix_crm_orders_customer_id"
        connection.execute(text(f"DROP INDEX {index}"))
    engine.dispose()
    assert [d[0] for d in schema_differences(empty_url, database)] == ["add_index"]


def test_upgrade_again_changes_nothing(empty_url, database):
    db.upgrade(empty_url, database)
    again = db.upgrade(empty_url, database)
    assert again.before == again.after == again.head and again.current
    assert db.current(empty_url, database).current


def test_both_databases_may_share_one_database(empty_url):
    """Separate version tables: pointing the CRM at the hub's database breaks neither."""
    db.upgrade(empty_url, "hub")
    db.upgrade(empty_url, "crm")
    assert schema_differences(empty_url, "hub") == [] and schema_differences(empty_url, "crm") == []
    assert version(empty_url, "hub") == [db.head("hub")] and version(empty_url, "crm") == [db.head("crm")]


def test_every_model_module_is_listed_once():
    """bot/migrations lists the modules whose tables make each database: a new model module must be
    listed there, or its table would be missing from migrations and their checks."""
    declaring = set()
    for path in (PROJECT_ROOT / "bot").rglob("*.py"):
        if re.search(r"^\s+__tablename__\s*=", path.read_text(encoding="utf-8"), re.M):
            declaring.add(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))
    listed = [m for modules in MODEL_MODULES.values() for m in modules]
    assert sorted(listed) == sorted(set(listed))
    assert declaring == set(listed)


def test_migrations_ship_with_the_package():
    for spec in DATABASES.values():
        assert spec.script_location.is_relative_to(Path(db.__file__).parent)
        assert (spec.script_location / "env.py").exists() and (spec.script_location / "script.py.mako").exists()
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"bot.migrations" = ["*/script.py.mako"]' in pyproject


def test_no_create_all_at_run_time():
    offenders = [str(p.relative_to(PROJECT_ROOT)) for folder in ("bot", "actions")
                 for p in (PROJECT_ROOT / folder).rglob("*.py")
                 if "create_all(" in p.read_text(encoding="utf-8") and "migrations" not in p.parts]
    assert offenders == []


def test_the_store_keeps_sqlite_foreign_keys_on_after_migrating(tmp_path):
    """The upgrade turns SQLite's foreign keys off on its connection (a copied table must not cascade);
    the hub's pooled connection gets them back, or ON DELETE CASCADE would silently stop working."""
    from bot.conversations.store import Store

    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        store.create_schema()
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert store.engine.pool.checkedin() == 1  # that was the connection the upgrade used
    finally:
        store.close()
