"""Export and erase one subject's rows of the hub database, table by table, as their owners declared
them (`bot.db.PersonalTable`). Nothing here knows a feature: the composition root hands the list over,
children before parents (the order rows are deleted in)."""
from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Engine

from bot.db import PersonalTable

CHUNK = 500  # ids per IN (...) list: well under SQLite's 32,766 bound parameters


@dataclass(frozen=True)
class Subject:
    """Whose data: a set of conversations, and (for a request by e-mail) the CRM customers behind them."""

    conversation_ids: frozenset[str]
    customer_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.conversation_ids and not self.customer_ids


def _chunks(values: Iterable[Any]) -> list[list[Any]]:
    items = sorted(values)
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)] or []


def _conditions(declared: PersonalTable, subject: Subject, *, customers: bool = True) -> list[Any]:
    """WHERE clauses (OR-ed) selecting the subject's rows of one table."""
    table, clauses = declared.table, []
    if declared.conversation_column:
        column = table.c[declared.conversation_column]
        clauses += [column.in_(chunk) for chunk in _chunks(subject.conversation_ids)]
    if customers and declared.customer_column:
        column = table.c[declared.customer_column]
        clauses += [column.in_(chunk) for chunk in _chunks(subject.customer_ids)]
    if declared.parent:
        ours, parent, theirs = declared.parent
        parent_clauses = _conditions(parent, subject, customers=customers)
        if parent_clauses:
            clauses.append(table.c[ours].in_(select(parent.table.c[theirs]).where(or_(*parent_clauses))))
    return clauses


def plain(value: Any) -> Any:
    """A column value as JSON can carry it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


class Records:
    """The subject's rows in every declared table of one database."""

    def __init__(self, engine: Engine, tables: Sequence[PersonalTable]) -> None:
        self.engine, self.tables = engine, tuple(tables)

    def conversations_of_customers(self, customer_ids: Iterable[str]) -> set[str]:
        """Conversations the tables link to these CRM customers (verified identities, outreach)."""
        customers, found = frozenset(customer_ids), set()
        if not customers:
            return found
        with self.engine.connect() as conn:
            for declared in self.tables:
                if declared.conversation_column and declared.customer_column:
                    column, table = declared.conversation_column, declared.table
                    clauses = [table.c[declared.customer_column].in_(chunk) for chunk in _chunks(customers)]
                    found.update(v for (v,) in conn.execute(select(table.c[column]).where(or_(*clauses))) if v)
        return found

    def export(self, subject: Subject) -> dict[str, list[dict[str, Any]]]:
        """Every row of the subject, by table (parents first, as a reader expects)."""
        found: dict[str, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for declared in reversed(self.tables):
                clauses = _conditions(declared, subject)
                if not clauses:
                    continue
                rows = conn.execute(select(declared.table).where(or_(*clauses))).mappings().all()
                if rows:
                    found[declared.name] = [{k: plain(v) for k, v in row.items()} for row in rows]
        return found

    def erase(self, subject: Subject) -> dict[str, int]:
        """Delete every row of the subject, children first, in one transaction: rows removed by table."""
        removed: dict[str, int] = {}
        with self.engine.begin() as conn:
            for declared in self.tables:
                clauses = _conditions(declared, subject)
                if clauses:
                    count = conn.execute(delete(declared.table).where(or_(*clauses))).rowcount or 0
                    if count:
                        removed[declared.name] = count
        return removed

    def purge(self, conversation_ids: Iterable[str]) -> dict[str, dict[str, int]]:
        """The retention purge of whole conversations: rows deleted, or kept without their words where
        the owner asked for it (statistics). Customer-wide rows are not touched."""
        subject = Subject(frozenset(conversation_ids))
        result: dict[str, dict[str, int]] = {"deleted": {}, "anonymised": {}}
        if subject.empty:
            return result
        with self.engine.begin() as conn:
            for declared in self.tables:
                clauses = _conditions(declared, subject, customers=False)
                if not clauses:
                    continue
                if declared.anonymise is None:
                    count, kind = conn.execute(delete(declared.table).where(or_(*clauses))).rowcount or 0, "deleted"
                elif declared.anonymise:
                    values = {declared.table.c[name]: value for name, value in declared.anonymise.items()}
                    statement = update(declared.table).where(or_(*clauses)).values(values)
                    count, kind = conn.execute(statement).rowcount or 0, "anonymised"
                else:
                    continue  # kept as it is: it holds no words
                if count:
                    result[kind][declared.name] = count
        return result
