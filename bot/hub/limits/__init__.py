"""Abuse limits (issue 15): per IP and per conversation, on every widget frame and REST route, open
sockets and new conversations per IP, logins per IP. The rules are in ``rules.py``; they count in
Redis when ``CAREBOT_REDIS_URL`` is set (every replica sees the same counts) and in this process
otherwise (one replica). The composition root calls ``open_limits``; the routes ask ``hub.limits``.
"""
from __future__ import annotations

from bot.hub.client_ip import networks
from bot.hub.limits.counters import Counters, Decision, MemoryCounters
from bot.hub.limits.guard import AbuseLimits
from bot.hub.limits.rules import Rules, rules_from
from bot.settings import Settings

__all__ = ["AbuseLimits", "Decision", "Rules", "open_limits"]


async def open_limits(settings: Settings) -> AbuseLimits:
    """The limits for ``settings`` (ValueError when CAREBOT_LIMITS or an address list is wrong)."""
    rules = rules_from(settings.limits)
    counters: Counters
    if settings.redis_url:
        from bot.hub.limits.redis_counters import RedisCounters

        counters = RedisCounters(settings.redis_url)
        await counters.ping()  # Redis down is logged; the hub starts anyway and tries it again later
    else:
        counters = MemoryCounters()
    return AbuseLimits(counters, rules, prefix=settings.redis_prefix,
                       trusted_proxies=networks(settings.trusted_proxies),
                       exempt=networks(settings.limit_exempt_ips))
