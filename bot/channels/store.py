"""The channels' tables, in the hub database (the hub's SQLAlchemy ``Base``):

- ``channel_bindings``: (channel, address) -> conversation, so a Telegram chat keeps its conversation;
  with the CRM customer the address was verified as, and when the customer last wrote from it.
- ``customer_conversations``: CRM customer -> the conversations they were verified in (any channel,
  the web widget included), so a customer known on two channels has one history. How strongly each
  conversation knows the customer is in the conversation's metadata (``identities``); a channel
  continues only a conversation that knows the customer at least as strongly as the channel does.
- ``channel_outbox``: one row per (message, channel address) to deliver, so nothing is lost when a
  platform is down or the hub restarts: pending -> sent, or failed after N attempts with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.channels.identity import NONE, ORDER_AND_EMAIL, strength, stronger
from bot.conversations.store import (
    CUSTOMER,
    INBOUND,
    OUTBOUND,
    PERSONAL_MESSAGES,
    Base,
    Conversation,
    Message,
    Store,
    StoredMessage,
    utcnow,
)
from bot.db import PersonalTable

PENDING, SENT, FAILED = "pending", "sent", "failed"
IDENTITIES_KEY = "identities"  # conversations.metadata: {customer id: identity} (bot/channels/identity.py)
OFFER_KEY = "continue_offer"  # conversations.metadata: {"conversation_id", "customer_id"} the customer was asked about


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=timezone.utc)
    return value


class ChannelBinding(Base):
    __tablename__ = "channel_bindings"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_channel_bindings_address"),
                      Index("ix_channel_bindings_conversation", "conversation_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    identity_checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_inbound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CustomerConversation(Base):
    __tablename__ = "customer_conversations"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxRow(Base):
    __tablename__ = "channel_outbox"
    __table_args__ = (UniqueConstraint("message_id", "channel", "address", name="uq_channel_outbox_target"),
                      Index("ix_channel_outbox_status", "status", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)  # a message may take several API calls
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Binding:
    channel: str
    address: str
    conversation_id: str
    customer_id: str | None
    identity_checked_at: datetime | None
    last_inbound_at: datetime

    @classmethod
    def of(cls, row: ChannelBinding) -> "Binding":
        return cls(row.channel, row.address, row.conversation_id, row.customer_id, _aware(row.identity_checked_at),
                   _aware(row.last_inbound_at))


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    message_id: int
    channel: str
    address: str
    status: str
    attempts: int
    parts_sent: int
    last_error: str | None
    next_attempt_at: datetime

    @classmethod
    def of(cls, row: OutboxRow) -> "OutboxEntry":
        return cls(row.id, row.message_id, row.channel, row.address, row.status, row.attempts, row.parts_sent,
                   row.last_error, _aware(row.next_attempt_at))


class ChannelStore:
    """The channels' database access; shares the hub store's engine."""

    def __init__(self, store: Store) -> None:
        self.hub = store
        self.engine = store.engine
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Migrate the hub database (these tables are part of it) to the newest schema."""
        self.hub.create_schema()

    # -- bindings ------------------------------------------------------------------------------------
    def binding(self, channel: str, address: str) -> Binding | None:
        with self._session() as session:
            row = session.scalars(select(ChannelBinding).where(ChannelBinding.channel == channel,
                                                               ChannelBinding.address == address)).first()
            return Binding.of(row) if row is not None else None

    def bind(self, channel: str, address: str, conversation_id: str, *, customer_id: str | None = None,
             identity_checked: bool = False) -> Binding:
        """Bind the address to the conversation (a new address, or moved to the customer's conversation)."""
        now = utcnow()
        try:
            with self._session.begin() as session:
                row = session.scalars(select(ChannelBinding).where(ChannelBinding.channel == channel,
                                                                   ChannelBinding.address == address)).first()
                if row is None:
                    row = ChannelBinding(channel=channel, address=address, conversation_id=conversation_id,
                                         created_at=now, last_inbound_at=now)
                    session.add(row)
                row.conversation_id = conversation_id
                if customer_id is not None:
                    row.customer_id = customer_id
                if identity_checked:
                    row.identity_checked_at = now
                session.flush()
                return Binding.of(row)
        except IntegrityError:  # a concurrent first message from the same address won the race
            existing = self.binding(channel, address)
            if existing is None:
                raise
            return existing

    def touch(self, channel: str, address: str) -> None:
        with self._session.begin() as session:
            session.execute(update(ChannelBinding).where(ChannelBinding.channel == channel,
                                                         ChannelBinding.address == address)
                            .values(last_inbound_at=utcnow()))

    def bindings_of(self, conversation_id: str) -> list[Binding]:
        with self._session() as session:
            rows = session.scalars(select(ChannelBinding).where(ChannelBinding.conversation_id == conversation_id)
                                   .order_by(ChannelBinding.last_inbound_at.desc(), ChannelBinding.id.desc())).all()
            return [Binding.of(row) for row in rows]

    def active_target(self, conversation_id: str) -> tuple[str, str] | None:
        """Where the customer is now: the binding of the channel they last wrote from (None: the web widget)."""
        bindings = self.bindings_of(conversation_id)
        if not bindings:
            return None
        with self._session() as session:
            last = session.scalars(
                select(Message.payload).where(Message.conversation_id == conversation_id,
                                              Message.direction == INBOUND, Message.sender == CUSTOMER)
                .order_by(Message.id.desc()).limit(1)).first()
            has_inbound = session.scalars(
                select(Message.id).where(Message.conversation_id == conversation_id, Message.direction == INBOUND)
                .limit(1)).first() is not None
        if not has_inbound:  # nothing written yet (outreach): the address the conversation was started on
            return bindings[0].channel, bindings[0].address
        channel = (last or {}).get("channel")
        if not channel:
            return None  # they last wrote in the web widget, which has its own websocket
        chosen = next((b for b in bindings if b.channel == channel), None)
        return (chosen.channel, chosen.address) if chosen else None

    # -- customers -----------------------------------------------------------------------------------
    def link_customer(self, customer_id: str, conversation_id: str, *, identity: str = NONE) -> None:
        """Link a CRM customer to a conversation, recording how strongly it knows them.

        The identity lives in the conversation's metadata (``identities``: customer id -> identity) and only
        ever gets stronger; a link made without one (``NONE``) is never continued by a channel."""
        try:
            with self._session.begin() as session:
                if session.get(CustomerConversation, (customer_id, conversation_id)) is None:
                    session.add(CustomerConversation(customer_id=customer_id, conversation_id=conversation_id))
                conversation = session.get(Conversation, conversation_id, with_for_update=True)
                if conversation is None:
                    return
                meta = dict(conversation.meta or {})
                identities = dict(meta.get(IDENTITIES_KEY) or {})
                recorded = stronger(identities.get(customer_id), identity)
                if identities.get(customer_id) != recorded:
                    identities[customer_id] = recorded
                    meta[IDENTITIES_KEY] = identities
                    conversation.meta = meta
        except IntegrityError:  # linked concurrently, or the conversation is gone
            pass

    def link_customer_of(self, conversation_id: str, customer_id: str) -> None:
        """The escalation's ``on_customer`` hook: the bot verified the customer with what they typed in the chat
        (an order or invoice number and the account's e-mail), which is all the widget ever has."""
        self.link_customer(customer_id, conversation_id, identity=ORDER_AND_EMAIL)

    def identity_of(self, customer_id: str, conversation_id: str) -> str:
        """How strongly the conversation knows the customer (``NONE`` when it is not linked to them)."""
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            meta = (conversation.meta or {}) if conversation is not None else {}
            return (meta.get(IDENTITIES_KEY) or {}).get(customer_id) or NONE

    def own_conversation(self, conversation_id: str, customer_id: str) -> bool:
        """Does only this customer's messaging addresses reach the conversation? Opened by a channel (not by
        the widget, whose session anyone holding it reads) and every address bound to it identified as them."""
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None or conversation.channel == "web":
                return False
            owners = session.scalars(select(ChannelBinding.customer_id)
                                     .where(ChannelBinding.conversation_id == conversation_id)).all()
            return bool(owners) and all(owner == customer_id for owner in owners)

    def offer_to_continue(self, conversation_id: str, earlier_id: str, customer_id: str) -> None:
        """Remember, on the channel's conversation, that its customer was asked to continue ``earlier_id``."""
        self._set_offer(conversation_id, {"conversation_id": earlier_id, "customer_id": customer_id})

    def take_offer(self, conversation_id: str) -> dict[str, str] | None:
        """The open offer to continue an earlier conversation, answered now (so at most once)."""
        return self._set_offer(conversation_id, None)

    def _set_offer(self, conversation_id: str, offer: dict[str, str] | None) -> dict[str, str] | None:
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id, with_for_update=True)
            if conversation is None:
                return None
            meta = dict(conversation.meta or {})
            previous = meta.pop(OFFER_KEY, None)
            if offer is not None:
                meta[OFFER_KEY] = offer
            if offer is not None or previous is not None:
                conversation.meta = meta
            return previous

    def recent_conversation(self, customer_id: str, since: datetime, *,
                            at_least: str | None = None) -> tuple[str, datetime] | None:
        """The customer's most recently active conversation with activity after ``since``; with ``at_least``,
        the most recent one that knows the customer at least that strongly."""
        with self._session() as session:
            rows = session.execute(
                select(Conversation.id, Conversation.updated_at, Conversation.meta)
                .join(CustomerConversation, CustomerConversation.conversation_id == Conversation.id)
                .where(CustomerConversation.customer_id == customer_id, Conversation.updated_at >= since)
                .order_by(Conversation.updated_at.desc()))
            for conversation_id, updated_at, meta in rows:
                identity = ((meta or {}).get(IDENTITIES_KEY) or {}).get(customer_id)
                if at_least is None or strength(identity) >= strength(at_least):
                    return conversation_id, _aware(updated_at)
            return None

    def latest_address(self, channel: str, customer_id: str) -> str | None:
        """The address a verified customer last wrote from on ``channel``."""
        with self._session() as session:
            return session.scalars(select(ChannelBinding.address).where(
                ChannelBinding.channel == channel, ChannelBinding.customer_id == customer_id)
                .order_by(ChannelBinding.last_inbound_at.desc()).limit(1)).first()

    def customer_of(self, conversation_id: str) -> str | None:
        """A CRM customer linked to the conversation, if any."""
        with self._session() as session:
            return session.scalars(select(CustomerConversation.customer_id).where(
                CustomerConversation.conversation_id == conversation_id).limit(1)).first()

    def updated_at(self, conversation_id: str) -> datetime | None:
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            return _aware(conversation.updated_at) if conversation is not None else None

    def latest_buttons(self, conversation_id: str, *, within: int = 20) -> StoredMessage | None:
        """The latest message with buttons among the conversation's last ``within`` messages."""
        with self._session() as session:
            rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                                   .order_by(Message.id.desc()).limit(within)).all()
            for row in rows:
                if row.direction == OUTBOUND and (row.payload or {}).get("buttons"):
                    return StoredMessage.of(row)
        return None

    # -- outbox --------------------------------------------------------------------------------------
    def enqueue(self, message_id: int, channel: str, address: str) -> bool:
        """Queue a message for an address; False when it was queued before (one send per message and address)."""
        with self._session() as session:
            exists = session.scalars(select(OutboxRow.id).where(OutboxRow.message_id == message_id,
                                                                OutboxRow.channel == channel,
                                                                OutboxRow.address == address)).first()
        if exists is not None:
            return False
        try:
            with self._session.begin() as session:
                session.add(OutboxRow(message_id=message_id, channel=channel, address=address))
            return True
        except IntegrityError:
            return False

    def pending(self, limit: int = 200) -> list[OutboxEntry]:
        with self._session() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.status == PENDING)
                                   .order_by(OutboxRow.id).limit(limit)).all()
            return [OutboxEntry.of(row) for row in rows]

    def outbox(self, message_id: int | None = None) -> list[OutboxEntry]:
        with self._session() as session:
            query = select(OutboxRow).order_by(OutboxRow.id)
            if message_id is not None:
                query = query.where(OutboxRow.message_id == message_id)
            return [OutboxEntry.of(row) for row in session.scalars(query).all()]

    def _set(self, entry_id: int, **values: Any) -> None:
        with self._session.begin() as session:
            session.execute(update(OutboxRow).where(OutboxRow.id == entry_id).values(**values))

    def part_sent(self, entry_id: int, parts_sent: int) -> None:
        self._set(entry_id, parts_sent=parts_sent)

    def sent(self, entry_id: int, attempts: int) -> None:
        self._set(entry_id, status=SENT, attempts=attempts, sent_at=utcnow(), last_error=None)

    def retry_later(self, entry_id: int, attempts: int, at: datetime, error: str) -> None:
        self._set(entry_id, attempts=attempts, next_attempt_at=at, last_error=error[:1000])

    def give_up(self, entry_id: int, attempts: int, error: str) -> None:
        self._set(entry_id, status=FAILED, attempts=attempts, last_error=error[:1000])


# Channel addresses (phone numbers, chat ids) and customer links go in erasure and in a purge; the
# outbox rows go with their messages.
PERSONAL_BINDINGS = PersonalTable(ChannelBinding.__table__, customer_column="customer_id")
PERSONAL_CUSTOMER_LINKS = PersonalTable(CustomerConversation.__table__, customer_column="customer_id")
PERSONAL_OUTBOX = PersonalTable(OutboxRow.__table__, conversation_column=None,
                                parent=("message_id", PERSONAL_MESSAGES, "id"))
