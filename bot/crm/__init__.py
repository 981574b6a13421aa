"""The CRM the assistant talks to: a `Crm` protocol, plain records, and the demo `SqlCrm`.

    from bot.crm import open_crm
    crm = open_crm(settings.crm_url, client_file=settings.client_file)   # migrated to the newest schema
    order = crm.get_order("a1042")

Importing this package is cheap: SQLAlchemy is only imported by `open_crm()`
or when `bot.crm.SqlCrm` is first used.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.crm.interface import (
    Crm,
    CrmError,
    CrmUnavailable,
    DisputeNotAllowed,
    InvalidRequest,
    NotAllowed,
    NotFound,
    ReturnNotAllowed,
    normalize_invoice_id,
    normalize_order_id,
)
from bot.crm.records import (
    Address,
    Callback,
    Customer,
    DisputeCase,
    Invoice,
    Order,
    OrderLine,
    ReturnCase,
    Shipment,
    Subscription,
    Ticket,
    to_dict,
)

if TYPE_CHECKING:  # pragma: no cover
    from bot.crm.sql import SqlCrm

__all__ = [
    "Address", "Callback", "Crm", "CrmError", "CrmUnavailable", "Customer", "DisputeCase", "DisputeNotAllowed",
    "InvalidRequest", "Invoice", "NotAllowed", "NotFound", "Order", "OrderLine", "ReturnCase", "ReturnNotAllowed",
    "Shipment", "SqlCrm", "Subscription", "Ticket", "normalize_invoice_id", "normalize_order_id", "open_crm",
    "to_dict",
]

DEFAULT_RETURN_WINDOW_DAYS = 30


def __getattr__(name: str) -> Any:
    if name == "SqlCrm":
        from bot.crm.sql import SqlCrm

        return SqlCrm
    raise AttributeError(f"module 'bot.crm' has no attribute {name!r}")


def _return_window_days(client_file: Path) -> int:
    """`return_window_days` of the client file (client.yml), 30 if absent/unreadable."""
    try:
        import yaml

        data = yaml.safe_load(client_file.read_text(encoding="utf-8")) or {}
        return int(data.get("return_window_days", DEFAULT_RETURN_WINDOW_DAYS))
    except Exception:  # noqa: BLE001 - missing file, bad YAML...: fall back rather than break the bot
        return DEFAULT_RETURN_WINDOW_DAYS


def _ensure_sqlite_directory(url: str) -> None:
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - SqlCrm reports bad URLs
        return
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        try:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CrmUnavailable(f"cannot create the directory of the CRM database {parsed.database}: {exc}") from exc


def open_crm(url: str, *, client_file: Path | None = None, create_schema: bool = True) -> "SqlCrm":
    """The CRM at ``url``, its database migrated to the newest schema (bot/migrations/crm) unless
    `create_schema=False`; the return window comes from ``client_file`` (30 days without one).

    For a SQLite file the parent directory is created. Raises CrmUnavailable when
    the database cannot be reached."""
    from bot.crm.sql import SqlCrm

    _ensure_sqlite_directory(url)
    window = _return_window_days(Path(client_file)) if client_file is not None else DEFAULT_RETURN_WINDOW_DAYS
    crm = SqlCrm(url, return_window_days=window)
    if create_schema:
        try:
            crm.create_schema()
        except Exception:
            crm.close()
            raise
    return crm
