"""Password hashing for agent accounts: scrypt from the standard library, so no extra
dependency, with every parameter stored in the hash so they can be raised later without
invalidating existing passwords.

    encoded = hash_password("correct horse battery")   # scrypt$16384$8$1$<salt b64>$<hash b64>
    verify("correct horse battery", encoded)           # True
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 1024  # scrypt's cost grows with the input; nobody types more than this
# A stored hash is data: refuse parameters that would let a bad row eat the hub's memory.
MAX_MEMORY = 64 * 1024 * 1024


class WeakPassword(ValueError):
    """The password is too short (or absurdly long) to accept."""


def check_strength(password: str) -> None:
    """Raise WeakPassword unless the password is acceptable for a new or changed account."""
    if not isinstance(password, str):
        raise WeakPassword("the password must be text")
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password must be at least {MIN_LENGTH} characters (got {len(password)})")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password must be at most {MAX_LENGTH} characters")
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise WeakPassword("the password contains characters that are not valid text") from None


def hash_password(password: str) -> str:
    """A salted scrypt hash of an acceptable password (WeakPassword otherwise)."""
    check_strength(password)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P)
    return "$".join([SCHEME, str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify(password: str, encoded: str) -> bool:
    """Whether the password matches the hash. False, never an exception, for anything
    malformed: a corrupt row must look like a wrong password, not a server error."""
    try:
        scheme, n_text, r_text, p_text, salt_text, hash_text = encoded.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(hash_text, validate=True)
    except (AttributeError, ValueError, binascii.Error):
        return False
    if scheme != SCHEME or not _sane(n, r, p) or not salt or not 16 <= len(expected) <= 64:
        return False
    if not isinstance(password, str) or len(password) > MAX_LENGTH:
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def _sane(n: int, r: int, p: int) -> bool:
    return (1 < n and n & (n - 1) == 0 and 1 <= r <= 64 and 1 <= p <= 16
            and 128 * n * r * p <= MAX_MEMORY)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = HASH_BYTES) -> bytes:
    memory = 128 * n * r * (p + 1) + 1024 * 1024  # what OpenSSL asks for, with headroom
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
