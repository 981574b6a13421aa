"""Slack: signed Events API and interactivity requests in, chat.postMessage with Block Kit out."""
from __future__ import annotations

import json
import time

from channel_payloads import (
    SLACK_DM,
    SLACK_TOKEN,
    SLACK_USER,
    post_slack_action,
    post_slack_event,
    slack_action,
    slack_headers,
    slack_message,
)

ADDRESS = f"{SLACK_DM}/{SLACK_USER}"


def conversation_of(client) -> str:
    binding = client.app.state.hub.channels.store.binding("slack", ADDRESS)
    assert binding is not None
    return binding.conversation_id


def history(client, conversation_id: str) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]


def test_url_verification_echoes_the_challenge(client):
    payload = {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
               "type": "url_verification"}
    response = post_slack_event(client, payload)
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_a_direct_message_is_answered_with_blocks_and_a_button_press_reaches_the_bot(client, platform, rasa):
    assert post_slack_event(client, slack_message("hi")).status_code == 200
    first, second = platform.wait_sent("/chat.postMessage", 2)
    assert first.headers["authorization"] == f"Bearer {SLACK_TOKEN}"
    assert first.json == {"channel": SLACK_DM, "text": "Hi there! What can I help you with today?", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Hi there! What can I help you with today?"}}]}
    offered = history(client, conversation_of(client))[2]["id"]
    assert second.json["blocks"][1] == {"type": "actions", "block_id": f"carebot_{offered}", "elements": [
        {"type": "button", "action_id": f"carebot_button_{i}", "value": f"{offered}:{i}",
         "text": {"type": "plain_text", "text": title}}
        for i, title in enumerate(["Track my order", "Start a return", "Coffee Club"])]}

    assert post_slack_action(client, slack_action(f"{offered}:0")).status_code == 200
    third = platform.wait_sent("/chat.postMessage", 3)[2]
    assert third.json["text"] == "Sure! What's your order number? It looks like A1042."
    assert rasa.messages == ["hi", "/order_status"]


def test_images_are_image_blocks(client, platform):
    post_slack_event(client, slack_message("a picture please"))
    [sent] = platform.wait_sent("/chat.postMessage")
    assert sent.json["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Here it is:"}},
        {"type": "image", "image_url": "https://example.com/kettle.png", "alt_text": "Here it is:"}]


def test_a_file_upload_without_text_gets_the_text_only_reply(client, platform, rasa):
    upload = slack_message("", subtype="file_share", files=[{"id": "F0S43P1CZ", "name": "receipt.png",
                                                             "mimetype": "image/png", "filetype": "png"}])
    assert post_slack_event(client, upload).status_code == 200
    [reply] = platform.wait_sent("/chat.postMessage")
    assert reply.json["text"].startswith("Sorry, I can only read text messages") and rasa.messages == []


def test_own_posts_edits_and_retries_are_not_new_messages(client, platform, rasa):
    own = slack_message("Hi there!", bot_id="B0123", user="U0BOTUSER")
    edited = slack_message("hi", subtype="message_changed")
    assert post_slack_event(client, own).status_code == 200
    assert post_slack_event(client, edited).status_code == 200
    event = slack_message("where is my order A1042")
    assert post_slack_event(client, event).status_code == 200
    platform.wait_sent("/chat.postMessage", 1)
    body = json.dumps(event).encode("utf-8")
    retry = client.post("/channels/slack/events", content=body,
                        headers={**slack_headers(body), "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200
    time.sleep(0.3)
    assert rasa.messages == ["where is my order A1042"] and len(platform.sent("/chat.postMessage")) == 1
    assert [m["type"] for m in history(client, conversation_of(client))] == ["customer", "bot"]


def test_unsigned_forged_and_replayed_requests_are_refused(client, rasa):
    body = json.dumps(slack_message("hi")).encode("utf-8")
    missing = client.post("/channels/slack/events", content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_signature"
    forged = client.post("/channels/slack/events", content=body, headers=slack_headers(body, secret="not-the-secret"))
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "invalid_signature"
    old = client.post("/channels/slack/events", content=body, headers=slack_headers(body, timestamp=int(time.time()) - 301))
    assert old.status_code == 403 and old.json()["error"]["code"] == "stale_request"
    interaction = client.post("/channels/slack/interactions", content=b"payload=%7B%7D",
                              headers=slack_headers(b"payload=%7B%7D", secret="wrong",
                                                    content_type="application/x-www-form-urlencoded"))
    assert interaction.status_code == 403
    time.sleep(0.1)
    assert rasa.messages == []


def test_malformed_events_get_400_and_nothing_is_stored(client, rasa):
    event = slack_message("hi")
    del event["event"]["channel"]
    response = post_slack_event(client, event)
    assert response.status_code == 400 and response.json()["error"]["message"] == "Slack message: 'channel' is missing."
    body = b"payload=not-json"
    bad = client.post("/channels/slack/interactions", content=body,
                      headers=slack_headers(body, content_type="application/x-www-form-urlencoded"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    assert rasa.messages == [] and client.app.state.hub.channels.store.binding("slack", ADDRESS) is None
