"""The outbox: retries with back-off, nothing doubled, order kept, refusals recorded, restarts survived."""
from __future__ import annotations

import time
from dataclasses import replace

from channel_payloads import TG_TOKEN, TWILIO_SID, post_telegram, post_whatsapp, tg_message, wa_form
from hub_stubs import closed_port_url

from bot.conversations.store import OutboundDraft

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"


def outbox(client):
    return client.app.state.hub.channels.store.outbox()


def wait_outbox(client, check, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = outbox(client)
        if rows and check(rows):
            return rows
        time.sleep(0.02)
    raise AssertionError(f"outbox never matched: {outbox(client)}")


def test_a_failing_platform_is_retried_and_the_message_sent_once(client, platform):
    platform.fail("/sendMessage", 500, 502)
    post_telegram(client, tg_message("where is my order A1042"))
    [sent] = platform.wait_sent("/sendMessage")
    tries = [r for r in platform.requests if r.path.endswith("/sendMessage")]
    assert [r.status for r in tries] == [500, 502, 200]
    assert all(r.json == sent.json for r in tries)  # the same request each time
    [row] = wait_outbox(client, lambda rows: rows[0].status == "sent")
    assert (row.channel, row.address, row.attempts, row.last_error) == ("telegram", "111111111", 3, None)
    time.sleep(0.3)
    assert len(platform.sent("/sendMessage")) == 1


def test_the_order_is_kept_while_an_earlier_message_is_retried(client, platform):
    platform.fail("/sendMessage", 500)
    post_telegram(client, tg_message("hi"))
    first, second = platform.wait_sent("/sendMessage", 2)
    assert first.json["text"] == "Hi there! What can I help you with today?"
    assert second.json["text"] == "Pick one, or just type your question."


def test_a_refusal_is_not_retried_and_its_reason_is_kept(client, platform):
    platform.fail("/sendMessage", 403)  # e.g. "Forbidden: bot was blocked by the user"
    post_telegram(client, tg_message("where is my order A1042"))
    [row] = wait_outbox(client, lambda rows: rows[0].status == "failed")
    assert row.attempts == 1 and row.last_error.startswith("HTTP 403")
    time.sleep(0.3)
    assert len([r for r in platform.requests if r.path.endswith("/sendMessage")]) == 1


def test_delivery_gives_up_after_the_last_attempt(client, platform):
    platform.fail(MESSAGES_PATH, *[503] * 10)
    post_whatsapp(client, wa_form("where is my order A1042", sender="+15559990000"))
    [row] = wait_outbox(client, lambda rows: rows[0].status == "failed")
    assert row.attempts == 4 and row.last_error.startswith("HTTP 503")  # max_attempts=4 in the test settings
    assert len([r for r in platform.requests if r.path.endswith(MESSAGES_PATH)]) == 4


def test_a_message_pending_at_shutdown_is_delivered_after_the_restart(make_client, settings, channel_settings, platform,
                                                                     hub_db_url):
    settings = replace(settings, hub_db_url=hub_db_url)  # SQLite and PostgreSQL
    down = replace(channel_settings, retry_base_s=60.0,
                   telegram=replace(channel_settings.telegram, api_url=closed_port_url()))
    first = make_client(settings, down)
    post_telegram(first, tg_message("where is my order A1042"))
    [row] = wait_outbox(first, lambda rows: rows[0].attempts >= 1)
    assert row.status == "pending" and row.last_error.startswith("network:")
    first.__exit__(None, None, None)
    assert platform.requests == []

    second = make_client(settings, channel_settings)
    [sent] = platform.wait_sent("/sendMessage")
    assert sent.path == f"/bot{TG_TOKEN}/sendMessage"
    assert sent.json["text"] == "You said: where is my order A1042"
    [row] = wait_outbox(second, lambda rows: rows[0].status == "sent")
    assert row.attempts == 2
    time.sleep(0.3)
    assert len(platform.sent("/sendMessage")) == 1


def test_outreach_starts_a_conversation_on_an_address_and_the_reply_continues_it(client, platform, rasa):
    channels = client.app.state.hub.channels
    draft = OutboundDraft(text="Your order A1042 is delayed by two days. Want a discount code?",
                          payload={"buttons": [{"title": "Yes please", "payload": "/affirm"},
                                               {"title": "No thanks", "payload": "/deny"}]})
    conversation, [stored] = client.portal.call(channels.deliver_to, "whatsapp", "+15559990000", [draft])
    [sent] = platform.wait_sent(MESSAGES_PATH)
    assert dict(sent.form)["Body"] == ("Your order A1042 is delayed by two days. Want a discount code?\n\n"
                                       "Reply with a number:\n1. Yes please\n2. No thanks")
    assert [r.message_id for r in channels.store.outbox()] == [stored.id]
    post_whatsapp(client, wa_form("1", sender="+15559990000"))
    platform.wait_sent(MESSAGES_PATH, 2)
    assert rasa.requests[-1] == {"sender": conversation, "message": "/affirm",
                                 "metadata": rasa.requests[-1]["metadata"]}
    assert channels.store.binding("whatsapp", "+15559990000").conversation_id == conversation
