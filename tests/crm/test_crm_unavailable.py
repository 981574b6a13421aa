"""An unreachable or broken backend surfaces as CrmUnavailable (the bot apologises, offers a human)."""
from __future__ import annotations

import time

import pytest

from bot.crm import CrmError, CrmUnavailable, open_crm
from bot.crm.sql import SqlCrm

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/carebot"

CALLS = [
    ("ping", lambda crm: crm.ping()),
    ("create_schema", lambda crm: crm.create_schema()),
    ("find_customer", lambda crm: crm.find_customer(email="maria.lopez@example.com")),
    ("get_order", lambda crm: crm.get_order("A1042")),
    ("orders_for_customer", lambda crm: crm.orders_for_customer("C1001")),
    ("invoices_for_customer", lambda crm: crm.invoices_for_customer("C1001")),
    ("find_charge", lambda crm: crm.find_charge("C1002", "22.00")),
    ("get_subscription", lambda crm: crm.get_subscription("C1001")),
    ("create_return", lambda crm: crm.create_return("A1043", "Burr Grinder Pro", "broken")),
    ("create_dispute", lambda crm: crm.create_dispute("C1002", "INV-2026-00001", "22", "twice")),
    ("schedule_callback", lambda crm: crm.schedule_callback("555-201-3344", "tomorrow", "billing")),
    ("open_tickets", lambda crm: crm.open_tickets("C1001")),
]


@pytest.mark.parametrize("name, call", CALLS, ids=[name for name, _ in CALLS])
def test_closed_postgres_port(name, call):
    crm = SqlCrm(CLOSED_PORT_URL)
    started = time.monotonic()
    try:
        with pytest.raises(CrmUnavailable) as info:
            call(crm)
    finally:
        crm.close()
    assert "127.0.0.1" in str(info.value) or "unavailable" in str(info.value).lower()
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("name, call", CALLS, ids=[name for name, _ in CALLS])
def test_sqlite_file_in_missing_directory(tmp_path, name, call):
    crm = SqlCrm(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'crm.db'}")
    try:
        with pytest.raises(CrmUnavailable):
            call(crm)
    finally:
        crm.close()
    assert not (tmp_path / "no").exists()


def test_constructor_does_not_connect():
    crm = SqlCrm(CLOSED_PORT_URL)  # no error until the first call
    crm.close()


def test_open_crm_on_unreachable_backend():
    with pytest.raises(CrmUnavailable):
        open_crm(CLOSED_PORT_URL)


def test_open_crm_uses_settings_and_creates_sqlite_directory(tmp_path, monkeypatch):
    from bot.settings import Settings

    path = tmp_path / "var" / "deep" / "crm.db"
    monkeypatch.setenv("CAREBOT_CRM_URL", f"sqlite:///{path}")
    settings = Settings.from_env()
    crm = open_crm(settings.crm_url, client_file=settings.client_file)
    try:
        assert path.exists()
        assert crm.counts()["customers"] == 0  # schema created, empty
        assert crm.return_window_days == 30  # from client.yml
        assert crm.get_order("A1042") is None
    finally:
        crm.close()


def test_open_crm_in_memory():
    crm = open_crm("sqlite://")
    try:
        assert crm.counts()["orders"] == 0
    finally:
        crm.close()


def test_invalid_url_is_a_crm_error():
    with pytest.raises(CrmError):
        SqlCrm("definitely not a url")
    with pytest.raises(CrmError):
        SqlCrm("nosuchdialect://host/db")


def test_schema_missing_is_reported():
    crm = SqlCrm("sqlite://")  # no create_schema()
    try:
        with pytest.raises(CrmError):
            crm.get_order("A1042")
    finally:
        crm.close()


def test_postgres_is_reachable(pg):
    """Fails (not skips) with a clear message when PostgreSQL is down, unless CAREBOT_SKIP_POSTGRES=1."""
    pg.require()


def test_postgres_database_dropped_under_a_running_crm(pg):
    from bot.crm.seed import seed

    with pg.temp_database() as url:
        crm = SqlCrm(url)
        seed(crm)
        assert crm.get_order("A1042").order_id == "A1042"
        # the backend disappears while the bot is running
        import psycopg
        from psycopg import sql
        from sqlalchemy.engine import make_url

        with psycopg.connect(pg.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(make_url(url).database)))
        try:
            with pytest.raises(CrmUnavailable):
                crm.get_order("A1042")
            with pytest.raises(CrmUnavailable):
                crm.create_return("A1043", "Burr Grinder Pro", "broken")
        finally:
            crm.close()
