"""The JSON shapes the hub sends to customers (REST responses and websocket frames).

Every message a customer can see is a dict with ``type`` = who wrote it ("customer", "bot",
"agent", "system"), a server ``id`` and ``created_at``; the others may carry ``buttons``
(``[{"title", "payload"}]`` quick replies, or ``[{"title", "url"}]`` link buttons), ``image``
(http(s) URL), ``cards`` (``[{"title", "subtitle", "image", "url", "buttons"}]``), ``survey``
(``{"kind", "scale", "labels"}``: the buttons answer it) and ``custom`` (opaque JSON).
widget/PROTOCOL.md documents them for widget authors.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from bot.conversations.store import AGENT, CUSTOMER, SYSTEM, OutboundDraft, StoredMessage
from bot.health import hide_spans, phrases_of, scrub

MAX_BUTTONS = 10
MAX_CARDS = 10
MAX_CARD_TEXT = 300
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
        for key in ("cards", "survey", "custom"):
            if message.payload.get(key) is not None:
                out[key] = message.payload[key]
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


def without_health(message: StoredMessage) -> StoredMessage:
    """The message with the health details flagged at accept (``payload["health"]``) shown as
    "[health detail hidden]": what the QA view, exports and agents without the permission read."""
    spans = message.payload.get("health")
    if not spans:
        return message
    payload = {k: v for k, v in message.payload.items() if k != "health"}
    return replace(message, text=hide_spans(message.text or "", spans), payload=payload)


def transcript_without_health(messages: list[StoredMessage]) -> list[StoredMessage]:
    """A transcript with its health details hidden: the flagged spans of customer messages, and the same
    phrases wherever the bot or an agent repeated them ("sorry to hear about the heart attack")."""
    phrases: set[str] = set()
    for message in messages:
        phrases |= phrases_of(message.text or "", message.payload.get("health"))
    if not phrases:
        return list(messages)
    out = []
    for message in messages:
        message = without_health(message)
        out.append(replace(message, text=scrub(message.text, phrases)) if message.text else message)
    return out


def _public_agent(agent: Any) -> dict[str, Any]:
    """What a customer may know about an agent: the name and initials, not the account id."""
    agent = agent if isinstance(agent, dict) else {}
    return {"name": agent.get("name") or "Agent", "initials": agent.get("initials") or "A"}


def bot_frame(message: StoredMessage) -> dict[str, Any]:
    """Websocket frame for an outgoing message (same fields as ``to_wire``)."""
    return to_wire(message)


def safe_url(value: Any) -> str | None:
    """An http(s) URL, or None: ``javascript:``, ``data:`` and relative URLs never reach a customer."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and len(value) <= 2000:
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
        url = safe_url(item.get("url"))
        if url is not None:  # a link button (Rasa's "web_url"): opens the page, sends nothing
            buttons.append({"title": title[:MAX_BUTTON_TITLE], "url": url})
            continue
        if not isinstance(payload, str) or not payload:
            payload = title
        buttons.append({"title": title[:MAX_BUTTON_TITLE], "payload": payload[:MAX_BUTTON_PAYLOAD]})
    return buttons


def _text(value: Any) -> str | None:
    return value.strip()[:MAX_CARD_TEXT] if isinstance(value, str) and value.strip() else None


def _cards(value: Any) -> list[dict[str, Any]]:
    """Cards from a bot's ``custom: {"cards": [...]}``; fields that are not text or http(s) URLs are dropped."""
    if not isinstance(value, list):
        return []
    cards: list[dict[str, Any]] = []
    for item in value[:MAX_CARDS]:
        if not isinstance(item, dict) or not _text(item.get("title")):
            continue
        card: dict[str, Any] = {"title": _text(item["title"])}
        for key in ("subtitle",):
            if _text(item.get(key)):
                card[key] = _text(item[key])
        for key in ("image", "url"):
            if safe_url(item.get(key)):
                card[key] = safe_url(item[key])
        buttons = _buttons(item.get("buttons"))
        if buttons:
            card["buttons"] = buttons
        cards.append(card)
    return cards


def from_rasa(items: list[dict[str, Any]]) -> list[OutboundDraft]:
    """Normalise Rasa REST replies; items with nothing to show are dropped."""
    drafts: list[OutboundDraft] = []
    for item in items:
        text = item.get("text") if isinstance(item.get("text"), str) else None
        payload: dict[str, Any] = {}
        buttons = _buttons(item.get("buttons"))
        if buttons:
            payload["buttons"] = buttons
        image = safe_url(item.get("image"))
        if image:
            payload["image"] = image
        custom = item.get("custom")
        if isinstance(custom, dict) and "cards" in custom:
            cards = _cards(custom["cards"])
            if cards:
                payload["cards"] = cards
            custom = {key: value for key, value in custom.items() if key != "cards"} or None
        if custom is not None:
            payload["custom"] = custom
        if not (text and text.strip()) and not payload:
            continue
        drafts.append(OutboundDraft(text=text, payload=payload))
    return drafts


def hub_reply(text: str, reason: str) -> OutboundDraft:
    """A reply written by the hub itself (not Rasa), e.g. when the bot is unavailable."""
    return OutboundDraft(text=text, payload={"origin": "hub", "reason": reason})
