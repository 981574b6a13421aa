"""Hub tests: the real app (TestClient, lifespan included), a real SQLite file per test and a stand-in Rasa."""
from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from starlette.testclient import TestClient

from bot.hub.app import create_app
from bot.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # hub_stubs, whatever pytest's import mode

from hub_stubs import RasaStub  # noqa: E402
from live_hub import as_conversation_owner, client_file  # noqa: E402


@pytest.fixture
def rasa() -> Iterator[RasaStub]:
    stub = RasaStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def settings(tmp_path: Path, rasa: RasaStub) -> Settings:
    return Settings(
        client_file=client_file(tmp_path),
        hub_db_url=f"sqlite:///{tmp_path / 'hub.db'}",
        rasa_url=rasa.url,
        actions_url=rasa.url,
        rasa_timeout_s=3.0,
        max_message_chars=4000,
    )


@pytest.fixture
def make_client():
    """Start the real app (lifespan included) for given settings."""
    clients: list[TestClient] = []

    def _make(settings: Settings, **changes) -> TestClient:
        client = TestClient(create_app(replace(settings, **changes)))
        client.__enter__()
        as_conversation_owner(client)
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client, settings: Settings) -> TestClient:
    return make_client(settings)


@pytest.fixture
def conversation(client: TestClient) -> str:
    response = client.post("/api/conversations")
    assert response.status_code == 201
    return response.json()["conversation_id"]


@pytest.fixture
def hub_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot")
    return caplog
