"""Health details, minimum necessary (issue 15): flagged at accept and kept as typed; the agent console
shows them only to agents with the `health` permission (a skill), live frames included; the QA
transcript and the KPI CSV never show them. The real hub on a real port, real websockets, a stand-in Rasa."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import httpx
import pytest
import yaml

from bot.agents.directory import AgentDirectory
from bot.health import HIDDEN
from live_hub import LiveHub
from test_handoff_flow import ANGRY_FOR_A_PERSON, PASSWORD, agent_socket, customer, receive, say

PREGNANT = "I'm 30 weeks pregnant so please switch my coffee club to decaf"
WARFARIN = "also my husband takes warfarin, is the turmeric latte ok for him?"


def stored(settings) -> list[tuple[str, dict | None]]:
    path = settings.hub_db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT text, payload FROM messages WHERE sender = 'customer' ORDER BY id").fetchall()
    return [(text, json.loads(payload) if payload else None) for text, payload in rows]


def test_a_health_detail_is_flagged_at_accept_and_kept_as_typed(client, conversation, settings, rasa):
    for text in (PREGNANT, "is your decaf safe for pregnant women? asking for our café menu",
                 "sick of waiting, where is order A1042"):
        body = client.post(f"/api/conversations/{conversation}/messages", json={"text": text}).json()
        assert body["message"]["text"] == text  # the customer sees what they typed
        assert "health" not in body["message"]  # the customer's frames carry no marks
    assert rasa.messages[0] == PREGNANT  # the bot reads it as typed
    [(_, flagged), (_, general), (_, look_alike)] = stored(settings)
    assert flagged["health"] == [[4, 21]] and PREGNANT[4:21] == "30 weeks pregnant"
    assert general is None and look_alike is None


def test_the_client_file_can_switch_the_flag_off(tmp_path, make_client, settings):
    data = yaml.safe_load(settings.client_file.read_text(encoding="utf-8"))
    data.setdefault("privacy", {})["health"] = {"flag": False}
    path = tmp_path / "no-health.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    client = make_client(settings, client_file=path)
    conversation = client.post("/api/conversations").json()["conversation_id"]
    client.post(f"/api/conversations/{conversation}/messages", json={"text": PREGNANT})
    assert stored(settings) == [(PREGNANT, None)]


def test_a_permission_that_is_no_skill_stops_the_hub(tmp_path, settings):
    from bot.client_file import ClientFileError
    from bot.hub.wiring import health_from_client

    with pytest.raises(ClientFileError, match="permission must be an agent skill"):
        health_from_client({"privacy": {"health": {"permission": "nurse"}}}, "client.yml")
    assert health_from_client({"privacy": {"health": {"permission": "billing"}}}, "client.yml").permission == "billing"


@pytest.fixture
def live(settings):
    directory = AgentDirectory(settings.hub_db_url)
    directory.create_schema()
    directory.add("alex", "Alex Kim", PASSWORD, skills=("general",))
    directory.add("casey", "Casey Ortiz", PASSWORD, skills=("general", "health"))
    # a supervisor with the permission still sees no health details in QA
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "health"))
    directory.close()
    hub = LiveHub(settings).start()
    yield hub
    hub.stop()


def login(hub: LiveHub, username: str) -> httpx.Client:
    client = httpx.Client(base_url=hub.url, timeout=30, headers={"Origin": hub.url})
    assert client.post("/api/agent/login", json={"username": username, "password": PASSWORD}).status_code == 200
    return client


def test_the_console_shows_health_details_only_to_agents_with_the_permission(live, rasa):
    alex, casey, morgan = login(live, "alex"), login(live, "casey"), login(live, "morgan")
    alex_ws, casey_ws = agent_socket(live, alex), agent_socket(live, casey)
    ws, welcome = customer(live)
    conversation = welcome["conversation_id"]
    say(ws, PREGNANT, "c1")
    receive(ws, lambda f: f["type"] == "bot")
    say(ws, ANGRY_FOR_A_PERSON, "c2")
    receive(ws, lambda f: f["type"] == "system" and f["event"] == "queued")

    # the live frame of a new message while queued
    say(ws, WARFARIN, "c3")
    without = receive(alex_ws, lambda f: f["type"] == "message")
    with_permission = receive(casey_ws, lambda f: f["type"] == "message")
    assert without["message"]["text"] == f"also my husband takes {HIDDEN}, is the turmeric latte ok for him?"
    assert with_permission["message"]["text"] == WARFARIN
    assert "health" not in without and "health" not in with_permission  # the offsets are never sent on

    # the queue, the handoff's context (transcript, summary, NLU and frustration rows) and suggestions
    [waiting] = alex.get("/api/agent/queue").json()["queued"]
    assert waiting["conversation_id"] == conversation
    for path in ("/api/agent/queue", f"/api/agent/handoffs/{waiting['id']}",
                 f"/api/agent/handoffs/{waiting['id']}/suggestions"):
        seen = alex.get(path).text
        assert "pregnant" not in seen and "warfarin" not in seen, path
    context = alex.get(f"/api/agent/handoffs/{waiting['id']}").json()["context"]
    texts = [m["text"] for m in context["transcript"] if m["type"] == "customer"]
    assert texts == [f"I'm {HIDDEN} so please switch my coffee club to decaf", ANGRY_FOR_A_PERSON,
                     f"also my husband takes {HIDDEN}, is the turmeric latte ok for him?"]
    full = casey.get(f"/api/agent/handoffs/{waiting['id']}").json()["context"]
    assert [m["text"] for m in full["transcript"] if m["type"] == "customer"] == [PREGNANT, ANGRY_FOR_A_PERSON,
                                                                                   WARFARIN]
    assert "30 weeks pregnant" in casey.get("/api/agent/queue").text

    # Casey takes it and closes it: the QA transcript hides the details, even from a supervisor who may see them
    accepted = casey.post(f"/api/agent/handoffs/{waiting['id']}/accept").json()["handoff"]
    assert "warfarin" in json.dumps(accepted) or "pregnant" in json.dumps(accepted)
    closed = casey.post(f"/api/agent/handoffs/{waiting['id']}/close", json={"disposition": "resolved"})
    assert closed.status_code == 200, closed.text
    cards = morgan.get("/api/supervisor/qa").json()["scorecards"]
    [card] = [c for c in cards if c["conversation_id"] == conversation]
    detail = morgan.get(f"/api/supervisor/qa/{card['id']}")
    assert "pregnant" not in detail.text and "warfarin" not in detail.text, detail.text
    customer_lines = [m["text"] for m in detail.json()["transcript"] if m["type"] == "customer"]
    assert customer_lines[0] == f"I'm {HIDDEN} so please switch my coffee club to decaf"
    for by in ("day", "intent", "agent", "channel"):
        export = morgan.get("/api/supervisor/kpis.csv", params={"by": by})
        assert export.status_code == 200
        assert "pregnant" not in export.text and "warfarin" not in export.text
        assert list(csv.DictReader(io.StringIO(export.text)))[-1]["episodes"] == "1"
    for socket in (ws, alex_ws, casey_ws):
        socket.close()
