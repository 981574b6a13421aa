"""Where the limits count: the interface, and the in-process counters (one hub replica).

Two kinds of counting: ``take`` charges one event to several buckets at once, all or nothing (a
refused frame uses up nothing), GCRA over a timestamp per key; ``hold`` keeps one of a bounded
number of leased slots (open sockets per IP). bot/hub/limits/redis_counters.py does the same in
Redis, for several replicas.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from bot.hub.limits.rules import Rule


@dataclass(frozen=True)
class Charge:
    key: str
    rule: Rule


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after_s: float = 0.0
    limit: str | None = None  # the rule that refused


ALLOWED = Decision(True)
EPSILON_S = 1e-6  # float sums of intervals must not refuse an event that is due


class Counters(Protocol):
    async def take(self, charges: Sequence[Charge]) -> Decision:
        """One event on every bucket, or on none when one of them is empty."""

    async def give_back(self, charge: Charge) -> None:
        """Undo one event (a successful login is not an attempt to throttle)."""

    async def hold(self, key: str, holder: str, limit: int, lease_s: float) -> bool:
        """Take or renew ``holder``'s slot under ``key``; False when ``limit`` others hold one."""

    async def release(self, key: str, holder: str) -> None: ...

    async def close(self) -> None: ...


class MemoryCounters:
    """The counters in this process: right for one replica; a second one needs Redis."""

    PRUNE_EVERY = 1000  # takes between sweeps of full buckets (bounded memory under a flood of IPs)

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tat: dict[str, float] = {}  # key -> when its bucket is full again ("theoretical arrival time")
        self._slots: dict[str, dict[str, float]] = {}  # key -> holder -> lease end
        self._takes = 0

    async def take(self, charges: Sequence[Charge]) -> Decision:
        return self.take_now(charges)

    def take_now(self, charges: Sequence[Charge]) -> Decision:
        now = self._clock()
        refused: Decision | None = None
        later: list[float] = []
        for charge in charges:
            tat = max(self._tat.get(charge.key, now), now)
            allowed_at = tat - (charge.rule.count - 1) * charge.rule.interval_s
            if allowed_at - now > EPSILON_S and (refused is None or allowed_at - now > refused.retry_after_s):
                refused = Decision(False, allowed_at - now, charge.rule.name)
            later.append(tat + charge.rule.interval_s)
        if refused is not None:
            return refused
        for charge, tat in zip(charges, later):
            self._tat[charge.key] = tat
        self._takes += 1
        if self._takes % self.PRUNE_EVERY == 0:
            self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
        return ALLOWED

    async def give_back(self, charge: Charge) -> None:
        tat = self._tat.get(charge.key)
        if tat is not None:
            self._tat[charge.key] = tat - charge.rule.interval_s

    async def hold(self, key: str, holder: str, limit: int, lease_s: float) -> bool:
        now = self._clock()
        slots = {h: end for h, end in self._slots.get(key, {}).items() if end > now}
        if holder not in slots and len(slots) >= limit:
            self._slots[key] = slots
            return False
        slots[holder] = now + lease_s
        self._slots[key] = slots
        return True

    async def release(self, key: str, holder: str) -> None:
        slots = self._slots.get(key)
        if slots is not None:
            slots.pop(holder, None)
            if not slots:
                del self._slots[key]

    async def close(self) -> None:
        return None
