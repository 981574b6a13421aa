"""The counters in Redis, so every hub replica sees the same counts (CAREBOT_REDIS_URL).

Each operation is one Lua script, atomic in Redis and timed by Redis's clock (replicas' clocks may
differ). Redis unreachable does not take the hub down: the operation is counted in this process
instead (each replica then limits on its own) and a warning is logged once per outage; Redis is
tried again after ``RETRY_REDIS_S``.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from bot.hub.limits.counters import ALLOWED, Charge, Decision, MemoryCounters

log = logging.getLogger(__name__)

TIMEOUT_S = 0.5  # a slow Redis must not hold up a customer's message for long
RETRY_REDIS_S = 5.0

# KEYS: the buckets; ARGV: count, interval (ms) per bucket. Returns {0, 0} when taken, else
# {index of the bucket that refused (1-based), ms until it has room}.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local later, refused, wait = {}, 0, 0
for i = 1, #KEYS do
  local count, interval = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local allowed_at = tat - (count - 1) * interval
  if allowed_at > now and allowed_at - now > wait then refused, wait = i, allowed_at - now end
  later[i] = tat + interval
end
if refused > 0 then return {refused, math.ceil(wait)} end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], string.format('%.3f', later[i]), 'PX', math.ceil(later[i] - now) + 1)
end
return {0, 0}
"""

GIVE_BACK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
tat = tat - tonumber(ARGV[1])
if tat <= now then redis.call('DEL', KEYS[1]) return 0 end
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1)
return 1
"""

# A sorted set of holders scored by the end of their lease. ARGV: holder, limit, lease (ms).
HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class RedisCounters:
    def __init__(self, url: str, *, fallback: MemoryCounters | None = None) -> None:
        self.redis = Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S,
                                    retry=Retry(NoBackoff(), 0))
        self.fallback = fallback or MemoryCounters()
        self._take, self._give_back, self._hold = (self.redis.register_script(s) for s in (TAKE, GIVE_BACK, HOLD))
        self._down, self._retry_at = False, 0.0  # while down, count here without trying Redis each time

    async def take(self, charges: Sequence[Charge]) -> Decision:
        if not charges:
            return ALLOWED
        args: list[float] = []
        for charge in charges:
            args += [charge.rule.count, charge.rule.interval_s * 1000]
        result = await self._call(self._take, [c.key for c in charges], args)
        if result is None:
            return await self.fallback.take(charges)
        refused, wait_ms = int(result[0]), int(result[1])
        if not refused:
            return ALLOWED
        return Decision(False, wait_ms / 1000, charges[refused - 1].rule.name)

    async def give_back(self, charge: Charge) -> None:
        if await self._call(self._give_back, [charge.key], [charge.rule.interval_s * 1000]) is None:
            await self.fallback.give_back(charge)

    async def hold(self, key: str, holder: str, limit: int, lease_s: float) -> bool:
        result = await self._call(self._hold, [key], [holder, limit, math.ceil(lease_s * 1000)])
        if result is None:
            return await self.fallback.hold(key, holder, limit, lease_s)
        return bool(result)

    async def release(self, key: str, holder: str) -> None:
        await self.fallback.release(key, holder)  # it may have been held there during an outage
        if not self._down:
            try:
                await self.redis.zrem(key, holder)
            except (RedisError, OSError):
                pass  # the lease runs out by itself

    async def ping(self) -> bool:
        return await self._call(None, [], []) is not None

    async def close(self) -> None:
        await self.redis.aclose()

    async def _call(self, script, keys: list[str], args: list):
        """The script's answer, or None when Redis cannot be reached (the caller counts in memory)."""
        if self._down and time.monotonic() < self._retry_at:
            return None
        try:
            result = await (script(keys=keys, args=args) if script is not None else self.redis.ping())
        except (RedisError, OSError) as exc:
            if not self._down:
                log.warning("Redis is unreachable: abuse limits are counted per replica until it is back",
                            extra={"event": "limits_redis_down", "error": str(exc)[:200]})
            self._down, self._retry_at = True, time.monotonic() + RETRY_REDIS_S
            return None
        if self._down:
            self._down = False
            log.info("Redis is back: abuse limits are shared by the replicas again", extra={"event": "limits_redis_up"})
        return result
