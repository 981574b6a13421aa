"""Who saw or took whose data: every opening of a transcript (the console's context, the supervisor's QA
view), every export, erasure and purge. This module owns the `privacy_audit` table of the hub
database. An entry names the conversation and the person (or command), never what was said; a
request by e-mail is kept as a keyed hash of the address, so the log itself holds no address after
an erasure and still shows that one was made."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

# What was done (the `action` column).
CONTEXT, TRANSCRIPT, EXPORT, ERASE, PURGE = "console_context", "qa_transcript", "export", "erase", "purge"
ACTIONS = (CONTEXT, TRANSCRIPT, EXPORT, ERASE, PURGE)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class AuditRow(Base):
    __tablename__ = "privacy_audit"
    __table_args__ = (Index("ix_privacy_audit_at", "at"), Index("ix_privacy_audit_conversation", "conversation_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))  # "agent:alex", "supervisor:sam", "cli"
    action: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(120), nullable=True)  # "email:<keyed hash>"
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # counts, the route; never text


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    conversation_id: str | None
    subject: str | None
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        at = self.at if self.at.tzinfo else self.at.replace(tzinfo=timezone.utc)
        return {"id": self.id, "at": at.isoformat(), "actor": self.actor, "action": self.action,
                "conversation_id": self.conversation_id, "subject": self.subject, "detail": self.detail}


class AuditLog:
    def __init__(self, engine: Engine, key: bytes) -> None:
        self._session = sessionmaker(engine, expire_on_commit=False)
        self._key = key

    def subject_of_email(self, email: str) -> str:
        """The address as the log keeps it: the same address always gives the same value."""
        digest = hmac.new(self._key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
        return f"email:{digest[:24]}"

    def record(self, actor: str, action: str, *, conversation_ids: list[str] | tuple[str, ...] = (),
               subject: str | None = None, detail: dict[str, Any] | None = None) -> None:
        """One entry per conversation (or one with none, e.g. a purge that found nothing)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        ids = list(conversation_ids) or [None]
        with self._session.begin() as session:
            for conversation_id in ids:
                session.add(AuditRow(actor=actor[:120], action=action, conversation_id=conversation_id,
                                     subject=subject, detail=dict(detail or {})))

    def entries(self, *, conversation_id: str | None = None, since: datetime | None = None,
                limit: int = 1000) -> list[AuditEntry]:
        statement = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if conversation_id:
            statement = statement.where(AuditRow.conversation_id == conversation_id)
        if since is not None:
            statement = statement.where(AuditRow.at >= since)
        with self._session() as session:
            rows = session.scalars(statement).all()
        return [AuditEntry(r.id, r.at, r.actor, r.action, r.conversation_id, r.subject, dict(r.detail or {}))
                for r in reversed(rows)]
