"""The widget's websocket protocol (/ws) against the real app and the stand-in Rasa."""
from __future__ import annotations

import json
import time

import pytest

from bot.conversations.bot_step import REPLY_EMPTY, REPLY_UNAVAILABLE
from hub_stubs import GREETING_BUTTONS, closed_port_url, records
from live_hub import token_for


def next_frame(ws):
    """The next frame, read receipts skipped (test_read_receipts_both_ways covers them)."""
    while True:
        frame = ws.receive_json()
        if frame["type"] != "receipt":
            return frame


def hello(ws, token=None):
    frame = {"type": "hello"}
    if token is not None:
        frame["token"] = token
    ws.send_json(frame)
    welcome = next_frame(ws)
    assert welcome["type"] == "welcome"
    return welcome


def receive_until_typing_off(ws, limit=20):
    frames = []
    for _ in range(limit):
        frame = next_frame(ws)
        frames.append(frame)
        if frame == {"type": "typing", "on": False}:
            return frames
    raise AssertionError(f"no typing-off frame in {frames}")


def assert_still_open(ws):
    ws.send_json({"type": "ping"})
    assert next_frame(ws) == {"type": "pong"}


def test_hello_without_id_starts_a_new_conversation(client):
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws)
    assert welcome["resumed"] is False
    assert welcome["history"] == []
    assert len(welcome["conversation_id"]) >= 22
    assert client.get(f"/api/conversations/{welcome['conversation_id']}/messages").status_code == 200


def test_hello_with_a_token_for_an_unknown_conversation_starts_a_new_one(client, settings):
    token = token_for(settings, "stale-id-from-another-database")
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws, token)
    assert welcome["resumed"] is False and welcome["session"] == "unknown_conversation"
    assert welcome["conversation_id"] != "stale-id-from-another-database"


def test_message_flow_ack_typing_bot_typing_off(client, rasa):
    with client.websocket_connect("/ws") as ws:
        conversation_id = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        ack = next_frame(ws)
        assert ack["type"] == "ack" and ack["id"] == "c1" and ack["duplicate"] is False
        assert isinstance(ack["message_id"], int)
        frames = receive_until_typing_off(ws)
    assert frames[0] == {"type": "typing", "on": True}
    bots = frames[1:-1]
    assert [f["type"] for f in bots] == ["bot", "bot"]
    assert bots[0]["text"] == "Hi there! What can I help you with today?"
    assert bots[1]["buttons"] == GREETING_BUTTONS
    assert all(isinstance(f["id"], int) and "image" in f for f in bots)
    assert rasa.requests[0]["sender"] == conversation_id
    assert rasa.requests[0]["metadata"]["client_message_id"] == "c1"


def test_reconnect_resumes_history(client):
    with client.websocket_connect("/ws") as ws:
        first = hello(ws)
        conversation_id = first["conversation_id"]
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        next_frame(ws)
        receive_until_typing_off(ws)
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws, first["token"])
    assert welcome["resumed"] is True
    assert welcome["conversation_id"] == conversation_id
    assert [(m["type"], m["text"]) for m in welcome["history"]] == [
        ("customer", "hello"),
        ("bot", "Hi there! What can I help you with today?"),
        ("bot", "Pick one, or just type your question."),
    ]
    assert welcome["history"][0]["client_id"] == "c1"
    assert welcome["history"][2]["buttons"] == GREETING_BUTTONS


def test_resent_message_is_acked_as_duplicate_and_answered_from_storage(client, rasa):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "same", "text": "where is my parcel"})
        next_frame(ws)
        first = receive_until_typing_off(ws)[1:-1]
        ws.send_json({"type": "message", "id": "same", "text": "where is my parcel"})
        ack = next_frame(ws)
        assert ack["type"] == "ack" and ack["duplicate"] is True
        replay = next_frame(ws)
        assert_still_open(ws)
    assert replay == first[0]
    assert rasa.messages == ["where is my parcel"]


def test_quick_reply_payload(client, rasa):
    with client.websocket_connect("/ws") as ws:
        conversation_id = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        next_frame(ws)
        receive_until_typing_off(ws)
        ws.send_json({"type": "message", "id": "c2", "text": "Track my order", "payload": "/order_status"})
        next_frame(ws)
        bots = receive_until_typing_off(ws)[1:-1]
    assert rasa.messages[-1] == "/order_status"
    assert bots[0]["text"].startswith("Sure! What's your order number?")
    history = client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]
    assert history[3]["text"] == "Track my order"


def test_rasa_down_over_websocket(make_client, settings, hub_logs):
    client = make_client(settings, rasa_url=closed_port_url())
    with client.websocket_connect("/ws") as ws:
        conversation_id = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        assert next_frame(ws)["type"] == "ack"
        frames = receive_until_typing_off(ws)
        assert_still_open(ws)
    assert [f.get("text") for f in frames[1:-1]] == [REPLY_UNAVAILABLE]
    assert records(hub_logs, "rasa_failed")[0].conversation_id == conversation_id
    history = client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]
    assert history[0]["text"] == "hello"


@pytest.mark.parametrize("text", ["", "   \n "])
def test_empty_text_over_websocket(client, rasa, text):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "e1", "text": text})
        assert next_frame(ws)["type"] == "ack"
        reply = next_frame(ws)  # no typing indicator: the bot is not asked
        assert_still_open(ws)
    assert reply["type"] == "bot" and reply["text"] == REPLY_EMPTY
    assert rasa.requests == []


def test_too_long_text_over_websocket(make_client, settings, rasa):
    client = make_client(settings, max_message_chars=100)
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "l1", "text": "z" * 5_000})
        assert next_frame(ws)["type"] == "ack"
        reply = next_frame(ws)
    assert "too long" in reply["text"] and "100" in reply["text"]
    assert rasa.requests == []


def test_emoji_rtl_and_nul_over_websocket(client, rasa):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "u1", "text": "שלום 👋\x00 مرحبا"})
        next_frame(ws)
        bots = receive_until_typing_off(ws)[1:-1]
    assert rasa.messages == ["שלום 👋 مرحبا"]
    assert bots[0]["text"] == "You said: שלום 👋 مرحبا"


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (lambda ws: ws.send_text("this is not json"), "invalid_json"),
        (lambda ws: ws.send_bytes(b"\x00\x01binary"), "binary_not_supported"),
        (lambda ws: ws.send_text("[1, 2, 3]"), "invalid_frame"),
        (lambda ws: ws.send_json({}), "missing_type"),
        (lambda ws: ws.send_json({"type": "dance"}), "unknown_type"),
        (lambda ws: ws.send_json({"type": "message", "text": "no id"}), "missing_field"),
        (lambda ws: ws.send_json({"type": "message", "id": {"x": 1}, "text": "hi"}), "invalid_field"),
        (lambda ws: ws.send_json({"type": "message", "id": "m1"}), "missing_field"),
        (lambda ws: ws.send_json({"type": "message", "id": "m1", "text": 42}), "invalid_text"),
        (lambda ws: ws.send_json({"type": "message", "id": "m1", "text": "hi", "payload": 5}), "invalid_payload"),
        (lambda ws: ws.send_json({"type": "hello", "token": 12}), "invalid_token"),
        (lambda ws: ws.send_json({"type": "hello", "conversation_id": "abc"}), "token_required"),
        (lambda ws: ws.send_json({"type": "read", "up_to": "7"}), "invalid_field"),
        (lambda ws: ws.send_json({"type": "read", "up_to": True}), "invalid_field"),
        (lambda ws: ws.send_text(json.dumps({"type": "message", "id": "b", "text": "q" * 20_000})),
         "frame_too_large"),
    ],
)
def test_bad_frames_get_an_error_and_the_socket_stays_open(client, rasa, hub_logs, send, code):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        send(ws)
        error = next_frame(ws)
        assert error["type"] == "error"
        assert error["code"] == code
        assert isinstance(error["message"], str) and error["message"]
        assert_still_open(ws)
        # ...and still works for real messages.
        ws.send_json({"type": "message", "id": "ok", "text": "hello"})
        assert next_frame(ws)["type"] == "ack"
        receive_until_typing_off(ws)
    assert records(hub_logs, "ws_error")[0].error_code == code
    assert rasa.messages == ["hello"]


def test_message_before_hello(client, rasa):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "message", "id": "early", "text": "hi"})
        error = next_frame(ws)
        assert error == {"type": "error", "code": "hello_required", "id": "early",
                         "message": "Send a 'hello' frame before sending messages."}
        hello(ws)
    assert rasa.requests == []


def test_two_tabs_of_one_conversation_both_see_the_exchange(client):
    with client.websocket_connect("/ws") as tab1, client.websocket_connect("/ws") as tab2:
        hello(tab2, hello(tab1)["token"])
        tab1.send_json({"type": "message", "id": "t1", "text": "hello"})
        assert next_frame(tab1)["type"] == "ack"
        echo = next_frame(tab2)
        assert echo["type"] == "customer" and echo["text"] == "hello"
        assert len(receive_until_typing_off(tab1)) == 4
        assert len(receive_until_typing_off(tab2)) == 4


def test_rest_messages_are_pushed_to_open_sockets(client):
    with client.websocket_connect("/ws") as ws:
        conversation_id = hello(ws)["conversation_id"]
        client.post(f"/api/conversations/{conversation_id}/messages", json={"text": "sent from REST"})
        assert next_frame(ws)["text"] == "sent from REST"
        assert next_frame(ws)["text"] == "You said: sent from REST"


def test_answer_is_stored_even_if_the_customer_disconnects_while_waiting(client, rasa):
    rasa.delay_s = 0.5
    with client.websocket_connect("/ws") as ws:
        conversation_id = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "bye", "text": "are you there"})
        assert next_frame(ws)["type"] == "ack"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        history = client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]
        if len(history) == 2:
            break
        time.sleep(0.1)
    assert [m["text"] for m in history] == ["are you there", "You said: are you there"]
