"""Start the real Rasa server, action server and hub once for the end-to-end tests."""
import os
import subprocess
import sys

import httpx
import pytest

from bot.runner.services import MODEL_DIR, build_services
from bot.runner.supervisor import Supervisor
from bot.settings import Settings
from tests.hub.live_hub import client_file
from tests.ports import free_port




@pytest.fixture(scope="session")
def stack(tmp_path_factory, project_kb_index):
    if not (MODEL_DIR / "carebot.tar.gz").exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    var = tmp_path_factory.mktemp("e2e")
    env = {
        "CAREBOT_CRM_URL": f"sqlite:///{var / 'crm.db'}",
        "CAREBOT_HUB_DB_URL": f"sqlite:///{var / 'hub.db'}",
        "CAREBOT_RASA_TRACKER_URL": f"sqlite:///{var / 'tracker.db'}",
        "CAREBOT_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_ACTIONS_URL": f"http://127.0.0.1:{free_port()}",
        "CAREBOT_HUB_PORT": str(free_port()),
        "CAREBOT_KB_INDEX": str(project_kb_index),
        # Agents available around the clock, so the handoff test does not depend on the time it runs.
        "CAREBOT_CLIENT_FILE": str(client_file(var / "client")),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    subprocess.run([sys.executable, "-m", "bot.cli", "db", "upgrade"], check=True)  # as `make run` does
    subprocess.run([sys.executable, "-m", "bot.cli", "crm", "seed"], check=True)
    settings = Settings.from_env()
    supervisor = Supervisor(build_services(settings), log_dir=var / "log")
    supervisor.start()
    try:
        supervisor.wait_healthy(timeout_s=300)
        yield supervisor, settings
    finally:
        supervisor.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def hub(stack):
    _, settings = stack
    with httpx.Client(base_url=f"http://{settings.hub_host}:{settings.hub_port}", timeout=60) as client:
        yield client


TOKENS: dict[str, str] = {}  # conversation id -> its session token (what the REST API wants)


def new_conversation(hub: httpx.Client) -> str:
    response = hub.post("/api/conversations")
    response.raise_for_status()
    body = response.json()
    TOKENS[body["conversation_id"]] = body["token"]
    return body["conversation_id"]


def owner(conversation_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[conversation_id]}"}


def say(hub: httpx.Client, conversation_id: str, text: str, payload: str | None = None) -> list[dict]:
    body = {"text": text} if payload is None else {"text": text, "payload": payload}
    response = hub.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=owner(conversation_id))
    response.raise_for_status()
    return response.json()["messages"]


def history(hub: httpx.Client, conversation_id: str) -> list[dict]:
    response = hub.get(f"/api/conversations/{conversation_id}/messages", headers=owner(conversation_id))
    response.raise_for_status()
    return response.json()["messages"]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
