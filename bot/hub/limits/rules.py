"""The abuse limits: each one a name, who it counts (an IP or a conversation) and COUNT per PERIOD.

A limit lets COUNT events through at once, then one every PERIOD/COUNT seconds (a token bucket,
counted as GCRA: one timestamp per key). Defaults are far above what a customer or the test suite
does; an operator changes them with ``CAREBOT_LIMITS="name=COUNT/PERIOD,..."`` (PERIOD: ``s``,
``20s``, ``min``, ``h``; ``name=off`` turns one off), e.g. ``new_conversations_per_ip=300/h``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Mapping

IP, CONVERSATION = "ip", "conversation"


@dataclass(frozen=True)
class Rule:
    name: str
    scope: str  # IP or CONVERSATION: whose events share the bucket
    count: int  # events let through at once (the burst), and per period
    period_s: float
    on: bool = True

    @property
    def interval_s(self) -> float:
        """Seconds one event's token takes to come back."""
        return self.period_s / self.count


MINUTE, HOUR = 60.0, 3600.0

DEFAULT_RULES: tuple[Rule, ...] = (
    # every widget frame, whatever its type (malformed ones included)
    Rule("frames_per_ip", IP, 1200, MINUTE),
    Rule("hello_per_ip", IP, 120, MINUTE),
    Rule("hello_per_conversation", CONVERSATION, 30, MINUTE),  # resuming: tabs, reconnects
    # a conversation created by a widget `hello` (no valid token) or POST /api/conversations
    Rule("new_conversations_per_ip", IP, 100, HOUR),
    # customer messages, widget and REST together: a burst of 20 (a reconnect resending its outbox), then 1/s
    Rule("messages_per_conversation", CONVERSATION, 20, 20.0),
    Rule("messages_per_ip", IP, 120, MINUTE),
    Rule("typing_per_conversation", CONVERSATION, 120, MINUTE),
    Rule("typing_per_ip", IP, 600, MINUTE),
    Rule("read_per_conversation", CONVERSATION, 120, MINUTE),
    Rule("read_per_ip", IP, 600, MINUTE),
    Rule("ping_per_conversation", CONVERSATION, 60, MINUTE),  # the widget pings every 25 s per tab
    Rule("ping_per_ip", IP, 300, MINUTE),
    # every frame of the agent consoles' sockets (signed-in staff; many behind one office address)
    Rule("console_frames_per_ip", IP, 6000, MINUTE),
    # every /api/ request (customers' and the staff consoles')
    Rule("api_per_ip", IP, 3000, MINUTE),
    Rule("history_per_conversation", CONVERSATION, 120, MINUTE),  # GET /api/conversations/{id}/messages
    # agent and supervisor logins; a successful one is given back (a shift starting behind one office IP)
    Rule("logins_per_ip", IP, 30, 15 * MINUTE),
)

# Open widget sockets per IP at once (not a rate): a held slot, renewed while the socket lives.
SOCKETS_PER_IP = 100
SOCKET_LEASE_S = 120.0  # a replica that dies leaves its slots behind this long at most
SOCKET_RETRY_S = 30.0  # what a refused socket is told (sockets close at unknown times)

_PERIODS = {"s": 1.0, "sec": 1.0, "min": MINUTE, "m": MINUTE, "h": HOUR, "d": 24 * HOUR}
_SPEC = re.compile(r"^(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*([a-z]+)$")


@dataclass(frozen=True)
class Rules:
    by_name: Mapping[str, Rule]
    sockets_per_ip: int = SOCKETS_PER_IP  # 0: no limit

    def __getitem__(self, name: str) -> Rule:
        return self.by_name[name]


def rules_from(overrides: Iterable[str] = ()) -> Rules:
    """The defaults changed by ``name=COUNT/PERIOD`` / ``name=off`` / ``sockets_per_ip=N`` items.
    ValueError names the item that is wrong (the hub refuses to start on it)."""
    by_name = {rule.name: rule for rule in DEFAULT_RULES}
    sockets = SOCKETS_PER_IP
    for item in overrides:
        name, sep, value = (part.strip().lower() for part in item.partition("="))
        if not sep:
            raise ValueError(f"CAREBOT_LIMITS: {item!r} is not name=COUNT/PERIOD")
        if name == "sockets_per_ip":
            sockets = 0 if value == "off" else _positive_int(item, value)
            continue
        if name not in by_name:
            raise ValueError(f"CAREBOT_LIMITS: no limit named {name!r} (known: sockets_per_ip, "
                             f"{', '.join(sorted(by_name))})")
        if value == "off":
            by_name[name] = replace(by_name[name], on=False)
            continue
        match = _SPEC.match(value)
        if not match or match.group(3) not in _PERIODS:
            raise ValueError(f"CAREBOT_LIMITS: {item!r}: write COUNT/PERIOD, e.g. 100/h, 20/20s, 60/min")
        count = _positive_int(item, match.group(1))
        period = float(match.group(2) or 1) * _PERIODS[match.group(3)]
        if period <= 0:
            raise ValueError(f"CAREBOT_LIMITS: {item!r}: the period must be longer than 0")
        by_name[name] = replace(by_name[name], count=count, period_s=period, on=True)
    return Rules(by_name, sockets)


def _positive_int(item: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"CAREBOT_LIMITS: {item!r}: the count must be a whole number of at least 1")
    return int(value)
