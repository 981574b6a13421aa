"""When the action server dies mid-conversation, the customer still gets a clear reply.
Runs last in the e2e package (file name order): it stops the action server."""
import os
import signal

import pytest

from tests.e2e.conftest import new_conversation, say, texts

pytestmark = pytest.mark.e2e


def test_action_server_down_gives_a_polite_reply_and_keeps_the_message(stack, hub):
    supervisor, _ = stack
    os.killpg(supervisor.procs["actions"].pid, signal.SIGKILL)
    supervisor.procs["actions"].wait()
    conversation = new_conversation(hub)
    reply = texts(say(hub, conversation, "where is my order A1042"))
    assert "sorry" in reply.lower(), reply
    history = hub.get(f"/api/conversations/{conversation}/messages").json()["messages"]
    assert any("A1042" in (m.get("text") or "") for m in history)
