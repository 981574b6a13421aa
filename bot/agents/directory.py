"""Agent accounts, their login throttle and their console sessions. This module owns the
`agents`, `agent_sessions` and `agent_login_failures` tables in the hub database; everything
that matters across hub replicas (failure counters, sessions) lives there, not in memory.

    agents = AgentDirectory(settings.hub_db_url)
    agents.create_schema()
    agents.add("alex", "Alex Kim", password, skills=("general", "billing"))
    agent = agents.authenticate("alex", password)    # None when wrong; TooManyAttempts when throttled
    token = agents.start_session(agent)              # only its SHA-256 is stored
    agents.session_agent(token)                      # Agent, or None once expired / logged out / disabled
"""
from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Iterable

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bot.agents.passwords import check_strength, hash_password, verify
from bot.db import engine_for, upgrade

ROLES = ("agent", "supervisor")
SKILLS = ("billing", "technical", "general")  # route conversations (bot/handoff/skills.py)
# Skills that grant access instead of routing (issue 15): `health` lets the console show customers' health
# details (client.yml `privacy: health: permission:` names the skill that does; docs/privacy.md).
ACCESS_SKILLS = ("health",)
KNOWN_SKILLS = SKILLS + ACCESS_SKILLS
USERNAME = re.compile(r"[a-z0-9._-]{3,40}")
MAX_NAME_CHARS = 100
MIN_CAPACITY, MAX_CAPACITY, DEFAULT_CAPACITY = 1, 20, 3
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(hours=8)
ABSOLUTE_LIFETIME = timedelta(hours=24)
# Sliding the idle timeout writes to the database; once a minute is precise enough and keeps
# a console's polling from turning every request into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


class AgentExists(ValueError):
    """An agent with that username already exists."""


class UnknownAgent(LookupError):
    """No agent has that username."""


class TooManyAttempts(Exception):
    """Too many failed logins for this username; try again in `retry_after_s` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        self.retry_after_s = max(1, int(retry_after_s))
        super().__init__(f"too many failed logins: try again in {self.retry_after_s} s")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class AgentRow(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_CHARS))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    skills: Mapped[list[str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer, default=DEFAULT_CAPACITY)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FailureRow(Base):
    """Failed logins per username, known or not: throttling only known usernames would tell
    an attacker which ones exist."""

    __tablename__ = "agent_login_failures"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class Agent:
    id: int
    username: str
    name: str
    role: str
    skills: tuple[str, ...]
    capacity: int
    active: bool

    @property
    def initials(self) -> str:
        """What the customer's chat shows beside the agent's messages: "Alex Kim" -> "AK"."""
        words = self.name.split()
        if not words:
            return self.username[:1].upper()
        letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
        return letters.upper()

    def to_dict(self) -> dict:
        """The API's `Agent` shape (docs/handoff.md)."""
        return {"id": self.id, "username": self.username, "name": self.name, "initials": self.initials,
                "role": self.role, "skills": list(self.skills), "capacity": self.capacity}


class AgentDirectory:
    def __init__(
        self,
        url: "str | Engine",
        *,
        now: Callable[[], datetime] = utcnow,
        idle_timeout: timedelta = IDLE_TIMEOUT,
        absolute_lifetime: timedelta = ABSOLUTE_LIFETIME,
    ) -> None:
        self.engine, self._owns_engine = engine_for(url)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self._now = now
        self.idle_timeout = idle_timeout
        self.absolute_lifetime = absolute_lifetime

    def create_schema(self) -> None:
        """Migrate the hub database (these tables are part of it) to the newest schema."""
        upgrade(self.engine)

    def close(self) -> None:
        if self._owns_engine:  # a shared engine is disposed of by whoever opened it
            self.engine.dispose()

    # accounts

    def add(
        self,
        username: str,
        name: str,
        password: str,
        role: str = "agent",
        skills: Iterable[str] = ("general",),
        capacity: int = DEFAULT_CAPACITY,
    ) -> Agent:
        """A new active agent. ValueError (WeakPassword, AgentExists) says what is wrong."""
        username, name, role, skills, capacity = validate_agent(username, name, role, skills, capacity)
        row = AgentRow(username=username, name=name, role=role, skills=list(skills), capacity=capacity,
                       active=True, created_at=self._utcnow())
        check_strength(password)
        if self.by_username(username) is not None:
            raise AgentExists(f"an agent named {username!r} already exists")
        row.password_hash = hash_password(password)
        try:
            with self._session.begin() as session:
                session.add(row)
        except IntegrityError:  # added by someone else since the check above
            raise AgentExists(f"an agent named {username!r} already exists") from None
        return _agent(row)

    def get(self, agent_id: int) -> Agent | None:
        with self._session() as session:
            row = session.get(AgentRow, int(agent_id))
        return _agent(row) if row else None

    def by_username(self, username: str) -> Agent | None:
        row = self._row(username)
        return _agent(row) if row else None

    def list(self) -> list[Agent]:
        with self._session() as session:
            rows = session.scalars(select(AgentRow).order_by(AgentRow.username)).all()
        return [_agent(row) for row in rows]

    def set_password(self, username: str, password: str) -> Agent:
        """Change the password, log the agent out everywhere and clear the login throttle
        (a supervisor resetting a password is how a locked-out agent gets back in)."""
        check_strength(password)
        agent = self._require(username)
        with self._session.begin() as session:
            session.execute(update(AgentRow).where(AgentRow.id == agent.id)
                            .values(password_hash=hash_password(password)))
            session.execute(delete(SessionRow).where(SessionRow.agent_id == agent.id))
            session.execute(delete(FailureRow).where(FailureRow.username == agent.username))
        return agent

    def set_skills(self, username: str, skills: Iterable[str]) -> Agent:
        """Replace an agent's skills (routing skills and access skills such as ``health``); an open
        console keeps the old ones for its live frames until it reconnects, REST reads them at once."""
        agent = self._require(username)
        values = _check_skills(skills)
        with self._session.begin() as session:
            session.execute(update(AgentRow).where(AgentRow.id == agent.id).values(skills=list(values)))
        return self.get(agent.id)

    def set_active(self, username: str, active: bool) -> Agent:
        """Enable or disable an account; disabling ends its sessions at once."""
        agent = self._require(username)
        with self._session.begin() as session:
            session.execute(update(AgentRow).where(AgentRow.id == agent.id).values(active=bool(active)))
            if not active:
                session.execute(delete(SessionRow).where(SessionRow.agent_id == agent.id))
        return self.get(agent.id)

    # login

    def authenticate(self, username: str, password: str) -> Agent | None:
        """The agent when the password is right and the account active, else None.

        Raises TooManyAttempts while the username is locked (MAX_FAILURES failures within
        FAILURE_WINDOW lock it for FAILURE_WINDOW), even for the right password: otherwise
        guessing would simply continue through the lock."""
        try:
            username = normalize_username(username)
        except ValueError:
            verify(str(password), _dummy_hash())  # same cost as a real attempt
            return None
        now = self._utcnow()
        self._check_lock(username, now)
        row = self._row(username)
        # Unknown usernames cost a verify too, so response time does not reveal which exist.
        matches = verify(password, row.password_hash if row else _dummy_hash())
        if row is not None and matches and row.active:
            with self._session.begin() as session:
                session.execute(delete(FailureRow).where(FailureRow.username == username))
            return _agent(row)
        self._record_failure(username, now)
        return None

    def _check_lock(self, username: str, now: datetime) -> None:
        with self._session() as session:
            row = session.get(FailureRow, username)
        if row is not None and row.locked_until is not None:
            locked_until = _aware(row.locked_until)
            if now < locked_until:
                raise TooManyAttempts(math.ceil((locked_until - now).total_seconds()))

    def _record_failure(self, username: str, now: datetime) -> None:
        """Count one failure atomically (UPDATE ... failures + 1), so replicas counting the
        same username at once do not lose increments."""
        stale = (FailureRow.locked_until <= now) | (
            FailureRow.locked_until.is_(None) & (FailureRow.window_start <= now - FAILURE_WINDOW))
        for _ in range(3):
            try:
                with self._session.begin() as session:
                    counted = session.execute(
                        update(FailureRow)
                        .where(FailureRow.username == username, FailureRow.locked_until.is_(None),
                               FailureRow.window_start > now - FAILURE_WINDOW)
                        .values(failures=FailureRow.failures + 1)
                    ).rowcount
                    if not counted:  # no row, an old window, or a lock that has run out: start again
                        session.execute(delete(FailureRow).where(FailureRow.username == username, stale))
                        if session.get(FailureRow, username) is None:  # else locked meanwhile: nothing to add
                            session.add(FailureRow(username=username, failures=1, window_start=now))
                            session.flush()
                    session.execute(
                        update(FailureRow).where(FailureRow.username == username,
                                                 FailureRow.failures >= MAX_FAILURES,
                                                 FailureRow.locked_until.is_(None))
                        .values(locked_until=now + FAILURE_WINDOW)
                    )
                return
            except IntegrityError:  # another replica inserted the row first: count on it
                continue

    # sessions

    def start_session(self, agent: Agent) -> str:
        """A new session token for the console cookie. Only its SHA-256 is stored, so a
        leaked database does not hand out live sessions."""
        token = secrets.token_urlsafe(32)
        now = self._utcnow()
        with self._session.begin() as session:
            session.execute(delete(SessionRow).where(SessionRow.agent_id == agent.id,
                                                     SessionRow.expires_at <= now))
            session.add(SessionRow(token_hash=_token_hash(token), agent_id=agent.id, created_at=now,
                                   last_seen=now, expires_at=self._expiry(now, now)))
        return token

    def session_agent(self, token: str) -> Agent | None:
        """The agent behind a session token; None when unknown, expired or the agent is
        disabled. Each use slides the idle timeout (written at most once a minute)."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        key = _token_hash(token)
        now = self._utcnow()
        with self._session.begin() as session:
            found = session.execute(
                select(SessionRow, AgentRow).join(AgentRow, AgentRow.id == SessionRow.agent_id)
                .where(SessionRow.token_hash == key)
            ).first()
            if found is None:
                return None
            row, agent = found
            created, last_seen = _aware(row.created_at), _aware(row.last_seen)
            # Checked against the current durations as well as the stored expiry, so
            # shortening them applies to sessions already open.
            if now >= min(_aware(row.expires_at), self._expiry(created, last_seen)):
                session.execute(delete(SessionRow).where(SessionRow.token_hash == key))
                return None
            if not agent.active:
                return None
            if now - last_seen >= TOUCH_INTERVAL:
                session.execute(update(SessionRow).where(SessionRow.token_hash == key)
                                .values(last_seen=now, expires_at=self._expiry(created, now)))
            return _agent(agent)

    def end_session(self, token: str) -> None:
        if isinstance(token, str) and token:
            with self._session.begin() as session:
                session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))

    def end_sessions_for(self, agent_id: int) -> int:
        """Log an agent out everywhere; how many sessions ended."""
        with self._session.begin() as session:
            return session.execute(delete(SessionRow).where(SessionRow.agent_id == int(agent_id))).rowcount

    # helpers

    def _utcnow(self) -> datetime:
        return _aware(self._now())

    def _expiry(self, created: datetime, last_seen: datetime) -> datetime:
        return min(last_seen + self.idle_timeout, created + self.absolute_lifetime)

    def _row(self, username: str) -> AgentRow | None:
        try:
            username = normalize_username(username)
        except ValueError:
            return None
        with self._session() as session:
            return session.scalars(select(AgentRow).where(AgentRow.username == username)).first()

    def _require(self, username: str) -> Agent:
        agent = self.by_username(username)
        if agent is None:
            raise UnknownAgent(f"no agent named {str(username).strip().lower()!r}")
        return agent


def normalize_username(username: str) -> str:
    """Usernames are compared lower-cased: "Alex" and "alex" are one account."""
    value = str(username).strip().lower()
    if not USERNAME.fullmatch(value):
        raise ValueError(f"username {value!r} must be 3-40 characters of a-z, 0-9, '.', '_' or '-'")
    return value


def validate_agent(
    username: str, name: str, role: str = "agent", skills: Iterable[str] = ("general",),
    capacity: int = DEFAULT_CAPACITY,
) -> tuple[str, str, str, tuple[str, ...], int]:
    """The normalised account fields, or ValueError saying which one is wrong (so the CLI
    can complain before it asks for a password)."""
    return (normalize_username(username), _check_name(name), _check_role(role), _check_skills(skills),
            _check_capacity(capacity))


def _check_name(name: str) -> str:
    value = " ".join(str(name).split())
    if not value:
        raise ValueError("the agent's name must not be empty")
    if len(value) > MAX_NAME_CHARS:
        raise ValueError(f"the agent's name must be at most {MAX_NAME_CHARS} characters")
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    return role


def _check_skills(skills: Iterable[str]) -> tuple[str, ...]:
    if isinstance(skills, str):
        skills = skills.split(",")
    values = tuple(dict.fromkeys(str(s).strip().lower() for s in skills if str(s).strip()))
    unknown = [s for s in values if s not in KNOWN_SKILLS]
    if unknown:
        raise ValueError(f"unknown skill {unknown[0]!r}: skills are {', '.join(KNOWN_SKILLS)}")
    if not any(s in SKILLS for s in values):
        raise ValueError(f"an agent needs at least one skill of {', '.join(SKILLS)}")
    return values


def _check_capacity(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ValueError(f"capacity must be a whole number from {MIN_CAPACITY} to {MAX_CAPACITY} (got {capacity!r})")
    return capacity


def _agent(row: AgentRow) -> Agent:
    return Agent(id=row.id, username=row.username, name=row.name, role=row.role, skills=tuple(row.skills),
                 capacity=row.capacity, active=bool(row.active))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
