"""What happens to a customer message: validate, store first, then let the bot (or later a human) answer.

The router is channel-agnostic: the web widget (REST + websocket) uses it today; Telegram,
WhatsApp and Slack adapters will call the same two steps:

1. ``accept``  - clean and validate the text, store it (idempotent per ``client_message_id``).
                 After this returns, the message is safe in the database.
2. ``respond`` - produce the replies (Rasa, or a polite hub reply), store them, return them.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
import weakref
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import anyio

from bot.handoff import texts
from bot.conversations import messages
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import (
    ANSWERED,
    CLIENT_MESSAGE_ID_MAX,
    FAILED,
    PENDING,
    REJECTED,
    OutboundDraft,
    StoredMessage,
    Store,
    UnknownConversation,
)
from bot.outreach.service import consent_keyword
from bot.settings import Settings
from bot.surveys.service import is_answer as is_survey_answer

if TYPE_CHECKING:
    from bot.handoff.escalation import Escalation
    from bot.handoff.queue_views import QueueViews
    from bot.outreach.service import OutreachService
    from bot.surveys.service import SurveyService

log = logging.getLogger(__name__)

T = TypeVar("T")

# Customer-facing texts written by the hub itself (not by Rasa).
REPLY_EMPTY = "I didn't receive any text. Could you type your question again?"
REPLY_TOO_LONG = (
    "Thanks for the details! Your message is too long for me to read in one go "
    "({length:,} characters). It's saved, so nothing is lost. Could you send me a shorter "
    "version (under {limit:,} characters) with the main question?"
)
REPLY_UNAVAILABLE = (
    "Sorry, I'm having trouble answering right now. Your message is saved, so nothing is lost. "
    "Please try again in a few minutes."
)
REPLY_NO_ANSWER = "Sorry, I'm not sure how to answer that. Could you rephrase it or tell me a little more?"

MAX_BUTTON_PAYLOAD = 1000
# The customer's last word in a chat with the bot: the satisfaction question follows it.
END_OF_CHAT_INTENTS = frozenset({"goodbye"})
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


class Router:
    def __init__(self, settings: Settings, store: Store, rasa: RasaClient, *, escalation: "Escalation | None" = None,
                 queue: "QueueViews | None" = None, closures: Any = None) -> None:
        self.settings = settings
        self.store = store
        self.rasa = rasa
        self._locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()
        self.escalation = escalation  # None: the bot answers everything
        self.queue = queue  # told when a reply opened a handoff (notify_queue)
        self.surveys: "SurveyService | None" = None  # set by the app; None: no end-of-chat survey
        self.closures = closures  # bot.conversations.closure.Closures; None: not recorded
        self.outreach: "OutreachService | None" = None  # set by the app: STOP / START, replies to outreach

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    # -- conversations -------------------------------------------------------------------
    async def create_conversation(self, channel: str = "web", meta: dict[str, Any] | None = None) -> str:
        conversation_id = await self._db(self.store.create_conversation, channel, meta)
        log.info("conversation created", extra={"event": "conversation_created",
                                                 "conversation_id": conversation_id, "channel": channel})
        return conversation_id

    async def conversation_exists(self, conversation_id: str) -> bool:
        return await self._db(self.store.conversation_exists, conversation_id)

    async def history(self, conversation_id: str, *, after: int | None = None, limit: int = 200) -> list[StoredMessage]:
        if not await self.conversation_exists(conversation_id):
            raise UnknownConversation(conversation_id)
        return await self._db(self.store.history, conversation_id, after=after, limit=limit)

    # -- customer messages ---------------------------------------------------------------
    async def accept(
        self,
        conversation_id: str,
        text: Any,
        client_message_id: Any = None,
        *,
        button_payload: Any = None,
        channel: str | None = None,
    ) -> Accepted:
        """Validate and store; raises ``InvalidInput`` or ``UnknownConversation``.

        ``channel`` (telegram, whatsapp, slack...) is recorded on the message; None is the web widget."""
        cleaned = clean_text(text)
        client_message_id = check_client_message_id(client_message_id)
        button_payload = check_button_payload(button_payload)
        if len(cleaned) != len(text):
            log.warning("control characters removed from customer message",
                        extra={"event": "message_cleaned", "conversation_id": conversation_id,
                               "removed_chars": len(text) - len(cleaned)})
        payload: dict[str, Any] = {}
        if button_payload is not None:
            offered = await self._db(self.store.offered_button_payloads, conversation_id)
            if button_payload in offered:
                payload["button_payload"] = button_payload
            else:
                log.warning("button payload was not offered in this conversation; sending the title as text",
                            extra={"event": "button_payload_ignored", "conversation_id": conversation_id})
        if channel is not None:
            payload["channel"] = channel
        result = await self._db(
            self.store.add_inbound, conversation_id, cleaned,
            client_message_id=client_message_id, payload=payload or None, status=PENDING,
        )
        if result.duplicate:
            log.info("duplicate customer message (retry)",
                     extra={"event": "message_duplicate", "conversation_id": conversation_id,
                            "message_id": result.message.id})
        elif self.outreach is not None:
            await self.outreach.note_reply(conversation_id)  # an outreach message here was answered
        return Accepted(result.message, result.duplicate)

    async def respond(self, accepted: Accepted) -> list[StoredMessage]:
        """Replies to an accepted message; a message that was already answered returns its stored replies."""
        conversation_id = accepted.conversation_id
        async with self._lock(conversation_id):
            inbound = await self._db(self.store.get_message, accepted.inbound.id)
            if inbound is None:  # pragma: no cover - deleted underneath us
                return []
            if inbound.status != PENDING:
                return await self._db(self.store.replies_to, inbound.id)
            button = inbound.payload.get("button_payload")
            if self.surveys is not None and is_survey_answer(button):  # the hub's own question, whoever is talking
                drafts = await self.surveys.answer(conversation_id, button)
                return await self._store_replies(conversation_id, drafts, inbound.id, ANSWERED)
            # STOP / START work the same on every channel, whoever is talking (docs/outreach.md)
            keyword = consent_keyword(inbound.text) if self.outreach is not None and button is None else None
            if keyword is not None:
                drafts = [await self.outreach.consent_command(inbound, keyword)]
                return await self._store_replies(conversation_id, drafts, inbound.id, ANSWERED)
            if self.surveys is not None and button is None and (inbound.text or "").strip():
                comment_for = await self.surveys.pending_comment(conversation_id)
                if comment_for is not None:  # the answer to the survey's "anything to add?": not for the bot
                    await self._db(self.store.annotate, inbound.id, survey_comment=comment_for)
                    drafts = [await self.surveys.comment(conversation_id, comment_for, inbound.text or "")]
                    return await self._store_replies(conversation_id, drafts, inbound.id, ANSWERED)
            handled_by = await self._db(self.store.handled_by, conversation_id)
            handoffs = self.escalation
            if handoffs is not None and handled_by != "bot":
                await handoffs.to_human(inbound)  # a person answers: the bot stays silent
                return []
            if handoffs is not None and button in texts.HUB_PAYLOADS:
                drafts = await handoffs.hub_choice(conversation_id, button)
                return await self._store_replies(conversation_id, drafts, inbound.id, ANSWERED)
            decision = None
            if handoffs is not None and self.will_ask_bot(inbound):
                decision = await handoffs.assess(inbound)
                if decision.escalate:
                    await handoffs.read_unanswered(inbound)  # the bot won't see it: route by what it asks
                    drafts = await handoffs.escalate(conversation_id, [r.to_dict() for r in decision.reasons],
                                                     frustration=decision.score, level=decision.level)
                    if drafts:
                        return await self._store_replies(conversation_id, drafts, inbound.id, ANSWERED, notify=True)
                await handoffs.set_tone(conversation_id, decision.level)
                if button == texts.CALLBACK:
                    await handoffs.callback_chosen(conversation_id)
            drafts, status = await self._answer(inbound)
            request = next((d.payload["custom"]["handoff"] for d in drafts
                            if isinstance(d.payload.get("custom"), dict) and "handoff" in d.payload["custom"]), None)
            if request is not None:
                drafts = [d for d in drafts if not (isinstance(d.payload.get("custom"), dict)
                                                   and "handoff" in d.payload["custom"])]
                if handoffs is not None:
                    reason = request.get("reason") if isinstance(request, dict) else None
                    drafts += await handoffs.escalate(
                        conversation_id, [{"name": str(reason or "asked_for_person"),
                                           "detail": "the bot handed over: the customer asked for a person"}],
                        frustration=decision.score if decision else 0.0, level=decision.level if decision else "calm")
                if not drafts:
                    drafts = [messages.hub_reply(REPLY_NO_ANSWER, "handoff_unavailable")]
            stored = await self._store_replies(conversation_id, drafts, inbound.id, status, notify=request is not None)
            if handoffs is not None and status == ANSWERED and decision is not None:
                intent = await handoffs.after_bot_turn(inbound)
                if intent in END_OF_CHAT_INTENTS and request is None and self.closures is not None:
                    await self._db(self.closures.close, conversation_id, "goodbye")
                if intent in END_OF_CHAT_INTENTS and request is None and self.surveys is not None:
                    question = await self.surveys.ask(conversation_id, "goodbye")
                    if question is not None:
                        stored += await self._store_replies(conversation_id, [question], inbound.id, ANSWERED)
            return stored

    async def _store_replies(self, conversation_id: str, drafts: list[OutboundDraft], reply_to: int, status: str,
                             *, notify: bool = False) -> list[StoredMessage]:
        stored = await self._db(self.store.add_outbound, conversation_id, drafts, reply_to=reply_to,
                                inbound_status=status)
        if notify and self.queue is not None:
            await self.queue.notify_queue()
        return stored

    async def handle_customer_message(
        self, conversation_id: str, text: Any, client_message_id: Any = None, *, button_payload: Any = None
    ) -> list[StoredMessage]:
        accepted = await self.accept(conversation_id, text, client_message_id, button_payload=button_payload)
        return await self.respond(accepted)

    async def bot_speaks(self, conversation_id: str) -> bool:
        """False while the conversation is queued for or handled by a person."""
        return await self._db(self.store.handled_by, conversation_id) == "bot"

    def will_ask_bot(self, message: StoredMessage) -> bool:
        """True when answering this message means waiting for Rasa (used for typing indicators)."""
        text, button = message.text or "", message.payload.get("button_payload")
        if button in texts.HUB_PAYLOADS or is_survey_answer(button):
            return False  # the hub answers these itself, at once
        return message.status == PENDING and bool(text.strip()) and len(text) <= self.settings.max_message_chars

    async def _answer(self, inbound: StoredMessage) -> tuple[list[OutboundDraft], str]:
        text = inbound.text or ""
        fields = {"conversation_id": inbound.conversation_id, "message_id": inbound.id}
        if not text.strip():
            log.warning("empty customer message; not sent to the bot",
                        extra={"event": "message_rejected", "error_code": "empty_text", **fields})
            return [messages.hub_reply(REPLY_EMPTY, "empty_text")], REJECTED
        limit = self.settings.max_message_chars
        if len(text) > limit:
            log.warning("customer message too long; not sent to the bot",
                        extra={"event": "message_rejected", "error_code": "text_too_long",
                               "length": len(text), "limit": limit, **fields})
            return [messages.hub_reply(REPLY_TOO_LONG.format(length=len(text), limit=limit), "text_too_long")], REJECTED

        # Rasa reads text starting with "/" as an intent with entities ("/inform{...}"): only
        # buttons the bot offered may do that, never typed text.
        bot_text = inbound.payload.get("button_payload") or text.lstrip().lstrip("/") or text
        metadata = {"channel": inbound.payload.get("channel") or "web", "hub_message_id": inbound.id}
        if inbound.client_message_id:
            metadata["client_message_id"] = inbound.client_message_id
        started = time.perf_counter()
        try:
            items = await self.rasa.send(inbound.conversation_id, bot_text, metadata)
        except RasaFailure as exc:
            log.error("the bot could not answer; customer told to try again later",
                      extra={"event": "rasa_failed", "error_code": exc.kind, "error": str(exc),
                             "status_code": exc.status_code, "rasa_url": self.rasa.base_url,
                             "elapsed_ms": round((time.perf_counter() - started) * 1000), **fields})
            return [messages.hub_reply(REPLY_UNAVAILABLE, exc.kind)], FAILED
        drafts = messages.from_rasa(items)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        if not drafts:
            log.warning("the bot returned no displayable reply; sent a fallback",
                        extra={"event": "rasa_empty_reply", "error_code": "rasa_empty_reply",
                               "items": len(items), "elapsed_ms": elapsed_ms, **fields})
            return [messages.hub_reply(REPLY_NO_ANSWER, "rasa_empty_reply")], ANSWERED
        log.info("bot answered", extra={"event": "rasa_answered", "replies": len(drafts),
                                        "elapsed_ms": elapsed_ms, **fields})
        return drafts, ANSWERED
