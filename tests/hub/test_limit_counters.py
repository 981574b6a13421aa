"""The abuse-limit counters (bot/hub/limits): the same behaviour in process and in the real Redis."""
from __future__ import annotations

import asyncio
import logging

import pytest
from real_redis import REDIS_URL, redis_keys, redis_prefix  # noqa: F401 (a fixture)

from bot.hub.limits.counters import Charge, MemoryCounters
from bot.hub.limits.redis_counters import RedisCounters
from bot.hub.limits.rules import IP, Rule, rules_from
from tests.ports import free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["memory", "redis"])
async def counters(request):
    """Counters and a key prefix of their own."""
    if request.param == "memory":
        yield MemoryCounters(), "mem:"
        return
    prefix = request.getfixturevalue("redis_prefix")
    redis_counters = RedisCounters(REDIS_URL)
    yield redis_counters, prefix
    await redis_counters.close()


def charge(prefix: str, name: str, count: int, period_s: float) -> Charge:
    return Charge(f"{prefix}{name}", Rule(name, IP, count, period_s))


async def test_a_bucket_lets_its_count_through_then_refuses_until_a_token_comes_back(counters):
    counters, prefix = counters
    three = charge(prefix, "three", 3, 0.6)  # one token back every 0.2 s
    assert [(await counters.take([three])).allowed for _ in range(4)] == [True, True, True, False]
    refused = await counters.take([three])
    assert refused.limit == "three" and 0 < refused.retry_after_s <= 0.2 + 0.01
    await asyncio.sleep(refused.retry_after_s + 0.02)
    assert (await counters.take([three])).allowed
    assert not (await counters.take([three])).allowed
    await asyncio.sleep(0.65)  # a whole period: the full burst again
    assert [(await counters.take([three])).allowed for _ in range(4)] == [True, True, True, False]


async def test_a_refused_event_uses_up_nothing_in_the_other_buckets(counters):
    counters, prefix = counters
    small, large = charge(prefix, "small", 1, 60), charge(prefix, "large", 3, 60)
    assert (await counters.take([small, large])).allowed
    refused = await counters.take([small, large])
    assert not refused.allowed and refused.limit == "small" and refused.retry_after_s > 50
    # "large" still has its two tokens: the refused events were not charged to it
    assert [(await counters.take([large])).allowed for _ in range(3)] == [True, True, False]


async def test_a_given_back_event_can_be_taken_again(counters):
    counters, prefix = counters
    two = charge(prefix, "two", 2, 60)
    assert (await counters.take([two])).allowed and (await counters.take([two])).allowed
    assert not (await counters.take([two])).allowed
    await counters.give_back(two)
    assert (await counters.take([two])).allowed
    assert not (await counters.take([two])).allowed


async def test_slots_are_bounded_released_and_expire_with_their_lease(counters):
    counters, prefix = counters
    key = f"{prefix}sockets"
    assert await counters.hold(key, "a", 2, 60) and await counters.hold(key, "b", 2, 60)
    assert not await counters.hold(key, "c", 2, 60)
    assert await counters.hold(key, "a", 2, 60)  # renewing one's own slot is not a new one
    await counters.release(key, "a")
    assert await counters.hold(key, "c", 2, 60)
    assert not await counters.hold(key, "d", 2, 60)
    short = f"{prefix}short"
    assert await counters.hold(short, "x", 1, 0.2)
    assert not await counters.hold(short, "y", 1, 0.2)
    await asyncio.sleep(0.3)  # x's replica died without releasing: its lease runs out
    assert await counters.hold(short, "y", 1, 0.2)


async def test_redis_keys_expire_when_their_bucket_is_full_again(redis_prefix):
    counters = RedisCounters(REDIS_URL)
    try:
        await counters.take([charge(redis_prefix, "brief", 2, 0.2)])
        assert redis_keys(redis_prefix)
        await asyncio.sleep(0.3)
        assert redis_keys(redis_prefix) == []  # nothing piles up in Redis per IP seen
    finally:
        await counters.close()


async def test_two_replicas_share_one_count_in_redis(redis_prefix):
    first, second = RedisCounters(REDIS_URL), RedisCounters(REDIS_URL)
    try:
        shared = charge(redis_prefix, "shared", 3, 60)
        assert (await first.take([shared])).allowed and (await second.take([shared])).allowed
        assert (await first.take([shared])).allowed
        assert not (await second.take([shared])).allowed
        key = f"{redis_prefix}slots"
        assert await first.hold(key, "first", 1, 60)
        assert not await second.hold(key, "second", 1, 60)
    finally:
        await first.close()
        await second.close()


async def test_redis_unreachable_counts_in_this_process_and_says_so_once(caplog):
    caplog.set_level(logging.INFO, logger="bot")
    counters = RedisCounters(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        assert not await counters.ping()
        two = charge("down:", "two", 2, 60)
        assert [(await counters.take([two])).allowed for _ in range(3)] == [True, True, False]
        assert await counters.hold("down:slots", "a", 1, 60) and not await counters.hold("down:slots", "b", 1, 60)
        await counters.release("down:slots", "a")
        assert await counters.hold("down:slots", "b", 1, 60)
    finally:
        await counters.close()
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "limits_redis_down"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_operators_change_limits_with_count_per_period():
    rules = rules_from(["new_conversations_per_ip=300/h", "messages_per_conversation = 10/5s",
                        "typing_per_ip=off", "sockets_per_ip=7"])
    assert (rules["new_conversations_per_ip"].count, rules["new_conversations_per_ip"].period_s) == (300, 3600)
    assert rules["messages_per_conversation"].interval_s == 0.5
    assert not rules["typing_per_ip"].on and rules["typing_per_conversation"].on
    assert rules.sockets_per_ip == 7
    assert rules_from(["sockets_per_ip=off"]).sockets_per_ip == 0
    for wrong in ["messages=10/s", "messages_per_ip", "messages_per_ip=0/s", "messages_per_ip=10/fortnight",
                  "messages_per_ip=ten/s", "sockets_per_ip=-1"]:
        with pytest.raises(ValueError, match="CAREBOT_LIMITS"):
            rules_from([wrong])


def test_the_limit_settings_come_from_the_environment(monkeypatch):
    from bot.settings import Settings

    for name in ("CAREBOT_ACTIONS_TOKEN", "CAREBOT_RASA_TOKEN"):  # not the checkout's var/secrets
        monkeypatch.setenv(name, "test-token")
    assert (Settings.from_env().redis_url, Settings.from_env().limits) == ("", ())  # in process, the defaults
    assert Settings.from_env().trusted_proxies == ("127.0.0.1", "::1")
    monkeypatch.setenv("CAREBOT_REDIS_URL", "redis://cache.internal:6379/2")
    monkeypatch.setenv("CAREBOT_LIMITS", "new_conversations_per_ip=300/h, sockets_per_ip=7")
    monkeypatch.setenv("CAREBOT_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5")
    monkeypatch.setenv("CAREBOT_LIMIT_EXEMPT_IPS", "none")
    settings = Settings.from_env()
    assert settings.redis_url == "redis://cache.internal:6379/2" and "cache.internal" not in repr(settings)
    assert settings.limits == ("new_conversations_per_ip=300/h", "sockets_per_ip=7")
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.168.1.5") and settings.limit_exempt_ips == ()


async def test_a_flood_of_refusals_is_one_warning_with_a_count_and_no_address(caplog, monkeypatch):
    from bot.hub.limits import guard

    caplog.set_level(logging.INFO, logger="bot")
    limits = guard.AbuseLimits(MemoryCounters(), rules_from(["messages_per_ip=1/1h"]))
    decisions = [await limits.take(("messages_per_ip",), ip="203.0.113.7") for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] + [False] * 5
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "rate_limited"]
    assert len(warnings) == 1 and warnings[0].limit == "messages_per_ip"
    monkeypatch.setattr(guard, "LOG_EVERY_S", 0.0)
    await limits.take(("messages_per_ip",), ip="203.0.113.7")
    warnings = [r for r in caplog.records if getattr(r, "event", None) == "rate_limited"]
    assert len(warnings) == 2 and warnings[1].refused_since_last == 4
    assert not any("203.0.113" in str(value) for record in warnings for value in vars(record).values())
