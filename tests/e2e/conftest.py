"""Helpers for the end-to-end tests; the `stack` fixture (tests/conftest.py) starts the real services once."""
import httpx
import pytest


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
