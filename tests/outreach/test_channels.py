"""Outreach on the messaging channels (the platforms' stand-in): a customer we have never chatted with
gets it on WhatsApp at their CRM number; STOP on WhatsApp or Telegram ends proactive messages."""
from __future__ import annotations

import time

import pytest
from channel_payloads import MARIA_PHONE, post_telegram, post_whatsapp, tg_message, wa_form
from outreach_steps import DAYTIME, post_event, set_clock, tick

from bot.outreach.service import STOP_REPLY
from bot.outreach.store import DELIVERED


@pytest.fixture
def client(make_client, settings, channel_settings):
    client = make_client(settings, channel_settings)
    set_clock(client, DAYTIME)
    return client


def wait_for(check, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_a_customer_with_no_conversation_gets_it_on_whatsapp(client, platform, rasa):
    post_event(client, {"type": "order_delayed", "id": "D-1", "orders": ["A1045"],
                        "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {DELIVERED: 1}
    [sent] = platform.wait_sent("/Messages.json")
    form = dict(sent.form)
    assert form["To"] == f"whatsapp:{MARIA_PHONE}" and form["Body"] == "Welcome back (EXTERNAL_order_delayed)."
    [job] = client.app.state.hub.outreach.store.jobs()
    assert job.channel == "whatsapp"
    # Maria answers on WhatsApp: the same conversation goes on with the bot, the job is replied
    assert post_whatsapp(client, wa_form("I'll wait")).status_code == 200
    wait_for(lambda: rasa.requests)
    assert rasa.requests[0]["sender"] == job.conversation_id == rasa.triggered[0][0]
    wait_for(lambda: client.app.state.hub.outreach.store.jobs()[0].status == "replied")
    platform.wait_sent("/Messages.json", count=2)  # the bot's answer went out too before the hub stops


def test_stop_on_whatsapp_ends_outreach(client, platform, rasa):
    assert post_whatsapp(client, wa_form("STOP")).status_code == 200
    [confirmation] = platform.wait_sent("/Messages.json")
    assert dict(confirmation.form)["Body"] == STOP_REPLY
    assert rasa.requests == []  # the hub answered it; the bot never saw it
    post_event(client, {"type": "order_delayed", "id": "D-1", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {"skipped:opted_out": 1}
    assert rasa.triggered == []
    # "start" subscribes again
    assert post_whatsapp(client, wa_form("start")).status_code == 200
    platform.wait_sent("/Messages.json", count=2)
    post_event(client, {"type": "order_delayed", "id": "D-2", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {DELIVERED: 1}


def test_stop_on_telegram_from_an_unknown_customer_is_kept_for_the_address(client, platform, rasa):
    assert post_telegram(client, tg_message("Stop.")).status_code == 200
    [confirmation] = platform.wait_sent("/sendMessage")
    assert confirmation.json["text"] == STOP_REPLY
    assert rasa.requests == []
    hub = client.app.state.hub
    [binding] = [b for b in _bindings(hub) if b.channel == "telegram"]
    subjects = [f"telegram:{binding.address}", f"conversation:{binding.conversation_id}"]
    assert hub.outreach.store.consent(subjects) == {subject: "opted_out" for subject in subjects}


def _bindings(hub):
    from sqlalchemy import select

    from bot.channels.store import Binding, ChannelBinding

    with hub.store._session() as session:
        return [Binding.of(row) for row in session.scalars(select(ChannelBinding)).all()]
