"""An outreach message reaches the customer: live in an open widget, in the history at the next visit,
or on their messaging channel; the customer's answer goes on in the same conversation."""
from __future__ import annotations

from outreach_steps import DAYTIME, post_event, set_clock, tick, verified_web_conversation

from bot.outreach.service import STOP_REPLY
from bot.outreach.store import DELIVERED, REPLIED, SENT


def hello(ws, token):
    ws.send_json({"type": "hello", "token": token})
    return next_frame(ws)


def next_frame(ws):
    while True:
        frame = ws.receive_json()
        if frame["type"] != "receipt":
            return frame


def jobs(client, campaign=None):
    return client.app.state.hub.outreach.store.jobs(campaign)


def test_order_delayed_event_reaches_an_open_widget_live(client, rasa):
    conversation = verified_web_conversation(client, "C1001")
    token = client.app.state.hub.sessions.issue(conversation)
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws, token)
        assert welcome["type"] == "welcome" and welcome["conversation_id"] == conversation
        answer = post_event(client, {"type": "order_delayed", "id": "DELAY-1", "orders": ["A1045"],
                                     "data": {"new_date": "Friday 20 March"}})
        assert answer.status_code == 202, answer.text
        assert answer.json()["jobs_created"] == 1
        report = tick(client)
        assert report["outcomes"] == {DELIVERED: 1}
        frame = next_frame(ws)
        assert frame["type"] == "bot" and frame["text"] == "Welcome back (EXTERNAL_order_delayed)."
    assert rasa.triggered == [(conversation, "EXTERNAL_order_delayed")]
    assert rasa.trigger_entities == [{"order_id": "A1045", "new_date": "Friday 20 March"}]
    [job] = jobs(client, "order_delayed")
    assert (job.status, job.conversation_id, job.channel) == (DELIVERED, conversation, "web")


def test_an_offline_web_customer_sees_it_in_the_history_at_the_next_visit(client, rasa):
    conversation = verified_web_conversation(client, "C1001")
    post_event(client, {"type": "order_delayed", "id": "DELAY-2", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {SENT: 1}
    token = client.app.state.hub.sessions.issue(conversation)
    with client.websocket_connect("/ws") as ws:
        welcome = hello(ws, token)
    texts = [m["text"] for m in welcome["history"]]
    assert texts == ["Welcome back (EXTERNAL_order_delayed)."]
    # the customer answers: the job is marked replied and the conversation goes on with the bot
    response = client.post(f"/api/conversations/{conversation}/messages", json={"text": "I'll wait"},
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert rasa.messages == ["I'll wait"]
    assert jobs(client)[0].status == REPLIED


def test_stop_over_the_widget_websocket_ends_outreach(client, rasa):
    conversation = verified_web_conversation(client, "C1001")
    token = client.app.state.hub.sessions.issue(conversation)
    with client.websocket_connect("/ws") as ws:
        hello(ws, token)
        ws.send_json({"type": "message", "id": "c1", "text": "unsubscribe"})
        reply = next(frame for frame in iter(lambda: next_frame(ws), None) if frame["type"] == "bot")
    assert reply["text"] == STOP_REPLY
    assert rasa.messages == []
    post_event(client, {"type": "order_delayed", "id": "D-1", "orders": ["A1045"], "data": {"new_date": "Friday 20 March"}})
    assert tick(client)["outcomes"] == {"skipped:opted_out": 1}
    assert rasa.triggered == []
