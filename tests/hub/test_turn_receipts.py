"""The "Read" receipt and the typing indicator come from the step that answers (behaviour changed on purpose:
before the turn pipeline, a typed STOP showed "Read" by the bot and "typing…" for a reply the hub gives itself)."""
from __future__ import annotations

from test_hub_websocket import hello

from bot.outreach.service import STOP_REPLY


def frames_until_reply(ws, limit=20):
    frames = []
    for _ in range(limit):
        frame = ws.receive_json()
        frames.append(frame)
        if frame["type"] in ("bot", "system") and frame.get("text"):
            if frame["type"] == "bot" and any(f == {"type": "typing", "on": True} for f in frames):
                frames.append(ws.receive_json())  # the typing-off that follows the bot's reply
            return frames
    raise AssertionError(f"no reply in {frames}")


def test_a_typed_stop_is_answered_by_the_hub_without_read_by_bot_or_typing(client):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "m1", "text": "STOP"})
        frames = frames_until_reply(ws)
    assert frames[0]["type"] == "ack"
    assert not [f for f in frames if f["type"] == "typing"]
    assert not [f for f in frames if f["type"] == "receipt" and f.get("by") == "bot"]
    assert frames[-1]["text"] == STOP_REPLY


def test_a_question_for_the_bot_shows_read_by_bot_and_typing_around_the_reply(client):
    with client.websocket_connect("/ws") as ws:
        hello(ws)
        ws.send_json({"type": "message", "id": "m1", "text": "where is my order"})
        frames = frames_until_reply(ws)
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "ack"
    assert kinds.index("receipt") < kinds.index("typing") < kinds.index("bot")
    assert frames[-1] == {"type": "typing", "on": False}
    assert [f for f in frames if f["type"] == "receipt"][0]["by"] == "bot"
