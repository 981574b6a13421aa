"""In the agent console, a conversation begun in the widget and continued on WhatsApp (the customer said yes
on WhatsApp) shows both channels."""
from __future__ import annotations

from typing import Iterator

import httpx
import pytest
from channel_payloads import MARIA_PHONE, PUBLIC_URL, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, wa_form
from live_hub import LiveHub
from playwright.sync_api import Page, expect

from bot.agents.directory import AgentDirectory
from bot.channels.whatsapp import twilio_signature

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def live(settings, platform, monkeypatch) -> Iterator[LiveHub]:
    # Configured the way an operator does it: through the environment.
    for name, value in {"CAREBOT_TWILIO_ACCOUNT_SID": TWILIO_SID, "CAREBOT_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                        "CAREBOT_TWILIO_WHATSAPP_FROM": TWILIO_FROM, "CAREBOT_TWILIO_API_URL": platform.url,
                        "CAREBOT_PUBLIC_URL": PUBLIC_URL}.items():
        monkeypatch.setenv(name, value)
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.close()
    hub = LiveHub(settings).start()
    yield hub
    hub.stop()


def whatsapp(hub: LiveHub, text: str) -> None:
    form = wa_form(text, sender=MARIA_PHONE)
    signature = twilio_signature(TWILIO_TOKEN, PUBLIC_URL + "/channels/whatsapp/webhook", form)
    response = httpx.post(hub.url + "/channels/whatsapp/webhook", data=dict(form),
                          headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 200, response.text


def test_the_console_badges_whatsapp_messages_in_a_conversation_begun_on_the_web(page: Page, live, rasa, platform):
    page.goto(live.url + "/console/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#conn-text")).to_have_text("Online")

    web = httpx.Client(base_url=live.url, timeout=30)
    created = web.post("/api/conversations").json()
    conversation = created["conversation_id"]
    rasa.slots[conversation] = {"verified_customer_id": "C1001"}
    sent = web.post(f"/api/conversations/{conversation}/messages", json={"text": "where is my order A1042"},
                    headers={"Authorization": f"Bearer {created['token']}"})
    assert sent.status_code == 200, sent.text
    # Verified on the web only by order number and e-mail: WhatsApp asks before it continues that chat.
    whatsapp(live, "any news?")
    platform.wait_sent("/Messages.json", 2)  # "You also chatted with us ... reply YES", then the bot's answer
    whatsapp(live, "yes")
    platform.wait_sent("/Messages.json", 3)  # "Done: this chat now continues ..."
    whatsapp(live, "give me some options")
    platform.wait_sent("/Messages.json", 4)  # the options
    whatsapp(live, "1")  # More help -> the bot hands over

    item = page.locator("#queued-list .hitem")
    expect(item).to_have_count(1, timeout=20_000)
    item.click()
    transcript = page.get_by_role("log", name="Transcript")
    customer = transcript.locator(".msg--customer")
    expect(customer).to_have_count(3)
    expect(customer.nth(0).locator(".badge-channel")).to_have_count(0)  # the widget
    expect(customer.nth(1).locator(".badge-channel")).to_have_text("WhatsApp")
    expect(customer.nth(2).locator(".msg-bubble")).to_have_text("More help")
    expect(customer.nth(2).locator(".badge-channel")).to_have_text("WhatsApp")
