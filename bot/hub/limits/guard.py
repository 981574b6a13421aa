"""``AbuseLimits``: what the routes ask ("may this IP / conversation do this now?").

Per-IP limits count an IPv6 client by its /64 (one customer's line), and do not count the addresses
in ``CAREBOT_LIMIT_EXEMPT_IPS`` (default: this machine, where the tests, the benchmarks and an
operator's scripts run). Per-conversation limits count every tab, transport and replica of the
conversation together.
"""
from __future__ import annotations

import ipaddress
import logging
import time
import uuid
from typing import Iterable

from starlette.requests import HTTPConnection

from bot.hub.client_ip import Network, client_ip, parse, within
from bot.hub.limits.counters import ALLOWED, Charge, Counters, Decision
from bot.hub.limits.rules import CONVERSATION, IP, SOCKET_LEASE_S, SOCKET_RETRY_S, Rules

log = logging.getLogger(__name__)

LOG_EVERY_S = 10.0


class AbuseLimits:
    def __init__(self, counters: Counters, rules: Rules, *, prefix: str = "carebot:",
                 trusted_proxies: tuple[Network, ...] = (), exempt: tuple[Network, ...] = ()) -> None:
        self.counters, self.rules = counters, rules
        self.prefix = f"{prefix}limits:"
        self.trusted_proxies, self.exempt = trusted_proxies, exempt
        self._logged: dict[str, tuple[float, int]] = {}  # limit -> (last warning, refusals not logged since)

    def ip_of(self, conn: HTTPConnection) -> str:
        return client_ip(conn, self.trusted_proxies)

    def _ip_subject(self, ip: str | None) -> str | None:
        if ip is None:
            return None
        address = parse(ip)
        if within(address, self.exempt):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return ip

    async def take(self, names: Iterable[str], *, ip: str | None = None,
                   conversation: str | None = None) -> Decision:
        """One event against each named limit that applies (an exempt IP, or no conversation yet, skips
        that scope's limits); nothing is counted when one of them refuses."""
        subjects = {IP: self._ip_subject(ip), CONVERSATION: conversation}
        charges = []
        for name in names:
            rule = self.rules[name]
            subject = subjects[rule.scope]
            if rule.on and subject is not None:
                charges.append(Charge(f"{self.prefix}{name}:{subject}", rule))
        if not charges:
            return ALLOWED
        decision = await self.counters.take(charges)
        if not decision.allowed:
            self._log_refusal(decision)
        return decision

    def _log_refusal(self, decision: Decision) -> None:
        """One warning per limit per LOG_EVERY_S with the number refused meanwhile: a flood must not
        become a flood of log lines. No address in the log (it is personal data)."""
        now = time.monotonic()
        name = decision.limit or "?"
        last, refused = self._logged.get(name, (float("-inf"), 0))
        if now - last < LOG_EVERY_S:
            self._logged[name] = (last, refused + 1)
            return
        self._logged[name] = (now, 0)
        log.warning("over an abuse limit", extra={"event": "rate_limited", "limit": name, "refused_since_last": refused,
                                                  "retry_after_s": round(decision.retry_after_s, 1)})

    async def give_back(self, name: str, *, ip: str | None = None, conversation: str | None = None) -> None:
        rule = self.rules[name]
        subject = self._ip_subject(ip) if rule.scope == IP else conversation
        if rule.on and subject is not None:
            await self.counters.give_back(Charge(f"{self.prefix}{name}:{subject}", rule))

    # open sockets per IP -------------------------------------------------------------------------
    def socket_holder(self) -> str:
        return uuid.uuid4().hex

    async def open_socket(self, ip: str, holder: str) -> Decision:
        """Hold one of the IP's socket slots (renew it with ``keep_socket`` within SOCKET_LEASE_S)."""
        subject = self._ip_subject(ip)
        if subject is None or not self.rules.sockets_per_ip:
            return ALLOWED
        if await self.counters.hold(self._socket_key(subject), holder, self.rules.sockets_per_ip, SOCKET_LEASE_S):
            return ALLOWED
        refused = Decision(False, SOCKET_RETRY_S, "sockets_per_ip")
        self._log_refusal(refused)
        return refused

    async def keep_socket(self, ip: str, holder: str) -> None:
        subject = self._ip_subject(ip)
        if subject is not None and self.rules.sockets_per_ip:
            # renewing never refuses: a socket already open stays open
            await self.counters.hold(self._socket_key(subject), holder, 1 << 30, SOCKET_LEASE_S)

    async def close_socket(self, ip: str, holder: str) -> None:
        subject = self._ip_subject(ip)
        if subject is not None and self.rules.sockets_per_ip:
            await self.counters.release(self._socket_key(subject), holder)

    def _socket_key(self, subject: str) -> str:
        return f"{self.prefix}sockets_per_ip:{subject}"

    async def close(self) -> None:
        await self.counters.close()
