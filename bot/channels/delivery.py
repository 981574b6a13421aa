"""Delivering the hub's messages to the customer's platform, without losing or doubling any.

``ChannelDelivery.sink`` is the hub's outbound hook (``Connections.sink``): every frame pushed to a
customer passes it. Bot, agent and system messages of a conversation bound to a messaging address
get an outbox row for the conversation's *active* channel (where the customer last wrote), and
the delivery loop sends them: in order per address, several addresses at once, with back-off
retries for 5xx / 429 / network errors, giving up (reason recorded) on a refusal or after
``max_attempts``. The loop starts in the hub's lifespan and first picks up whatever a previous
run left pending. A crash between a platform accepting a message and the row being marked sent
sends that message again after the restart (at-least-once; the platforms have no idempotency key).
"""
from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import timedelta
from functools import partial
from typing import Any, Callable, Mapping, Sequence, TypeVar

import anyio
import httpx

from bot.channels.base import SendError
from bot.channels.store import ChannelStore, OutboxEntry
from bot.conversations.store import OutboundDraft, StoredMessage, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

DELIVERED_FRAMES = frozenset({"bot", "agent", "system"})  # typing, queue and the customer's own: web only
MAX_BACKOFF_S = 300.0
IDLE_POLL_S = 5.0  # also picks up rows another hub process wrote


class ChannelDelivery:
    def __init__(self, store: ChannelStore, platforms: Mapping[str, Any], *, http: httpx.AsyncClient,
                 max_attempts: int = 8, retry_base_s: float = 2.0) -> None:
        self.store = store
        self.platforms = platforms
        self.http = http
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._side_tasks: set[asyncio.Task] = set()
        self._restarted = True  # the first pass after a start tries every pending row at once
        self._address_locks: "weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock]" = \
            weakref.WeakValueDictionary()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def address_lock(self, key: tuple[str, str]) -> asyncio.Lock:
        """One binding change at a time per (channel, address): a customer's message and a proactive send."""
        lock = self._address_locks.get(key)
        if lock is None:
            lock = self._address_locks[key] = asyncio.Lock()
        return lock

    async def deliver_to(self, channel: str, address: str,
                         drafts: Sequence[OutboundDraft]) -> tuple[str, list[StoredMessage]]:
        """Start (or continue) the conversation of ``address`` on ``channel`` and deliver ``drafts`` there.

        Returns the conversation id (the Rasa sender id, so a ``trigger_intent`` made before or after
        belongs to the same conversation) and the stored messages; each is delivered once to this
        address, whichever channel the customer last wrote from."""
        platform = self.platforms.get(channel)
        if platform is None or not platform.enabled:
            raise LookupError(f"channel {channel!r} is not configured")
        async with self.address_lock((channel, address)):
            binding = await self._db(self.store.binding, channel, address)
            if binding is None:
                conversation_id = await self._db(self.store.hub.create_conversation, channel)
                log.info("conversation created", extra={"event": "conversation_created",
                                                         "conversation_id": conversation_id, "channel": channel})
                binding = await self._db(self.store.bind, channel, address, conversation_id)
        stored = await self._db(self.store.hub.add_outbound, binding.conversation_id, list(drafts))
        for message in stored:
            await self.enqueue(message.id, channel, address)
        return binding.conversation_id, stored

    # -- what to send ------------------------------------------------------------------------------------
    async def sink(self, conversation_id: str, frame: dict[str, Any]) -> None:
        """The hub pushed ``frame`` to the customer: queue it for their messaging channel, if any."""
        if not any(platform.enabled for platform in self.platforms.values()):
            return  # no messaging channel configured: the web widget only, no database look-up
        if frame.get("type") == "typing" and frame.get("on"):
            await self._typing(conversation_id)
            return
        if frame.get("type") not in DELIVERED_FRAMES or not isinstance(frame.get("id"), int):
            return
        target = await self._db(self.store.active_target, conversation_id)
        if target is not None:
            await self.enqueue(frame["id"], *target)

    async def _typing(self, conversation_id: str) -> None:
        """Telegram's "typing…" while the bot or an agent writes; best effort, never retried."""
        target = await self._db(self.store.active_target, conversation_id)
        platform = self.platforms.get(target[0]) if target else None
        if platform is None or not platform.enabled or not hasattr(platform, "typing"):
            return

        async def send() -> None:
            try:
                await platform.call(self.http, platform.typing(target[1]))
            except SendError:
                pass
        task = asyncio.create_task(send())  # never delay the push that carried it
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    async def enqueue(self, message_id: int, channel: str, address: str) -> None:
        platform = self.platforms.get(channel)
        if platform is None or not platform.enabled:
            log.warning("message not delivered: the channel is not configured",
                        extra={"event": "channel_disabled", "channel": channel, "message_id": message_id})
            return
        if await self._db(self.store.enqueue, message_id, channel, address):
            self._wake.set()

    # -- the loop ----------------------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="channel-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait_s = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. the database is briefly down: try again shortly
                log.exception("channel delivery pass failed", extra={"event": "delivery_failed"})
                wait_s = IDLE_POLL_S
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancel that arrives as the wake-up
            # does, and the loop then runs on with stop() waiting for it forever (the hub never shut down)
            try:
                async with asyncio.timeout(max(0.01, min(wait_s, IDLE_POLL_S))):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def deliver_due(self) -> float:
        """Send every due row (in order per address); returns the seconds until the next one is due."""
        rows = await self._db(self.store.pending)
        now = utcnow()
        restarted, self._restarted = self._restarted, False
        by_address: dict[tuple[str, str], list[OutboxEntry]] = {}
        next_due = IDLE_POLL_S
        for row in rows:
            by_address.setdefault((row.channel, row.address), []).append(row)
        runs = []
        for queue in by_address.values():
            head = queue[0]  # later messages wait for an earlier one being retried: the order is kept
            if head.next_attempt_at > now and not restarted:
                next_due = min(next_due, (head.next_attempt_at - now).total_seconds())
                continue
            runs.append(self._deliver_queue(queue))
        if runs:
            results = await asyncio.gather(*runs)
            next_due = min([next_due, *[r for r in results if r is not None]])
        return next_due

    async def _deliver_queue(self, queue: list[OutboxEntry]) -> float | None:
        for row in queue:
            retry_in = await self._deliver(row)
            if retry_in is not None:
                return retry_in
        return None

    async def _deliver(self, row: OutboxEntry) -> float | None:
        """One row; returns the back-off when it must be tried again later, else None."""
        fields = {"channel": row.channel, "message_id": row.message_id, "outbox_id": row.id}
        platform = self.platforms.get(row.channel)
        message = await self._db(self.store.hub.get_message, row.message_id)
        attempts = row.attempts + 1
        if platform is None or not platform.enabled or message is None:
            reason = "channel not configured" if message is not None else "message no longer exists"
            await self._db(self.store.give_up, row.id, attempts, reason)
            log.error("channel message given up", extra={"event": "delivery_given_up", "error": reason, **fields})
            return None
        calls = platform.render(row.address, message)
        parts = row.parts_sent
        try:
            for call in calls[parts:]:
                await platform.call(self.http, call)
                parts += 1
                if parts < len(calls):
                    await self._db(self.store.part_sent, row.id, parts)
        except SendError as exc:
            if parts != row.parts_sent:
                await self._db(self.store.part_sent, row.id, parts)
            if not exc.retryable or attempts >= self.max_attempts:
                await self._db(self.store.give_up, row.id, attempts, exc.reason)
                log.error("channel message given up", extra={"event": "delivery_given_up", "error": exc.reason,
                                                             "attempts": attempts, **fields})
                return None
            backoff = min(self.retry_base_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
            await self._db(self.store.retry_later, row.id, attempts, utcnow() + timedelta(seconds=backoff), exc.reason)
            log.warning("channel message will be retried", extra={"event": "delivery_retry", "error": exc.reason,
                                                                  "attempts": attempts, "retry_in_s": backoff, **fields})
            return backoff
        await self._db(self.store.sent, row.id, attempts)
        log.info("channel message sent", extra={"event": "delivery_sent", "parts": len(calls), **fields})
        return None
