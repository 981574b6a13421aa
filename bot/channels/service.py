"""A message from Telegram, WhatsApp or Slack, from webhook to answer, and proactive sends to an address.

``receive`` runs inside the webhook request and returns once the message is stored (the platform
gets its 200 quickly and does not retry); the bot's answer is produced in the background by the
same turn pipeline the web widget uses, and every reply reaches the platform through the hub's
``Connections.push`` -> ``ChannelDelivery.sink`` -> outbox. The platform's message id is the
``client_message_id``, so a platform retry stores nothing new and gets no second answer.

``deliver_to`` is what proactive outreach calls (docs/channels.md).
"""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Callable, Mapping, Sequence, TypeVar

import anyio
import httpx

from bot.channels.base import Inbound, SendError, TEXT_ONLY, buttons_of, pick_option
from bot.channels.delivery import ChannelDelivery
from bot.channels.identity import CHANNEL_IDENTITY, NONE, LookupFailed, crm_customer_id
from bot.channels.settings import ChannelSettings
from bot.channels.store import Binding, ChannelStore
from bot.conversations.connections import Connections
from bot.conversations.messages import to_wire
from bot.conversations.accept import Accepted, Inbound as Message
from bot.conversations.turns import Turns
from bot.conversations.store import ANSWERED, PENDING, REJECTED, SYSTEM, OutboundDraft, StoredMessage, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

LABELS = {"web": "our website chat", "telegram": "Telegram", "whatsapp": "WhatsApp", "slack": "Slack"}
RECHECK_UNKNOWN = timedelta(days=1)  # an address the CRM did not know is asked about again after a day


def continued_text(previous: str | None) -> str:
    where = f" from {LABELS.get(previous or 'web', previous)}" if previous else ""
    return (f"Welcome back! This continues your earlier conversation{where}, "
            "so there's no need to repeat anything.")


def offer_text(earlier: str) -> str:
    return (f"You also chatted with us on {LABELS.get(earlier, earlier)} recently. If you started that chat yourself, "
            "reply YES to continue it here: anyone who has that chat open will then see this one too. "
            "Otherwise reply NO and the two stay separate.")


def joined_text(earlier: str) -> str:
    return f"Done: this chat now continues your earlier conversation on {LABELS.get(earlier, earlier)}."


def joined_note(channel: str) -> str:
    return f"The customer continued this conversation on {LABELS.get(channel, channel)}."


KEPT_APART = "OK, the two chats stay separate."
_YES = re.compile(r"^\W*(?:yes|y|yeah|yep|yes please)\W*$", re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no|n|nope|nah|no thanks?)\W*$", re.IGNORECASE)


def _yes_or_no(text: str) -> bool | None:
    return True if _YES.match(text) else False if _NO.match(text) else None


IDENTIFIED = "Thanks! I've found your customer account, so I can help with your orders here."
CONTACT_THANKS = "Thanks for sharing your number."


@dataclass(frozen=True)
class Bound:
    conversation_id: str
    customer_id: str | None
    continued_from: str | None  # the conversation's previous channel when this address just joined it
    continued: bool
    # A recent conversation of the customer that knows them less strongly (the widget's): the customer is
    # asked here, on the stronger identity, whether to continue it.
    offer: str | None = None


class ChannelService:
    def __init__(self, *, settings: ChannelSettings, store: ChannelStore, turns: Turns, connections: Connections,
                 delivery: ChannelDelivery, platforms: Mapping[str, Any], http: httpx.AsyncClient,
                 spawn: Callable[..., Any], crm: Any = None, text_limit: int = 4000,
                 remember_customer: Callable[[str, str], Any] | None = None) -> None:
        self.settings, self.store, self.turns, self.connections = settings, store, turns, connections
        self.delivery, self.platforms, self.http, self.spawn = delivery, platforms, http, spawn
        self.crm, self.text_limit = crm, text_limit  # crm: bot.crm.sql.SqlCrm, opened once; None: no look-ups
        # The customer's CRM card on the conversation (handoff context), when a channel identifies them.
        self.remember_customer = remember_customer

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def _lock(self, key: tuple[str, str]) -> asyncio.Lock:
        return self.delivery.address_lock(key)  # shared with proactive sends to the same address

    # -- incoming --------------------------------------------------------------------------------------
    async def receive(self, inbound: Inbound) -> Accepted | None:
        """Store the customer's message (answered in the background); None when there was nothing to store."""
        platform = self.platforms[inbound.channel]
        if inbound.callback_id is not None:
            self.spawn(self._acknowledge(platform, inbound.callback_id), name="telegram-callback-ack")
            if inbound.button is None:
                return None  # callback data the hub did not write: nothing to do
        async with self._lock((inbound.channel, inbound.address)):
            bound = await self._bind(inbound)
        conversation_id = bound.conversation_id
        if inbound.contact_shared and not (inbound.text or "").strip():
            reply = continued_text(bound.continued_from) if bound.continued else (
                IDENTIFIED if bound.customer_id else CONTACT_THANKS)
            accepted = await self._store_and_reply(inbound, conversation_id, "[shared their phone number]", reply,
                                                   "identified", ANSWERED)
            if bound.offer is not None and not accepted.duplicate:
                await self._offer(conversation_id, bound)
            return accepted
        if inbound.text is None:
            return await self._store_and_reply(inbound, conversation_id, "[a message that is not text]", TEXT_ONLY,
                                               "unsupported_content", REJECTED)
        if inbound.button is None and not bound.continued and _yes_or_no(inbound.text) is not None:
            offer = await self._db(self.store.take_offer, conversation_id)
            if offer is not None:
                return await self._answer_offer(inbound, conversation_id, offer, bool(_yes_or_no(inbound.text)))
        text, payload = await self._choice(conversation_id, inbound)
        if inbound.button is not None and payload is None:
            log.warning("a button press that does not match an offered button was ignored",
                        extra={"event": "channel_button_ignored", "channel": inbound.channel,
                               "conversation_id": conversation_id})
            return None
        accepted = await self.turns.accept(Message(conversation_id, text, inbound.message_id, button_payload=payload,
                                                   channel=inbound.channel))
        if accepted.duplicate:
            log.info("platform retry of a stored message", extra={"event": "channel_duplicate",
                                                                   "channel": inbound.channel,
                                                                   "conversation_id": conversation_id})
            if accepted.inbound.status == PENDING:  # stored, but the hub stopped before answering it
                self.spawn(self._answer(accepted, push=False), name="channel-answer")
            return accepted
        await self._db(self.store.touch, inbound.channel, inbound.address)
        if bound.continued:
            await self._say(conversation_id, continued_text(bound.continued_from), "channel_continued")
        elif bound.offer is not None:
            await self._offer(conversation_id, bound)
        await self.connections.push(conversation_id, to_wire(accepted.inbound, text_limit=self.text_limit))
        self.spawn(self._answer(accepted), name="channel-answer")
        return accepted

    async def _answer(self, accepted: Accepted, *, push: bool = True) -> None:
        # As on the widget's socket, open tabs and Telegram show "typing…" while the bot writes; a platform's
        # retry of a stored message goes to the platform only (open tabs already have the answers).
        try:
            await self.turns.answer(accepted.inbound, push=None if push else self.delivery.sink, typing=push)
        except Exception:  # noqa: BLE001 - stays pending; a platform retry or an agent picks it up
            log.exception("failed to answer a channel message", extra={"event": "answer_failed",
                                                                       "conversation_id": accepted.conversation_id})

    async def _store_and_reply(self, inbound: Inbound, conversation_id: str, text: str, reply: str, reason: str,
                               status: str) -> Accepted:
        """A message the bot does not read (a sticker, a shared contact): stored, answered by the hub."""
        accepted = await self.turns.accept(Message(conversation_id, text, inbound.message_id, channel=inbound.channel))
        if accepted.duplicate:
            return accepted
        await self._db(self.store.touch, inbound.channel, inbound.address)
        await self.connections.push(conversation_id, to_wire(accepted.inbound, text_limit=self.text_limit))
        [stored] = await self._db(self.store.hub.add_outbound, conversation_id,
                                  [OutboundDraft(text=reply, payload={"origin": "hub", "reason": reason})],
                                  reply_to=accepted.inbound.id, inbound_status=status)
        await self.delivery.enqueue(stored.id, inbound.channel, inbound.address)  # this address, whatever else
        await self.connections.push(conversation_id, to_wire(stored, text_limit=self.text_limit))
        return accepted

    async def _say(self, conversation_id: str, text: str, event: str) -> StoredMessage:
        [stored] = await self._db(self.store.hub.add_outbound, conversation_id,
                                  [OutboundDraft(text=text, payload={"event": event, "origin": "hub"}, sender=SYSTEM)])
        await self.connections.push(conversation_id, to_wire(stored, text_limit=self.text_limit))
        return stored

    async def _choice(self, conversation_id: str, inbound: Inbound) -> tuple[str, str | None]:
        """(text, button payload): a native button press, or a numbered option typed on WhatsApp."""
        if inbound.button is not None:
            offered = await self._db(self.store.hub.get_message, inbound.button.message_id)
            buttons = buttons_of(offered) if offered is not None and offered.conversation_id == conversation_id else []
            if inbound.button.index >= len(buttons):
                return inbound.text or "", None
            chosen = buttons[inbound.button.index]
            return chosen["title"], chosen.get("payload") or chosen["title"]
        text = inbound.text or ""
        # Numbers answer the bot's (or the hub's) latest options; with a person, "1" is just text.
        if not self.platforms[inbound.channel].native_buttons and await self.turns.bot_speaks(conversation_id):
            offered = await self._db(self.store.latest_buttons, conversation_id)
            chosen = pick_option(text, buttons_of(offered)) if offered is not None else None
            if chosen is not None:
                return chosen["title"], chosen.get("payload") or chosen["title"]
        return text, None

    async def _acknowledge(self, platform: Any, callback_id: str) -> None:
        try:
            await platform.call(self.http, platform.answer_callback(callback_id))
        except SendError as exc:  # cosmetic (the button's spinner); the choice itself is stored
            log.warning("could not acknowledge a button press", extra={"event": "callback_ack_failed",
                                                                       "error": exc.reason})

    # -- which conversation ----------------------------------------------------------------------------
    def _needs_lookup(self, inbound: Inbound, binding: Binding | None) -> bool:
        if not (inbound.phone or inbound.email or (inbound.channel == "slack" and inbound.user_id)):
            return False
        if binding is None or inbound.contact_shared or binding.identity_checked_at is None:
            return True
        return binding.customer_id is None and utcnow() - binding.identity_checked_at > RECHECK_UNKNOWN

    async def _identify(self, inbound: Inbound) -> tuple[str | None, bool]:
        """(CRM customer id or None, whether the CRM could be asked)."""
        email = inbound.email
        if inbound.channel == "slack" and inbound.user_id and not email:
            try:
                email = await self.platforms["slack"].verified_email(self.http, inbound.user_id)
            except SendError as exc:
                log.warning("could not read the Slack user's e-mail", extra={"event": "slack_user_failed",
                                                                            "error": exc.reason})
                return None, not exc.retryable  # refused (no such user, missing scope): asked, no answer
        try:
            customer_id = await self._db(crm_customer_id, self.crm, phone=inbound.phone, email=email)
        except LookupFailed:
            return None, False
        return customer_id, True

    async def _bind(self, inbound: Inbound) -> Bound:
        channel, address = inbound.channel, inbound.address
        binding = await self._db(self.store.binding, channel, address)
        customer_id = binding.customer_id if binding is not None else None
        checked = False
        if self._needs_lookup(inbound, binding):
            found, checked = await self._identify(inbound)
            customer_id = found or customer_id
        target: str | None = None
        identity = CHANNEL_IDENTITY.get(channel, NONE)
        if customer_id:
            # Just identified here: join the customer's conversation. Known before: follow the livelier one.
            # Only a conversation that knows the customer at least as strongly as this channel does: a web
            # conversation verified by an order number and e-mail (knowledge) is not continued here.
            since = utcnow() - timedelta(days=self.settings.continue_days)
            recent = await self._db(self.store.recent_conversation, customer_id, since, at_least=identity)
            if recent is not None and (binding is None or recent[0] != binding.conversation_id):
                if binding is None or binding.customer_id != customer_id:
                    target = recent[0]
                else:
                    current = await self._db(self.store.updated_at, binding.conversation_id)
                    if current is None or recent[1] > current:
                        target = recent[0]
        previous = None
        if target is not None:
            previous = await self._db(self._last_channel, target)
        weaker: str | None = None
        if customer_id and target is None and (binding is None or binding.customer_id != customer_id):
            # Just identified, and the customer's latest conversation knows them only by what was typed in it.
            anything = await self._db(self.store.recent_conversation, customer_id, since)
            if anything is not None and (binding is None or anything[0] != binding.conversation_id):
                weaker = anything[0]
        if binding is None:
            conversation_id = target or await self.turns.create_conversation(channel=channel)
            binding = await self._db(self.store.bind, channel, address, conversation_id, customer_id=customer_id,
                                     identity_checked=checked)
        elif target is not None or checked or customer_id != binding.customer_id:
            binding = await self._db(self.store.bind, channel, address, target or binding.conversation_id,
                                     customer_id=customer_id, identity_checked=checked)
        conversation_id = binding.conversation_id
        if target is not None:
            log.info("channel address joined the customer's conversation",
                     extra={"event": "channel_continued", "channel": channel, "conversation_id": conversation_id,
                            "previous_channel": previous})
        if customer_id:
            # The conversation learns the channel's identity only when nobody else reaches it (joined, it
            # knew the customer as strongly already); otherwise the link records no new strength.
            own = await self._db(self.store.own_conversation, conversation_id, customer_id)
            await self._db(self.store.link_customer, customer_id, conversation_id, identity=identity if own else NONE)
            await self._remember(conversation_id, customer_id)
        return Bound(conversation_id, customer_id, previous, target is not None, weaker)

    async def _offer(self, conversation_id: str, bound: Bound) -> None:
        """Ask, here, whether to continue the customer's less strongly verified conversation (answered YES / NO)."""
        earlier = await self._db(self._last_channel, bound.offer)
        await self._db(self.store.offer_to_continue, conversation_id, bound.offer, bound.customer_id)
        await self._say(conversation_id, offer_text(earlier), "channel_continue_offer")

    async def _answer_offer(self, inbound: Inbound, conversation_id: str, offer: Mapping[str, str],
                            yes: bool) -> Accepted:
        """YES / NO to continuing an earlier, less strongly verified conversation. Only this address, the
        stronger identity, can say yes; the earlier conversation learns no identity from it."""
        channel, address = inbound.channel, inbound.address
        earlier, customer_id = offer.get("conversation_id"), offer.get("customer_id")
        since = utcnow() - timedelta(days=self.settings.continue_days)
        async with self._lock((channel, address)):
            binding = await self._db(self.store.binding, channel, address)
            still = (yes and earlier is not None and binding is not None and binding.customer_id == customer_id
                     and binding.conversation_id == conversation_id
                     and await self._db(self.store.identity_of, customer_id, earlier) != NONE
                     and (await self._db(self.store.updated_at, earlier) or since) > since)
            where = await self._db(self._last_channel, earlier) if still else None
            reply = joined_text(where) if still else KEPT_APART
            accepted = await self._store_and_reply(inbound, conversation_id, inbound.text or "", reply,
                                                   "channel_continue_answer", ANSWERED)
            if still and not accepted.duplicate:
                await self._db(self.store.bind, channel, address, earlier)
                await self._say(earlier, joined_note(channel), "channel_continued")  # also the livelier one now
                log.info("channel address joined an earlier conversation on the customer's word",
                         extra={"event": "channel_continued_confirmed", "channel": channel,
                                "conversation_id": earlier})
        return accepted

    def _last_channel(self, conversation_id: str) -> str:
        """The channel the customer last wrote from in a conversation ("web" for the widget)."""
        for message in reversed(self.store.hub.history(conversation_id, limit=50)):
            if message.direction == "in":
                return message.payload.get("channel") or "web"
        return "web"

    async def _remember(self, conversation_id: str, customer_id: str) -> None:
        """The customer's CRM card on the conversation, as the widget's verification does (agent context)."""
        if self.remember_customer is not None:
            await self._db(self.remember_customer, conversation_id, customer_id)

    # -- outgoing, started by the hub (outreach) ---------------------------------------------------------
    async def deliver_to(self, channel: str, address: str, drafts: Sequence[OutboundDraft]) -> tuple[str, list[StoredMessage]]:
        return await self.delivery.deliver_to(channel, address, drafts)
