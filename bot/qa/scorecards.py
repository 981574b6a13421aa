"""QA scorecards of closed episodes and supervisors' reviews: tables `qa_scorecards`, `qa_reviews`.

`Scorecards.on_closed` is a closure listener (bot/conversations/closure.py): every episode gets its
scorecard when it closes; `recompute(closure_id)` scores it again (after a change of `qa:` weights).
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.conversations.closure import Closure, ClosureRow, aware, is_customer_turn
from bot.handoff.store import HandoffStore
from bot.conversations.messages import transcript_without_health
from bot.conversations.store import CUSTOMER, Base, Message, Store, StoredMessage, utcnow
from bot.qa.config import QaConfig
from bot.qa.criteria import Episode, Line, score_episode
from bot.db import PersonalTable
from bot.sealed import SealedText

log = logging.getLogger(__name__)

MAX_COMMENT = 2000


class ScorecardRow(Base):
    __tablename__ = "qa_scorecards"
    __table_args__ = (Index("ix_qa_scorecards_closed", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    closure_id: Mapped[int] = mapped_column(ForeignKey("conversation_closures.id", ondelete="CASCADE"), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: no criterion applied
    final_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # the latest review's score, else score
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewRow(Base):
    __tablename__ = "qa_reviews"
    __table_args__ = (Index("ix_qa_reviews_scorecard", "scorecard_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewer_name: Mapped[str] = mapped_column(String(120))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    comment: Mapped[str | None] = mapped_column(SealedText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewError(ValueError):
    pass


def _review(row: ReviewRow) -> dict[str, Any]:
    return {"id": row.id, "reviewer": row.reviewer_name, "reviewer_id": row.reviewer_id, "score": row.score,
            "comment": row.comment, "created_at": aware(row.created_at).isoformat()}


class Scorecards:
    @staticmethod
    def final_scores(session: Any, conversation_ids: list[str]) -> list[tuple]:
        """(closure id, final score) of the scorecards of these conversations (read by the KPIs)."""
        return list(session.execute(select(ScorecardRow.closure_id, ScorecardRow.final_score)
                                    .where(ScorecardRow.conversation_id.in_(conversation_ids))))

    def __init__(self, store: Store, config: QaConfig) -> None:
        self.store = store
        self.config = config
        self.handoffs = HandoffStore(store)  # the owner of the handoff and turn-analysis tables
        self._session = sessionmaker(store.engine, expire_on_commit=False)

    # -- computing ----------------------------------------------------------------------------------
    def episode(self, closure: Closure) -> tuple[Episode, list[StoredMessage]]:
        with self._session() as session:
            rows = session.scalars(select(Message).where(
                Message.conversation_id == closure.conversation_id, Message.id >= closure.first_message_id,
                Message.id <= closure.last_message_id).order_by(Message.id)).all()
            messages = [StoredMessage.of(row) for row in rows]
        turns = self.handoffs.turns_between(closure.conversation_id, closure.first_message_id,
                                            closure.last_message_id)
        accepted = self.handoffs.accepted_at(closure.handoff_id) if closure.handoff_id is not None else None
        lines = []
        for row, message in zip(rows, messages):
            if message.sender == CUSTOMER and not is_customer_turn(row):
                continue  # survey answers are not part of the care
            turn = turns.get(message.id)
            lines.append(Line(id=message.id, sender=message.sender, text=message.text or "", at=message.created_at,
                              score=turn.score if turn else None, level=turn.level if turn else None,
                              repeats=bool(turn.repeats) if turn else False))
        return Episode(lines=lines, resolved=closure.resolved, accepted_at=accepted), messages

    def on_closed(self, closure: Closure) -> None:
        self.compute(closure)

    def compute(self, closure: Closure) -> dict[str, Any]:
        episode, _ = self.episode(closure)
        score, criteria = score_episode(episode, self.config)
        with self._session.begin() as session:
            row = session.scalars(select(ScorecardRow).where(ScorecardRow.closure_id == closure.id)).first()
            if row is None:
                row = ScorecardRow(closure_id=closure.id, conversation_id=closure.conversation_id,
                                   closed_at=closure.closed_at)
                session.add(row)
            reviewed = session.scalars(select(ReviewRow.score).where(ReviewRow.scorecard_id == row.id,
                                                                     ReviewRow.score.is_not(None))
                                       .order_by(ReviewRow.id.desc()).limit(1)).first() if row.id else None
            row.score, row.criteria, row.computed_at = score, criteria, utcnow()
            row.final_score = reviewed if reviewed is not None else score
            session.flush()
            scorecard_id = row.id
        log.info("qa scorecard", extra={"event": "qa_scored", "closure_id": closure.id, "score": score})
        return self.get(scorecard_id)

    def recompute(self, closure_id: int) -> dict[str, Any] | None:
        with self._session() as session:
            row = session.get(ClosureRow, closure_id)
            closure = Closure.of(row) if row is not None else None
        return self.compute(closure) if closure is not None else None

    # -- reading --------------------------------------------------------------------------------------
    def _describe(self, session, row: ScorecardRow, closure: ClosureRow, *, all_reviews: bool = False) -> dict[str, Any]:
        reviews = [_review(r) for r in session.scalars(select(ReviewRow).where(ReviewRow.scorecard_id == row.id)
                                                        .order_by(ReviewRow.id))]
        out = {"id": row.id, "closure_id": row.closure_id, "conversation_id": row.conversation_id,
               "closed_at": aware(row.closed_at).isoformat(), "trigger": closure.trigger, "channel": closure.channel,
               "intent": closure.intent, "agent": closure.agent_name, "agent_id": closure.agent_id,
               "resolved": bool(closure.resolved), "score": row.score, "final_score": row.final_score,
               "criteria": row.criteria or {}, "review": reviews[-1] if reviews else None}
        if all_reviews:
            out["reviews"] = reviews
        return out

    def get(self, scorecard_id: int) -> dict[str, Any] | None:
        with self._session() as session:
            row = session.get(ScorecardRow, scorecard_id)
            if row is None:
                return None
            return self._describe(session, row, session.get(ClosureRow, row.closure_id), all_reviews=True)

    def lowest(self, since: datetime, until: datetime, limit: int = 50) -> list[dict[str, Any]]:
        """Scorecards of episodes closed in [since, until), lowest (final) score first; unscored last."""
        with self._session() as session:
            pairs = session.execute(
                select(ScorecardRow, ClosureRow).join(ClosureRow, ClosureRow.id == ScorecardRow.closure_id)
                .where(ScorecardRow.closed_at >= since, ScorecardRow.closed_at < until)
                .order_by(ScorecardRow.final_score.is_(None), ScorecardRow.final_score, ScorecardRow.closed_at,
                          ScorecardRow.id).limit(limit)).all()
            return [self._describe(session, row, closure) for row, closure in pairs]

    def transcript(self, scorecard_id: int) -> list[StoredMessage] | None:
        """The episode's messages as QA reviewers read them: health details flagged at accept are shown as
        "[health detail hidden]" (issue 15, minimum necessary; no reviewer needs them to score the care)."""
        with self._session() as session:
            row = session.get(ScorecardRow, scorecard_id)
            closure = Closure.of(session.get(ClosureRow, row.closure_id)) if row is not None else None
        if closure is None:
            return None
        return transcript_without_health(self.episode(closure)[1])

    # -- reviews ----------------------------------------------------------------------------------------
    def review(self, scorecard_id: int, reviewer_id: int | None, reviewer_name: str, *, score: Any = None,
               comment: Any = None) -> dict[str, Any] | None:
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))
                                  or not 0 <= score <= 100):
            raise ReviewError("'score' must be a number from 0 to 100.")
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            raise ReviewError(f"'comment' must be text of at most {MAX_COMMENT} characters.")
        comment = comment.strip() if isinstance(comment, str) and comment.strip() else None
        if score is None and comment is None:
            raise ReviewError("Send a 'score' (0-100), a 'comment', or both.")
        with self._session.begin() as session:
            row = session.get(ScorecardRow, scorecard_id, with_for_update=True)
            if row is None:
                return None
            session.add(ReviewRow(scorecard_id=scorecard_id, reviewer_id=reviewer_id, reviewer_name=reviewer_name,
                                  score=None if score is None else float(score), comment=comment))
            if score is not None:
                row.final_score = float(score)
        return self.get(scorecard_id)


# Scorecards hold scores only; a reviewer's comment can quote the customer, so a purge empties it.
PERSONAL_SCORECARDS = PersonalTable(ScorecardRow.__table__, anonymise={})
PERSONAL_REVIEWS = PersonalTable(ReviewRow.__table__, conversation_column=None,
                                 parent=("scorecard_id", PERSONAL_SCORECARDS, "id"), anonymise={"comment": None})
