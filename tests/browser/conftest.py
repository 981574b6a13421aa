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


