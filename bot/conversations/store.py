"""Hub persistence: conversations and every message in and out.

Synchronous SQLAlchemy 2 (SQLite by default, PostgreSQL-compatible schema). The async
router calls it through ``anyio.to_thread`` so the event loop never blocks on the database.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bot.db import PersonalTable, engine_for, upgrade
from bot.health import phrases_of
from bot.sealed import SealedJSON, SealedText

# Message.direction
INBOUND = "in"
OUTBOUND = "out"

# Message.sender
CUSTOMER = "customer"
BOT = "bot"
AGENT = "agent"
SYSTEM = "system"

# Message.status (inbound messages only; outbound messages are "sent")
PENDING = "pending"  # stored, not yet answered
ANSWERED = "answered"  # the bot (or later an agent) answered
FAILED = "failed"  # the bot could not be reached; kept for a later retry / a human
REJECTED = "rejected"  # not sent to the bot (empty, too long); the customer was told why
SENT = "sent"

CONVERSATION_ID_BYTES = 16  # secrets.token_urlsafe(16) -> 22 url-safe characters
CLIENT_MESSAGE_ID_MAX = 128


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_conversation_id() -> str:
    return secrets.token_urlsafe(CONVERSATION_ID_BYTES)


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="web")
    # Who answers the customer: "bot", "queue" (waiting for a person) or "agent" (docs/handoff.md).
    handled_by: Mapped[str] = mapped_column(String(32), default="bot")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", SealedJSON, default=dict)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
        Index("ix_messages_conversation", "conversation_id", "id"),
        Index("ix_messages_reply_to", "reply_to"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    # Everything that is not plain text: buttons, image, custom, button payload, origin/reason notes.
    payload: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, nullable=True)
    client_message_id: Mapped[str | None] = mapped_column(String(CLIENT_MESSAGE_ID_MAX), nullable=True)
    # Outbound messages point at the inbound message they answer (idempotent replays use it).
    reply_to: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=SENT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class StoredMessage:
    """A detached, immutable copy of a row (safe to pass between threads)."""

    id: int
    conversation_id: str
    direction: str
    sender: str
    text: str | None
    payload: dict[str, Any]
    client_message_id: str | None
    reply_to: int | None
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: Message) -> "StoredMessage":
        created = row.created_at
        if created is not None and created.tzinfo is None:  # SQLite drops the zone
            created = created.replace(tzinfo=timezone.utc)
        return cls(
            id=row.id,
            conversation_id=row.conversation_id,
            direction=row.direction,
            sender=row.sender,
            text=row.text,
            payload=dict(row.payload or {}),
            client_message_id=row.client_message_id,
            reply_to=row.reply_to,
            status=row.status,
            created_at=created,
        )


@dataclass(frozen=True)
class OutboundDraft:
    """An outgoing message before it is stored."""

    text: str | None
    payload: dict[str, Any]
    sender: str = BOT


@dataclass(frozen=True)
class InboundResult:
    message: StoredMessage
    duplicate: bool  # True when client_message_id was seen before (nothing new stored)


class UnknownConversation(LookupError):
    pass


class Store:
    """All hub database access goes through here."""

    def __init__(self, url: "str | Engine", *, keys: tuple[str, ...] = ()) -> None:
        self.engine, self._owns_engine = engine_for(url, keys)  # keys: Settings.data_keys (bot/sealed.py)
        self.url = self.engine.url.render_as_string(hide_password=False)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Migrate the hub database to the newest schema (every table of it, bot/migrations/hub)."""
        upgrade(self.engine)

    def close(self) -> None:
        if self._owns_engine:  # a shared engine is disposed of by whoever opened it
            self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # -- conversations -------------------------------------------------------------------
    def create_conversation(self, channel: str = "web", meta: dict[str, Any] | None = None) -> str:
        with self._session.begin() as session:
            conversation = Conversation(id=new_conversation_id(), channel=channel, meta=meta or {})
            session.add(conversation)
            return conversation.id

    def conversation_exists(self, conversation_id: str) -> bool:
        if not conversation_id or len(conversation_id) > 64:
            return False
        with self._session() as session:
            return session.get(Conversation, conversation_id) is not None

    def advance_mark(self, conversation_id: str, key: str, up_to: int, **extra: Any) -> dict[str, Any] | None:
        """Move a per-conversation message mark (a read receipt) forward; None when it would not move.

        The mark lives in the conversation's metadata as ``{key: {"up_to": id, **extra}}``; it
        never goes back, whatever order concurrent updates arrive in.
        """
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id, with_for_update=True)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            meta = dict(conversation.meta or {})
            current = meta.get(key) or {}
            if int(current.get("up_to") or 0) >= up_to:
                return None
            meta[key] = {"up_to": up_to, **extra}
            conversation.meta = meta
            return meta[key]

    def conversation_meta(self, conversation_id: str) -> dict[str, Any]:
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            return dict(conversation.meta or {})

    def last_message_id(self, conversation_id: str, *, sender: str | None = None) -> int | None:
        with self._session() as session:
            query = select(Message.id).where(Message.conversation_id == conversation_id)
            if sender is not None:
                query = query.where(Message.sender == sender)
            return session.scalar(query.order_by(Message.id.desc()).limit(1))

    def handled_by(self, conversation_id: str) -> str:
        with self._session() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            return conversation.handled_by

    # -- messages ------------------------------------------------------------------------
    def add_inbound(
        self,
        conversation_id: str,
        text_: str,
        *,
        client_message_id: str | None = None,
        payload: dict[str, Any] | None = None,
        status: str = PENDING,
    ) -> InboundResult:
        """Store a customer message; a repeated ``client_message_id`` returns the first copy."""
        if client_message_id is not None:
            existing = self.find_by_client_id(conversation_id, client_message_id)
            if existing is not None:
                return InboundResult(existing, duplicate=True)
        try:
            with self._session.begin() as session:
                conversation = session.get(Conversation, conversation_id)
                if conversation is None:
                    raise UnknownConversation(conversation_id)
                row = Message(
                    conversation_id=conversation_id,
                    direction=INBOUND,
                    sender=CUSTOMER,
                    text=text_,
                    payload=payload or None,
                    client_message_id=client_message_id,
                    status=status,
                )
                session.add(row)
                conversation.updated_at = utcnow()
                session.flush()
                return InboundResult(StoredMessage.of(row), duplicate=False)
        except IntegrityError:
            # Lost a race with a concurrent retry of the same client message id.
            existing = self.find_by_client_id(conversation_id, client_message_id or "")
            if existing is None:
                raise
            return InboundResult(existing, duplicate=True)

    def find_by_client_id(self, conversation_id: str, client_message_id: str) -> StoredMessage | None:
        with self._session() as session:
            row = session.scalars(
                select(Message).where(
                    Message.conversation_id == conversation_id,
                    Message.client_message_id == client_message_id,
                )
            ).first()
            return StoredMessage.of(row) if row is not None else None

    def add_outbound(
        self,
        conversation_id: str,
        drafts: Iterable[OutboundDraft],
        *,
        reply_to: int | None = None,
        inbound_status: str | None = None,
    ) -> list[StoredMessage]:
        """Store replies (and, atomically, the new status of the inbound message they answer)."""
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            rows = [
                Message(
                    conversation_id=conversation_id,
                    direction=OUTBOUND,
                    sender=draft.sender,
                    text=draft.text,
                    payload=draft.payload or None,
                    reply_to=reply_to,
                    status=SENT,
                )
                for draft in drafts
            ]
            session.add_all(rows)
            if reply_to is not None and inbound_status is not None:
                session.execute(update(Message).where(Message.id == reply_to).values(status=inbound_status))
            conversation.updated_at = utcnow()
            session.flush()
            return [StoredMessage.of(row) for row in rows]

    def replies_to(self, message_id: int) -> list[StoredMessage]:
        with self._session() as session:
            rows = session.scalars(
                select(Message).where(Message.reply_to == message_id).order_by(Message.id)
            ).all()
            return [StoredMessage.of(row) for row in rows]

    def history(self, conversation_id: str, *, after: int | None = None, limit: int = 200) -> list[StoredMessage]:
        """The last ``limit`` messages (oldest first), optionally only those after message id ``after``."""
        with self._session() as session:
            query = select(Message).where(Message.conversation_id == conversation_id)
            if after is not None:
                query = query.where(Message.id > after)
                rows = session.scalars(query.order_by(Message.id).limit(limit)).all()
            else:
                rows = list(reversed(session.scalars(query.order_by(Message.id.desc()).limit(limit)).all()))
            return [StoredMessage.of(row) for row in rows]

    def texts(self, conversation_id: str) -> list[str]:
        """Every message's text of a conversation, oldest first (for export and erasure)."""
        with self._session() as session:
            rows = session.scalars(select(Message.text).where(Message.conversation_id == conversation_id)
                                   .order_by(Message.id)).all()
        return [text_ for text_ in rows if text_]

    def conversations_mentioning(self, needle: str, *, batch: int = 2000) -> set[str]:
        """Conversations with a customer message containing ``needle`` (any case): an e-mail address a
        customer typed. Compared here, not in SQL, so it works whatever the column holds."""
        wanted, found, last = needle.strip().lower(), set(), 0
        if not wanted:
            return found
        while True:
            with self._session() as session:
                rows = session.execute(
                    select(Message.id, Message.conversation_id, Message.text)
                    .where(Message.sender == CUSTOMER, Message.id > last).order_by(Message.id).limit(batch)).all()
            if not rows:
                return found
            found.update(conversation for _, conversation, text_ in rows if text_ and wanted in text_.lower())
            last = rows[-1][0]

    def idle_since(self, cutoff: datetime) -> list[str]:
        """Conversations with messages and no activity since ``cutoff`` (the retention purge's)."""
        has_messages = select(Message.id).where(Message.conversation_id == Conversation.id).exists()
        with self._session() as session:
            return list(session.scalars(select(Conversation.id).where(Conversation.updated_at < cutoff, has_messages)
                                        .order_by(Conversation.updated_at)))

    def health_phrases(self, conversation_id: str) -> set[str]:
        """The health details flagged at accept (``payload["health"]``, bot/health.py) in this
        conversation's customer messages, as phrases: what the console hides from agents without the
        permission, wherever a text quotes them."""
        with self._session() as session:
            rows = session.execute(select(Message.text, Message.payload).where(
                Message.conversation_id == conversation_id, Message.sender == CUSTOMER)).all()
        return {phrase for text, payload in rows if payload and payload.get("health")
                for phrase in phrases_of(text or "", payload["health"])}

    def offered_button_payloads(self, conversation_id: str, *, last: int = 50) -> set[str]:
        """Payloads of the buttons the bot showed in its last ``last`` messages."""
        with self._session() as session:
            rows = session.scalars(
                select(Message.payload)
                .where(Message.conversation_id == conversation_id, Message.direction == OUTBOUND)
                .order_by(Message.id.desc())
                .limit(last)
            ).all()
        offered: set[str] = set()
        for payload in rows:
            payload = payload or {}
            groups = [payload.get("buttons") or []] + [card.get("buttons") or [] for card in payload.get("cards") or []
                                                       if isinstance(card, dict)]
            for button in (button for group in groups for button in group):
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    offered.add(button["payload"])
        return offered

    def annotate(self, message_id: int, **values: Any) -> None:
        """Add keys to a message's payload (what the hub learnt about it later, e.g. a survey comment)."""
        with self._session.begin() as session:
            row = session.get(Message, message_id, with_for_update=True)
            if row is not None:
                row.payload = {**(row.payload or {}), **values}

    def set_status(self, message_id: int, status: str) -> None:
        with self._session.begin() as session:
            session.execute(update(Message).where(Message.id == message_id).values(status=status))

    def get_message(self, message_id: int) -> StoredMessage | None:
        with self._session() as session:
            row = session.get(Message, message_id)
            return StoredMessage.of(row) if row is not None else None


# What a customer said and the conversation itself, for export and erasure (bot/privacy): a purge
# keeps the conversation's row (closures and scorecards point at it) without its metadata.
PERSONAL_MESSAGES = PersonalTable(Message.__table__)
PERSONAL_CONVERSATIONS = PersonalTable(Conversation.__table__, conversation_column="id", anonymise={"metadata": {}})
