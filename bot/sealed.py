"""Encryption at rest of what customers and agents write (docs/privacy.md, "Encryption at rest").

Columns declared `SealedText` or `SealedJSON` are encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256, `cryptography`) before they reach the database and decrypted when read, by the engine
that holds the keys: `bot.db.make_engine(url, keys=settings.data_keys)` puts a `Seal` on the engine's
dialect, where these column types find it. An engine without keys reads and writes text as it is,
and a sealed value it reads stays sealed (it never guesses a key).

Keys: `CAREBOT_DATA_KEYS` ("new,old,...": the first seals, every one opens), else one generated once
in var/secrets/data.key. Any string is a key: the Fernet key is its SHA-256. To rotate, put the new
key first and run `carebot privacy reseal`, which seals every value again with it (and seals values
written before encryption was on); then the old key can go.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Text
from sqlalchemy.types import TypeDecorator

PREFIX = "sealed:v1:"  # a sealed value; anything else was written before encryption was on


class Seal:
    def __init__(self, keys: Sequence[str]) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        if not keys or not all(k.strip() for k in keys):
            raise ValueError("a Seal needs at least one non-empty key")
        self._fernet = MultiFernet([Fernet(fernet_key(k)) for k in keys])

    def seal(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, value: str) -> str:
        """The text of a sealed value; a value that is not sealed is returned as it is."""
        if not is_sealed(value):
            return value
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ValueError("a sealed value could not be opened with any of CAREBOT_DATA_KEYS") from None

    def reseal(self, value: str) -> str:
        """The value sealed with the first key (a value not sealed yet is sealed)."""
        if not is_sealed(value):
            return self.seal(value)
        return PREFIX + self._fernet.rotate(value[len(PREFIX):].encode("ascii")).decode("ascii")


def fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.strip().encode("utf-8")).digest())


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_of(dialect: Any) -> Seal | None:
    return getattr(dialect, "carebot_seal", None)


class SealedText(TypeDecorator):
    """Text, encrypted at rest when the engine has keys."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        seal = seal_of(dialect)
        return seal.seal(value) if seal is not None and isinstance(value, str) and not is_sealed(value) else value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        seal = seal_of(dialect)
        return seal.open(value) if seal is not None and is_sealed(value) else value


class SealedJSON(TypeDecorator):
    """JSON, encrypted at rest when the engine has keys: the column holds one JSON string, the sealed
    JSON text of the value (so the column stays valid JSON for PostgreSQL)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        seal = seal_of(dialect)
        if seal is None or value is None or is_sealed(value):
            return value
        return seal.seal(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        seal = seal_of(dialect)
        if seal is not None and is_sealed(value):
            return json.loads(seal.open(value))
        return value
