"""Survey questions asked and their answers, in the hub database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversations.store import Base, Store, utcnow
from bot.db import PersonalTable
from bot.sealed import SealedText


class SurveyResponse(Base):
    """One question asked in a conversation; ``score`` stays empty until answered (and when skipped)."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_conversation", "conversation_id", "asked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # csat | ces | nps | comment (the free-text prompt)
    trigger: Mapped[str] = mapped_column(String(32))  # what ended the chat: agent_closed | goodbye
    handoff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="asked")  # asked | answered | skipped
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Survey:
    id: int
    conversation_id: str
    kind: str
    trigger: str
    handoff_id: int | None
    agent_id: int | None
    status: str
    score: int | None

    @classmethod
    def of(cls, row: SurveyResponse) -> "Survey":
        return cls(row.id, row.conversation_id, row.kind, row.trigger, row.handoff_id, row.agent_id, row.status,
                   row.score)


class SurveyStore:
    def __init__(self, store: Store) -> None:
        self._session = store._session  # noqa: SLF001 - one database, one session factory

    # -- read by the KPIs (bot/kpis), inside their session: one snapshot of the database ----------------
    @staticmethod
    def answered_scores(session: Any, conversation_ids: list[str]) -> list[tuple]:
        """(conversation id, kind, score, asked at) of the answered questions of these conversations."""
        return list(session.execute(select(
            SurveyResponse.conversation_id, SurveyResponse.kind, SurveyResponse.score, SurveyResponse.asked_at)
            .where(SurveyResponse.conversation_id.in_(conversation_ids), SurveyResponse.status == "answered")))

    @staticmethod
    def responses_of(session: Any, conversation_ids: list[str]) -> list["SurveyResponse"]:
        return list(session.scalars(select(SurveyResponse).where(SurveyResponse.conversation_id.in_(conversation_ids))
                                    .order_by(SurveyResponse.id)))

    def ask(self, conversation_id: str, kind: str, trigger: str, *, handoff_id: int | None = None,
            agent_id: int | None = None) -> Survey:
        with self._session.begin() as session:
            row = SurveyResponse(conversation_id=conversation_id, kind=kind, trigger=trigger,
                                 handoff_id=handoff_id, agent_id=agent_id)
            session.add(row)
            session.flush()
            return Survey.of(row)

    def asked_since(self, conversation_id: str, since: datetime) -> bool:
        with self._session() as session:
            return session.scalar(select(SurveyResponse.id).where(
                SurveyResponse.conversation_id == conversation_id, SurveyResponse.asked_at >= since).limit(1)) is not None

    def answer(self, survey_id: int, conversation_id: str, score: int | None) -> tuple[Survey | None, bool]:
        """Record the answer once: (the survey, True) the first time; (survey, False) for a repeat."""
        with self._session.begin() as session:
            row = session.get(SurveyResponse, survey_id, with_for_update=True)
            if row is None or row.conversation_id != conversation_id:
                return None, False
            if row.status != "asked":
                return Survey.of(row), False
            session.execute(update(SurveyResponse).where(SurveyResponse.id == survey_id).values(
                status="skipped" if score is None else "answered", score=score, answered_at=utcnow()))
            session.flush()
            session.refresh(row)
            return Survey.of(row), True

    def pending_comment(self, conversation_id: str, since: datetime) -> Survey | None:
        """The comment prompt still waiting for the customer's text (asked at or after ``since``)."""
        with self._session() as session:
            row = session.scalars(select(SurveyResponse).where(
                SurveyResponse.conversation_id == conversation_id, SurveyResponse.kind == "comment",
                SurveyResponse.status == "asked", SurveyResponse.asked_at >= since)
                .order_by(SurveyResponse.id.desc()).limit(1)).first()
            return Survey.of(row) if row is not None else None

    def add_comment(self, survey_id: int, comment: str) -> bool:
        """Store the customer's comment once; False when the prompt was answered or skipped meanwhile."""
        with self._session.begin() as session:
            result = session.execute(update(SurveyResponse).where(
                SurveyResponse.id == survey_id, SurveyResponse.status == "asked").values(
                status="answered", comment=comment, answered_at=utcnow()))
            return result.rowcount == 1

    def for_conversation(self, conversation_id: str) -> list[Survey]:
        with self._session() as session:
            rows = session.scalars(select(SurveyResponse).where(SurveyResponse.conversation_id == conversation_id)
                                   .order_by(SurveyResponse.id)).all()
            return [Survey.of(row) for row in rows]


def hours_ago(hours: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(hours=hours)


# A purge keeps the score, not the comment.
PERSONAL_SURVEYS = PersonalTable(SurveyResponse.__table__, anonymise={"comment": None})
