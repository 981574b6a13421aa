"""A database error never carries a customer's words into the logs (issue 15): every engine hides
its statement parameters, on SQLite and on the machine's real PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.crm import open_crm
from bot.db import make_engine

SECRET = "my diagnosis is private 4111"


def failing_statement(engine) -> str:
    with engine.connect() as connection, pytest.raises(DBAPIError) as caught:
        connection.execute(text("SELECT :words FROM no_such_table"), {"words": SECRET})
    return str(caught.value)


def test_the_hub_database_hides_parameters_in_errors(hub_db_url):
    engine = make_engine(hub_db_url)
    try:
        error = failing_statement(engine)
    finally:
        engine.dispose()
    assert "no_such_table" in error and SECRET not in error


def test_the_crm_database_hides_parameters_in_errors(tmp_path):
    crm = open_crm(f"sqlite:///{tmp_path / 'crm.db'}")
    try:
        engine = crm.engine
        error = failing_statement(engine)
    finally:
        crm.close()
    assert SECRET not in error


def test_a_log_line_never_carries_a_card_number_or_a_password():
    import json
    import logging

    from bot.logs import JsonFormatter, RedactingFormatter

    try:
        raise ValueError("could not charge 4111 1111 1111 1111")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "customer said %s", ("my password is Sunny2024",),
                                   sys.exc_info())
    record.text = "ssn 123-45-6789"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["msg"] == "customer said my password is [password hidden]"
    assert entry["text"] == "ssn [SSN hidden]"
    assert "[card ending 1111]" in entry["exc"] and "4111 1111" not in line
    plain = RedactingFormatter("%(message)s").format(record)
    assert "Sunny2024" not in plain and "4111 1111" not in plain
