"""When Rasa is down, slow or broken the customer is told politely, the message stays stored, errors are logged."""
from __future__ import annotations

import pytest

from bot.conversations.bot_step import REPLY_NO_ANSWER, REPLY_UNAVAILABLE
from hub_stubs import closed_port_url, records


def send(client, text="where is my order A1042", client_message_id="m-1"):
    conversation = client.post("/api/conversations").json()["conversation_id"]
    response = client.post(f"/api/conversations/{conversation}/messages",
                           json={"text": text, "client_message_id": client_message_id})
    assert response.status_code == 200
    return conversation, response.json()


def assert_saved_and_apologised(client, conversation, body, text="where is my order A1042"):
    assert [m["text"] for m in body["messages"]] == [REPLY_UNAVAILABLE]
    assert "trouble answering right now" in REPLY_UNAVAILABLE and "saved" in REPLY_UNAVAILABLE
    history = client.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert [(m["type"], m["text"]) for m in history] == [("customer", text), ("bot", REPLY_UNAVAILABLE)]
    stored = client.app.state.hub.store.find_by_client_id(conversation, "m-1")
    assert stored.status == "failed"  # kept for a retry or a human


def test_rasa_down(make_client, settings, hub_logs):
    client = make_client(settings, rasa_url=closed_port_url())
    conversation, body = send(client)
    assert_saved_and_apologised(client, conversation, body)
    [record] = records(hub_logs, "rasa_failed")
    assert record.levelname == "ERROR"
    assert record.error_code == "rasa_unavailable"
    assert record.conversation_id == conversation
    assert record.message_id == body["message"]["id"]
    assert record.rasa_url == client.app.state.hub.settings.rasa_url


def test_rasa_timeout(make_client, settings, rasa, hub_logs):
    rasa.delay_s = 2.0
    client = make_client(settings, rasa_timeout_s=0.3)
    conversation, body = send(client)
    assert_saved_and_apologised(client, conversation, body)
    [record] = records(hub_logs, "rasa_failed")
    assert record.error_code == "rasa_unavailable"
    assert record.elapsed_ms < 1500


@pytest.mark.parametrize("mode", ["error500", "not_json", "not_list"])
def test_rasa_errors(client, rasa, hub_logs, mode):
    rasa.mode = mode
    conversation, body = send(client)
    assert_saved_and_apologised(client, conversation, body)
    [record] = records(hub_logs, "rasa_failed")
    assert record.error_code == "rasa_error"
    assert record.status_code == (500 if mode == "error500" else 200)


def test_rasa_empty_reply_gets_a_fallback(client, rasa, hub_logs):
    rasa.mode = "empty"
    conversation, body = send(client)
    assert [m["text"] for m in body["messages"]] == [REPLY_NO_ANSWER]
    assert records(hub_logs, "rasa_empty_reply")[0].error_code == "rasa_empty_reply"
    assert client.app.state.hub.store.find_by_client_id(conversation, "m-1").status == "answered"


def test_retry_after_failure_is_still_idempotent_and_recovers_for_new_messages(client, rasa):
    rasa.mode = "error500"
    conversation, first = send(client)
    rasa.mode = "normal"
    again = client.post(f"/api/conversations/{conversation}/messages",
                        json={"text": "where is my order A1042", "client_message_id": "m-1"}).json()
    assert again["duplicate"] is True and again["messages"] == first["messages"]
    assert len(rasa.requests) == 1
    fresh = client.post(f"/api/conversations/{conversation}/messages",
                        json={"text": "hello?", "client_message_id": "m-2"}).json()
    assert [m["text"] for m in fresh["messages"]] == ["You said: hello?"]


def _break_storage(client, monkeypatch, method="add_inbound"):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(client.app.state.hub.store, method, broken)


def test_database_failure_on_rest_is_a_clear_503(client, conversation, rasa, monkeypatch, hub_logs):
    _break_storage(client, monkeypatch)
    response = client.post(f"/api/conversations/{conversation}/messages", json={"text": "hello"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert rasa.requests == []  # never ask the bot about a message that is not stored
    assert records(hub_logs, "store_failed")


def test_database_failure_on_websocket_keeps_the_socket_open(client, rasa, monkeypatch):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        assert ws.receive_json()["type"] == "welcome"
        _break_storage(client, monkeypatch)
        ws.send_json({"type": "message", "id": "m1", "text": "hello"})
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "store_failed" and error["id"] == "m1"
        _break_storage(client, monkeypatch, "create_conversation")
        ws.send_json({"type": "hello"})
        assert ws.receive_json()["code"] == "internal_error"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}
    assert rasa.requests == []
