"""Signed session tokens: how a browser proves which conversation is its own.

The widget keeps the token (not the conversation id) and sends it in ``hello``; a reload or a
second tab resumes the conversation, a forged, altered or expired token starts a new one.

Format: ``v1.<conversation id>.<issued at, unix seconds, hex>.<HMAC-SHA256, base64url>``.
The key is the operator's ``CAREBOT_SESSION_SECRET`` or, without one, a random key kept in the
hub database (``hub_keys``), so every hub replica on that database accepts the same tokens and a
restart keeps sessions alive.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.conversations.store import Base, Store

VERSION = "v1"
KEY_NAME = "session_token_key"
MAX_TOKEN_CHARS = 512


class HubKey(Base):
    __tablename__ = "hub_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def stored_key(store: Store) -> bytes:
    """The hub's signing key from its database, created on first use (race-safe across replicas)."""
    with store._session() as session:  # noqa: SLF001 - the store's own session factory
        value = session.scalar(select(HubKey.value).where(HubKey.name == KEY_NAME))
    if value is None:
        try:
            with store._session.begin() as session:  # noqa: SLF001
                session.add(HubKey(name=KEY_NAME, value=secrets.token_urlsafe(48)))
        except IntegrityError:
            pass  # another replica created it first
        with store._session() as session:  # noqa: SLF001
            value = session.scalar(select(HubKey.value).where(HubKey.name == KEY_NAME))
    return value.encode()


@dataclass(frozen=True)
class Verified:
    conversation_id: str | None  # None when the token was not accepted
    problem: str | None  # "invalid" | "expired" | None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class SessionTokens:
    def __init__(self, key: bytes, *, ttl_s: float, clock=time.time) -> None:
        if len(key) < 16:
            raise ValueError("the session key must be at least 16 bytes")
        self._key = key
        self.ttl_s = ttl_s
        self._clock = clock

    def _signature(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())

    def issue(self, conversation_id: str) -> str:
        body = f"{VERSION}.{conversation_id}.{int(self._clock()):x}"
        return f"{body}.{self._signature(body)}"

    def verify(self, token: object) -> Verified:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            return Verified(None, "invalid")
        body, _, signature = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or parts[0] != VERSION or not hmac.compare_digest(signature, self._signature(body)):
            return Verified(None, "invalid")
        try:
            issued = int(parts[2], 16)
        except ValueError:
            return Verified(None, "invalid")
        if self._clock() - issued > self.ttl_s:
            return Verified(None, "expired")
        return Verified(parts[1], None)
