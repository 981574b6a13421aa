"""Encryption at rest (issue 15): the real app with data keys writes customers' words sealed, on SQLite
and PostgreSQL; the hub reads them back; rotation and sealing older rows with `carebot privacy reseal`."""
from __future__ import annotations

import pytest
from test_privacy_erasure import everything  # every value of every table, read with no key

from bot.conversations.store import Store
from bot.kb.answers import AnswerLog
from bot.privacy.reseal import reseal
from bot.sealed import PREFIX, Seal

WORD = "Quetzalcoatlus"


def say(client, conversation: str, words: str) -> None:
    assert client.post(f"/api/conversations/{conversation}/messages", json={"text": words}).status_code == 200


def test_the_hub_seals_what_customers_write_and_reads_it_back(make_client, settings, hub_db_url):
    client = make_client(settings, hub_db_url=hub_db_url, data_keys=("first key",))
    conversation = client.post("/api/conversations").json()["conversation_id"]
    say(client, conversation, f"my {WORD} kettle leaks, I'm jo@example.org")
    AnswerLog(client.app.state.hub.store.engine).record(conversation, f"does the {WORD} descale?", "answered", [])
    history = client.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert any(WORD in (m["text"] or "") for m in history)  # the hub reads its own words
    stored = everything(hub_db_url)
    assert WORD not in stored and "jo@example.org" not in stored
    assert PREFIX in stored  # sealed, not dropped
    assert "You said" not in stored  # the bot's answers too


def test_rows_written_before_encryption_are_read_and_then_sealed_and_keys_rotate(make_client, settings, hub_db_url):
    plain = make_client(settings, hub_db_url=hub_db_url)  # no keys: as before this change
    conversation = plain.post("/api/conversations").json()["conversation_id"]
    say(plain, conversation, f"the old {WORD} message")
    assert WORD in everything(hub_db_url)

    assert reseal(hub_db_url, ("old key",))["messages"] >= 2  # sealed now, with the old key
    assert WORD not in everything(hub_db_url)
    old = Store(hub_db_url, keys=("old key",))
    assert any(WORD in m.text for m in old.history(conversation) if m.text)

    reseal(hub_db_url, ("new key", "old key"))  # rotation: the new key first, the old one still opens
    new_only = Store(hub_db_url, keys=("new key",))
    assert any(WORD in m.text for m in new_only.history(conversation) if m.text)
    with pytest.raises(ValueError, match="could not be opened"):
        old.history(conversation)
    old.close()
    new_only.close()


def test_a_sealed_value_needs_a_key_and_is_not_the_text():
    seal = Seal(("k",))
    sealed = seal.seal("card ending 1111")
    assert sealed.startswith(PREFIX) and "1111" not in sealed
    assert seal.seal("same") != seal.seal("same")  # a fresh nonce every time
    assert Seal(("other", "k")).open(sealed) == "card ending 1111"
    assert seal.open("written before encryption") == "written before encryption"
    with pytest.raises(ValueError):
        Seal(())
