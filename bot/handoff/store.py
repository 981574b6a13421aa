"""The handoff tables: one row per handoff, its event log, and what was learnt about each customer turn.

They live in the hub database beside conversations and messages (same SQLAlchemy metadata, so
`Store.create_schema` creates them). Status changes are conditional UPDATEs, so two agents
accepting the same conversation at once cannot both win, whichever hub replica they reach.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.conversations.store import Base, Conversation, Store, UnknownConversation, utcnow
from bot.db import PersonalTable
from bot.sealed import SealedJSON, SealedText

# Handoff.status
OFFLINE = "offline"  # nobody could take it: a ticket or a callback was offered
QUEUED = "queued"  # waiting for an agent
ACTIVE = "active"  # an agent has the conversation
RETURNED = "returned"  # the agent handed it back to the bot
CLOSED = "closed"  # the agent closed it with a disposition
CANCELLED = "cancelled"  # the customer chose to go on with the bot
CALLBACK = "callback"  # the customer asked for a call back instead
OPEN_STATUSES = (QUEUED, ACTIVE)
DISPOSITIONS = ("resolved", "unresolved")

# Conversation.handled_by
BY_BOT, BY_QUEUE, BY_AGENT = "bot", "queue", "agent"


class HandoffRow(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status", "status"), Index("ix_handoffs_conversation", "conversation_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    skill: Mapped[str] = mapped_column(String(32), default="general")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    frustration: Mapped[float] = mapped_column(Float, default=0.0)
    level: Mapped[str] = mapped_column(String(16), default="calm")
    customer: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, nullable=True)  # {"customer_id","name","tier","at_risk"}
    ticket: Mapped[bool] = mapped_column(Boolean, default=False)  # the customer left a ticket (no agent online)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)  # reset by a transfer
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    disposition: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str | None] = mapped_column(SealedText, nullable=True)


class HandoffEventRow(Base):
    __tablename__ = "handoff_events"
    __table_args__ = (Index("ix_handoff_events_handoff", "handoff_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # created, queued, accepted, transferred, returned, closed, ...
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TurnRow(Base):
    """What the hub learnt about one customer message: frustration, and what the bot made of it."""

    __tablename__ = "turn_analysis"
    __table_args__ = (Index("ix_turn_analysis_conversation", "conversation_id", "message_id"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(16), default="calm")
    repeats: Mapped[bool] = mapped_column(Boolean, default=False)
    intent: Mapped[str | None] = mapped_column(String(120), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(SealedJSON, default=list)
    bot_events: Mapped[list[str]] = mapped_column(JSON, default=list)  # "fallback", "kb_unhelpful"


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    status: str
    skill: str
    reasons: list[dict[str, Any]]
    frustration: float
    level: str
    customer: dict[str, Any] | None
    ticket: bool
    agent_id: int | None
    agent_name: str | None
    created_at: datetime
    queued_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    disposition: str | None
    note: str | None
    channel: str = "web"

    @classmethod
    def of(cls, row: HandoffRow, channel: str = "web") -> "Handoff":
        return cls(
            id=row.id, conversation_id=row.conversation_id, status=row.status, skill=row.skill,
            reasons=list(row.reasons or []), frustration=float(row.frustration or 0.0), level=row.level,
            customer=dict(row.customer) if row.customer else None, ticket=bool(row.ticket), agent_id=row.agent_id,
            agent_name=row.agent_name, created_at=_aware(row.created_at), queued_at=_aware(row.queued_at),
            accepted_at=_aware(row.accepted_at), ended_at=_aware(row.ended_at), disposition=row.disposition,
            note=row.note, channel=channel,
        )


@dataclass(frozen=True)
class Turn:
    message_id: int
    conversation_id: str
    score: float
    signals: list[str]
    level: str
    repeats: bool
    intent: str | None
    confidence: float | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    bot_events: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, row: TurnRow) -> "Turn":
        return cls(message_id=row.message_id, conversation_id=row.conversation_id, score=float(row.score or 0.0),
                   signals=list(row.signals or []), level=row.level, repeats=bool(row.repeats), intent=row.intent,
                   confidence=row.confidence, entities=list(row.entities or []), bot_events=list(row.bot_events or []))


class HandoffConflict(Exception):
    """The handoff is no longer in the state the caller expected (someone else acted first)."""


class HandoffStore:
    """All handoff and turn-analysis database access (synchronous; the hub calls it in a thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    # -- read by the episode closer (bot/conversations/closure.py), inside its own transaction ---------
    def episode_facts(self, session: Any, conversation_id: str, started_at: datetime, first_message_id: int,
                      handoff_id: int | None) -> tuple[list["HandoffRow"], dict[int, "TurnRow"]]:
        """The handoffs of an episode (created since it started, plus ``handoff_id``) and its analysed turns."""
        handoffs = list(session.scalars(select(HandoffRow).where(
            HandoffRow.conversation_id == conversation_id, HandoffRow.created_at >= started_at)
            .order_by(HandoffRow.id)).all())
        if handoff_id is not None and handoff_id not in {h.id for h in handoffs}:
            extra = session.get(HandoffRow, handoff_id)
            handoffs = [*handoffs, extra] if extra is not None else handoffs
        turns = {t.message_id: t for t in session.scalars(select(TurnRow).where(
            TurnRow.conversation_id == conversation_id, TurnRow.message_id >= first_message_id))}
        return handoffs, turns

    def handoff_row(self, session: Any, handoff_id: int) -> "HandoffRow | None":
        return session.get(HandoffRow, handoff_id)

    # -- read by the KPIs (bot/kpis), inside their session: one snapshot of the database ----------------
    @staticmethod
    def handoffs_of(session: Any, conversation_ids: list[str]) -> list["HandoffRow"]:
        return list(session.scalars(select(HandoffRow).where(HandoffRow.conversation_id.in_(conversation_ids))))

    @staticmethod
    def turn_scores(session: Any, conversation_ids: list[str]) -> list[tuple]:
        """(conversation id, message id, frustration score) of the analysed turns of these conversations."""
        return list(session.execute(select(TurnRow.conversation_id, TurnRow.message_id, TurnRow.score)
                                    .where(TurnRow.conversation_id.in_(conversation_ids))))

    # -- read by QA (bot/qa) and outreach (bot/outreach) ----------------------------------------------
    def turns_between(self, conversation_id: str, first_message_id: int, last_message_id: int) -> dict[int, "TurnRow"]:
        """The analysed customer turns of an episode, by message id."""
        with self._session() as session:
            return {t.message_id: t for t in session.scalars(select(TurnRow).where(
                TurnRow.conversation_id == conversation_id, TurnRow.message_id >= first_message_id,
                TurnRow.message_id <= last_message_id))}

    def accepted_at(self, handoff_id: int) -> datetime | None:
        with self._session() as session:
            row = session.get(HandoffRow, handoff_id)
            return _aware(row.accepted_at) if row is not None else None

    def closed_since(self, disposition: str, since: datetime) -> list["HandoffRow"]:
        """Handoffs closed with ``disposition`` since ``since`` (the check-in campaigns' audience)."""
        with self._session() as session:
            return list(session.scalars(select(HandoffRow).where(
                HandoffRow.status == CLOSED, HandoffRow.disposition == disposition, HandoffRow.ended_at >= since)))

    def intents_of(self, conversation_id: str) -> set[str]:
        with self._session() as session:
            return set(session.scalars(select(TurnRow.intent).where(TurnRow.conversation_id == conversation_id)))

    # -- turns -------------------------------------------------------------------------------
    def save_turn(self, message_id: int, conversation_id: str, **values: Any) -> None:
        with self._session.begin() as session:
            row = session.get(TurnRow, message_id)
            if row is None:
                row = TurnRow(message_id=message_id, conversation_id=conversation_id)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)

    def turns(self, conversation_id: str) -> list[Turn]:
        with self._session() as session:
            rows = session.scalars(select(TurnRow).where(TurnRow.conversation_id == conversation_id)
                                   .order_by(TurnRow.message_id)).all()
            return [Turn.of(row) for row in rows]

    # -- conversation state --------------------------------------------------------------------
    def set_meta(self, conversation_id: str, **values: Any) -> dict[str, Any]:
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            meta = dict(conversation.meta or {})
            meta.update(values)
            conversation.meta = meta
            return meta

    def meta(self, conversation_id: str) -> dict[str, Any]:
        return self.store.conversation_meta(conversation_id)

    # -- handoffs --------------------------------------------------------------------------------
    def create(self, conversation_id: str, *, status: str, skill: str, reasons: list[dict[str, Any]],
               frustration: float, level: str, customer: dict[str, Any] | None) -> Handoff:
        """A new handoff; the conversation goes to the queue when the handoff is queued."""
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise UnknownConversation(conversation_id)
            row = HandoffRow(conversation_id=conversation_id, status=status, skill=skill, reasons=reasons,
                             frustration=frustration, level=level, customer=customer)
            session.add(row)
            session.flush()
            session.add(HandoffEventRow(handoff_id=row.id, kind="created",
                                        detail={"status": status, "skill": skill, "reasons": reasons}))
            if status == QUEUED:
                conversation.handled_by = BY_QUEUE
            return Handoff.of(row, conversation.channel)

    def get(self, handoff_id: int) -> Handoff | None:
        with self._session() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                return None
            conversation = session.get(Conversation, row.conversation_id)
            return Handoff.of(row, conversation.channel if conversation else "web")

    def open_for(self, conversation_id: str) -> Handoff | None:
        """The conversation's queued or active handoff, if any."""
        return self._latest(conversation_id, OPEN_STATUSES)

    def latest_for(self, conversation_id: str, statuses: tuple[str, ...] | None = None) -> Handoff | None:
        return self._latest(conversation_id, statuses)

    def _latest(self, conversation_id: str, statuses: tuple[str, ...] | None) -> Handoff | None:
        with self._session() as session:
            query = select(HandoffRow).where(HandoffRow.conversation_id == conversation_id)
            if statuses:
                query = query.where(HandoffRow.status.in_(statuses))
            row = session.scalars(query.order_by(HandoffRow.id.desc()).limit(1)).first()
            return Handoff.of(row) if row is not None else None

    def with_status(self, *statuses: str) -> list[Handoff]:
        with self._session() as session:
            rows = session.execute(
                select(HandoffRow, Conversation.channel).join(Conversation, Conversation.id == HandoffRow.conversation_id)
                .where(HandoffRow.status.in_(statuses)).order_by(HandoffRow.id)
            ).all()
            return [Handoff.of(row, channel) for row, channel in rows]

    def active_count(self, agent_id: int) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(HandoffRow).where(
                HandoffRow.agent_id == agent_id, HandoffRow.status == ACTIVE)) or 0)

    def events(self, handoff_id: int) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = session.scalars(select(HandoffEventRow).where(HandoffEventRow.handoff_id == handoff_id)
                                   .order_by(HandoffEventRow.id)).all()
            return [{"kind": r.kind, "agent_id": r.agent_id, "detail": r.detail or {}, "at": _aware(r.at).isoformat()}
                    for r in rows]

    def median_handle_s(self, last: int = 50) -> float | None:
        """Median seconds from accept to the end, over the last ``last`` finished handoffs."""
        with self._session() as session:
            rows = session.execute(select(HandoffRow.accepted_at, HandoffRow.ended_at)
                                   .where(HandoffRow.accepted_at.is_not(None), HandoffRow.ended_at.is_not(None))
                                   .order_by(HandoffRow.id.desc()).limit(last)).all()
        spans = sorted((_aware(end) - _aware(start)).total_seconds() for start, end in rows)
        if not spans:
            return None
        return spans[len(spans) // 2]

    def transition(self, handoff_id: int, *, expect: tuple[str, ...], kind: str, by_agent: int | None = None,
                   detail: dict[str, Any] | None = None, handled_by: str | None = None,
                   expect_agent: int | None = None, **values: Any) -> Handoff:
        """Move a handoff on, only if it is still in one of ``expect`` (and, when given, still the agent's).

        Raises ``HandoffConflict`` when somebody else changed it first. ``handled_by`` updates the
        conversation in the same transaction.
        """
        with self._session.begin() as session:
            query = update(HandoffRow).where(HandoffRow.id == handoff_id, HandoffRow.status.in_(expect))
            if expect_agent is not None:
                query = query.where(HandoffRow.agent_id == expect_agent)
            result = session.execute(query.values(**values))
            if result.rowcount != 1:
                raise HandoffConflict(handoff_id)
            row = session.get(HandoffRow, handoff_id)
            session.refresh(row)
            session.add(HandoffEventRow(handoff_id=handoff_id, kind=kind, agent_id=by_agent, detail=detail))
            conversation = session.get(Conversation, row.conversation_id)
            if handled_by is not None and conversation is not None:
                conversation.handled_by = handled_by
            return Handoff.of(row, conversation.channel if conversation else "web")


# Handoffs keep their times and outcomes for the KPIs after a purge, without the note or the CRM card;
# the per-turn analysis (entities, bot events) goes.
PERSONAL_HANDOFFS = PersonalTable(HandoffRow.__table__, anonymise={"note": None, "customer": None})
PERSONAL_HANDOFF_EVENTS = PersonalTable(HandoffEventRow.__table__, conversation_column=None,
                                        parent=("handoff_id", PERSONAL_HANDOFFS, "id"), anonymise={"detail": None})
PERSONAL_TURNS = PersonalTable(TurnRow.__table__)
