"""Episodes close on the real app: an agent's close, the idle sweeper (injected clock), a new episode after a close."""
from __future__ import annotations

from datetime import timedelta

import pytest
from test_hub_websocket import hello, next_frame, receive_until_typing_off

from bot.agents.directory import AgentDirectory
from bot.conversations.closure import Closures
from bot.conversations.store import utcnow
from bot.surveys.store import SurveyStore

PASSWORD = "correct horse battery"
ANGRY_FOR_A_PERSON = "This is ridiculous!!! I've asked three times, let me talk to a human NOW"


@pytest.fixture
def directory(settings):
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    yield directory
    directory.close()


def chat(ws, text, client_id, payload=None):
    frame = {"type": "message", "id": client_id, "text": text}
    if payload:
        frame["payload"] = payload
    ws.send_json(frame)
    assert next_frame(ws)["type"] == "ack"


def until(ws, match, limit=30):
    for _ in range(limit):
        frame = next_frame(ws)
        if match(frame):
            return frame
    raise AssertionError("no matching frame")


def test_an_agent_closing_closes_the_episode_scores_it_and_the_survey_belongs_to_it(directory, client, rasa):
    hub = client.app.state.hub
    assert client.post("/api/agent/login", json={"username": "alex", "password": PASSWORD}).status_code == 200
    with client.websocket_connect("/ws/agent") as console, client.websocket_connect("/ws") as ws:
        assert console.receive_json()["type"] == "hello"
        conversation = hello(ws)["conversation_id"]
        chat(ws, "where is my order A1042", "c1")
        receive_until_typing_off(ws)
        chat(ws, ANGRY_FOR_A_PERSON, "c2")
        until(ws, lambda f: f.get("event") == "queued")
        [waiting] = client.get("/api/agent/queue").json()["queued"]
        assert client.post(f"/api/agent/handoffs/{waiting['id']}/accept").status_code == 200
        client.post(f"/api/agent/handoffs/{waiting['id']}/messages",
                    json={"text": "I'm really sorry about this, let me sort it out."})
        assert client.post(f"/api/agent/handoffs/{waiting['id']}/close",
                           json={"disposition": "resolved"}).status_code == 200
        question = until(ws, lambda f: f.get("event") == "survey")
        chat(ws, "5", "c3", payload=question["buttons"][4]["payload"])
        assert next_frame(ws)["event"] == "survey_thanks"
    [closure] = Closures(hub.store).for_conversation(conversation)
    assert (closure.trigger, closure.resolved, closure.contained, closure.escalated) == ("agent_closed", True, False,
                                                                                       True)
    assert (closure.agent_name, closure.handoff_id, closure.intent) == ("Alex Kim", waiting["id"], "order_status")
    [csat, _ces] = SurveyStore(hub.store).for_conversation(conversation)
    assert (csat.trigger, csat.handoff_id, csat.score) == ("agent_closed", waiting["id"], 5)
    [card] = hub.scorecards.lowest(closure.started_at - timedelta(days=1), closure.closed_at + timedelta(days=1))
    assert card["agent"] == "Alex Kim" and card["criteria"]["empathy"]["score"] == 100
    assert card["criteria"]["resolution"]["score"] == 100
    # Nothing new since the close: the sweeper leaves it alone.
    assert hub.closures.sweep(utcnow() + timedelta(hours=2)) == []


def test_the_idle_sweeper_closes_quiet_conversations_and_a_new_message_opens_a_new_episode(client, rasa):
    hub = client.app.state.hub
    with client.websocket_connect("/ws") as ws:
        conversation = hello(ws)["conversation_id"]
        chat(ws, "where is my order", "c1")
        receive_until_typing_off(ws)
        now = utcnow()
        assert hub.closures.sweep(now + timedelta(minutes=29)) == []  # client.yml: idle after 30 minutes
        [closure] = hub.closures.sweep(now + timedelta(minutes=31))
        assert (closure.conversation_id, closure.trigger, closure.intent) == (conversation, "idle", "order_status")
        assert closure.resolved and closure.contained and not closure.escalated
        assert hub.closures.sweep(now + timedelta(minutes=90)) == []  # closed once
        chat(ws, "hello", "c2")  # the customer comes back: a new episode
        receive_until_typing_off(ws)
        [second] = hub.closures.sweep(utcnow() + timedelta(minutes=31))
        assert second.first_message_id > closure.last_message_id
    assert [c.trigger for c in Closures(hub.store).for_conversation(conversation)] == ["idle", "idle"]
    assert SurveyStore(hub.store).for_conversation(conversation) == []  # nobody is asked after leaving
    assert len(hub.scorecards.lowest(now - timedelta(days=1), now + timedelta(days=1))) == 2
