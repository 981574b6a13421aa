"""The machine's real Redis (127.0.0.1:6379, or CAREBOT_TEST_REDIS), one key prefix per test, removed after it."""
from __future__ import annotations

import os
import uuid

import pytest

REDIS_URL = os.environ.get("CAREBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_keys(prefix: str) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return list(client.scan_iter(match=f"{prefix}*"))
    finally:
        client.close()


@pytest.fixture
def redis_prefix():
    """A fresh key prefix on the real Redis; its keys are deleted after the test."""
    import redis

    if os.environ.get("CAREBOT_SKIP_REDIS") == "1":
        pytest.skip("CAREBOT_SKIP_REDIS=1")
    prefix = f"carebot-test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
