"""Every kind of bad or unusual input gets a clear answer, is logged, and never crashes the hub."""
from __future__ import annotations

import json

import pytest

from bot.conversations.bot_step import REPLY_EMPTY
from hub_stubs import records


def url(conversation):
    return f"/api/conversations/{conversation}/messages"


def history(client, conversation):
    return client.get(url(conversation)).json()["messages"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "\x00\x00"])
def test_empty_or_whitespace_text_gets_a_polite_reply_and_is_not_sent_to_rasa(client, conversation, rasa, hub_logs, text):
    response = client.post(url(conversation), json={"text": text})
    assert response.status_code == 200
    replies = response.json()["messages"]
    assert [m["text"] for m in replies] == [REPLY_EMPTY]
    assert "didn't receive any text" in replies[0]["text"]
    assert rasa.requests == []
    logged = records(hub_logs, "message_rejected")
    assert logged and logged[0].error_code == "empty_text" and logged[0].conversation_id == conversation
    # The message and the reply are on record.
    assert [m["type"] for m in history(client, conversation)] == ["customer", "bot"]


def test_too_long_text_is_cut_before_it_is_stored_and_the_customer_asked_for_a_shorter_version(
    make_client, settings, rasa, hub_logs
):
    client = make_client(settings, max_message_chars=50)
    conversation = client.post("/api/conversations").json()["conversation_id"]
    text = "My order A1042 arrived but " + "the box was crushed and " * 5
    response = client.post(url(conversation), json={"text": text, "client_message_id": "long-1"})
    assert response.status_code == 200
    reply = response.json()["messages"][0]["text"]
    assert "too long" in reply and "shorter" in reply and "50" in reply
    assert rasa.requests == []
    logged = records(hub_logs, "message_rejected")
    assert logged[0].error_code == "text_too_long" and logged[0].length == len(text) and logged[0].limit == 50

    # Only the first 50 characters are kept (issue 15: nothing over the limit is stored).
    app_hub = client.app.state.hub
    stored = app_hub.store.find_by_client_id(conversation, "long-1")
    assert stored.text == text[:50] and stored.status == "rejected"
    assert stored.payload["too_long"] == {"length": len(text), "limit": 50}
    assert history(client, conversation)[0]["text"] == text[:50]


def test_100_kb_message(client, conversation, rasa):
    text = "x" * 100_000
    response = client.post(url(conversation), json={"text": text, "client_message_id": "big"})
    assert response.status_code == 200
    assert "too long" in response.json()["messages"][0]["text"]
    assert rasa.requests == []
    assert client.app.state.hub.store.find_by_client_id(conversation, "big").text == text[:4000]


def test_body_over_one_megabyte_is_413(client, conversation):
    response = client.post(url(conversation), content=json.dumps({"text": "y" * 1_100_000}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_invalid_utf8_body_is_400(client, conversation, hub_logs):
    response = client.post(url(conversation), content=b'{"text": "caf\xe9 \xff"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_encoding"
    assert "UTF-8" in error["message"]
    assert records(hub_logs, "api_error")[0].error_code == "invalid_encoding"
    assert history(client, conversation) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"text": "hi"', 400, "invalid_json"),
        (b"text=hi", 400, "invalid_json"),
        (b"", 400, "empty_body"),
        (b'["hi"]', 422, "invalid_body"),
        (b'"hi"', 422, "invalid_body"),
        (b"{}", 422, "missing_text"),
        (b'{"message": "hi"}', 422, "missing_text"),
        (b'{"text": 42}', 422, "invalid_text"),
        (b'{"text": null}', 422, "invalid_text"),
        (b'{"text": ["hi"]}', 422, "invalid_text"),
        (b'{"text": "hi", "client_message_id": 7}', 422, "invalid_client_message_id"),
        (b'{"text": "hi", "client_message_id": ""}', 422, "invalid_client_message_id"),
        (b'{"text": "hi", "payload": 1}', 422, "invalid_payload"),
    ],
)
def test_malformed_requests_get_clear_json_errors(client, conversation, rasa, body, status, code):
    response = client.post(url(conversation), content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    assert rasa.requests == []
    assert history(client, conversation) == []


def test_overlong_client_message_id_is_rejected(client, conversation):
    response = client.post(url(conversation), json={"text": "hi", "client_message_id": "x" * 129})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_client_message_id"


@pytest.mark.parametrize(
    "text",
    [
        "My mug arrived broken 😭☕ can I get a new one? 🙏",
        "مرحبا، أين طلبي A1042؟",
        "שלום, ההזמנה שלי A1042 לא הגיעה",
        "Mixed: order A1042 — متأخر 📦",
    ],
)
def test_emoji_and_right_to_left_text_reach_rasa_unchanged(client, conversation, rasa, text):
    body = client.post(url(conversation), json={"text": text}).json()
    assert rasa.messages == [text]
    assert body["message"]["text"] == text
    assert body["messages"][0]["text"] == f"You said: {text}"
    assert history(client, conversation)[0]["text"] == text


def test_emoji_survive_a_raw_utf8_body(client, conversation, rasa):
    raw = '{"text": "thanks 👍 شكرا"}'.encode("utf-8")
    assert client.post(url(conversation), content=raw, headers={"Content-Type": "application/json"}).status_code == 200
    assert rasa.messages == ["thanks 👍 شكرا"]


def test_nul_and_control_characters_are_stripped(client, conversation, rasa, hub_logs):
    body = client.post(url(conversation), json={"text": "where\x00 is my\x07 order\x00?\nthanks"}).json()
    assert rasa.messages == ["where is my order?\nthanks"]
    assert body["message"]["text"] == "where is my order?\nthanks"
    assert records(hub_logs, "message_cleaned")[0].removed_chars == 3


def test_lone_surrogates_are_replaced_not_crashing(client, conversation, rasa):
    raw = b'{"text": "bad \\ud800 surrogate \\ud83d\\ude00"}'
    response = client.post(url(conversation), content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert rasa.messages == ["bad \ufffd surrogate 😀"]


def test_utf8_bom_is_accepted(client, conversation, rasa):
    raw = "\ufeff".encode("utf-8") + b'{"text": "hello"}'
    assert client.post(url(conversation), content=raw).status_code == 200
    assert rasa.messages == ["hello"]


def test_bad_query_parameters_get_the_same_error_shape(client, conversation):
    response = client.get(url(conversation), params={"limit": 0})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "limit" in response.json()["error"]["message"]


def test_unknown_route_and_method_use_the_error_shape(client, conversation):
    assert client.get("/api/nothing-here").json()["error"]["code"] == "not_found"
    response = client.delete(url(conversation))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_json_nested_too_deep_is_refused_plainly(client, conversation, rasa):
    deep = "[" * 50_000 + "]" * 50_000  # Python's parser would recurse past its limit: a 500 before
    response = client.post(url(conversation), content=deep, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert "nested" in response.json()["error"]["message"]
    with client.websocket_connect("/ws") as ws:
        ws.send_text("[" * 8_000 + "]" * 8_000)
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "invalid_json"
    fine = client.post(url(conversation), json={"text": 'a "[[[[" in a string is just text {{{{'})
    assert fine.status_code == 200
    assert rasa.requests == [{**rasa.requests[0]}] and rasa.requests[0]["message"].startswith('a "[[[[')
