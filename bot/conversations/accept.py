"""Accept a customer message: validate it, hide what must never be stored (card numbers, security
codes, SSNs, IBANs, bank details, passwords: bot/redaction.py), mark health details (bot/health.py:
``payload["health"]``, the text stays as typed), store it once (idempotent per client message id).

After `accept` returns, the message is safe in the database and the transport may acknowledge
it; answering it is the turn pipeline's work (bot/conversations/turns.py).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import partial
from typing import Any, Awaitable, Callable, Sequence

import anyio

from bot.conversations.store import CLIENT_MESSAGE_ID_MAX, PENDING, StoredMessage, Store
from bot.health import HealthDetector
from bot.redaction import Redactor

log = logging.getLogger(__name__)

MAX_BUTTON_PAYLOAD = 1000
# C0 control characters except tab, newline and carriage return (NUL included).
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class InvalidInput(ValueError):
    """The request itself is malformed (wrong type, bad id); reported to the caller, nothing stored."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_text(value: Any) -> str:
    """The text as it will be stored: a str, lone surrogates replaced, control characters removed."""
    if not isinstance(value, str):
        raise InvalidInput("invalid_text", "'text' must be a string.")
    # JSON may carry lone UTF-16 surrogates ("\ud800"); they cannot be stored or encoded.
    value = _SURROGATES.sub("\ufffd", value)
    return _CONTROL_CHARS.sub("", value)


def check_client_message_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("invalid_client_message_id", "'client_message_id' must be a non-empty string.")
    if len(value) > CLIENT_MESSAGE_ID_MAX:
        raise InvalidInput(
            "invalid_client_message_id",
            f"'client_message_id' must be at most {CLIENT_MESSAGE_ID_MAX} characters.",
        )
    return value


def check_button_payload(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_BUTTON_PAYLOAD:
        raise InvalidInput(
            "invalid_payload", f"'payload' must be a non-empty string of at most {MAX_BUTTON_PAYLOAD} characters."
        )
    return clean_text(value)


@dataclass(frozen=True)
class Accepted:
    """A stored customer message, ready to be answered."""

    inbound: StoredMessage
    duplicate: bool

    @property
    def conversation_id(self) -> str:
        return self.inbound.conversation_id


@dataclass(frozen=True)
class Inbound:
    """A customer message as a transport received it (nothing checked yet)."""

    conversation_id: str
    text: Any
    client_message_id: Any = None
    button_payload: Any = None
    channel: str | None = None  # telegram, whatsapp, slack...; None: the web widget


class Acceptor:
    """Validates and stores customer messages; tells ``on_accepted`` listeners about new ones."""

    def __init__(self, store: Store, *, redactor: Redactor | None = None, text_limit: int | None = None,
                 health: HealthDetector | None = None,
                 on_accepted: Sequence[Callable[[StoredMessage], Awaitable[Any]]] = ()) -> None:
        self.store = store
        self.health = health  # None: health details are not flagged (client.yml privacy: health: false)
        self.text_limit = text_limit  # longer texts are cut to it before they are stored (None: kept whole)
        self.redactor = redactor or Redactor()  # every category on unless the client's file says otherwise
        self.on_accepted = tuple(on_accepted)

    async def _db(self, fn, *args, **kwargs):
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def accept(self, inbound: Inbound) -> Accepted:
        """Validate and store; raises ``InvalidInput`` or ``UnknownConversation``."""
        conversation_id, text = inbound.conversation_id, inbound.text
        cleaned = clean_text(text)
        client_message_id = check_client_message_id(inbound.client_message_id)
        button_payload = check_button_payload(inbound.button_payload)
        if len(cleaned) != len(text):
            log.warning("control characters removed from customer message",
                        extra={"event": "message_cleaned", "conversation_id": conversation_id,
                               "removed_chars": len(text) - len(cleaned)})
        redaction = self.redactor.redact(cleaned)
        if redaction.findings:
            # nothing after this line sees the numbers: not the store, the logs, Rasa, the agents or exports
            cleaned = redaction.text
            log.info("sensitive data hidden in customer message",
                     extra={"event": "message_redacted", "conversation_id": conversation_id,
                            "categories": list(redaction.categories)})
        payload: dict[str, Any] = {}
        if redaction.findings:
            payload["redacted"] = list(redaction.categories)
        if self.text_limit is not None and len(cleaned) > self.text_limit:
            # only what the hub can use is kept (the turn asks for a shorter version: UnreadableStep)
            payload["too_long"] = {"length": len(cleaned), "limit": self.text_limit}
            cleaned = cleaned[:self.text_limit]
        if self.health is not None:
            # kept as typed, marked: the QA view, exports and agents without the permission hide these spans
            spans = self.health.spans(cleaned)
            if spans:
                payload["health"] = spans
                log.info("health details flagged in customer message",
                         extra={"event": "message_health_flagged", "conversation_id": conversation_id,
                                "spans": len(spans)})
        if button_payload is not None:
            offered = await self._db(self.store.offered_button_payloads, conversation_id)
            if button_payload in offered:
                payload["button_payload"] = button_payload
            else:
                log.warning("button payload was not offered in this conversation; sending the title as text",
                            extra={"event": "button_payload_ignored", "conversation_id": conversation_id})
        if inbound.channel is not None:
            payload["channel"] = inbound.channel
        result = await self._db(
            self.store.add_inbound, conversation_id, cleaned,
            client_message_id=client_message_id, payload=payload or None, status=PENDING,
        )
        if result.duplicate:
            log.info("duplicate customer message (retry)",
                     extra={"event": "message_duplicate", "conversation_id": conversation_id,
                            "message_id": result.message.id})
        else:
            for listener in self.on_accepted:
                await listener(result.message)
        return Accepted(result.message, result.duplicate)
