"""The JSON shapes the hub sends to customers (REST responses and websocket frames).

Every message a customer can see is a dict with ``type`` = who wrote it ("customer", "bot",
later "agent"), a server ``id`` and ``created_at``; bot messages may carry ``buttons``
(``[{"title", "payload"}]``), ``image`` (http(s) URL) and ``custom`` (opaque JSON).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.hub.store import AGENT, CUSTOMER, SYSTEM, OutboundDraft, StoredMessage

MAX_BUTTONS = 10
MAX_BUTTON_TITLE = 200
MAX_BUTTON_PAYLOAD = 1000
HISTORY_TEXT_LIMIT = 4000  # long customer messages are cut in history (the database keeps them whole)
TRUNCATION_MARKER = " … [message shortened]"


def _iso(message: StoredMessage) -> str:
    return message.created_at.isoformat(timespec="milliseconds")


def to_wire(message: StoredMessage, *, text_limit: int = HISTORY_TEXT_LIMIT) -> dict[str, Any]:
    """A stored message as the customer sees it."""
    text = message.text or ""
    if message.sender == CUSTOMER:
        out: dict[str, Any] = {"type": "customer", "id": message.id, "text": text}
        if message.client_message_id is not None:
            out["client_id"] = message.client_message_id
        if message.payload.get("channel"):  # written on Telegram, WhatsApp, Slack... (absent: the web widget)
            out["channel"] = message.payload["channel"]
        if len(text) > text_limit:
            out["text"] = text[:text_limit] + TRUNCATION_MARKER
            out["truncated"] = True
    else:
        out = {
            "type": message.sender,  # "bot", "agent" or "system"
            "id": message.id,
            "text": text,
            "buttons": list(message.payload.get("buttons") or []),
            "image": message.payload.get("image"),
        }
        if message.payload.get("custom") is not None:
            out["custom"] = message.payload["custom"]
        if message.sender == AGENT:
            out["agent"] = _public_agent(message.payload.get("agent"))
        elif message.sender == SYSTEM:
            out["event"] = message.payload.get("event")
            for key in ("agent", "queue"):
                if message.payload.get(key) is not None:
                    out[key] = _public_agent(message.payload[key]) if key == "agent" else message.payload[key]
        if message.reply_to is not None:
            out["reply_to"] = message.reply_to
    out["created_at"] = _iso(message)
    return out


def _public_agent(agent: Any) -> dict[str, Any]:
    """What a customer may know about an agent: the name and initials, not the account id."""
    agent = agent if isinstance(agent, dict) else {}
    return {"name": agent.get("name") or "Agent", "initials": agent.get("initials") or "A"}


def bot_frame(message: StoredMessage) -> dict[str, Any]:
    """Websocket frame for an outgoing message (same fields as ``to_wire``)."""
    return to_wire(message)


def _safe_image(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    return None


def _buttons(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        return []
    buttons: list[dict[str, str]] = []
    for item in value[:MAX_BUTTONS]:
        if not isinstance(item, dict):
            continue
        title, payload = item.get("title"), item.get("payload")
        if not isinstance(title, str) or not title.strip():
            continue
        if not isinstance(payload, str) or not payload:
            payload = title
        buttons.append({"title": title[:MAX_BUTTON_TITLE], "payload": payload[:MAX_BUTTON_PAYLOAD]})
    return buttons


def from_rasa(items: list[dict[str, Any]]) -> list[OutboundDraft]:
    """Normalise Rasa REST replies; items with nothing to show are dropped."""
    drafts: list[OutboundDraft] = []
    for item in items:
        text = item.get("text") if isinstance(item.get("text"), str) else None
        payload: dict[str, Any] = {}
        buttons = _buttons(item.get("buttons"))
        if buttons:
            payload["buttons"] = buttons
        image = _safe_image(item.get("image"))
        if image:
            payload["image"] = image
        if item.get("custom") is not None:
            payload["custom"] = item["custom"]
        if not (text and text.strip()) and not payload:
            continue
        drafts.append(OutboundDraft(text=text, payload=payload))
    return drafts


def hub_reply(text: str, reason: str) -> OutboundDraft:
    """A reply written by the hub itself (not Rasa), e.g. when the bot is unavailable."""
    return OutboundDraft(text=text, payload={"origin": "hub", "reason": reason})
