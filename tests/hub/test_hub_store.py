"""The hub's storage layer on a real SQLite file."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.conversations.store import ANSWERED, OutboundDraft, Store, UnknownConversation


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'hub.db'}")  # parent dirs are created
    store.create_schema()
    yield store
    store.close()


def test_schema(store):
    inspector = inspect(store.engine)
    assert {"conversations", "messages"} <= set(inspector.get_table_names())
    columns = {c["name"] for c in inspector.get_columns("messages")}
    assert {"id", "conversation_id", "direction", "sender", "text", "payload", "client_message_id",
            "reply_to", "status", "created_at"} <= columns
    uniques = inspector.get_unique_constraints("messages")
    assert any(set(u["column_names"]) == {"conversation_id", "client_message_id"} for u in uniques)
    store.create_schema()  # idempotent


def test_inbound_outbound_and_idempotency(store):
    conversation = store.create_conversation()
    first = store.add_inbound(conversation, "hello", client_message_id="a")
    again = store.add_inbound(conversation, "hello (retry)", client_message_id="a")
    assert not first.duplicate and again.duplicate
    assert again.message.id == first.message.id and again.message.text == "hello"
    replies = store.add_outbound(conversation, [OutboundDraft("hi!", {"buttons": [{"title": "A", "payload": "/a"}]})],
                                 reply_to=first.message.id, inbound_status=ANSWERED)
    assert store.replies_to(first.message.id) == replies
    assert store.get_message(first.message.id).status == ANSWERED
    assert store.offered_button_payloads(conversation) == {"/a"}
    # Messages without a client id never collide.
    store.add_inbound(conversation, "x")
    store.add_inbound(conversation, "x")
    assert [m.text for m in store.history(conversation)] == ["hello", "hi!", "x", "x"]
    assert all(m.created_at.tzinfo is not None for m in store.history(conversation))


def test_unknown_conversation(store):
    with pytest.raises(UnknownConversation):
        store.add_inbound("nope", "hi")
    with pytest.raises(UnknownConversation):
        store.add_outbound("nope", [OutboundDraft("hi", {})])
    assert store.conversation_exists("nope") is False
    assert store.conversation_exists("x" * 500) is False


def test_data_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    store = Store(url)
    store.create_schema()
    conversation = store.create_conversation()
    store.add_inbound(conversation, "keep me 💾", client_message_id="k")
    store.close()
    reopened = Store(url)
    reopened.create_schema()
    assert [m.text for m in reopened.history(conversation)] == ["keep me 💾"]
    reopened.close()
