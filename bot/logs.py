"""Structured (JSON lines) logging shared by the hub, the action server and the CLI.

Every line passes through the redaction of customer messages (bot/redaction.py, every category on):
a card number, SSN or password that reached a log call anyway (an exception's text, a library's
message) is hidden in the line, as it is in the database."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from bot.redaction import Redactor

_redactor = Redactor()


def _hidden(value: object) -> object:
    return _redactor.redact(value).text if isinstance(value, str) else value

# uvicorn adds `color_message` (the message again, with ANSI colours): not for log shippers.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra fields given with `extra={...}` are kept as keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry["msg"] = _hidden(entry["msg"])
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _hidden(value)
        if record.exc_info:
            entry["exc"] = _hidden(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


class RedactingFormatter(logging.Formatter):
    """The plain-text format, with the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        return _redactor.redact(super().format(record)).text


def configure(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic's INFO lines (plugin set-up, "Context impl", one per check) only repeat what bot.db's own
    # "database upgraded" line says; DEBUG shows them again.
    logging.getLogger("alembic").setLevel(logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING)
