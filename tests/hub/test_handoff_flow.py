"""The warm handoff end to end over real websockets: escalate, queue, accept, chat, restart, hand back."""
from __future__ import annotations

import json
import time
from typing import Any, Callable

import httpx
import pytest
from websockets.sync.client import connect

from bot.agents.directory import AgentDirectory
from bot.conversations.store import Store
from bot.surveys.store import SurveyStore
from live_hub import LiveHub, client_file, token_for

PASSWORD = "correct horse battery"
ANGRY_FOR_A_PERSON = "This is ridiculous!!! I've asked three times, let me talk to a human NOW"


@pytest.fixture
def directory(settings):
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general", "billing"), capacity=2)
    directory.add("sam", "Sam Patel", PASSWORD, skills=("technical",), capacity=1)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    yield directory
    directory.close()


@pytest.fixture
def live(settings, directory):
    hub = LiveHub(settings).start()
    yield hub
    hub.stop()


def login(hub: LiveHub, username: str) -> httpx.Client:
    client = httpx.Client(base_url=hub.url, timeout=30)
    response = client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def agent_socket(hub: LiveHub, client: httpx.Client):
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = connect(hub.ws_url + "/ws/agent", additional_headers={"Cookie": cookie}, open_timeout=10)
    assert receive(ws, lambda f: f["type"] == "hello")["agent"]["username"]
    return ws


def receive(ws, match: Callable[[dict], bool], timeout_s: float = 20.0) -> dict[str, Any]:
    """The first frame that matches (frames before it are skipped)."""
    deadline = time.monotonic() + timeout_s
    seen = []
    while time.monotonic() < deadline:
        try:
            frame = json.loads(ws.recv(timeout=max(0.05, deadline - time.monotonic())))
        except TimeoutError:
            break
        if match(frame):
            return frame
        seen.append(frame)
    raise AssertionError(f"no matching frame; got {seen}")


def customer(hub: LiveHub, conversation_id: str | None = None):
    ws = connect(hub.ws_url + "/ws", open_timeout=10)
    ws.send(json.dumps({"type": "hello", **({"token": token_for(hub.settings, conversation_id)}
                                            if conversation_id else {})}))
    welcome = receive(ws, lambda f: f["type"] == "welcome")
    return ws, welcome


def say(ws, text: str, client_id: str, payload: str | None = None) -> None:
    frame = {"type": "message", "id": client_id, "text": text}
    if payload:
        frame["payload"] = payload
    ws.send(json.dumps(frame))
    receive(ws, lambda f: f["type"] == "ack" and f["id"] == client_id)


def test_angry_customer_is_handed_to_an_agent_who_hands_back_and_a_restart_loses_nothing(live, rasa, settings):
    alex = login(live, "alex")
    alex_ws = agent_socket(live, alex)
    ws, welcome = customer(live)
    conversation = welcome["conversation_id"]

    say(ws, "where is my order A1042", "c1")
    receive(ws, lambda f: f["type"] == "bot")
    say(ws, ANGRY_FOR_A_PERSON, "c2")
    queued = receive(ws, lambda f: f["type"] == "system")
    assert queued["event"] == "queued" and queued["queue"]["position"] == 1
    assert "won't have to repeat yourself" in queued["text"]
    assert rasa.messages == ["where is my order A1042"]  # the escalating message never reached the bot
    receive(alex_ws, lambda f: f["type"] == "queue_changed")

    view = alex.get("/api/agent/queue").json()
    [waiting] = view["queued"]
    assert waiting["conversation_id"] == conversation and waiting["position"] == 1 and waiting["skill"] == "general"
    assert "asked_for_person" in [r["name"] for r in waiting["reasons"]]
    assert waiting["summary"]["wants"].startswith("Track an order") or "order" in waiting["summary"]["wants"].lower()
    detail = alex.get(f"/api/agent/handoffs/{waiting['id']}").json()
    context = detail["context"]
    assert [m["text"] for m in context["transcript"] if m["type"] == "customer"] == ["where is my order A1042",
                                                                                     ANGRY_FOR_A_PERSON]
    assert context["nlu"][0]["intent"] == "order_status" and context["nlu"][0]["entities"][0]["value"] == "A1042"
    scores = [point["score"] for point in context["frustration"]]
    assert len(scores) == 2 and scores[1] > 0.5 > scores[0]

    # While queued, the customer's messages go to the agents, not to the bot.
    say(ws, "hello? anyone there?", "c3")
    frame = receive(alex_ws, lambda f: f["type"] == "message")
    assert frame["message"]["text"] == "hello? anyone there?" and frame["conversation_id"] == conversation
    assert rasa.messages == ["where is my order A1042"]

    accepted = alex.post(f"/api/agent/handoffs/{waiting['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["handoff"]["status"] == "active"
    joined = receive(ws, lambda f: f["type"] == "system" and f["event"] == "agent_joined")
    assert joined["agent"] == {"name": "Alex Kim", "initials": "AK"}
    # Taking the conversation means reading it: the customer's "hello? anyone there?" shows as seen.
    seen = receive(ws, lambda f: f["type"] == "receipt")
    assert seen == {"type": "receipt", "status": "read", "up_to": frame["message"]["id"], "by": "agent",
                    "name": "Alex Kim"}
    ws.send(json.dumps({"type": "read", "up_to": joined["id"]}))  # and the customer saw the agent join
    customer_read = receive(alex_ws, lambda f: f["type"] == "customer_read")
    assert customer_read["up_to"] == joined["id"] and customer_read["handoff_id"] == waiting["id"]

    ws.send(json.dumps({"type": "typing", "on": True}))
    assert receive(alex_ws, lambda f: f["type"] == "typing")["on"] is True
    alex_ws.send(json.dumps({"type": "typing", "handoff_id": waiting["id"], "on": True}))
    assert receive(ws, lambda f: f["type"] == "typing" and f.get("who") == "agent")["agent"]["name"] == "Alex Kim"

    sent = alex.post(f"/api/agent/handoffs/{waiting['id']}/messages",
                     json={"text": "Hi, I'm Alex. I've refunded order A1042.", "client_message_id": "a1"})
    assert sent.status_code == 200
    reply = receive(ws, lambda f: f["type"] == "agent")
    assert reply["text"] == "Hi, I'm Alex. I've refunded order A1042." and reply["agent"]["initials"] == "AK"
    again = alex.post(f"/api/agent/handoffs/{waiting['id']}/messages",
                      json={"text": "Hi, I'm Alex. I've refunded order A1042.", "client_message_id": "a1"})
    assert again.json()["message"]["id"] == sent.json()["message"]["id"]  # a retried send is not doubled
    typed = alex.post(f"/api/agent/handoffs/{waiting['id']}/messages",
                      json={"text": "I see the card 4111 1111 1111 1111 you gave on the phone"})
    assert typed.json()["message"]["text"] == "I see the card [card ending 1111] you gave on the phone"
    assert "4111 1111" not in receive(ws, lambda f: f["type"] == "agent" and "card" in f["text"])["text"]

    # Restart the hub mid-handoff: state is in the database, sockets reconnect.
    ws.close()
    alex_ws.close()
    live.stop()
    live.start()
    alex = httpx.Client(base_url=live.url, cookies=alex.cookies, timeout=30)  # same session cookie, new port
    alex_ws = agent_socket(live, alex)
    mine = alex.get("/api/agent/queue").json()["mine"]
    assert [h["id"] for h in mine] == [waiting["id"]]
    ws, welcome = customer(live, conversation)
    assert welcome["resumed"] is True
    assert receive(ws, lambda f: f["type"] == "receipt")["by"] == "agent"  # the state survives a restart
    kinds = [(m["type"], m.get("event")) for m in welcome["history"]]
    assert ("system", "queued") in kinds and ("system", "agent_joined") in kinds and ("agent", None) in kinds
    say(ws, "thanks! so when will I see the money?", "c4")
    assert receive(alex_ws, lambda f: f["type"] == "message")["message"]["text"] == "thanks! so when will I see the money?"
    assert rasa.messages == ["where is my order A1042"]

    back = alex.post(f"/api/agent/handoffs/{waiting['id']}/handback", json={"note": "refund issued for A1042"})
    assert back.status_code == 200, back.text
    assert back.json()["handoff"]["status"] == "returned"
    assert receive(ws, lambda f: f["type"] == "system" and f["event"] == "handed_back")
    assert receive(ws, lambda f: f["type"] == "bot")["text"] == "Welcome back (handoff_returned)."
    events = rasa.events[conversation]
    assert {"event": "bot", "text": "Hi, I'm Alex. I've refunded order A1042.", "metadata": {"agent": "Alex Kim"}} in events
    assert {"event": "slot", "name": "handoff_note", "value": "refund issued for A1042"} in events
    assert {"event": "slot", "name": "agent_name", "value": "Alex"} in events
    assert rasa.triggered == [(conversation, "handoff_returned")]

    say(ws, "where is my order A2001", "c5")  # the bot answers again
    assert receive(ws, lambda f: f["type"] == "bot")["text"] == "You said: where is my order A2001"
    assert alex.get("/api/agent/queue").json()["mine"] == []
    ws.close()
    alex_ws.close()


def test_nobody_online_offers_a_ticket_that_agents_see_later(live, rasa):
    ws, welcome = customer(live)
    say(ws, "give me some options", "c1")
    offer = receive(ws, lambda f: f["type"] == "bot" and f["buttons"])
    assert offer["buttons"] == [{"title": "More help", "payload": "/request_human"}]
    say(ws, "More help", "c2", payload="/request_human")  # Rasa's action_handoff answers with a custom message
    offline = receive(ws, lambda f: f["type"] == "system")
    assert offline["event"] == "offline"
    assert [b["payload"] for b in offline["buttons"]] == ["/handoff_ticket", "/request_callback", "/handoff_cancel"]
    assert "won't have to explain it again" in offline["text"]
    say(ws, "Open a ticket", "c3", payload="/handoff_ticket")
    ticket = receive(ws, lambda f: f["type"] == "system" and f["event"] == "ticket")
    assert "ticket H-" in ticket["text"]
    assert rasa.messages == ["give me some options", "/request_human"]  # the ticket choice was the hub's

    say(ws, "where is my order A1042", "c4")  # the bot keeps helping meanwhile
    assert receive(ws, lambda f: f["type"] == "bot")["text"] == "You said: where is my order A1042"
    say(ws, "options", "c5")
    receive(ws, lambda f: f["type"] == "bot")
    say(ws, "More help", "c6", payload="/request_human")  # asking again: the ticket is pointed to, not doubled
    assert "is open" in receive(ws, lambda f: f["type"] == "system" and f["event"] == "ticket")["text"]

    alex = login(live, "alex")
    [ticket_handoff] = alex.get("/api/agent/queue").json()["queued"]
    assert ticket_handoff["ticket"] is True and ticket_handoff["conversation_id"] == welcome["conversation_id"]
    assert alex.post(f"/api/agent/handoffs/{ticket_handoff['id']}/accept").status_code == 200
    assert receive(ws, lambda f: f["type"] == "system" and f["event"] == "agent_joined")["agent"]["name"] == "Alex Kim"
    ws.close()


def test_roles_skills_and_capacity_decide_who_sees_and_takes_what(live, rasa):
    alex, sam, morgan = login(live, "alex"), login(live, "sam"), login(live, "morgan")
    sockets = [agent_socket(live, c) for c in (alex, sam, morgan)]
    ws, _ = customer(live)
    say(ws, ANGRY_FOR_A_PERSON, "c1")
    receive(ws, lambda f: f["type"] == "system" and f["event"] == "queued")
    [handoff] = alex.get("/api/agent/queue").json()["queued"]
    ws.close()
    ws, welcome = customer(live, handoff["conversation_id"])  # a reload while waiting: the place comes at once
    assert receive(ws, lambda f: f["type"] == "queue") == {"type": "queue", "position": 1, "wait_s": 30.0}
    assert sam.get("/api/agent/queue").json()["queued"] == []  # general skill: not Sam's
    assert sam.get(f"/api/agent/handoffs/{handoff['id']}").status_code == 403
    assert sam.post(f"/api/agent/handoffs/{handoff['id']}/accept").json()["error"]["code"] == "forbidden"
    overview = morgan.get("/api/agent/queue").json()
    assert [a["username"] for a in overview["agents"] if a["online"]] == ["alex", "morgan", "sam"]
    assert httpx.get(live.url + "/api/agent/queue").json()["error"]["code"] == "not_logged_in"

    assert alex.post(f"/api/agent/handoffs/{handoff['id']}/accept").status_code == 200
    taken = morgan.post(f"/api/agent/handoffs/{handoff['id']}/accept")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "already_taken"
    assert [h["id"] for h in morgan.get("/api/agent/queue").json()["live"]] == [handoff["id"]]
    assert morgan.post(f"/api/agent/handoffs/{handoff['id']}/messages", json={"text": "hi"}).status_code == 403

    moved = alex.post(f"/api/agent/handoffs/{handoff['id']}/transfer", json={"skill": "technical", "note": "kettle"})
    assert moved.json()["handoff"]["status"] == "queued" and moved.json()["handoff"]["skill"] == "technical"
    assert receive(ws, lambda f: f["type"] == "system" and f["event"] == "agent_left")
    assert alex.get("/api/agent/queue").json()["queued"] == []
    assert sam.post(f"/api/agent/handoffs/{handoff['id']}/accept").status_code == 200

    ws2, _ = customer(live)  # Sam (capacity 1) cannot take a second technical conversation
    say(ws2, "options", "d1")
    receive(ws2, lambda f: f["type"] == "bot")
    say(ws2, "More help", "d2", payload="/request_human")
    receive(ws2, lambda f: f["type"] == "system" and f["event"] == "queued")
    [second] = morgan.get("/api/agent/queue").json()["queued"]
    transfer = morgan.post(f"/api/agent/handoffs/{second['id']}/transfer", json={"skill": "technical"})
    assert transfer.status_code == 200
    full = sam.post(f"/api/agent/handoffs/{second['id']}/accept")
    assert full.status_code == 409 and full.json()["error"]["code"] == "at_capacity"

    closed = sam.post(f"/api/agent/handoffs/{handoff['id']}/close", json={"disposition": "resolved", "note": "ok"})
    assert closed.json()["handoff"]["status"] == "closed" and closed.json()["handoff"]["disposition"] == "resolved"
    assert receive(ws, lambda f: f["type"] == "system" and f["event"] == "closed")
    # The end-of-chat question follows, tied to this handoff and agent; the hub records the answer.
    question = receive(ws, lambda f: f["type"] == "system" and f["event"] == "survey")
    assert question["survey"]["kind"] == "csat" and [b["title"] for b in question["buttons"]] == \
        ["1", "2", "3", "4", "5", "Skip"]
    say(ws, "4", "s1", payload=question["buttons"][3]["payload"])
    assert receive(ws, lambda f: f["type"] == "system" and f["event"] == "survey_thanks")
    store = Store(live.settings.hub_db_url)
    try:
        answered, follow_up = SurveyStore(store).for_conversation(handoff["conversation_id"])
    finally:
        store.close()
    assert (answered.score, answered.status, answered.trigger, answered.handoff_id) == \
        (4, "answered", "agent_closed", handoff["id"])
    assert (follow_up.kind, follow_up.trigger, follow_up.handoff_id) == ("ces", "agent_closed", handoff["id"])
    bad = sam.post(f"/api/agent/handoffs/{second['id']}/close", json={"disposition": "maybe"})
    assert bad.status_code == 422
    for socket in sockets + [ws, ws2]:
        socket.close()


def test_login_errors_and_throttling(live):
    client = httpx.Client(base_url=live.url, timeout=30)
    assert client.post("/api/agent/login", json={"username": "alex"}).json()["error"]["code"] == "invalid_body"
    assert client.post("/api/agent/login", content=b"{oops").json()["error"]["code"] == "invalid_json"
    codes = [client.post("/api/agent/login", json={"username": "alex", "password": "wrong password!"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert client.post("/api/agent/login", json={"username": "alex", "password": PASSWORD}).status_code == 429
    ok = login(live, "sam")
    assert ok.get("/api/agent/me").json()["agent"]["username"] == "sam"
    assert ok.post("/api/agent/logout").status_code == 204
    assert ok.get("/api/agent/me").status_code == 401
    with pytest.raises(Exception):
        connect(live.ws_url + "/ws/agent", open_timeout=5).recv(timeout=5)
    again = login(live, "sam")
    cookie = "; ".join(f"{k}={v}" for k, v in again.cookies.items())
    with pytest.raises(Exception):  # another site's page cannot use the agent's cookie
        connect(live.ws_url + "/ws/agent", additional_headers={"Cookie": cookie}, origin="https://evil.example",
                open_timeout=5).recv(timeout=5)
    agent_socket(live, again).close()  # the same cookie from the hub's own origin works


def test_outside_business_hours_the_customer_is_told_when_someone_will_answer(tmp_path, rasa, settings, directory):
    from dataclasses import replace
    from datetime import datetime
    from zoneinfo import ZoneInfo


    tomorrow = (datetime.now(ZoneInfo("America/New_York")).weekday() + 1) % 7
    hours = [{"days": [tomorrow], "open": "09:00", "close": "17:00"}]
    hub = LiveHub(replace(settings, client_file=client_file(tmp_path / "closed", hours))).start()
    try:
        alex = login(hub, "alex")
        alex_ws = agent_socket(hub, alex)  # online, but it is outside business hours
        ws, _ = customer(hub)
        say(ws, ANGRY_FOR_A_PERSON, "c1")
        offline = receive(ws, lambda f: f["type"] == "system")
        assert offline["event"] == "offline" and "offline right now" in offline["text"]
        assert "9:00 AM" in offline["text"]
        say(ws, "This is so frustrating!!! Why is nothing working", "c1b")  # the offer stands: the bot answers
        assert receive(ws, lambda f: f["type"] in ("bot", "system"))["type"] == "bot"
        say(ws, "let me talk to a human", "c1c")  # asked again in so many words: the offer is repeated
        assert receive(ws, lambda f: f["type"] in ("bot", "system"))["event"] == "offline"
        say(ws, "Keep chatting", "c2", payload="/handoff_cancel")
        assert receive(ws, lambda f: f["type"] == "system")["event"] == "cancelled"
        assert alex.get("/api/agent/queue").json()["queued"] == []
        ws.close()
        alex_ws.close()
    finally:
        hub.stop()


def test_a_calm_customer_with_two_orders_is_not_escalated_and_the_tone_follows_frustration(live, rasa):
    login(live, "alex")
    ws, welcome = customer(live)
    conversation = welcome["conversation_id"]
    for i, text in enumerate(["where is my order A1042", "and where is my order A2001", "ok thanks"]):
        say(ws, text, f"c{i}")
        assert receive(ws, lambda f: f["type"] in ("bot", "system"))["type"] == "bot"
    assert rasa.events.get(conversation, []) == []  # calm all along: the tone slot was never touched
    say(ws, "I'm a bit disappointed, the beans were stale", "c9")
    assert receive(ws, lambda f: f["type"] in ("bot", "system"))["type"] == "bot"
    # the first change of tone is preceded by a no-op (the slot's initial value) that starts Rasa's session
    assert rasa.events[conversation][-1] == {"event": "slot", "name": "frustration_level", "value": "annoyed"}
    assert rasa.events[conversation][:-1] in ([], [{"event": "slot", "name": "frustration_level", "value": "calm"}])
    ws.close()


def test_agent_api_rejects_bad_input_clearly(live, rasa):
    alex = login(live, "alex")
    assert alex.get("/api/agent/handoffs/999").json()["error"]["code"] == "unknown_handoff"
    assert alex.get("/api/agent/handoffs/abc").status_code == 422
    agent_ws = agent_socket(live, alex)
    ws, _ = customer(live)
    say(ws, ANGRY_FOR_A_PERSON, "c1")
    receive(ws, lambda f: f["type"] == "system" and f["event"] == "queued")
    [handoff] = alex.get("/api/agent/queue").json()["queued"]
    url = f"/api/agent/handoffs/{handoff['id']}"
    assert alex.post(url + "/messages", json={"text": "hi"}).json()["error"]["code"] == "not_active"
    alex.post(url + "/accept")
    assert alex.post(url + "/messages", json={"text": "  "}).json()["error"]["code"] == "invalid_text"
    assert alex.post(url + "/messages", json={"text": "x" * 4001}).json()["error"]["code"] == "text_too_long"
    assert alex.post(url + "/messages", content=b"[1, 2").json()["error"]["code"] == "invalid_json"
    assert alex.post(url + "/messages", json=["hi"]).json()["error"]["code"] == "invalid_body"
    assert alex.post(url + "/transfer", json={}).json()["error"]["code"] == "invalid_transfer"
    assert alex.post(url + "/transfer", json={"skill": "sales"}).json()["error"]["code"] == "invalid_skill"
    assert alex.post(url + "/transfer", json={"agent_id": 999}).json()["error"]["code"] == "unknown_agent"
    agent_ws.send("not json")
    assert receive(agent_ws, lambda f: f["type"] == "error")["code"] == "invalid_json"
    agent_ws.send(json.dumps({"type": "dance"}))
    assert receive(agent_ws, lambda f: f["type"] == "error")["code"] == "unknown_type"
    agent_ws.send(json.dumps({"type": "typing", "handoff_id": "nope", "on": True}))  # ignored, socket stays open
    agent_ws.send(json.dumps({"type": "ping"}))
    assert receive(agent_ws, lambda f: f["type"] == "pong")
    # After all that, the customer still reaches the agent and nothing was lost.
    say(ws, "are you there?", "c2")
    assert receive(agent_ws, lambda f: f["type"] == "message")["message"]["text"] == "are you there?"
    ws.close()
    agent_ws.close()


def post(client, conversation, text, payload=None):
    body = {"text": text, **({"payload": payload} if payload else {})}
    response = client.post(f"/api/conversations/{conversation}/messages", json=body)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_answers_callbacks_and_retries_are_not_mistaken_for_frustration(client, conversation, rasa):
    # A bare "No" reads as disapproval to the text model, but here it answers the bot's question.
    assert [m["type"] for m in post(client, conversation, "No")] == ["bot"]
    assert rasa.events.get(conversation) is None  # the tone stayed calm
    # A call back is what the bot's callback form books: no live handoff.
    assert [m["type"] for m in post(client, conversation, "Can someone call me back please?")] == ["bot"]
    # The bot was down for the first try; asking again afterwards is a retry, not a repeat.
    rasa.mode = "error500"
    post(client, conversation, "where is the parcel for my order A1042")
    rasa.mode = "normal"
    again = post(client, conversation, "where is the parcel for my order A1042")
    assert [m["type"] for m in again] == ["bot"] and again[0]["text"].startswith("You said")
    # The same request once more, after a real answer, is asked again: a person takes over.
    third = post(client, conversation, "where is the parcel for my order A1042?")
    assert [m["type"] for m in third] == ["system"] and third[0]["event"] == "offline"  # nobody online


def test_an_escalating_first_message_is_routed_by_what_it_asks(live, rasa):
    alex = login(live, "alex")
    alex_ws = agent_socket(live, alex)
    ws, _ = customer(live)
    say(ws, "I was CHARGED TWICE this month!!! Get me a human NOW", "c1")
    assert receive(ws, lambda f: f["type"] == "system")["event"] == "queued"
    assert rasa.messages == []  # the bot never saw it; NLU read it for routing
    [handoff] = alex.get("/api/agent/queue").json()["queued"]
    assert handoff["skill"] == "billing"
    context = alex.get(f"/api/agent/handoffs/{handoff['id']}").json()["context"]
    assert [(row["intent"], row["confidence"]) for row in context["nlu"]] == [("double_charge", 0.88)]
    ws.close()
    alex_ws.close()
