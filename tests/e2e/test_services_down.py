"""When the action server dies mid-conversation the customer gets a clear reply, nothing
is lost, and the conversation goes on once it is back."""
import os
import signal

import pytest

from tests.e2e.conftest import history, new_conversation, say, texts

pytestmark = pytest.mark.e2e


def test_action_server_down_gives_a_polite_reply_and_keeps_the_message(stack, hub):
    supervisor, _ = stack
    actions = next(s for s in supervisor.services if s.name == "actions")
    os.killpg(supervisor.procs["actions"].pid, signal.SIGKILL)
    supervisor.procs["actions"].wait()
    try:
        conversation = new_conversation(hub)
        reply = texts(say(hub, conversation, "where is my order A1042"))
        assert "sorry" in reply.lower(), reply
        assert any("A1042" in (m.get("text") or "") for m in history(hub, conversation))
        assert hub.get("/health").json()["checks"]["actions"] == "down"
    finally:
        supervisor.start_service(actions)
        supervisor.wait_healthy(timeout_s=120)

    again = texts(say(hub, conversation, "where is my order A1042"))
    assert "email" in again.lower(), again
