"""Browser tests: the real hub under uvicorn (in a thread) + the stand-in Rasa + headless Debian Chromium."""
from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from tests.ports import free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "hub"))  # the shared Rasa stand-in

from hub_stubs import RasaStub  # noqa: E402



class HubServer:
    """uvicorn serving create_app(settings) on a fixed localhost port; can be stopped and started again."""

    def __init__(self, settings, port: int) -> None:
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server = None
        self._thread = None

    def start(self) -> "HubServer":
        import uvicorn

        from bot.hub.app import create_app

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(create_app(self.settings), log_config=None, access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the hub did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=20)
            self._server = None




@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def hub(tmp_path, rasa) -> Iterator[HubServer]:
    from bot.settings import Settings

    settings = Settings(hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}", rasa_url=rasa.url,
                        actions_url=rasa.url, rasa_timeout_s=5.0)
    server = HubServer(settings, free_port()).start()
    yield server
    server.stop()


