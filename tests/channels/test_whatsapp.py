"""WhatsApp through Twilio: signed form webhooks in, Messages API form posts out, numbered options."""
from __future__ import annotations

import time

from channel_payloads import MARIA_PHONE, PUBLIC_URL, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, post_whatsapp, wa_form

from bot.channels.base import TEXT_ONLY
from bot.channels.whatsapp import twilio_signature

MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
OTHER_PHONE = "+15559990000"  # not in the CRM


def conversation_of(client, phone: str = OTHER_PHONE) -> str:
    binding = client.app.state.hub.channels.store.binding("whatsapp", phone)
    assert binding is not None
    return binding.conversation_id


def history(client, conversation_id: str) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]


def test_answers_go_out_through_the_messages_api_and_buttons_become_numbered_options(client, platform, rasa):
    response = post_whatsapp(client, wa_form("hi", sender=OTHER_PHONE))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml") and "<Response></Response>" in response.text
    first, second = platform.wait_sent(MESSAGES_PATH, 2)
    assert first.method == "POST" and first.basic_auth == (TWILIO_SID, TWILIO_TOKEN)
    assert first.headers["content-type"] == "application/x-www-form-urlencoded"
    assert first.form == [("From", TWILIO_FROM), ("To", f"whatsapp:{OTHER_PHONE}"),
                          ("Body", "Hi there! What can I help you with today?")]
    assert second.form == [("From", TWILIO_FROM), ("To", f"whatsapp:{OTHER_PHONE}"), (
        "Body", "Pick one, or just type your question.\n\nReply with a number:\n1. Track my order\n"
                "2. Start a return\n3. Coffee Club")]

    post_whatsapp(client, wa_form("1", sender=OTHER_PHONE))
    third = platform.wait_sent(MESSAGES_PATH, 3)[2]
    assert dict(third.form)["Body"] == "Sure! What's your order number? It looks like A1042."
    post_whatsapp(client, wa_form("start a RETURN", sender=OTHER_PHONE))
    platform.wait_sent(MESSAGES_PATH, 4)
    post_whatsapp(client, wa_form("7", sender=OTHER_PHONE))  # not an option: plain text for the bot
    platform.wait_sent(MESSAGES_PATH, 5)
    assert rasa.messages == ["hi", "/order_status", "/return_request", "7"]
    customer = [m for m in history(client, conversation_of(client)) if m["type"] == "customer"]
    assert [(m["text"], m["channel"]) for m in customer] == [
        ("hi", "whatsapp"), ("Track my order", "whatsapp"), ("Start a return", "whatsapp"), ("7", "whatsapp")]


def test_images_are_sent_as_media_url(client, platform):
    post_whatsapp(client, wa_form("a picture please", sender=OTHER_PHONE))
    [sent] = platform.wait_sent(MESSAGES_PATH)
    assert sent.form == [("From", TWILIO_FROM), ("To", f"whatsapp:{OTHER_PHONE}"), ("Body", "Here it is:"),
                         ("MediaUrl", "https://example.com/kettle.png")]


def test_a_photo_without_text_gets_the_text_only_reply(client, platform, rasa):
    form = wa_form("", sender=OTHER_PHONE, NumMedia="1", MessageType="image", MediaContentType0="image/jpeg",
                   MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM1/Media/ME1")
    assert post_whatsapp(client, form).status_code == 200
    [sent] = platform.wait_sent(MESSAGES_PATH)
    assert dict(sent.form)["Body"] == TEXT_ONLY and rasa.messages == []


def test_a_twilio_retry_is_one_message_and_one_answer(client, platform, rasa):
    form = wa_form("where is my order A1042", sender=OTHER_PHONE)
    post_whatsapp(client, form)
    platform.wait_sent(MESSAGES_PATH, 1)
    assert post_whatsapp(client, form).status_code == 200
    time.sleep(0.3)
    assert rasa.messages == ["where is my order A1042"] and len(platform.sent(MESSAGES_PATH)) == 1


def test_signatures_are_checked_against_the_public_url(client, platform, rasa):
    form = wa_form("hi", sender=OTHER_PHONE)
    assert post_whatsapp(client, form, signature=None).status_code == 401
    assert post_whatsapp(client, form, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8=").status_code == 403
    # Signed for the URL as the hub sees it behind a proxy, not the public one Twilio called: refused.
    wrong_url = post_whatsapp(client, form, url="http://testserver/channels/whatsapp/webhook")
    assert wrong_url.status_code == 403 and wrong_url.json()["error"]["code"] == "invalid_signature"
    # The signature of the original form on a changed Body: refused.
    tampered = [(k, "send me the refund" if k == "Body" else v) for k, v in form]
    original = twilio_signature(TWILIO_TOKEN, PUBLIC_URL + "/channels/whatsapp/webhook", form)
    assert post_whatsapp(client, tampered, signature=original).status_code == 403
    time.sleep(0.1)
    assert rasa.messages == [] and client.app.state.hub.channels.store.binding("whatsapp", OTHER_PHONE) is None


def test_malformed_messages_are_refused_with_400(client, rasa):
    no_from = [(k, v) for k, v in wa_form("hi") if k != "From"]
    response = post_whatsapp(client, no_from)
    assert response.status_code == 400 and response.json()["error"] == {
        "code": "invalid_message", "message": "Twilio message: From missing."}
    not_whatsapp = [(k, "whatsapp:not-a-number" if k == "From" else v) for k, v in wa_form("hi")]
    assert post_whatsapp(client, not_whatsapp).status_code == 400
    assert rasa.messages == []


def test_a_customer_known_to_the_crm_gets_their_card_on_the_conversation(client, platform):
    post_whatsapp(client, wa_form("where is my order", sender=MARIA_PHONE))
    platform.wait_sent(MESSAGES_PATH, 1)
    binding = client.app.state.hub.channels.store.binding("whatsapp", MARIA_PHONE)
    assert binding.customer_id == "C1001"
    meta = client.app.state.hub.handoffs.escalation.handoffs.meta(binding.conversation_id)
    assert meta["customer"]["customer_id"] == "C1001" and meta["customer"]["name"] == "Maria Lopez"


def test_status_callbacks_are_not_customer_messages(client, platform, rasa):
    status = [("MessageSid", "SM0123456789abcdef0123456789abcdef"), ("MessageStatus", "delivered"),
              ("SmsStatus", "delivered"), ("AccountSid", TWILIO_SID), ("From", TWILIO_FROM),
              ("To", f"whatsapp:{OTHER_PHONE}"), ("ApiVersion", "2010-04-01"), ("ChannelPrefix", "whatsapp")]
    assert post_whatsapp(client, status).status_code == 200
    time.sleep(0.2)
    assert rasa.messages == [] and platform.requests == []
    assert client.app.state.hub.channels.store.binding("whatsapp", TWILIO_FROM.removeprefix("whatsapp:")) is None
