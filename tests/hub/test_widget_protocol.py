"""The widget protocol's session tokens, read receipts, rate limit and rich messages (widget/PROTOCOL.md)."""
from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect
from test_hub_websocket import hello, next_frame, receive_until_typing_off

from bot.hub.session_tokens import SessionTokens
from bot.hub.limits.rules import DEFAULT_RULES


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- session tokens -----------------------------------------------------------------------------------
def test_a_token_names_its_conversation_and_nothing_else_passes():
    clock = Clock()
    tokens = SessionTokens(b"k" * 32, ttl_s=3600, clock=clock)
    token = tokens.issue("conv-123")
    assert tokens.verify(token).conversation_id == "conv-123"
    version, conversation, issued, signature = token.split(".")
    forged = [
        f"{version}.conv-124.{issued}.{signature}",  # another conversation, same signature
        f"{version}.{conversation}.{int(issued, 16) + 3600:x}.{signature}",  # a later issue time
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a damaged signature
        SessionTokens(b"x" * 32, ttl_s=3600, clock=clock).issue("conv-123"),  # another hub's key
        "conv-123", "", "v1...", "v2.conv-123.0.abc", "a" * 600,
    ]
    for bad in forged:
        assert tokens.verify(bad).conversation_id is None, bad
        assert tokens.verify(bad).problem == "invalid"
    clock.now += 3601
    assert tokens.verify(token).problem == "expired"


def test_a_short_secret_is_refused():
    try:
        SessionTokens(b"short", ttl_s=60)
    except ValueError as exc:
        assert "16 bytes" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a 5-byte key was accepted")


def test_a_tampered_token_starts_a_new_conversation_and_says_why(client):
    with client.websocket_connect("/ws") as ws:
        first = hello(ws)
    tampered = first["token"][:-3] + ("xyz" if not first["token"].endswith("xyz") else "abc")
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws, tampered)
    assert welcome["resumed"] is False and welcome["session"] == "invalid"
    assert welcome["conversation_id"] != first["conversation_id"] and welcome["history"] == []


def test_tokens_survive_a_restart_with_the_key_kept_in_the_database(make_client, settings):
    first_client = make_client(settings)
    with first_client.websocket_connect("/ws") as ws:
        first = hello(ws)
    first_client.__exit__(None, None, None)
    with make_client(settings).websocket_connect("/ws") as ws:
        welcome = hello(ws, first["token"])
    assert welcome["resumed"] is True and welcome["conversation_id"] == first["conversation_id"]
    assert welcome["token"] != ""


def test_an_operator_secret_signs_the_tokens(make_client, settings):
    client = make_client(settings, session_secret="s" * 40)
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws)
    mine = SessionTokens(b"s" * 40, ttl_s=60)
    assert mine.verify(welcome["token"]).conversation_id == welcome["conversation_id"]


def test_the_language_is_kept_with_the_conversation(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "language": "es"})
        welcome = next_frame(ws)
    meta = client.app.state.hub.store.conversation_meta(welcome["conversation_id"])
    assert meta["language"] == "es"


# -- receipts -----------------------------------------------------------------------------------------
def test_the_bot_reads_before_it_types_and_the_receipt_comes_back_after_a_reload(client):
    with client.websocket_connect("/ws") as ws:
        first = hello(ws)
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        ack = ws.receive_json()
        receipt = ws.receive_json()
        assert receipt == {"type": "receipt", "status": "read", "up_to": ack["message_id"], "by": "bot"}
        assert ws.receive_json() == {"type": "typing", "on": True}
        receive_until_typing_off(ws)
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "token": first["token"]})
        assert ws.receive_json()["type"] == "welcome"
        assert ws.receive_json() == receipt


def test_customer_read_marks_only_move_forward_and_stop_at_the_last_message(client):
    store = client.app.state.hub.store
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        ws.send_json({"type": "message", "id": "c1", "text": "hello"})
        frames = receive_until_typing_off(ws)
        last_bot = [f for f in frames if f["type"] == "bot"][-1]["id"]
        ws.send_json({"type": "read", "up_to": last_bot})
        ws.send_json({"type": "read", "up_to": 1})  # late and older: ignored
        ws.send_json({"type": "read", "up_to": 10_000})  # beyond the conversation: capped
        ws.send_json({"type": "ping"})
        assert next_frame(ws) == {"type": "pong"}
    assert store.conversation_meta(conversation)["read_by_customer"] == {"up_to": last_bot}


def test_read_before_hello_is_an_error(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "read", "up_to": 3})
        assert ws.receive_json()["code"] == "hello_required"


# -- rate limit ---------------------------------------------------------------------------------------
MESSAGE_BURST = next(rule.count for rule in DEFAULT_RULES if rule.name == "messages_per_conversation")


def test_a_flood_is_refused_with_the_message_id_and_nothing_is_stored_for_it(client, rasa):
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        for i in range(MESSAGE_BURST + 5):
            ws.send_json({"type": "message", "id": f"f{i}", "text": f"flood {i}"})
        acked, refused = set(), {}
        while len(acked) + len(refused) < MESSAGE_BURST + 5:
            frame = ws.receive_json()
            if frame["type"] == "ack":
                acked.add(frame["id"])
            elif frame["type"] == "error":
                refused[frame["id"]] = frame
    assert len(refused) >= 4 and all(f["code"] == "rate_limited" and f["retry_after_s"] > 0 for f in refused.values())
    stored = {m.client_message_id for m in client.app.state.hub.store.history(conversation) if m.sender == "customer"}
    assert stored == acked and not stored & set(refused)


# -- rich messages ------------------------------------------------------------------------------------
def test_cards_and_link_buttons_reach_the_widget_with_unsafe_urls_removed(client):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "c1", "text": "show me cards"})
        frames = receive_until_typing_off(ws)
    [message] = [f for f in frames if f["type"] == "bot"]
    good, bad = message["cards"]
    assert good == {"title": "Kettle Pro", "subtitle": "1.7 l, **$49**", "image": "https://example.com/kettle.png",
                    "url": "https://example.com/kettle-pro",
                    "buttons": [{"title": "Buy it", "payload": "/buy_kettle"},
                                {"title": "Specs", "url": "https://example.com/kettle-pro/specs"}]}
    # The text stays (the widget escapes it); javascript: URLs never leave the hub.
    assert "url" not in bad and "image" not in bad and bad["buttons"] == [{"title": "Bad link",
                                                                           "payload": "Bad link"}]
    assert "custom" not in message


def test_a_card_button_payload_counts_as_offered(client, rasa):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "c1", "text": "show me cards"})
        receive_until_typing_off(ws)
        ws.send_json({"type": "message", "id": "c2", "text": "Buy it", "payload": "/buy_kettle"})
        receive_until_typing_off(ws)
    assert rasa.messages[-1] == "/buy_kettle"


# -- which sites may embed the widget -------------------------------------------------------------------
def test_only_listed_sites_and_the_hub_itself_open_the_widget_socket(make_client, settings):
    client = make_client(settings, widget_origins=("https://shop.example.com",))
    for origin in ("https://shop.example.com", "https://SHOP.example.com/", "http://testserver"):
        with client.websocket_connect("/ws", headers={"origin": origin}) as ws:
            assert hello(ws)["type"] == "welcome"
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws", headers={"origin": "https://evil.example.net"}) as ws:
            ws.receive_json()
    assert refused.value.code == 4403


def test_without_a_list_any_site_may_embed_the_widget(client):
    with client.websocket_connect("/ws", headers={"origin": "https://anywhere.example.org"}) as ws:
        assert hello(ws)["type"] == "welcome"
