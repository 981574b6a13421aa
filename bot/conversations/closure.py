"""When a conversation closes: one row per closed *episode*, the unit of the KPIs and QA scorecards.

It lives beside the conversation (not in `bot/kpis/`) because it is part of a conversation's life:
the handoff service, the router and the idle sweeper close episodes; surveys, KPIs and QA read them.

An episode starts at the first customer message after the previous close (survey answers and
survey comments do not count) and ends at a close: an agent closes the handoff (`agent_closed`),
the bot answers the customer's goodbye (`goodbye`) or nobody wrote for `idle_minutes` while the bot
had the conversation (`idle`). Closing twice closes nothing: no customer message, no new episode.
docs/kpis.md has the resolved / contained rules.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Mapping, Protocol, Sequence

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.conversations.store import CUSTOMER, Base, Conversation, Message, Store, utcnow
from bot.db import PersonalTable

log = logging.getLogger(__name__)

AGENT_CLOSED, GOODBYE, IDLE = "agent_closed", "goodbye", "idle"
TRIGGERS = (AGENT_CLOSED, GOODBYE, IDLE)
DEFAULT_IDLE_MINUTES = 30
SWEEP_LOOKBACK = timedelta(days=7)  # older quiet conversations were swept already (unless the hub was down a week)
SURVEY_PAYLOAD_PREFIX = "/survey_answer"  # bot.surveys.service.PAYLOAD_PREFIX (no import: no cycle)
# Handoff outcomes that mean the customer still waits for us.
_UNRESOLVED_HANDOFFS = ("queued", "active", "offline", "callback")


class ClosureRow(Base):
    __tablename__ = "conversation_closures"
    __table_args__ = (UniqueConstraint("conversation_id", "first_message_id", name="uq_closures_episode"),
                      Index("ix_closures_closed_at", "closed_at"),
                      Index("ix_closures_conversation", "conversation_id", "last_message_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Erasing a conversation erases its episodes (and their scorecards and reviews).
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(32), default="web")
    trigger: Mapped[str] = mapped_column(String(16))
    first_message_id: Mapped[int] = mapped_column(Integer)
    last_message_id: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    intent: Mapped[str | None] = mapped_column(String(120), nullable=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    contained: Mapped[bool] = mapped_column(Boolean, default=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_name: Mapped[str | None] = mapped_column(String(120), nullable=True)


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=timezone.utc)
    return value


@dataclass(frozen=True)
class Closure:
    id: int
    conversation_id: str
    client: str
    channel: str
    trigger: str
    first_message_id: int
    last_message_id: int
    started_at: datetime
    closed_at: datetime
    intent: str | None
    resolved: bool
    contained: bool
    escalated: bool
    handoff_id: int | None
    agent_id: int | None
    agent_name: str | None

    @classmethod
    def of(cls, row: ClosureRow) -> "Closure":
        return cls(row.id, row.conversation_id, row.client, row.channel, row.trigger, row.first_message_id,
                   row.last_message_id, aware(row.started_at), aware(row.closed_at), row.intent, bool(row.resolved),
                   bool(row.contained), bool(row.escalated), row.handoff_id, row.agent_id, row.agent_name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"], data["closed_at"] = self.started_at.isoformat(), self.closed_at.isoformat()
        return data


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, the day after end 00:00 UTC): the episodes closed on those days."""
    return (datetime.combine(start, time.min, tzinfo=timezone.utc),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc))


def is_customer_turn(message: Message) -> bool:
    """A message the customer wrote to be answered (not a survey answer or a survey comment)."""
    if message.sender != CUSTOMER:
        return False
    payload = message.payload or {}
    button = payload.get("button_payload")
    if isinstance(button, str) and button.startswith(SURVEY_PAYLOAD_PREFIX):
        return False
    return not payload.get("survey_comment")


def idle_minutes_of(client: Mapping[str, Any]) -> float:
    """`closure: idle_minutes` of the parsed client file."""
    section = client.get("closure") or {}
    return float(section.get("idle_minutes", DEFAULT_IDLE_MINUTES))


def client_id_of(client: Mapping[str, Any]) -> str:
    """The client's `id` in the parsed client file (every closed episode carries it)."""
    return str(client.get("id") or "")


class HandoffFacts(Protocol):
    """What closing an episode needs to know of its handoffs (implemented by bot.handoff.store.HandoffStore,
    which owns those tables; this layer does not import it)."""

    def episode_facts(self, session: Any, conversation_id: str, started_at: datetime, first_message_id: int,
                      handoff_id: int | None) -> tuple[list, dict[int, Any]]: ...

    def handoff_row(self, session: Any, handoff_id: int) -> Any: ...


def episodes_closed(session: Any, since: datetime, until: datetime) -> list[Closure]:
    """Episodes closed in [since, until), inside the caller's session (the KPIs read one snapshot)."""
    return [Closure.of(r) for r in session.scalars(
        select(ClosureRow).where(ClosureRow.closed_at >= since, ClosureRow.closed_at < until)
        .order_by(ClosureRow.closed_at, ClosureRow.id))]


def episodes_of(session: Any, conversation_ids: list[str]) -> list[Closure]:
    return [Closure.of(r) for r in session.scalars(
        select(ClosureRow).where(ClosureRow.conversation_id.in_(conversation_ids)))]


class Closures:
    """Close episodes and read them back (synchronous; the hub calls it in a worker thread).

    ``listeners`` are called with each new ``Closure`` after it is committed (QA scorecards)."""

    def __init__(self, store: Store, *, client: str = "", idle_minutes: float = DEFAULT_IDLE_MINUTES,
                 handoffs: HandoffFacts | None = None,
                 listeners: Sequence[Callable[[Closure], None]] = ()) -> None:
        self.store = store
        self.handoffs = handoffs  # bot.handoff.store.HandoffStore (the owner of those tables); None: no handoffs
        self.client = client
        self.idle = timedelta(minutes=idle_minutes)
        self._session = sessionmaker(store.engine, expire_on_commit=False)
        self.listeners: list[Callable[[Closure], None]] = list(listeners)
        self._nothing_new: dict[str, int] = {}  # conversation -> last message id found with nothing to close

    def close(self, conversation_id: str, trigger: str, *, now: datetime | None = None,
              resolved: bool | None = None, handoff_id: int | None = None) -> Closure | None:
        """Close the conversation's open episode; None when there is none (nothing new since the last close)."""
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}")
        now = now or utcnow()
        with self._session.begin() as session:
            conversation = session.get(Conversation, conversation_id, with_for_update=True)
            if conversation is None:
                return None
            after = session.scalar(select(func.max(ClosureRow.last_message_id))
                                   .where(ClosureRow.conversation_id == conversation_id)) or 0
            messages = session.scalars(select(Message).where(Message.conversation_id == conversation_id,
                                                             Message.id > after).order_by(Message.id)).all()
            turns = [m for m in messages if is_customer_turn(m)]
            if turns:
                closure = self._insert(session, conversation, trigger, now, resolved, handoff_id, messages, turns)
            elif trigger == AGENT_CLOSED and handoff_id is not None and after:
                # A ticket taken after its episode closed idle, closed by the agent with no word from the
                # customer since: the agent's outcome belongs to that episode.
                closure = self._amend(session, conversation_id, after, handoff_id, resolved)
            else:
                closure = None
        if closure is None:
            return None
        if not turns:
            self._tell(closure)  # the amended episode: its scorecard again
            return closure
        log.info("conversation closed", extra={"event": "conversation_closed", "conversation_id": conversation_id,
                                               "closure_id": closure.id, "trigger": trigger,
                                               "resolved": closure.resolved, "contained": closure.contained})
        self._tell(closure)
        return closure

    def _insert(self, session, conversation: Conversation, trigger: str, now: datetime, resolved: bool | None,
                handoff_id: int | None, messages: list[Message], turns: list[Message]) -> Closure:
        conversation_id = conversation.id
        first, last = turns[0], messages[-1]
        started_at = aware(first.created_at)
        closed_at = aware(last.created_at) if trigger == IDLE else now
        handoffs, analysed = (self.handoffs.episode_facts(session, conversation_id, started_at, first.id, handoff_id)
                              if self.handoffs is not None else ([], {}))
        intent = next((analysed[m.id].intent for m in turns if m.id in analysed and analysed[m.id].intent), None)
        served = [h for h in handoffs if h.accepted_at is not None or h.agent_id is not None]
        if resolved is None:
            resolved = self._resolved(trigger, handoffs, analysed.get(turns[-1].id))
        row = ClosureRow(
            conversation_id=conversation_id, client=self.client,
            channel=(first.payload or {}).get("channel") or conversation.channel or "web", trigger=trigger,
            first_message_id=first.id, last_message_id=last.id, started_at=started_at, closed_at=closed_at,
            intent=intent, resolved=bool(resolved), contained=not served, escalated=bool(handoffs),
            handoff_id=handoffs[-1].id if handoffs else None,
            agent_id=served[-1].agent_id if served else None, agent_name=served[-1].agent_name if served else None)
        session.add(row)
        session.flush()
        return Closure.of(row)

    def _amend(self, session, conversation_id: str, last_message_id: int, handoff_id: int,
               resolved: bool | None) -> Closure | None:
        row = session.scalars(select(ClosureRow).where(ClosureRow.conversation_id == conversation_id,
                                                       ClosureRow.last_message_id == last_message_id)).first()
        handoff = self.handoffs.handoff_row(session, handoff_id) if self.handoffs is not None else None
        if row is None or handoff is None:
            return None
        row.handoff_id, row.escalated = handoff_id, True
        if handoff.agent_id is not None:
            row.contained, row.agent_id, row.agent_name = False, handoff.agent_id, handoff.agent_name
        row.resolved = bool(resolved) if resolved is not None else handoff.disposition == "resolved"
        session.flush()
        log.info("closed episode amended by the agent's close", extra={
            "event": "conversation_closure_amended", "conversation_id": conversation_id, "closure_id": row.id,
            "handoff_id": handoff_id, "resolved": row.resolved})
        return Closure.of(row)

    def _tell(self, closure: Closure) -> None:
        for listener in self.listeners:
            try:
                listener(closure)
            except Exception:  # a scorecard failing must not undo the close
                log.exception("closure listener failed", extra={"event": "closure_listener_failed",
                                                                "closure_id": closure.id})

    @staticmethod
    def _resolved(trigger: str, handoffs: list, last_turn: Any) -> bool:
        if trigger == AGENT_CLOSED:
            return bool(handoffs) and handoffs[-1].disposition == "resolved"
        if any(h.ticket or h.status in ("offline", "callback") for h in handoffs):
            return False
        if trigger == GOODBYE:
            return True
        if any(h.status in _UNRESOLVED_HANDOFFS or h.disposition == "unresolved" for h in handoffs):
            return False
        return not (last_turn is not None and last_turn.bot_events)

    def sweep(self, now: datetime) -> list[Closure]:
        """Close, as `idle`, every conversation the bot has whose last message is older than the idle time.

        Only conversations active in the last `SWEEP_LOOKBACK` are looked at (`updated_at` moves with
        every message), so a sweep costs the recent conversations, not the whole history."""
        cutoff = now - self.idle
        with self._session() as session:
            candidates = session.execute(
                select(Conversation.id, func.max(Message.id))
                .join(Message, Message.conversation_id == Conversation.id)
                .where(Conversation.handled_by == "bot", Conversation.updated_at < cutoff,
                       Conversation.updated_at >= now - SWEEP_LOOKBACK)
                .group_by(Conversation.id)).all()
            ids = [conversation_id for conversation_id, _ in candidates]
            closed_up_to = dict(session.execute(
                select(ClosureRow.conversation_id, func.max(ClosureRow.last_message_id))
                .where(ClosureRow.conversation_id.in_(ids)).group_by(ClosureRow.conversation_id)).all()) if ids else {}
        closures = []
        for conversation_id, last_id in candidates:
            if closed_up_to.get(conversation_id, 0) >= last_id or self._nothing_new.get(conversation_id) == last_id:
                continue
            closure = self.close(conversation_id, IDLE, now=now)
            if closure is not None:
                closures.append(closure)
            else:  # only survey answers or our own messages since the close: don't look again until it changes
                self._nothing_new[conversation_id] = last_id
        return closures

    # -- reading ----------------------------------------------------------------------------------
    def get(self, closure_id: int) -> Closure | None:
        with self._session() as session:
            row = session.get(ClosureRow, closure_id)
            return Closure.of(row) if row is not None else None

    def for_conversation(self, conversation_id: str) -> list[Closure]:
        with self._session() as session:
            rows = session.scalars(select(ClosureRow).where(ClosureRow.conversation_id == conversation_id)
                                   .order_by(ClosureRow.id)).all()
            return [Closure.of(row) for row in rows]

    def between(self, since: datetime, until: datetime) -> list[Closure]:
        """Episodes closed in [since, until)."""
        with self._session() as session:
            rows = session.scalars(select(ClosureRow).where(ClosureRow.closed_at >= since,
                                                            ClosureRow.closed_at < until)
                                   .order_by(ClosureRow.closed_at, ClosureRow.id)).all()
            return [Closure.of(row) for row in rows]


# Closures hold no words (ids, times, outcomes): erasure deletes them, a purge keeps them for the KPIs.
PERSONAL_CLOSURES = PersonalTable(ClosureRow.__table__, anonymise={})
