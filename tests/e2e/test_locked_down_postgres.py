"""The real stack on PostgreSQL (issue 15): hub database, CRM and Rasa's tracker store each in a fresh
PostgreSQL database. Sensitive numbers reach no store and no log; after `carebot privacy erase` none of
the conversation's words remain in any of them."""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from tests.conftest import POSTGRES_ADMIN

pytestmark = pytest.mark.e2e
NAMES = ("hub", "crm", "tracker")


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory, project_kb_index):
    if os.environ.get("CAREBOT_SKIP_POSTGRES") == "1":
        pytest.skip("CAREBOT_SKIP_POSTGRES=1")
    from bot.runner.stack import running_stack

    suffix = uuid.uuid4().hex[:8]
    names = {name: f"carebot_e2e_{name}_{suffix}" for name in NAMES}
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f"CREATE DATABASE {name}"))
    urls = {"hub": f"{base}/{names['hub']}", "crm": f"{base}/{names['crm']}",
            # Rasa's own environment speaks psycopg2: its URL is plain postgresql://
            "tracker": f"{base}/{names['tracker']}".replace("postgresql+psycopg://", "postgresql://")}
    try:
        with running_stack(tmp_path_factory.mktemp("e2e-pg"), project_kb_index, databases={
                "CAREBOT_HUB_DB_URL": urls["hub"], "CAREBOT_CRM_URL": urls["crm"],
                "CAREBOT_RASA_TRACKER_URL": urls["tracker"]}) as started:
            yield started, urls
    finally:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def every_value(urls: dict[str, str], log_dir: Path) -> str:
    """Every value of every table of the three databases, and every log file, as text."""
    found = []
    for url in urls.values():
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as conn:
                for table in inspect(engine).get_table_names():
                    found.extend(str(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"')))
        finally:
            engine.dispose()
    found.extend(path.read_text(errors="replace") for path in log_dir.glob("*.log"))
    return "\n".join(found)


def test_no_store_holds_a_card_number_and_an_erasure_leaves_no_word(pg_stack, capsys):
    from bot.cli import main as carebot

    (supervisor, settings), urls = pg_stack
    assert settings.hub_db_url.startswith("postgresql") and settings.rasa_tracker_url.startswith("postgresql")
    word, card, ssn = "Quetzalcoatlus", "4539 1488 0343 6467", "123-45-6789"
    with httpx.Client(base_url=f"http://{settings.hub_host}:{settings.hub_port}", timeout=60) as hub:
        started = hub.post("/api/conversations").json()
        conversation, owner = started["conversation_id"], {"Authorization": f"Bearer {started['token']}"}
        for said in (f"my {word} grinder, paid with {card} cvv 737, ssn {ssn}", "where is my order A1042?",
                     "maria.lopez@example.com"):
            hub.post(f"/api/conversations/{conversation}/messages", json={"text": said}, headers=owner)
    stored = every_value(urls, supervisor.log_dir)
    assert "card ending 6467" in stored and word in stored  # Rasa's tracker has the hidden form (the right files)
    for secret in (card, card.replace(" ", ""), ssn, "cvv 737"):
        assert secret not in stored, secret

    assert carebot(["privacy", "erase", "--conversation", conversation, "--json"]) == 0  # the stack's settings
    removed = json.loads(capsys.readouterr().out)["removed"]
    assert removed["rasa_tracker_store"]["events"] > 10 and removed["hub_database"]["messages"] >= 6
    assert word not in every_value(urls, supervisor.log_dir)
