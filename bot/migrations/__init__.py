"""Alembic migrations of Carebot's two databases; they ship inside the package.

- ``hub/``: the hub database (conversations, messages, handoffs, channels, outreach, surveys,
  closures, QA, session keys, agent accounts, the knowledge-base answer log).
- ``crm/``: the demo CRM database (``crm_*`` tables, bot/crm).

``bot.db.upgrade(url_or_engine, database)`` is the one place that migrates; ``carebot db upgrade``
calls it. docs/database.md tells how to change the schema.

The model modules of each database are listed here, and only here: importing them registers their
tables in the metadata that migrations and their tests compare against.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - SQLAlchemy is imported when the metadata is asked for
    from sqlalchemy import MetaData

HERE = Path(__file__).resolve().parent

# Every module that declares a table of the database (grep -rn "__tablename__" bot): tests/db checks
# that this list is complete.
MODEL_MODULES: dict[str, tuple[str, ...]] = {
    "hub": (
        "bot.conversations.store",  # its Base is shared by every module below but the last two
        "bot.conversations.closure",
        "bot.channels.store",
        "bot.outreach.store",
        "bot.surveys.store",
        "bot.handoff.store",
        "bot.hub.session_tokens",
        "bot.qa.scorecards",
        "bot.agents.directory",  # its own declarative Base
        "bot.kb.answers",  # its own declarative Base
        "bot.privacy.audit",  # its own declarative Base
    ),
    "crm": ("bot.crm.tables",),
}


@dataclass(frozen=True)
class Database:
    name: str  # "hub" | "crm"
    version_table: str  # two tables, so both databases may even share one PostgreSQL database
    lock_key: int  # pg_advisory_xact_lock key: one upgrade of this database at a time

    @property
    def script_location(self) -> Path:
        return HERE / self.name

    def metadata(self) -> list[MetaData]:
        """The metadata of every table of this database (imports the model modules)."""
        from sqlalchemy import MetaData

        found: list[MetaData] = []
        for module in MODEL_MODULES[self.name]:
            for value in vars(importlib.import_module(module)).values():
                metadata = getattr(value, "metadata", None)
                if isinstance(value, type) and isinstance(metadata, MetaData) and metadata not in found:
                    found.append(metadata)
        return found

    def owns(self, table: str) -> bool:
        """Whether a table found in the database belongs to this one's migrations (autogenerate
        and the schema comparison leave the other database's tables alone)."""
        if table in {d.version_table for d in DATABASES.values()}:
            return False
        return table.startswith("crm_") == (self.name == "crm")


DATABASES: dict[str, Database] = {
    "hub": Database("hub", "alembic_version", 0x6361726562_01),
    "crm": Database("crm", "crm_alembic_version", 0x6361726562_02),
}
