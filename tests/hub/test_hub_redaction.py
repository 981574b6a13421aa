"""Sensitive numbers are hidden at accept (issue 15): the real hub app, a real SQLite file, a stand-in
Rasa over HTTP. Nothing after accept sees them: not the store, the history, the logs or Rasa."""
from __future__ import annotations

import sqlite3

CARD = "4111 1111 1111 1111"
MESSAGE = f"my visa is {CARD} exp 04/27 cvv 123 and my ssn is 123-45-6789, order A1042"


def post(client, conversation, text):
    return client.post(f"/api/conversations/{conversation}/messages", json={"text": text})


def database_text(settings) -> str:
    path = settings.hub_db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT text, payload FROM messages").fetchall()
    return "\n".join(f"{text} {payload}" for text, payload in rows)


def test_a_card_number_never_reaches_the_store_rasa_or_the_logs(client, conversation, rasa, settings, hub_logs):
    body = post(client, conversation, MESSAGE).json()
    stored = body["message"]["text"]
    assert stored == ("my visa is [card ending 1111] exp 04/27 cvv [security code hidden] and my ssn is "
                      "[SSN hidden], order A1042")
    assert rasa.requests[-1]["message"] == stored  # the bot reads the hidden text, order number intact
    everything = database_text(settings) + hub_logs.text
    for secret in ("4111 1111 1111 1111", "4111111111111111", "123-45-6789", "cvv 123"):
        assert secret not in everything
    history = client.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert CARD not in str(history)


def test_the_customer_is_told_once_and_kindly(client, conversation):
    first = post(client, conversation, f"here is my card {CARD}").json()["messages"]
    assert first[0]["text"].startswith("For your safety I've hidden the card details you typed")
    assert "Payment methods" in first[0]["text"]
    assert len(first) > 1  # the bot's answer still follows
    again = post(client, conversation, "card 5500 0000 0000 0004").json()["messages"]
    assert not any("For your safety" in (m["text"] or "") for m in again)
    plain = post(client, conversation, "where is my order A1042").json()["messages"]
    assert not any("For your safety" in (m["text"] or "") for m in plain)


def test_a_message_with_nothing_to_hide_is_stored_as_typed(client, conversation):
    text = "order A1042, call (555) 201-3344, UPS 1Z999AA10123456784, $49.99 on 12/05"
    assert post(client, conversation, text).json()["message"]["text"] == text
