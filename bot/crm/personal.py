"""What the customer said that the demo CRM keeps word for word: the reason of a return or a dispute,
the topic and time of a call-back, and the subject of their tickets. For export and erasure
(docs/privacy.md): the cases themselves stay (they are the client's business records: a refund, a
chargeback), their free text becomes "[erased]".

A case belongs to a request through its customer, or through its reference when a conversation
created it (the bot tells the customer "RMA-7KQ2HX"; a conversation does not know its customer)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import or_, select

from bot.crm.tables import CallbackRow, DisputeRow, ReturnRow, TicketRow

ERASED = "[erased]"
REFERENCE = re.compile(r"\b(?:RMA|DSP|CB)-[A-HJ-NP-Z2-9]{6}\b")
# (table, its free-text columns)
FREE_TEXT = ((ReturnRow, ("reason",)), (DisputeRow, ("reason",)), (CallbackRow, ("topic", "when_text")),
             (TicketRow, ("subject",)))


def references_in(texts: Iterable[str | None]) -> set[str]:
    """Case references a conversation's messages name."""
    return {match for text in texts if text for match in REFERENCE.findall(text)}


def _where(table: Any, customer_ids: set[str], references: set[str]) -> Any:
    key = table.id if table is TicketRow else table.reference
    clauses = []
    if customer_ids:
        clauses.append(table.customer_id.in_(sorted(customer_ids)))
    if references:
        clauses.append(key.in_(sorted(references)))
    return or_(*clauses) if clauses else None


def _selected(customer_ids: Iterable[str], references: Iterable[str]) -> Iterator[tuple[Any, tuple[str, ...], Any]]:
    """(table, its free-text columns, the WHERE clause) of every case table with something selected."""
    customers, refs = set(customer_ids), set(references)
    for table, columns in FREE_TEXT:
        where = _where(table, customers, refs)
        if where is not None:
            yield table, columns, where


def case_texts(crm: Any, *, customer_ids: Iterable[str] = (), references: Iterable[str] = ()) -> dict[str, list[dict]]:
    """The free text of the cases, by table."""
    found = {}
    with crm.session() as session:
        for table, columns, where in _selected(customer_ids, references):
            key = table.id if table is TicketRow else table.reference
            rows = session.execute(select(key, *[getattr(table, c) for c in columns]).where(where)).all()
            if rows:
                found[table.__tablename__] = [{"reference": row[0], **dict(zip(columns, row[1:]))} for row in rows]
    return found


def erase_case_texts(crm: Any, *, customer_ids: Iterable[str] = (), references: Iterable[str] = ()) -> dict[str, int]:
    """Replace the free text of the cases with "[erased]": rows changed, by table."""
    changed = {}
    with crm.session() as session:
        for table, columns, where in _selected(customer_ids, references):
            rows = session.scalars(select(table).where(where)).all()
            for row in rows:
                for column in columns:
                    setattr(row, column, ERASED)
            if rows:
                changed[table.__tablename__] = len(rows)
    return changed
