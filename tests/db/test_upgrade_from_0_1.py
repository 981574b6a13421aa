"""A database made by release 0.1 (tables from `create_all`, no version table) is adopted by the
migrations: its rows stay, its version becomes head, its schema is the models'."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from bot import db
from tests.db.helpers import backend, make_release_0_1, schema_differences, tables, version

AT = "2026-03-01 10:00:00"


def insert(url: str, statements: list[tuple[str, dict]]) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement, values in statements:
                connection.execute(text(statement), values)
    finally:
        engine.dispose()


def hub_rows(url: str) -> None:
    """What a 0.1 hub had written: a conversation, a message, an agent, a knowledge-base answer."""
    insert(url, [
        ("INSERT INTO conversations (id, channel, handled_by, created_at, updated_at, metadata) "
         "VALUES ('conv-01', 'web', 'bot', :at, :at, '{}')", {"at": AT}),
        ("INSERT INTO messages (conversation_id, direction, sender, text, status, created_at) "
         "VALUES ('conv-01', 'in', 'customer', 'where is my order A1042?', 'answered', :at)", {"at": AT}),
        ("INSERT INTO agents (username, name, password_hash, role, skills, capacity, active, created_at) "
         "VALUES ('alex', 'Alex Kim', 'not-a-hash', 'agent', '[\"general\"]', 3, :yes, :at)", {"at": AT, "yes": True}),
        ("INSERT INTO kb_answers (conversation_id, created_at, query, outcome, results) "
         "VALUES ('conv-01', :at, 'can i return beans', 'no_answer', '[]')", {"at": AT}),
    ])


def check_hub_rows(url: str) -> None:
    """The current code reads what 0.1 wrote."""
    from bot.agents.directory import AgentDirectory
    from bot.conversations.store import Store
    from bot.kb.answers import AnswerLog

    store, agents, answers = Store(url), AgentDirectory(url), AnswerLog(url)
    try:
        assert [m.text for m in store.history("conv-01")] == ["where is my order A1042?"]
        assert agents.by_username("alex").name == "Alex Kim"
        assert [a["query"] for a in answers.for_conversation("conv-01")] == ["can i return beans"]
        store.add_inbound("conv-01", "and now?")  # and writes as before
        assert len(store.history("conv-01")) == 2
    finally:
        store.close(), agents.close(), answers.close()


def test_hub_database_of_release_0_1_is_adopted(empty_url):
    make_release_0_1(empty_url, "hub")
    hub_rows(empty_url)
    assert "alembic_version" not in tables(empty_url)
    revisions = db.upgrade(empty_url, "hub")
    assert (revisions.before, revisions.after, revisions.adopted) == (None, db.head("hub"), True)
    assert version(empty_url, "hub") == [db.head("hub")]
    assert schema_differences(empty_url, "hub") == []
    check_hub_rows(empty_url)


def test_hub_database_where_only_the_agents_were_made_is_completed(empty_url):
    """Release 0.1's `make run` made the agent tables first (`carebot agents demo`); the hub made the
    others at its first start. A database from between the two is completed, its agents kept."""
    make_release_0_1(empty_url, "hub", only={"agents", "agent_sessions", "agent_login_failures"})
    insert(empty_url, [
        ("INSERT INTO agents (username, name, password_hash, role, skills, capacity, active, created_at) "
         "VALUES ('alex', 'Alex Kim', 'not-a-hash', 'agent', '[\"general\"]', 3, :yes, :at)", {"at": AT, "yes": True})])
    revisions = db.upgrade(empty_url, "hub")
    assert revisions.adopted and revisions.current
    assert schema_differences(empty_url, "hub") == []
    from bot.agents.directory import AgentDirectory

    agents = AgentDirectory(empty_url)
    try:
        assert agents.by_username("alex").name == "Alex Kim"
    finally:
        agents.close()


def test_crm_database_of_release_0_1_is_adopted(empty_url):
    make_release_0_1(empty_url, "crm")
    sqlite = backend(empty_url) == "sqlite"
    money = (lambda amount: int(Decimal(amount) * 100)) if sqlite else Decimal  # 0.1 kept cents on SQLite
    insert(empty_url, [
        ("INSERT INTO crm_customers (id, first_name, last_name, email, phone, phone_digits, tier, street, city, "
         "state, postal_code, payment_method, created_at) VALUES ('C9001', 'Ada', 'Lovelace', 'ada@example.com', "
         "'(555) 010-9001', '5550109001', 'gold', '1 Main St', 'Springfield', 'IL', '62701', 'Visa 4242', :at)",
         {"at": AT}),
        ("INSERT INTO crm_orders (id, customer_id, status, placed_at, shipping_fee, total, ship_to) "
         "VALUES ('A9001', 'C9001', 'processing', :at, :fee, :total, '1 Main St, Springfield, IL 62701')",
         {"at": AT, "fee": money("4.99"), "total": money("24.49")}),
        ("INSERT INTO crm_order_lines (order_id, position, sku, product, quantity, unit_price) "
         "VALUES ('A9001', 1, 'MUG-01', 'Stoneware mug', 2, :price)", {"price": money("9.75")}),
    ])
    revisions = db.upgrade(empty_url, "crm")
    assert (revisions.before, revisions.after, revisions.adopted) == (None, db.head("crm"), True)
    assert version(empty_url, "crm") == [db.head("crm")]
    assert schema_differences(empty_url, "crm") == []
    from bot.crm.sql import SqlCrm

    crm = SqlCrm(empty_url)
    try:
        crm.create_schema()  # what `carebot crm seed` and the action server do: nothing left to do
        order = crm.get_order("a9001")
        assert (order.customer_id, order.total, order.lines[0].unit_price) == ("C9001", Decimal("24.49"),
                                                                               Decimal("9.75"))
        assert crm.counts()["customers"] == 1
    finally:
        crm.close()


@pytest.mark.parametrize("database", ["hub", "crm"])
def test_first_migration_makes_the_schema_of_release_0_1(empty_url, database):
    """0001 and the 0.1 fixture describe the same schema, so adopting a 0.1 database changes nothing
    that 0001 would have made differently (and 0001 downgrades to nothing)."""
    from alembic import command
    from sqlalchemy import MetaData

    from bot.migrations import DATABASES

    spec = DATABASES[database]
    engine = create_engine(empty_url)
    try:
        with engine.begin() as connection:
            command.upgrade(db.alembic_config(database, connection), "0001")
        first = MetaData()
        first.reflect(engine, only=lambda name, _metadata: spec.owns(name))
        with engine.begin() as connection:
            command.downgrade(db.alembic_config(database, connection), "base")
            connection.execute(text(f"DROP TABLE {spec.version_table}"))
    finally:
        engine.dispose()
    assert tables(empty_url) == set()
    make_release_0_1(empty_url, database)
    assert len(first.tables) == len(tables(empty_url)) > 5
    assert schema_differences(empty_url, database, metadata=first) == []
