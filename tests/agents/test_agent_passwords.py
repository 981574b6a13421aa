"""scrypt hashes: round trip, wrong passwords, malformed or hostile stored hashes."""
from __future__ import annotations

import pytest

from bot.agents.passwords import WeakPassword, check_strength, hash_password, verify

PASSWORD = "correct horse battery"


def test_roundtrip_and_format():
    encoded = hash_password(PASSWORD)
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) == 24 and len(digest) == 44  # 16 and 32 bytes, base64
    assert verify(PASSWORD, encoded)


def test_wrong_password():
    encoded = hash_password(PASSWORD)
    assert not verify("correct horse batterY", encoded)
    assert not verify("", encoded)


def test_salt_differs_each_time():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.split("$")[4] != second.split("$")[4]
    assert verify(PASSWORD, first) and verify(PASSWORD, second)


@pytest.mark.parametrize("bad", [
    "", "garbage", None, 42, "scrypt$16384$8$1$abc", "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
    "scrypt$x$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$16384$8$1$not*base64$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # n not a power of 2
    "scrypt$1048576$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # 1 GiB of memory
    "scrypt$16384$8$1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # no salt
])
def test_malformed_hash_is_false_not_an_error(bad):
    assert verify(PASSWORD, bad) is False


def test_tampered_hash_fails():
    encoded = hash_password(PASSWORD)
    head, digest = encoded.rsplit("$", 1)
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    assert not verify(PASSWORD, f"{head}${flipped}")


def test_minimum_length():
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        hash_password("123456789")
    with pytest.raises(WeakPassword):
        check_strength("x" * 2000)
    assert isinstance(WeakPassword("x"), ValueError)
    check_strength("1234567890")
