"""Rasa's tracker store (its SQL `events` table, SQLite or PostgreSQL): a conversation's events, found,
exported and deleted by the conversation's id, which is Rasa's sender id (the hub talks to Rasa as the
conversation). Rasa 3.6 has no API that deletes a tracker, and its SQL store only ever appends, so
this opens the same database Rasa writes (CAREBOT_RASA_TRACKER_URL). Rasa reads a tracker from the
database on every message, so a deleted conversation is gone for it too."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import MetaData, Table, delete, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import NoSuchTableError

from bot.db import make_engine
from bot.privacy.records import CHUNK, plain

log = logging.getLogger(__name__)
EVENTS = "events"  # rasa.core.tracker_store.SQLTrackerStore.SQLEvent.__tablename__


def our_driver(url: str) -> str:
    """Rasa's URL with this environment's PostgreSQL driver: Rasa's `postgresql://` means psycopg2 (in
    Rasa's own environment); the hub's environment has psycopg 3."""
    for scheme in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    return url


class RasaTrackers:
    """The tracker store Rasa writes; every method is a no-op when Rasa has not created its table yet."""

    def __init__(self, url_or_engine: "str | Engine") -> None:
        self.engine = make_engine(our_driver(url_or_engine)) if isinstance(url_or_engine, str) else url_or_engine
        self._table: Table | None = None

    @property
    def where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _events(self) -> Table | None:
        if self._table is None:
            try:
                self._table = Table(EVENTS, MetaData(), autoload_with=self.engine)
            except NoSuchTableError:
                return None
        return self._table

    def _in(self, table: Table, sender_ids: Iterable[str]) -> Any:
        ids = sorted(set(sender_ids))
        return or_(*[table.c.sender_id.in_(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]) if ids else None

    def has(self, sender_id: str) -> bool:
        """Whether Rasa keeps events of this conversation."""
        table = self._events()
        if table is None:
            return False
        with self.engine.connect() as conn:
            return conn.execute(select(table.c.id).where(table.c.sender_id == sender_id).limit(1)).first() is not None

    def senders_mentioning(self, needle: str) -> set[str]:
        """Conversations whose events contain this text (an e-mail address the customer gave)."""
        table = self._events()
        if table is None or not needle:
            return set()
        pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.sender_id).where(table.c.data.ilike(pattern, escape="\\")).distinct())
            return {row[0] for row in rows}

    def export(self, sender_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        table = self._events()
        condition = self._in(table, sender_ids) if table is not None else None
        if condition is None:
            return {}
        found: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(table).where(condition).order_by(table.c.id)).mappings():
                event = {k: plain(v) for k, v in row.items() if k != "data"}
                try:
                    event["data"] = json.loads(row["data"]) if row["data"] else None
                except ValueError:
                    event["data"] = row["data"]
                found.setdefault(row["sender_id"], []).append(event)
        return found

    def erase(self, sender_ids: Iterable[str]) -> int:
        """Delete the conversations' events: how many."""
        table = self._events()
        condition = self._in(table, sender_ids) if table is not None else None
        if condition is None:
            return 0
        with self.engine.begin() as conn:
            return conn.execute(delete(table).where(condition)).rowcount or 0

    def close(self) -> None:
        self.engine.dispose()
