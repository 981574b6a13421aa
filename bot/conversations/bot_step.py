"""The turn steps this layer owns: messages nobody can read (empty, too long) and asking the bot.

Everything else that may answer a turn (survey answers, STOP / START, a person owning the chat,
the hub's own buttons, escalation) is a step of its feature package; the composition root
orders them (bot/hub/wiring.py).
"""
from __future__ import annotations

import logging
import time

from bot.conversations import messages
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import ANSWERED, FAILED, REJECTED
from bot.conversations.turns import Reply, Turn

log = logging.getLogger(__name__)

# Customer-facing texts written by the hub itself (not by Rasa).
REPLY_EMPTY = "I didn't receive any text. Could you type your question again?"
REPLY_TOO_LONG = (
    "Thanks for the details! Your message is too long for me to read in one go "
    "({length:,} characters), so I've kept only the first {limit:,}. Could you send me a shorter "
    "version (under {limit:,} characters) with the main question?"
)
REPLY_UNAVAILABLE = (
    "Sorry, I'm having trouble answering right now. Your message is saved, so nothing is lost. "
    "Please try again in a few minutes."
)
REPLY_NO_ANSWER = "Sorry, I'm not sure how to answer that. Could you rephrase it or tell me a little more?"


class UnreadableStep:
    """An empty message or one over the length limit: the hub says why; the bot never sees it."""

    name = "unreadable"
    bot_reads = False

    def __init__(self, text_limit: int) -> None:
        self.text_limit = text_limit

    async def claims(self, turn: Turn) -> bool:
        return not turn.text.strip() or len(turn.text) > self.text_limit or "too_long" in turn.message.payload

    async def handle(self, turn: Turn) -> Reply:
        fields = {"conversation_id": turn.conversation_id, "message_id": turn.message.id}
        if not turn.text.strip():
            log.warning("empty customer message; not sent to the bot",
                        extra={"event": "message_rejected", "error_code": "empty_text", **fields})
            return Reply([messages.hub_reply(REPLY_EMPTY, "empty_text")], REJECTED)
        cut = turn.message.payload.get("too_long") or {}  # cut to the limit at accept
        length, limit = int(cut.get("length") or len(turn.text)), int(cut.get("limit") or self.text_limit)
        log.warning("customer message too long; not sent to the bot",
                    extra={"event": "message_rejected", "error_code": "text_too_long",
                           "length": length, "limit": limit, **fields})
        return Reply([messages.hub_reply(REPLY_TOO_LONG.format(length=length, limit=limit), "text_too_long")],
                     REJECTED)


class BotStep:
    """Ask the bot (Rasa). Claims every turn that reaches it."""

    name = "bot"
    bot_reads = True

    def __init__(self, rasa: RasaClient) -> None:
        self.rasa = rasa

    async def claims(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn) -> Reply:
        inbound = turn.message
        fields = {"conversation_id": inbound.conversation_id, "message_id": inbound.id}
        # Rasa reads text starting with "/" as an intent with entities ("/inform{...}"): only
        # buttons the bot offered may do that, never typed text.
        bot_text = turn.button or turn.text.lstrip().lstrip("/") or turn.text
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
            return Reply([messages.hub_reply(REPLY_UNAVAILABLE, exc.kind)], FAILED)
        drafts = messages.from_rasa(items)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        if not drafts:
            log.warning("the bot returned no displayable reply; sent a fallback",
                        extra={"event": "rasa_empty_reply", "error_code": "rasa_empty_reply",
                               "items": len(items), "elapsed_ms": elapsed_ms, **fields})
            return Reply([messages.hub_reply(REPLY_NO_ANSWER, "rasa_empty_reply")], ANSWERED)
        log.info("bot answered", extra={"event": "rasa_answered", "replies": len(drafts),
                                        "elapsed_ms": elapsed_ms, **fields})
        return Reply(drafts, ANSWERED)
