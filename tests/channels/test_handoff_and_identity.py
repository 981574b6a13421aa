"""The handoff over a messaging channel, and one customer with one history across channels."""
from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest
from channel_payloads import (
    MARIA_CHAT,
    MARIA_EMAIL,
    MARIA_PHONE,
    MARIA_TG,
    SLACK_DM,
    SLACK_USER,
    TWILIO_SID,
    post_slack_action,
    post_slack_event,
    post_telegram,
    post_whatsapp,
    slack_action,
    slack_message,
    tg_callback,
    tg_message,
    wa_form,
)
from sqlalchemy import update

from bot.agents.directory import AgentDirectory
from bot.channels.service import IDENTIFIED, KEPT_APART, joined_text, offer_text
from bot.handoff import texts
from bot.conversations.store import Conversation, utcnow

PASSWORD = "correct horse battery"
MESSAGES_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
CHAT = MARIA_CHAT["id"]


@pytest.fixture
def directory(settings):
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    yield directory
    directory.close()


def login(client, username: str) -> None:
    response = client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def history(client, conversation_id: str) -> list[dict]:
    return client.get(f"/api/conversations/{conversation_id}/messages").json()["messages"]


def test_a_handoff_over_telegram_queue_agent_joins_agent_replies_customer_answers(
        directory, client, platform, rasa):
    login(client, "alex")
    with client.websocket_connect("/ws/agent") as console:  # Alex is online
        assert console.receive_json()["type"] == "hello"
        post_telegram(client, tg_message("give me some options"))
        [offer] = platform.wait_sent("/sendMessage")
        [[button]] = offer.json["reply_markup"]["inline_keyboard"]
        assert button["text"] == "More help"
        post_telegram(client, tg_callback(button["callback_data"]))  # Rasa answers with the handoff request

        queued = platform.wait_sent("/sendMessage", 2)[1]
        assert queued.json["chat_id"] == CHAT and queued.json["text"].startswith(
            html.escape("I'm connecting you with a member of our team. You're next in line", quote=False))
        [waiting] = client.get("/api/agent/queue").json()["queued"]
        assert waiting["channel"] == "telegram"

        assert client.post(f"/api/agent/handoffs/{waiting['id']}/accept").status_code == 200
        joined = platform.wait_sent("/sendMessage", 3)[2]
        assert joined.json == {"chat_id": CHAT, "text": texts.agent_joined("Alex Kim"), "parse_mode": "HTML"}
        sent = client.post(f"/api/agent/handoffs/{waiting['id']}/messages",
                           json={"text": "Hi Maria, I'm Alex. I'll look at **A1042** now.", "client_message_id": "a1"})
        assert sent.status_code == 200
        reply = platform.wait_sent("/sendMessage", 4)[3]
        assert reply.json == {"chat_id": CHAT, "parse_mode": "HTML",
                              "text": "<b>Alex Kim</b>\nHi Maria, I'm Alex. I'll look at <b>A1042</b> now."}

        post_telegram(client, tg_message("thanks, it's the kettle"))  # goes to Alex, not to the bot
        platform.wait_for(lambda: any(m["text"] == "thanks, it's the kettle"
                                      for m in history(client, waiting["conversation_id"])))
        context = client.get(f"/api/agent/handoffs/{waiting['id']}").json()["context"]
        customer = [(m["text"], m.get("channel")) for m in context["transcript"] if m["type"] == "customer"]
        assert customer == [("give me some options", "telegram"), ("More help", "telegram"),
                            ("thanks, it's the kettle", "telegram")]
        assert rasa.messages == ["give me some options", "/request_human"]
        time.sleep(0.2)
        assert len(platform.sent("/sendMessage")) == 4  # nothing else was said to the customer

        closed = client.post(f"/api/agent/handoffs/{waiting['id']}/close", json={"disposition": "resolved"})
        assert closed.status_code == 200
        assert platform.wait_sent("/sendMessage", 5)[4].json["text"] == texts.closed("Alex Kim")


def test_nobody_online_the_offline_choices_work_as_whatsapp_numbers(directory, client, platform, rasa):
    phone = "+15559990000"
    post_whatsapp(client, wa_form("give me some options", sender=phone))
    platform.wait_sent(MESSAGES_PATH, 1)
    post_whatsapp(client, wa_form("1", sender=phone))  # "More help"
    offer = dict(platform.wait_sent(MESSAGES_PATH, 2)[1].form)["Body"]
    assert offer.endswith("Reply with a number:\n1. Open a ticket\n2. Call me back\n3. Keep chatting with the assistant")
    post_whatsapp(client, wa_form("1", sender=phone))  # "Open a ticket": the hub answers it, not Rasa
    ticket = dict(platform.wait_sent(MESSAGES_PATH, 3)[2].form)["Body"]
    assert ticket.startswith("Done: ticket H-") and rasa.messages == ["give me some options", "/request_human"]

    login(client, "alex")  # Alex takes the ticket: from now on "2" is what the customer says to Alex
    [handoff] = client.get("/api/agent/queue").json()["queued"]
    assert client.post(f"/api/agent/handoffs/{handoff['id']}/accept").status_code == 200
    platform.wait_sent(MESSAGES_PATH, 4)  # "Alex Kim joined the chat."
    post_whatsapp(client, wa_form("2", sender=phone))
    platform.wait_for(lambda: history(client, handoff["conversation_id"])[-1]["text"] == "2")
    assert rasa.messages == ["give me some options", "/request_human"]


def test_the_slack_keep_chatting_button_is_a_hub_choice(directory, client, platform, rasa):
    post_slack_event(client, slack_message("give me some options"))
    offer = platform.wait_sent("/chat.postMessage", 1)[0].json
    post_slack_action(client, slack_action(offer["blocks"][1]["elements"][0]["value"], "More help"))
    offline = platform.wait_sent("/chat.postMessage", 2)[1].json
    keep = offline["blocks"][1]["elements"][2]
    assert keep["text"]["text"] == "Keep chatting with the assistant"
    post_slack_action(client, slack_action(keep["value"], "Keep chatting with the assistant"))
    assert platform.wait_sent("/chat.postMessage", 3)[2].json["text"] == texts.keep_bot()


# -- one customer, one history -------------------------------------------------------------------------------
def verified_web_conversation(client, rasa) -> str:
    """A widget conversation in which the bot verified Maria (Rasa's verified_customer_id slot)."""
    conversation = client.post("/api/conversations").json()["conversation_id"]
    rasa.slots[conversation] = {"verified_customer_id": "C1001"}
    response = client.post(f"/api/conversations/{conversation}/messages",
                           json={"text": "where is my order A1042", "client_message_id": "w1"})
    assert response.status_code == 200
    meta = client.app.state.hub.handoffs.escalation.handoffs.meta(conversation)
    assert meta["customer"]["customer_id"] == "C1001"
    return conversation


def whatsapp_conversation(client, platform) -> str:
    """A conversation Maria began on WhatsApp: her number is verified by WhatsApp and known to the CRM."""
    before = len(platform.sent(MESSAGES_PATH))
    post_whatsapp(client, wa_form("is my parcel coming today", sender=MARIA_PHONE))
    platform.wait_sent(MESSAGES_PATH, before + 1)
    return client.app.state.hub.channels.store.binding("whatsapp", MARIA_PHONE).conversation_id


def test_whatsapp_stays_apart_from_a_web_conversation_but_the_agent_sees_maria_s_card(directory, client, platform,
                                                                                       rasa):
    web = verified_web_conversation(client, rasa)
    post_whatsapp(client, wa_form("any news on it?", sender=MARIA_PHONE))
    answer = platform.wait_sent(MESSAGES_PATH, 2)[1]
    assert dict(answer.form)["Body"] == "You said: any news on it?"
    conversation = client.app.state.hub.channels.store.binding("whatsapp", MARIA_PHONE).conversation_id
    assert conversation != web

    login(client, "alex")
    with client.websocket_connect("/ws/agent") as console:
        assert console.receive_json()["type"] == "hello"
        post_whatsapp(client, wa_form("let me talk to a human please", sender=MARIA_PHONE))
        platform.wait_for(lambda: client.get("/api/agent/queue").json()["queued"])
        [waiting] = client.get("/api/agent/queue").json()["queued"]
        assert waiting["conversation_id"] == conversation and waiting["customer"]["name"] == "Maria Lopez"
        context = client.get(f"/api/agent/handoffs/{waiting['id']}").json()["context"]
        seen = [(m["text"], m.get("channel", "web")) for m in context["transcript"] if m["type"] == "customer"]
        assert seen == [("any news on it?", "whatsapp"), ("let me talk to a human please", "whatsapp")]
        assert context["customer"]["profile"]["customer_id"] == "C1001"


def test_a_joined_conversation_answers_on_the_channel_the_customer_last_wrote_from(directory, client, platform, rasa):
    conversation = whatsapp_conversation(client, platform)
    own = {"phone_number": MARIA_PHONE.lstrip("+"), "first_name": "Maria", "user_id": MARIA_TG["id"]}
    post_telegram(client, tg_message(None, contact=own))
    platform.wait_sent("/sendMessage", 1)
    post_telegram(client, tg_message("and the kettle?"))
    assert platform.wait_sent("/sendMessage", 2)[1].json["text"] == "You said: and the kettle?"
    post_whatsapp(client, wa_form("back on whatsapp", sender=MARIA_PHONE))
    assert dict(platform.wait_sent(MESSAGES_PATH, 2)[1].form)["Body"] == "You said: back on whatsapp"
    time.sleep(0.3)
    assert len(platform.sent("/sendMessage")) == 2  # the answer went to WhatsApp only
    assert client.app.state.hub.channels.store.binding("telegram", str(CHAT)).conversation_id == conversation


def test_an_old_conversation_is_not_continued(directory, client, platform, rasa):
    conversation = whatsapp_conversation(client, platform)
    store = client.app.state.hub.store
    with store.engine.begin() as conn:
        conn.execute(update(Conversation).where(Conversation.id == conversation)
                     .values(updated_at=utcnow() - timedelta(days=8)))
    own = {"phone_number": MARIA_PHONE.lstrip("+"), "first_name": "Maria", "user_id": MARIA_TG["id"]}
    post_telegram(client, tg_message(None, contact=own))
    assert platform.wait_sent("/sendMessage", 1)[0].json["text"] == IDENTIFIED
    assert client.app.state.hub.channels.store.binding("telegram", str(CHAT)).conversation_id != conversation


def test_telegram_joins_on_a_shared_own_contact_but_not_on_someone_elses(directory, client, platform, rasa):
    conversation = whatsapp_conversation(client, platform)
    post_telegram(client, tg_message("good morning"))
    platform.wait_sent("/sendMessage", 1)
    store = client.app.state.hub.channels.store
    assert store.binding("telegram", str(CHAT)).conversation_id != conversation  # nobody known yet

    friend = {"phone_number": "+15553187720", "first_name": "James", "user_id": 222222222}
    post_telegram(client, tg_message(None, contact=friend))
    platform.wait_sent("/sendMessage", 2)
    assert store.binding("telegram", str(CHAT)).conversation_id != conversation

    own = {"phone_number": MARIA_PHONE.lstrip("+"), "first_name": "Maria", "last_name": "Lopez",
           "user_id": MARIA_TG["id"]}
    post_telegram(client, tg_message(None, contact=own))
    notice = platform.wait_sent("/sendMessage", 3)[2]
    assert notice.json["text"] == ("Welcome back! This continues your earlier conversation from WhatsApp, "
                                   "so there's no need to repeat anything.")
    assert store.binding("telegram", str(CHAT)).conversation_id == conversation
    post_telegram(client, tg_message("so where is it?"))
    assert platform.wait_sent("/sendMessage", 4)[3].json["text"] == "You said: so where is it?"
    assert rasa.requests[-1]["sender"] == conversation


def test_slack_joins_through_the_members_email(directory, client, platform, rasa):
    platform.slack_users[SLACK_USER] = {"id": SLACK_USER, "name": "maria", "is_bot": False,
                                        "profile": {"email": MARIA_EMAIL, "real_name": "Maria Lopez"}}
    conversation = whatsapp_conversation(client, platform)
    post_slack_event(client, slack_message("hi from slack"))
    notice, answer = platform.wait_sent("/chat.postMessage", 2)
    [info] = [r for r in platform.requests if r.path.endswith("/users.info")]
    assert info.method == "GET" and info.query == {"user": [SLACK_USER]}
    assert notice.json["text"].startswith("Welcome back! This continues your earlier conversation from WhatsApp")
    assert notice.json["channel"] == SLACK_DM
    assert client.app.state.hub.channels.store.binding("slack", f"{SLACK_DM}/{SLACK_USER}").conversation_id == conversation


# -- a channel joins only an identity at least as strong as its own (issue 15) --------------------------------
def test_whatsapp_does_not_join_a_web_conversation_verified_by_order_number_and_email(directory, client, platform,
                                                                                      rasa):
    """Whoever typed Maria's order number and e-mail in the widget must not read her WhatsApp messages."""
    web = verified_web_conversation(client, rasa)
    post_whatsapp(client, wa_form("my new card is on the way, any news?", sender=MARIA_PHONE))
    offer, answer = platform.wait_sent(MESSAGES_PATH, 2)
    assert dict(offer.form)["Body"] == offer_text("web")  # asked on WhatsApp; no "Welcome back"
    assert dict(answer.form)["Body"] == "You said: my new card is on the way, any news?"
    binding = client.app.state.hub.channels.store.binding("whatsapp", MARIA_PHONE)
    assert binding.conversation_id != web and binding.customer_id == "C1001"
    assert [m["text"] for m in history(client, web)] == ["where is my order A1042", "You said: where is my order A1042"]
    assert [r["sender"] for r in rasa.requests] == [web, binding.conversation_id]  # two trackers
    # The agent still sees who it is: the CRM card comes from WhatsApp's own verified number.
    meta = client.app.state.hub.handoffs.escalation.handoffs.meta(binding.conversation_id)
    assert meta["customer"]["customer_id"] == "C1001"


def test_a_known_whatsapp_address_does_not_follow_a_livelier_web_conversation(directory, client, platform, rasa):
    own = whatsapp_conversation(client, platform)
    store = client.app.state.hub.channels.store
    web = verified_web_conversation(client, rasa)  # later, so the livelier of Maria's conversations
    post_whatsapp(client, wa_form("still there?", sender=MARIA_PHONE))
    assert dict(platform.wait_sent(MESSAGES_PATH, 2)[1].form)["Body"] == "You said: still there?"
    assert store.binding("whatsapp", MARIA_PHONE).conversation_id == own
    assert all(m.get("channel") is None for m in history(client, web))


def test_telegram_does_not_join_a_whatsapp_chat_where_someone_typed_maria_s_order_and_email(directory, client,
                                                                                          platform, rasa):
    stranger = "+15559990000"  # not in the CRM
    post_whatsapp(client, wa_form("is my parcel coming today", sender=stranger))
    platform.wait_sent(MESSAGES_PATH, 1)
    store = client.app.state.hub.channels.store
    theirs = store.binding("whatsapp", stranger).conversation_id
    rasa.slots[theirs] = {"verified_customer_id": "C1001"}  # the bot verified Maria's order and e-mail there
    post_whatsapp(client, wa_form("A1042 maria.lopez@example.com", sender=stranger))
    platform.wait_sent(MESSAGES_PATH, 2)
    assert store.identity_of("C1001", theirs) == "order_and_email"

    own = {"phone_number": MARIA_PHONE.lstrip("+"), "first_name": "Maria", "user_id": MARIA_TG["id"]}
    post_telegram(client, tg_message(None, contact=own))
    identified, offer = platform.wait_sent("/sendMessage", 2)
    assert identified.json["text"] == IDENTIFIED and offer.json["text"] == html.escape(offer_text("whatsapp"),
                                                                                        quote=False)
    mine = store.binding("telegram", str(CHAT)).conversation_id
    assert mine != theirs and store.identity_of("C1001", mine) == "platform_verified_phone"
    post_telegram(client, tg_message("No"))  # Maria never chatted from that number
    assert platform.wait_sent("/sendMessage", 3)[2].json["text"] == KEPT_APART
    assert store.binding("telegram", str(CHAT)).conversation_id == mine


def test_maria_continues_her_web_chat_by_answering_yes_on_whatsapp(directory, client, platform, rasa):
    web = verified_web_conversation(client, rasa)
    post_whatsapp(client, wa_form("any news on it?", sender=MARIA_PHONE))
    platform.wait_sent(MESSAGES_PATH, 2)  # the question, the bot's answer
    store = client.app.state.hub.channels.store
    apart = store.binding("whatsapp", MARIA_PHONE).conversation_id
    post_whatsapp(client, wa_form("Yes", sender=MARIA_PHONE))
    assert dict(platform.wait_sent(MESSAGES_PATH, 3)[2].form)["Body"] == joined_text("web")
    assert store.binding("whatsapp", MARIA_PHONE).conversation_id == web
    post_whatsapp(client, wa_form("and the kettle?", sender=MARIA_PHONE))
    assert dict(platform.wait_sent(MESSAGES_PATH, 4)[3].form)["Body"] == "You said: and the kettle?"
    customer = [(m["text"], m.get("channel", "web")) for m in history(client, web) if m["type"] == "customer"]
    assert customer == [("where is my order A1042", "web"), ("and the kettle?", "whatsapp")]
    assert [r["sender"] for r in rasa.requests] == [web, apart, web]  # "Yes" went to no bot
    assert store.identity_of("C1001", web) == "order_and_email"  # joining on her word makes it no stronger


def test_no_keeps_the_chats_apart_and_the_web_chat_cannot_answer_for_whatsapp(directory, client, platform, rasa):
    web = verified_web_conversation(client, rasa)
    post_whatsapp(client, wa_form("any news on it?", sender=MARIA_PHONE))
    platform.wait_sent(MESSAGES_PATH, 2)
    store = client.app.state.hub.channels.store
    apart = store.binding("whatsapp", MARIA_PHONE).conversation_id
    client.post(f"/api/conversations/{web}/messages", json={"text": "yes", "client_message_id": "w2"})
    assert store.binding("whatsapp", MARIA_PHONE).conversation_id == apart  # the web side was not asked
    post_whatsapp(client, wa_form("no", sender=MARIA_PHONE))
    assert dict(platform.wait_sent(MESSAGES_PATH, 3)[2].form)["Body"] == KEPT_APART
    post_whatsapp(client, wa_form("yes", sender=MARIA_PHONE))  # asked once: now it is just a message
    assert dict(platform.wait_sent(MESSAGES_PATH, 4)[3].form)["Body"] == "You said: yes"
    assert store.binding("whatsapp", MARIA_PHONE).conversation_id == apart
