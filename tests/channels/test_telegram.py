"""Telegram end to end: documented Update payloads in, the exact Bot API requests out (local stand-in)."""
from __future__ import annotations

import time
from dataclasses import replace

from channel_payloads import MARIA_TG, TG_TOKEN, post_telegram, tg_callback, tg_message

from bot.channels.base import TEXT_ONLY

CHAT = 111111111


def conversation_of(client, address: str = str(CHAT), channel: str = "telegram") -> str:
    binding = client.app.state.hub.channels.store.binding(channel, address)
    assert binding is not None
    return binding.conversation_id


def history(client, conversation_id: str) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]


def test_a_message_is_stored_answered_and_sent_with_an_inline_keyboard(client, platform, rasa):
    response = post_telegram(client, tg_message("hi"))
    assert response.status_code == 200 and response.json() == {"ok": True}
    first, second = platform.wait_sent("/sendMessage", 2)
    conversation = conversation_of(client)
    messages = history(client, conversation)
    assert [(m["type"], m["text"]) for m in messages] == [
        ("customer", "hi"), ("bot", "Hi there! What can I help you with today?"),
        ("bot", "Pick one, or just type your question.")]
    assert messages[0]["channel"] == "telegram"
    assert rasa.requests[0]["sender"] == conversation and rasa.requests[0]["metadata"]["channel"] == "telegram"
    assert first.method == "POST" and first.path == f"/bot{TG_TOKEN}/sendMessage"
    assert first.json == {"chat_id": CHAT, "text": "Hi there! What can I help you with today?", "parse_mode": "HTML"}
    offered = messages[2]["id"]
    assert second.json == {"chat_id": CHAT, "text": "Pick one, or just type your question.", "parse_mode": "HTML",
                           "reply_markup": {"inline_keyboard": [
                               [{"text": "Track my order", "callback_data": f"{offered}:0"}],
                               [{"text": "Start a return", "callback_data": f"{offered}:1"}],
                               [{"text": "Coffee Club", "callback_data": f"{offered}:2"}]]}}
    [typing] = platform.wait_sent("/sendChatAction")  # while the bot was answering
    assert typing.json == {"chat_id": CHAT, "action": "typing"}


def test_a_button_press_sends_the_payload_to_the_bot_and_stops_the_spinner(client, platform, rasa):
    post_telegram(client, tg_message("hi"))
    platform.wait_sent("/sendMessage", 2)
    offered = history(client, conversation_of(client))[2]["id"]
    update = tg_callback(f"{offered}:0")
    assert post_telegram(client, update).status_code == 200
    [ack] = platform.wait_sent("/answerCallbackQuery")
    assert ack.json == {"callback_query_id": update["callback_query"]["id"]}
    answer = platform.wait_sent("/sendMessage", 3)[2]
    assert answer.json["text"] == "Sure! What's your order number? It looks like A1042."
    assert rasa.messages == ["hi", "/order_status"]
    assert history(client, conversation_of(client))[3]["text"] == "Track my order"


def test_a_forged_or_stale_callback_is_acknowledged_and_ignored(client, platform, rasa):
    post_telegram(client, tg_message("hi"))
    platform.wait_sent("/sendMessage", 2)
    for data in ("99999:0", "garbage", f"{history(client, conversation_of(client))[2]['id']}:7"):
        assert post_telegram(client, tg_callback(data)).status_code == 200
    platform.wait_sent("/answerCallbackQuery", 3)
    time.sleep(0.2)
    assert rasa.messages == ["hi"] and len(history(client, conversation_of(client))) == 3


def test_a_platform_retry_is_one_message_and_one_answer(client, platform, rasa):
    update = tg_message("where is my order A1042")
    assert post_telegram(client, update).status_code == 200
    platform.wait_sent("/sendMessage", 1)
    assert post_telegram(client, update).status_code == 200
    time.sleep(0.3)
    assert rasa.messages == ["where is my order A1042"]
    assert len(platform.sent("/sendMessage")) == 1
    assert [m["type"] for m in history(client, conversation_of(client))] == ["customer", "bot"]


def test_the_same_chat_keeps_its_conversation(client, platform):
    post_telegram(client, tg_message("hello"))
    first = conversation_of(client)
    post_telegram(client, tg_message("where is my order A1042"))
    platform.wait_sent("/sendMessage", 3)
    assert conversation_of(client) == first
    assert [m["text"] for m in history(client, first) if m["type"] == "customer"] == [
        "hello", "where is my order A1042"]


def test_images_are_sent_with_sendPhoto_and_html_is_escaped(client, platform):
    post_telegram(client, tg_message("a picture please"))
    [photo] = platform.wait_sent("/sendPhoto")
    assert photo.json == {"chat_id": CHAT, "photo": "https://example.com/kettle.png", "caption": "Here it is:",
                          "parse_mode": "HTML"}
    post_telegram(client, tg_message("xss"))
    sent = platform.wait_sent("/sendMessage", 2)
    assert [r.json["text"] for r in sent] == ['&lt;img src=x onerror="window.__xss=1"&gt;',
                                              "&lt;script&gt;window.__xss=1&lt;/script&gt;"]


def test_a_sticker_gets_a_polite_text_only_reply_and_never_reaches_the_bot(client, platform, rasa):
    sticker = {"width": 512, "height": 512, "emoji": "\U0001F600", "is_animated": False, "is_video": False,
               "type": "regular", "file_id": "CAACAgIAAxkBAAIBZ2", "file_unique_id": "AgADxQ", "file_size": 21000}
    update = tg_message(None, sticker=sticker)
    assert post_telegram(client, update).status_code == 200
    [reply] = platform.wait_sent("/sendMessage")
    assert reply.json == {"chat_id": CHAT, "text": TEXT_ONLY, "parse_mode": "HTML"}
    post_telegram(client, update)  # Telegram retries: still one reply
    time.sleep(0.2)
    assert rasa.messages == [] and len(platform.sent("/sendMessage")) == 1


def test_unverified_or_malformed_updates_are_refused_and_nothing_is_stored(client, platform, rasa):
    assert post_telegram(client, tg_message("hi"), secret=None).status_code == 401
    wrong = post_telegram(client, tg_message("hi"), secret="not-the-secret")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "invalid_signature"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "tg-secret-Abc123_xyz", "Content-Type": "application/json"}
    bad = client.post("/channels/telegram/webhook", content=b"{not json", headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    no_chat = client.post("/channels/telegram/webhook", headers=headers,
                          json={"update_id": 5, "message": {"message_id": 1, "from": MARIA_TG, "text": "hi"}})
    assert no_chat.status_code == 400 and "chat" in no_chat.json()["error"]["message"]
    edited = {"update_id": 6, "edited_message": {"message_id": 1, "chat": {"id": CHAT, "type": "private"}, "text": "x"}}
    assert client.post("/channels/telegram/webhook", headers=headers, json=edited).status_code == 200
    time.sleep(0.2)
    assert client.app.state.hub.channels.store.binding("telegram", str(CHAT)) is None
    assert rasa.messages == [] and platform.requests == []


def test_a_channel_without_secrets_is_not_configured(make_client, settings, channel_settings):
    client = make_client(settings, replace(channel_settings, telegram=replace(channel_settings.telegram, secret_token="")))
    response = post_telegram(client, tg_message("hi"))
    assert response.status_code == 404 and response.json()["error"]["code"] == "channel_not_configured"
