"""The record of every knowledge-base answer: what was asked, what was found, what was
shown, and whether the customer said it helped. This module owns the `kb_answers` table
in the hub database, so the handoff context, the supervisor and the KPIs read one place.

    log = AnswerLog(settings.hub_db_url)   # the hub database, migrated (`carebot db upgrade`)
    answer_id = log.record("conv-1", "can i return opened beans", "answered", hits, shown="returns/non-returnable-items")
    log.feedback(answer_id, helpful=False)
    log.for_conversation("conv-1")      # oldest first, as dicts
    log.helpfulness()                   # {"answers": .., "rated": .., "helpful": .., "helpful_rate": ..}
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bot.db import PersonalTable, engine_for, upgrade
from bot.sealed import SealedText

# outcome
ANSWERED = "answered"  # an extract of the best passage was shown, with its source
CLARIFIED = "clarified"  # close candidates from different articles were offered as buttons
NO_ANSWER = "no_answer"  # nothing reliable: said so and offered a person
OUTCOMES = (ANSWERED, CLARIFIED, NO_ANSWER)
MAX_QUERY_CHARS = 2000
RESULTS_KEPT = 5


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class KbAnswer(Base):
    __tablename__ = "kb_answers"
    __table_args__ = (Index("ix_kb_answers_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    query: Mapped[str] = mapped_column(SealedText)
    intent: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    shown_article: Mapped[str | None] = mapped_column(String(300), nullable=True)
    top_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # article, title, url, score
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AnswerLog:
    @staticmethod
    def feedback_of(session: Any, conversation_ids: list[str]) -> list[tuple]:
        """(conversation id, created at, helpful) of the answers the customers judged (read by the KPIs)."""
        return list(session.execute(select(KbAnswer.conversation_id, KbAnswer.created_at, KbAnswer.helpful)
                                    .where(KbAnswer.conversation_id.in_(conversation_ids),
                                           KbAnswer.helpful.is_not(None))))

    def __init__(self, url: "str | Engine", *, keys: tuple[str, ...] = ()) -> None:
        self.engine, self._owns_engine = engine_for(url, keys)  # keys: Settings.data_keys (bot/sealed.py)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Migrate the hub database to the newest schema. The action server does not: the table is
        there once the hub database was upgraded (`carebot db upgrade`, docs/database.md)."""
        upgrade(self.engine)

    def close(self) -> None:
        if self._owns_engine:  # a shared engine is disposed of by whoever opened it
            self.engine.dispose()

    def record(
        self,
        conversation_id: str,
        query: str,
        outcome: str,
        hits: Iterable[Any],
        *,
        shown: str | None = None,
        intent: str | None = None,
    ) -> int:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        results = [
            {"article": h.article_id, "title": h.title, "url": h.url, "score": round(float(h.score), 4)}
            for h in list(hits)[:RESULTS_KEPT]
        ]
        row = KbAnswer(
            conversation_id=conversation_id,
            query=query[:MAX_QUERY_CHARS],
            intent=intent,
            outcome=outcome,
            shown_article=shown,
            top_score=results[0]["score"] if results else None,
            results=results,
        )
        with self._session.begin() as session:
            session.add(row)
            session.flush()
            return int(row.id)

    def feedback(self, answer_id: int, helpful: bool, conversation_id: str | None = None) -> bool:
        """Store the customer's verdict; False when no such answer (of that conversation) exists.
        A later verdict replaces an earlier one (the customer changed their mind)."""
        statement = update(KbAnswer).where(KbAnswer.id == int(answer_id))
        if conversation_id is not None:
            statement = statement.where(KbAnswer.conversation_id == conversation_id)
        with self._session.begin() as session:
            result = session.execute(statement.values(helpful=bool(helpful), feedback_at=utcnow()))
            return result.rowcount == 1

    def for_conversation(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._session() as session:
            rows = session.scalars(
                select(KbAnswer).where(KbAnswer.conversation_id == conversation_id).order_by(KbAnswer.id)
            ).all()
        return [_as_dict(r) for r in rows]

    def latest(self, limit: int = 50) -> list[dict[str, Any]]:
        """The most recent answers of every conversation, oldest first."""
        with self._session() as session:
            rows = session.scalars(select(KbAnswer).order_by(KbAnswer.id.desc()).limit(max(1, limit))).all()
        return [_as_dict(r) for r in reversed(rows)]

    def helpfulness(self, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
        """Answers shown, how many the customer rated, how many helped (KB helpfulness KPI:
        helpful / rated; answers nobody rated are not counted either way)."""
        conditions = [KbAnswer.outcome == ANSWERED]
        if since is not None:
            conditions.append(KbAnswer.created_at >= since)
        if until is not None:
            conditions.append(KbAnswer.created_at < until)
        with self._session() as session:
            answers, rated, helpful = session.execute(
                select(
                    func.count(KbAnswer.id),
                    func.count(KbAnswer.helpful),
                    func.coalesce(func.sum(func.cast(KbAnswer.helpful, Integer)), 0),
                ).where(*conditions)
            ).one()
        return {
            "answers": int(answers),
            "rated": int(rated),
            "helpful": int(helpful),
            "helpful_rate": round(helpful / rated, 4) if rated else None,
        }


def _as_dict(row: KbAnswer) -> dict[str, Any]:
    return {
        "id": row.id,
        "conversation_id": row.conversation_id,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "query": row.query,
        "intent": row.intent,
        "outcome": row.outcome,
        "shown_article": row.shown_article,
        "top_score": row.top_score,
        "results": row.results,
        "helpful": row.helpful,
        "feedback_at": row.feedback_at.isoformat() if row.feedback_at else None,
    }


# A purge keeps the outcome and the article shown (the knowledge-base KPIs), not the question.
PERSONAL_KB_ANSWERS = PersonalTable(KbAnswer.__table__, anonymise={"query": ""})
