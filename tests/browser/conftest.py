"""Browser tests: the real hub under uvicorn (in a thread) + the stand-in Rasa + headless Debian Chromium."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hub"))  # the shared Rasa stand-in

from hub_stubs import RasaStub  # noqa: E402
from live_hub import LiveHub, client_file  # noqa: E402



@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def hub(tmp_path, rasa) -> Iterator[LiveHub]:
    from bot.settings import Settings

    settings = Settings(hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url, actions_url=rasa.url,
                        rasa_timeout_s=5.0, client_file=client_file(tmp_path))
    server = LiveHub(settings).start()
    yield server
    server.stop()




# ---------------------------------------------------------------- a scripted hub for the widget's own tests
# The demo page and widget files come from the live hub; the websocket is answered by FakeHubSocket in the
# test, so a test can send the widget any frame (hostile ones included) and see every frame it sends.
import json  # noqa: E402
import re  # noqa: E402

WS_PATH = re.compile(r"/ws$")


class FakeHubSocket:
    """Answers hello with welcome (and the history) and messages with ack, storing each client id once, like
    the hub; records every frame the widget sent. ``accept = False`` loses messages in transit (neither
    stored nor acknowledged); ``ack = False`` stores them but loses the ack."""

    def __init__(self) -> None:
        self.sockets: list = []
        self.received: list[dict] = []
        self.history: list[dict] = []
        self.token = "signed-token-1"
        self.next_id = 100
        self.accept = True
        self.ack = True
        self.refuse_next: list[dict] = []  # error frames answering the next messages instead of storing them

    def route(self, ws) -> None:
        self.sockets.append(ws)

        def on_message(raw) -> None:
            frame = json.loads(raw)
            self.received.append(frame)
            if frame.get("type") == "hello":
                ws.send(json.dumps({"type": "welcome", "conversation_id": "c-1", "token": self.token,
                                    "resumed": bool(frame.get("token")), "history": self.history}))
            elif frame.get("type") == "message" and self.refuse_next:
                ws.send(json.dumps({"type": "error", "id": frame["id"], "message": "refused",
                                    **self.refuse_next.pop(0)}))
            elif frame.get("type") == "message" and self.accept:
                stored = [m for m in self.history if m.get("client_id") == frame["id"]]
                if not stored:
                    self.next_id += 1
                    self.history.append({"type": "customer", "id": self.next_id, "client_id": frame["id"],
                                         "text": frame["text"], "created_at": "2025-01-01T10:00:00.000+00:00"})
                if self.ack:
                    message_id = stored[0]["id"] if stored else self.next_id
                    ws.send(json.dumps({"type": "ack", "id": frame["id"], "message_id": message_id,
                                        "duplicate": bool(stored)}))
            elif frame.get("type") == "ping":
                ws.send(json.dumps({"type": "pong"}))

        ws.on_message(on_message)

    def push(self, frame: dict) -> None:
        """A frame from the hub to the widget, on the latest connection."""
        self.sockets[-1].send(json.dumps(frame))

    def sent(self, kind: str) -> list[dict]:
        return [frame for frame in self.received if frame.get("type") == kind]


@pytest.fixture
def fake_hub(page) -> FakeHubSocket:
    fake = FakeHubSocket()
    page.route_web_socket(WS_PATH, fake.route)
    return fake
