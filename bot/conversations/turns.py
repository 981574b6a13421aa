"""One customer turn, one pipeline (docs/architecture.md).

    transport (widget socket, REST, channel webhook)
       │  Inbound
       ▼
    accept: validate → store once (idempotent per client message id) → ack   (bot/conversations/accept.py)
       ▼
    steps: the first step that claims the turn and answers it gives the reply
       ▼
    amenders: may change that reply (the bot asked for a person)
       ▼
    after-turn subscribers: may add to it (the survey after a goodbye)
       ▼
    deliver: store the replies → push them to every socket and channel outbox of the conversation

The steps, amenders and subscribers are built in one place, the composition root
(bot/hub/wiring.py), each owned by its feature package. This module knows none of them.

"Will the bot answer this?" is "does the first step that claims the turn say the bot reads
it" (`TurnStep.bot_reads`): the "Read" receipt and the typing indicator come from the same
decision that answers the turn, so they cannot disagree with what happens.
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Awaitable, Callable, Iterator, Protocol, Sequence, TypeVar

import anyio

from bot.conversations.messages import to_wire
from bot.conversations.store import ANSWERED, PENDING, OutboundDraft, StoredMessage, Store, UnknownConversation

log = logging.getLogger(__name__)

T = TypeVar("T")
Push = Callable[[str, dict[str, Any]], Awaitable[Any]]


@dataclass
class Turn:
    """A stored customer message being answered, and what the steps learnt about it."""

    message: StoredMessage
    handled_by: str  # "bot", or the handoff's state while a person has (or will have) the chat
    decision: Any = None  # bot.frustration.policy.Decision, set by the escalation step
    intent: str | None = None  # the bot's reading of the message, set after the bot answered
    handed_over: bool = False  # the bot's own reply asked for a person
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def conversation_id(self) -> str:
        return self.message.conversation_id

    @property
    def text(self) -> str:
        return self.message.text or ""

    @property
    def button(self) -> str | None:
        return self.message.payload.get("button_payload")


@dataclass
class Reply:
    """What a step answers: the drafts to store, the inbound message's status afterwards (None:
    leave it, a person answers later) and whether the agents' queue changed."""

    drafts: list[OutboundDraft]
    status: str | None = ANSWERED
    notify_queue: bool = False
    step: str = ""


class TurnStep(Protocol):
    name: str
    bot_reads: bool  # the customer sees "Read" by the bot and "typing…" while this step answers

    async def claims(self, turn: Turn) -> bool: ...

    async def handle(self, turn: Turn) -> Reply | None:
        """The reply, or None to let the next claiming step answer."""


class Amender(Protocol):
    async def amend(self, turn: Turn, reply: Reply) -> Reply: ...


class AfterTurn(Protocol):
    async def after_turn(self, turn: Turn, reply: Reply) -> list[OutboundDraft]:
        """Runs once the reply is stored; returns anything more to say (usually nothing)."""


@dataclass(frozen=True)
class Pipeline:
    """The ordered parts of a turn (built by the composition root)."""

    steps: Sequence[TurnStep]
    amenders: Sequence[Amender] = ()
    after_turn: Sequence[AfterTurn] = ()


class TurnAnswerer:
    """Answers stored customer messages: one per conversation at a time, in arrival order."""

    def __init__(self, store: Store, pipeline: Pipeline, *, push: Push, read_by_bot: Callable[..., Awaitable[Any]],
                 notify_queue: Callable[[], Awaitable[Any]] | None = None) -> None:
        self.store = store
        self.pipeline = pipeline
        self.push = push  # every socket and channel outbox of a conversation
        self.read_by_bot = read_by_bot  # Receipts.read_by_hub
        self.notify_queue = notify_queue
        self._locks: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[conversation_id] = lock
        return lock

    async def answer(self, message: StoredMessage, *, push: Push | None = None,
                     typing: bool = True) -> list[StoredMessage]:
        """Answer a stored customer message and push the replies (default: to every socket and channel
        of the conversation). A message answered before is not answered again: its stored replies are
        pushed and returned (a client's retry gets the answers it missed)."""
        push = push or self.push
        conversation_id = message.conversation_id
        async with self._lock(conversation_id):
            inbound = await self._db(self.store.get_message, message.id)
            if inbound is None:  # pragma: no cover - erased underneath us
                return []
            if inbound.status == PENDING:
                return await self._run(inbound, push, typing)
            stored = await self._db(self.store.replies_to, inbound.id)
        for reply in stored:
            await push(conversation_id, to_wire(reply))
        return stored

    async def _run(self, inbound: StoredMessage, push: Push, typing: bool) -> list[StoredMessage]:
        turn = Turn(inbound, await self._db(self.store.handled_by, inbound.conversation_id))
        steps = iter(self.pipeline.steps)
        step = await _next_claiming(steps, turn)  # claims are asked in order, and only until one answers
        shows_typing = typing and step is not None and step.bot_reads
        if shows_typing:  # the bot has read it and is writing
            await self.read_by_bot(turn.conversation_id, by="bot", up_to=inbound.id)
            await push(turn.conversation_id, {"type": "typing", "on": True})
        try:
            reply = None
            while step is not None:
                reply = await step.handle(turn)
                if reply is not None:
                    reply.step = reply.step or step.name
                    break
                step = await _next_claiming(steps, turn)
            if reply is None:
                log.error("no turn step answered; the message stays pending",
                          extra={"event": "turn_unanswered", "conversation_id": turn.conversation_id,
                                 "message_id": inbound.id})
                return []
            for amender in self.pipeline.amenders:
                reply = await amender.amend(turn, reply)
            if reply.status is None and not reply.drafts:  # a person answers: nothing to store now
                return []
            stored = await self._store(turn, reply.drafts, reply.status or ANSWERED, reply.notify_queue)
            for subscriber in self.pipeline.after_turn:
                more = await subscriber.after_turn(turn, reply)
                if more:
                    stored += await self._store(turn, more, ANSWERED, False)
            for message in stored:  # deliver before the typing indicator goes off
                await push(turn.conversation_id, to_wire(message))
            return stored
        finally:
            if shows_typing:
                await push(turn.conversation_id, {"type": "typing", "on": False})

    async def _store(self, turn: Turn, drafts: list[OutboundDraft], status: str,
                     notify_queue: bool) -> list[StoredMessage]:
        stored = await self._db(self.store.add_outbound, turn.conversation_id, drafts, reply_to=turn.message.id,
                                inbound_status=status)
        if notify_queue and self.notify_queue is not None:
            await self.notify_queue()
        return stored


async def _next_claiming(steps: Iterator[TurnStep], turn: Turn) -> TurnStep | None:
    for step in steps:
        if await step.claims(turn):
            return step
    return None


class Turns:
    """What every transport uses: conversations, accepting a message, answering it."""

    def __init__(self, store: Store, acceptor: Any, answerer: TurnAnswerer) -> None:
        self.store = store
        self.acceptor = acceptor  # bot.conversations.accept.Acceptor
        self.answerer = answerer

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

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

    async def accept(self, inbound: Any) -> Any:
        """Validate and store (bot.conversations.accept.Inbound → Accepted)."""
        return await self.acceptor.accept(inbound)

    async def answer(self, message: StoredMessage, *, push: Push | None = None,
                     typing: bool = True) -> list[StoredMessage]:
        return await self.answerer.answer(message, push=push, typing=typing)

    async def bot_speaks(self, conversation_id: str) -> bool:
        """False while the conversation is queued for or handled by a person."""
        return await self._db(self.store.handled_by, conversation_id) == "bot"
