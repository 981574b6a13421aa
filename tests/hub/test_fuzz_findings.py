"""What the fuzzers (test_fuzz_http.py, test_fuzz_widget_socket.py) found, one plain test each."""
from __future__ import annotations

import pytest

from bot.agents.directory import AgentDirectory
from bot.hub.app import create_app
from bot.settings import Settings


PASSWORD = "correct horse battery"


def url(conversation):
    return f"/api/conversations/{conversation}/messages"


@pytest.mark.parametrize("body", [b'{"text": ' + b"9" * 5_000 + b"}",
                                  b'{"text": "hi", "client_message_id": -' + b"1" * 4_400 + b"}"])
def test_a_number_too_long_for_python_is_refused_plainly_not_a_500(client, conversation, rasa, body):
    response = client.post(url(conversation), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert "digits" in response.json()["error"]["message"]
    assert rasa.requests == [] and client.get(url(conversation)).json()["messages"] == []
    with client.websocket_connect("/ws") as ws:  # a frame with one is malformed too
        ws.send_text('{"type": "read", "up_to": ' + "9" * 5_000 + "}")
        assert ws.receive_json()["code"] == "invalid_json"


@pytest.mark.parametrize("path", ["/api/agent/handoffs/{}", "/api/agent/handoffs/{}/suggestions",
                                  "/api/supervisor/qa/{}"])
def test_an_id_no_database_column_holds_is_422_not_a_500(client, settings, conversation, path):
    directory = AgentDirectory(settings.hub_db_url)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor")
    directory.close()
    assert client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD}).status_code == 200
    for too_big in (2**63, 2**31):  # SQLite: OverflowError; PostgreSQL's INTEGER: out of range
        response = client.get(path.format(too_big))
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
        response = client.get(url(conversation), params={"after": too_big})
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert client.get(path.format(2**31 - 1)).status_code == 404


def test_the_schema_promises_the_error_shape_the_hub_sends():
    schema = create_app(Settings()).openapi()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            error = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorBody"}, path
            assert "422" not in operation["responses"], path  # FastAPI's {"detail": [...]}, never sent
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    csv = schema["paths"]["/api/supervisor/kpis.csv"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in csv


@pytest.fixture
def console(client, settings):
    """A logged-in agent's console socket, a handoff that agent has accepted, and its conversation."""
    directory = AgentDirectory(settings.hub_db_url)
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    directory.close()
    assert client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD}).status_code == 200
    with client.websocket_connect("/ws/agent") as ws:
        assert ws.receive_json()["type"] == "hello"
        conversation = client.post("/api/conversations").json()["conversation_id"]
        client.post(url(conversation), json={"text": "options"})
        client.post(url(conversation), json={"text": "More help", "payload": "/request_human"})
        handoff = client.get("/api/agent/queue").json()["queued"][0]["id"]
        assert client.post(f"/api/agent/handoffs/{handoff}/accept").status_code == 200
        yield ws, handoff, conversation


def pong(ws):
    ws.send_json({"type": "ping"})
    while (frame := ws.receive_json())["type"] != "pong":
        assert frame["type"] != "error", frame


def test_a_console_frame_naming_a_handoff_id_no_column_holds_is_ignored_and_the_socket_stays_open(
        client, console, hub_logs):
    ws, handoff, _ = console
    for frame in ({"type": "read", "handoff_id": 2**63}, {"type": "typing", "handoff_id": 2**64, "on": True},
                  {"type": "read", "handoff_id": -2**70}):
        ws.send_json(frame)
        pong(ws)  # before: OverflowError out of the socket's loop, the console disconnected
    assert not [r for r in hub_logs.records if r.exc_info]
    transfer = client.post(f"/api/agent/handoffs/{handoff}/transfer", json={"agent_id": 2**63})
    assert transfer.status_code == 422 and transfer.json()["error"]["code"] == "unknown_agent"


def test_an_agents_read_mark_stops_at_the_customers_last_message(client, console):
    ws, handoff, conversation = console
    ws.send_json({"type": "read", "handoff_id": handoff, "up_to": 10**12})
    pong(ws)
    store = client.app.state.hub.store
    last = [m.id for m in store.history(conversation) if m.sender == "customer"][-1]
    # before: 10**12 was kept, and a mark never goes back: no later message could show as read
    assert store.conversation_meta(conversation)["read_by_hub"]["up_to"] == last
