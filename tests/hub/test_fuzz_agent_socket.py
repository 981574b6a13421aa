"""Fuzzing the agent console's websocket (/ws/agent, docs/handoff.md) with hypothesis (issue 15).

A logged-in agent who has a conversation sends any frame: typing and read marks with any handoff id and
mark (the real one, another, ones no database column holds, wrong types), pings, and anything else. The
socket answers each with its documented error frame or nothing (its pong, synchronised), stays open,
the agent's read mark stays within the conversation, and the hub logs no traceback.
"""
from __future__ import annotations

import logging
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from bot.agents.directory import AgentDirectory
from bot.hub import json_limits
from bot.hub.app import create_app
from bot.hub.routes.agent_ws import MAX_FRAME_CHARS
from bot.settings import Settings
from hub_stubs import RasaStub
from live_hub import NO_LIMITS, as_conversation_owner, client_file

PASSWORD = "correct horse battery"
ERROR_CODES = {"frame_too_large", "invalid_json", "unknown_type"}

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> Iterator[tuple[TestClient, Any, int, str]]:
    """The hub, the console socket of a logged-in agent, a handoff that agent has accepted and its conversation."""
    folder = tmp_path_factory.mktemp("fuzz-agent-ws")
    rasa = RasaStub().start()
    settings_ = Settings(client_file=client_file(folder), hub_db_url=f"sqlite:///{folder / 'hub.db'}",
                         limits=NO_LIMITS,
                         rasa_url=rasa.url, actions_url=rasa.url, rasa_timeout_s=3.0, max_message_chars=4000)
    directory = AgentDirectory(settings_.hub_db_url)
    directory.create_schema()
    directory.add("morgan", "Morgan Lee", PASSWORD, role="supervisor", skills=("general", "billing", "technical"))
    directory.close()
    with TestClient(create_app(settings_)) as client:
        as_conversation_owner(client)
        assert client.post("/api/agent/login", json={"username": "morgan", "password": PASSWORD}).status_code == 200
        with client.websocket_connect("/ws/agent") as ws:
            assert ws.receive_json()["type"] == "hello"
            conversation = client.post("/api/conversations").json()["conversation_id"]
            messages = f"/api/conversations/{conversation}/messages"
            client.post(messages, json={"text": "options"})
            client.post(messages, json={"text": "More help", "payload": "/request_human"})
            queued = client.get("/api/agent/queue").json()["queued"]
            assert queued, (client.get("/api/agent/queue").json(), client.get(messages).json())
            handoff = queued[0]["id"]
            assert client.post(f"/api/agent/handoffs/{handoff}/accept").status_code == 200
            yield client, ws, handoff, conversation
    rasa.stop()


odd = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.integers(2**31 - 2, 2**64)
       | st.floats() | st.text(max_size=10) | st.lists(st.integers(), max_size=2) | st.just({}))
frames = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["typing", "read"])},
                          optional={"handoff_id": odd, "up_to": odd, "on": odd}),
    st.builds(lambda kind, handoff, up_to: {"type": kind, "handoff_id": handoff, "up_to": up_to, "on": True},
              st.sampled_from(["typing", "read"]), st.just("REAL"), odd | st.integers(1, 100)),
    st.builds(lambda kind: {"type": kind}, odd | st.sampled_from(["ping", "hello", "message", "TYPING"])),
    st.text(max_size=30),
    st.sampled_from(["", "null", "[]", "{", '"typing"', '{"type": "read"}']),
    st.integers(1, 20_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 6_000).map(lambda n: '{"type": "read", "handoff_id": ' + "9" * n + "}"),
    st.integers(MAX_FRAME_CHARS - 20, MAX_FRAME_CHARS + 20).map(lambda n: '{"type": "ping", "x": "' + "a" * n + '"}'),
)


def is_ping(frame: Any) -> bool:
    """The hub answers this frame with a pong of its own."""
    if isinstance(frame, str):
        try:
            frame = json_limits.loads(frame) if len(frame) <= MAX_FRAME_CHARS else None
        except ValueError:
            return False
    return isinstance(frame, dict) and frame.get("type") == "ping"


def test_any_console_frame_gets_its_documented_answer_and_the_socket_stays_open(console, caplog):
    client, ws, handoff, conversation = console
    store = client.app.state.hub.store
    last_customer_message = [m.id for m in store.history(conversation) if m.sender == "customer"][-1]
    caplog.set_level(logging.INFO, logger="bot")

    @FUZZ
    @given(frame=frames)
    def run(frame: Any) -> None:
        if isinstance(frame, dict) and frame.get("handoff_id") == "REAL":
            frame = {**frame, "handoff_id": handoff}
        if isinstance(frame, str):
            ws.send_text(frame)
        else:
            ws.send_json(frame)
        ws.send_json({"type": "ping"})  # answered after the frame: the frames before its pong answer the frame
        pongs, answers = 1 + is_ping(frame), []
        while pongs:
            answer = ws.receive_json()  # a crashed socket raises WebSocketDisconnect here
            if answer.get("type") == "pong":
                pongs -= 1
            elif answer.get("type") == "error":
                answers.append(answer["code"])
        assert set(answers) <= ERROR_CODES and len(answers) <= 1, (frame, answers)
        # the agent's read mark never passes the customer's last message (a mark never goes back)
        mark = store.conversation_meta(conversation).get("read_by_hub") or {}
        assert mark.get("up_to", 0) <= last_customer_message, (frame, mark)

    run()
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashed, [(r.getMessage(), repr(r.exc_info[1])) for r in crashed]
