"""`carebot privacy reseal`: seal every sealed column's value again with the first of CAREBOT_DATA_KEYS
(key rotation), and seal the values written before encryption was on (bot/sealed.py)."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import make_engine
from bot.sealed import Seal, SealedJSON, SealedText, is_sealed

BATCH = 500


def sealed_columns() -> list[tuple[Any, list[Any]]]:
    """(table, its sealed columns) of every table of the hub database."""
    from bot.migrations import DATABASES

    found = []
    for metadata in DATABASES["hub"].metadata():
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (SealedText, SealedJSON))]
            if columns:
                found.append((table, columns))
    return found


def reseal(url: str, keys: tuple[str, ...]) -> dict[str, int]:
    """Values sealed again (or for the first time), by table. Reads and writes the raw column values
    with an engine that holds no keys, one batch of rows per transaction."""
    seal, raw = Seal(keys), make_engine(url)
    try:
        return {table.name: _table(raw, seal, table, columns) for table, columns in sealed_columns()}
    finally:
        raw.dispose()


def _value(seal: Seal, column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, SealedJSON) and not is_sealed(value):
        return seal.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    return seal.reseal(value)


def _table(raw: Engine, seal: Seal, table: Any, columns: list[Any]) -> int:
    key = list(table.primary_key.columns)[0]
    changed, last = 0, None
    while True:
        with raw.begin() as conn:
            query = select(key, *columns).order_by(key).limit(BATCH)
            if last is not None:
                query = query.where(key > last)
            rows = conn.execute(query).all()
            for row in rows:
                values = {c.name: _value(seal, c, v) for c, v in zip(columns, row[1:]) if v is not None}
                if values:
                    conn.execute(update(table).where(key == row[0]).values(values))
                    changed += 1
        if len(rows) < BATCH:
            return changed
        last = rows[-1][0]
