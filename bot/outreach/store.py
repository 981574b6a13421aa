"""The outreach tables, in the hub database (the hub's SQLAlchemy ``Base``):

- ``outreach_campaigns``: every campaign, from files (refreshed at start) and from the API; when a
  scheduled campaign last looked for its audience.
- ``outreach_events``: the events posted to the hub (an update of an event reuses its audience).
- ``outreach_jobs``: one row per (campaign, occurrence, customer), UNIQUE ``key``: the same event
  posted twice or a run repeated after a restart finds the row and sends nothing new. Status
  pending -> sending (claimed) -> delivered | sent | failed | skipped (reason); replied when the
  customer answered. The sent rows are also the log the frequency cap counts.
- ``outreach_consent``: opt-outs and opt-ins per customer, channel address or conversation.

A job is claimed with a conditional UPDATE (``WHERE status = 'pending'``, or a claim whose lease
ran out because the hub that held it stopped), so two hub replicas never both send it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from bot.conversations.store import Base, Message, Store, utcnow
from bot.db import PersonalTable
from bot.sealed import SealedJSON

PENDING, SENDING, SENT, DELIVERED, FAILED, SKIPPED, REPLIED = (
    "pending", "sending", "sent", "delivered", "failed", "skipped", "replied")
STATUSES = (PENDING, SENDING, SENT, DELIVERED, FAILED, SKIPPED, REPLIED)
REACHED = (SENT, DELIVERED, REPLIED)  # the customer got the message: counts for the frequency cap
OPTED_OUT, OPTED_IN = "opted_out", "opted_in"
LEASE = timedelta(minutes=5)  # a claim older than this belongs to a hub that stopped mid-send


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=timezone.utc)
    return value


class CampaignRow(Base):
    __tablename__ = "outreach_campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(200))  # "api" or the file it came from
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_run_key: Mapped[str | None] = mapped_column(String(64), nullable=True)  # daily: the local date
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EventRow(Base):
    __tablename__ = "outreach_events"
    __table_args__ = (UniqueConstraint("type", "event_id", "revision", name="uq_outreach_events"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    revision: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    customers: Mapped[list[Any]] = mapped_column(SealedJSON, default=list)  # [{"customer_id", ...context}]
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobRow(Base):
    __tablename__ = "outreach_jobs"
    __table_args__ = (UniqueConstraint("key", name="uq_outreach_jobs_key"),
                      Index("ix_outreach_jobs_due", "status", "next_attempt_at"),
                      Index("ix_outreach_jobs_customer", "customer_id", "sent_at"),
                      Index("ix_outreach_jobs_conversation", "conversation_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400))  # campaign | occurrence | customer
    campaign_id: Mapped[str] = mapped_column(String(64), index=True)
    occurrence: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[str] = mapped_column(String(64))
    context: Mapped[dict[str, Any]] = mapped_column(SealedJSON, default=dict)  # fills the campaign's entity templates
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)  # why skipped / failed / deferred
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConsentRow(Base):
    __tablename__ = "outreach_consent"
    __table_args__ = (UniqueConstraint("subject", name="uq_outreach_consent_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # "customer:C1001", "whatsapp:+15550102233", "conversation:<id>" (a web visitor nobody knows)
    subject: Mapped[str] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    via: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the channel the customer wrote on


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    campaign_id: str
    occurrence: str
    customer_id: str
    context: dict[str, Any]
    status: str
    reason: str | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    expires_at: datetime | None
    conversation_id: str | None
    channel: str | None
    created_at: datetime
    sent_at: datetime | None
    replied_at: datetime | None

    @classmethod
    def of(cls, row: JobRow) -> "Job":
        return cls(row.id, row.key, row.campaign_id, row.occurrence, row.customer_id, dict(row.context or {}),
                   row.status, row.reason, row.attempts, row.last_error, _aware(row.next_attempt_at),
                   _aware(row.expires_at), row.conversation_id, row.channel, _aware(row.created_at),
                   _aware(row.sent_at), _aware(row.replied_at))

    def to_dict(self) -> dict[str, Any]:
        iso = lambda value: value.isoformat() if value is not None else None  # noqa: E731
        return {"id": self.id, "campaign": self.campaign_id, "occurrence": self.occurrence,
                "customer_id": self.customer_id, "status": self.status, "reason": self.reason,
                "attempts": self.attempts, "last_error": self.last_error,
                "next_attempt_at": iso(self.next_attempt_at), "conversation_id": self.conversation_id,
                "channel": self.channel, "created_at": iso(self.created_at), "sent_at": iso(self.sent_at),
                "replied_at": iso(self.replied_at)}


@dataclass(frozen=True)
class NewJob:
    campaign_id: str
    occurrence: str
    customer_id: str
    context: dict[str, Any]
    not_before: datetime
    expires_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.campaign_id}|{self.occurrence}|{self.customer_id}"[:400]


class OutreachStore:
    """The outreach tables; shares the hub store's engine."""

    def __init__(self, store: Store) -> None:
        self.hub = store
        self.engine = store.engine
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.worker = f"hub-{secrets.token_hex(4)}"  # this process, in claims

    def create_schema(self) -> None:
        """Migrate the hub database (these tables are part of it) to the newest schema."""
        self.hub.create_schema()

    # -- campaigns -------------------------------------------------------------------------------------
    def upsert_campaign(self, campaign_id: str, source: str, definition: dict[str, Any], enabled: bool) -> bool:
        """Create or replace a campaign's definition; True when it is new. Its run marks stay."""
        now = utcnow()
        try:
            with self._session.begin() as session:
                row = session.get(CampaignRow, campaign_id, with_for_update=True)
                if row is None:
                    session.add(CampaignRow(id=campaign_id, source=source, definition=definition, enabled=enabled,
                                            created_at=now, updated_at=now))
                    return True
                row.source, row.definition, row.enabled, row.updated_at = source, definition, enabled, now
                return False
        except IntegrityError:  # another replica created it meanwhile
            return self.upsert_campaign(campaign_id, source, definition, enabled)

    def campaigns(self) -> list[CampaignRow]:
        with self._session() as session:
            return list(session.scalars(select(CampaignRow).order_by(CampaignRow.id)).all())

    def campaign(self, campaign_id: str) -> CampaignRow | None:
        with self._session() as session:
            return session.get(CampaignRow, campaign_id)

    def claim_run(self, campaign_id: str, run_key: str, now: datetime) -> bool:
        """Mark a scheduled run as started; False when it already was (by us or by another replica)."""
        with self._session.begin() as session:
            result = session.execute(
                update(CampaignRow).where(CampaignRow.id == campaign_id,
                                          or_(CampaignRow.last_run_key.is_(None), CampaignRow.last_run_key != run_key))
                .values(last_run_key=run_key, last_run_at=now))
            return result.rowcount == 1

    # -- events ----------------------------------------------------------------------------------------
    def record_event(self, type_: str, event_id: str, revision: str, body: dict[str, Any],
                     customers: list[dict[str, Any]]) -> bool:
        """Store an event; False when this (type, id, revision) was posted before."""
        try:
            with self._session.begin() as session:
                session.add(EventRow(type=type_, event_id=event_id, revision=revision, body=body, customers=customers))
            return True
        except IntegrityError:
            return False

    def event_customers(self, type_: str, event_id: str) -> list[dict[str, Any]]:
        """The audience of the first posting of an event (its updates reach the same customers)."""
        with self._session() as session:
            row = session.scalars(select(EventRow).where(EventRow.type == type_, EventRow.event_id == event_id)
                                  .order_by(EventRow.id).limit(1)).first()
            return list(row.customers or []) if row is not None else []

    # -- jobs ------------------------------------------------------------------------------------------
    def add_jobs(self, jobs: Iterable[NewJob]) -> int:
        """Insert the jobs whose key is new; returns how many were new."""
        added = 0
        for job in jobs:
            try:
                with self._session.begin() as session:
                    exists = session.scalar(select(JobRow.id).where(JobRow.key == job.key))
                    if exists is not None:
                        continue
                    session.add(JobRow(key=job.key, campaign_id=job.campaign_id, occurrence=job.occurrence,
                                       customer_id=job.customer_id, context=job.context, status=PENDING,
                                       next_attempt_at=job.not_before, expires_at=job.expires_at))
                added += 1
            except IntegrityError:  # the same key inserted concurrently (another replica, a retry)
                continue
        return added

    def due(self, now: datetime, limit: int = 100) -> list[int]:
        """Ids of jobs to try now: pending and due, or claimed by a hub that stopped (lease over)."""
        with self._session() as session:
            return list(session.scalars(
                select(JobRow.id).where(or_(and_(JobRow.status == PENDING, JobRow.next_attempt_at <= now),
                                            and_(JobRow.status == SENDING, JobRow.claimed_at < now - LEASE)))
                .order_by(JobRow.next_attempt_at, JobRow.id).limit(limit)).all())

    def claim(self, job_id: int, now: datetime) -> Job | None:
        """Take a job for sending: a conditional UPDATE, so only one hub (replica) ever gets it."""
        with self._session.begin() as session:
            result = session.execute(
                update(JobRow).where(JobRow.id == job_id,
                                     or_(and_(JobRow.status == PENDING, JobRow.next_attempt_at <= now),
                                         and_(JobRow.status == SENDING, JobRow.claimed_at < now - LEASE)))
                .values(status=SENDING, claimed_by=self.worker, claimed_at=now, attempts=JobRow.attempts + 1))
            if result.rowcount != 1:
                return None
            return Job.of(session.get(JobRow, job_id))

    def finish(self, job_id: int, status: str, *, reason: str | None = None, error: str | None = None,
               conversation_id: str | None = None, channel: str | None = None, sent_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status, "reason": reason, "claimed_by": None, "claimed_at": None}
        if error is not None:
            values["last_error"] = error[:1000]
        if conversation_id is not None:
            values["conversation_id"] = conversation_id
        if channel is not None:
            values["channel"] = channel
        if sent_at is not None:
            values["sent_at"] = sent_at
        with self._session.begin() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    def defer(self, job_id: int, until: datetime, reason: str, *, error: str | None = None,
              count_attempt: bool = False, conversation_id: str | None = None) -> None:
        """Back to pending until ``until`` (quiet hours, a person is talking, Rasa down)."""
        values: dict[str, Any] = {"status": PENDING, "next_attempt_at": until, "reason": reason,
                                  "claimed_by": None, "claimed_at": None}
        if not count_attempt:
            values["attempts"] = JobRow.attempts - 1
        if error is not None:
            values["last_error"] = error[:1000]
        if conversation_id is not None:
            values["conversation_id"] = conversation_id
        with self._session.begin() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    def set_conversation(self, job_id: int, conversation_id: str, channel: str) -> None:
        with self._session.begin() as session:
            session.execute(update(JobRow).where(JobRow.id == job_id)
                            .values(conversation_id=conversation_id, channel=channel))

    def reached_since(self, customer_id: str, since: datetime) -> int:
        """Proactive messages the customer got since ``since`` (the frequency cap's count)."""
        with self._session() as session:
            return session.scalar(select(func.count()).select_from(JobRow).where(
                JobRow.customer_id == customer_id, JobRow.status.in_(REACHED), JobRow.sent_at >= since)) or 0

    def mark_replied(self, conversation_id: str, at: datetime) -> int:
        """The customer wrote in a conversation an outreach message went to: those jobs are answered."""
        with self._session.begin() as session:
            result = session.execute(update(JobRow).where(JobRow.conversation_id == conversation_id,
                                                          JobRow.status.in_((SENT, DELIVERED)))
                                     .values(status=REPLIED, replied_at=at))
            return result.rowcount

    def jobs(self, campaign_id: str | None = None, status: str | None = None, limit: int = 500) -> list[Job]:
        with self._session() as session:
            query = select(JobRow).order_by(JobRow.id.desc()).limit(limit)
            if campaign_id is not None:
                query = query.where(JobRow.campaign_id == campaign_id)
            if status is not None:
                query = query.where(JobRow.status == status)
            return [Job.of(row) for row in session.scalars(query).all()]

    def get_job(self, job_id: int) -> Job | None:
        with self._session() as session:
            row = session.get(JobRow, job_id)
            return Job.of(row) if row is not None else None

    def counts(self, campaign_id: str | None = None) -> dict[str, dict[str, int]]:
        """{campaign: {status: n}}; skipped and failed also by reason as "skipped:<reason>"."""
        with self._session() as session:
            query = select(JobRow.campaign_id, JobRow.status, JobRow.reason, func.count()).group_by(
                JobRow.campaign_id, JobRow.status, JobRow.reason)
            if campaign_id is not None:
                query = query.where(JobRow.campaign_id == campaign_id)
            out: dict[str, dict[str, int]] = {}
            for campaign, status, reason, n in session.execute(query).all():
                bucket = out.setdefault(campaign, {})
                bucket[status] = bucket.get(status, 0) + n
                if status in (SKIPPED, FAILED) and reason:
                    bucket[f"{status}:{reason}"] = bucket.get(f"{status}:{reason}", 0) + n
            return out

    def outreach_message_ids(self, job_id: int, conversation_id: str) -> list[int]:
        """Messages already stored for a job (a hub that stopped after storing them must not send again)."""
        with self._session() as session:
            rows = session.execute(select(Message.id, Message.payload).where(
                Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(200)).all()
        return [mid for mid, payload in rows if (payload or {}).get("outreach", {}).get("job_id") == job_id]

    # -- consent ---------------------------------------------------------------------------------------
    def set_consent(self, subjects: Iterable[str], status: str, via: str | None = None) -> None:
        for subject in subjects:
            try:
                with self._session.begin() as session:
                    row = session.scalars(select(ConsentRow).where(ConsentRow.subject == subject)).first()
                    if row is None:
                        session.add(ConsentRow(subject=subject, status=status, via=via))
                    else:
                        row.status, row.via, row.updated_at = status, via, utcnow()
            except IntegrityError:  # set concurrently: write again over it
                with self._session.begin() as session:
                    session.execute(update(ConsentRow).where(ConsentRow.subject == subject)
                                    .values(status=status, via=via, updated_at=utcnow()))

    def consent(self, subjects: Iterable[str]) -> dict[str, str]:
        subjects = list(subjects)
        if not subjects:
            return {}
        with self._session() as session:
            rows = session.execute(select(ConsentRow.subject, ConsentRow.status)
                                   .where(ConsentRow.subject.in_(subjects))).all()
            return {subject: status for subject, status in rows}


# Jobs hold a customer id and the event's data about them. Consent (STOP) is kept: forgetting an
# opt-out would let outreach write to the customer again (docs/privacy.md).
PERSONAL_OUTREACH_JOBS = PersonalTable(JobRow.__table__, customer_column="customer_id",
                                       anonymise={"context": {}, "last_error": None})
