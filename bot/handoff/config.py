"""The `handoff:` section of the client file: queue priority weights, wait estimate, canned replies."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping



class HandoffConfigError(ValueError):
    pass


@dataclass(frozen=True)
class CannedReply:
    id: str
    title: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "text": self.text}


@dataclass(frozen=True)
class HandoffConfig:
    frustration_weight: float = 50.0  # priority points for a frustration score of 1.0
    priority_customer_weight: float = 30.0  # VIP / at-risk customers
    per_minute_weight: float = 2.0  # points for every minute waited, so nobody waits forever
    expected_handle_s: float = 300.0  # until enough handoffs have been handled to measure it
    at_risk_open_tickets: int = 2  # a customer with this many open tickets counts as at risk
    canned_replies: tuple[CannedReply, ...] = field(default_factory=tuple)


_NUMBERS = ("frustration_weight", "priority_customer_weight", "per_minute_weight", "expected_handle_s")


def handoff_config_from_dict(section: Mapping[str, Any] | None) -> HandoffConfig:
    if not section:
        return HandoffConfig()
    if not isinstance(section, Mapping):
        raise HandoffConfigError("handoff: expected a mapping")
    known = set(_NUMBERS) | {"at_risk_open_tickets", "canned_replies"}
    unknown = sorted(set(section) - known)
    if unknown:
        raise HandoffConfigError(f"handoff: unknown key(s) {', '.join(map(str, unknown))}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for name in _NUMBERS:
        if name in section:
            value = section[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise HandoffConfigError(f"handoff.{name}: expected a number >= 0, got {value!r}")
            values[name] = float(value)
    if "at_risk_open_tickets" in section:
        value = section["at_risk_open_tickets"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise HandoffConfigError(f"handoff.at_risk_open_tickets: expected a whole number >= 1, got {value!r}")
        values["at_risk_open_tickets"] = value
    replies = []
    for index, item in enumerate(section.get("canned_replies") or []):
        if not isinstance(item, Mapping) or not all(isinstance(item.get(k), str) and item[k].strip()
                                                    for k in ("title", "text")):
            raise HandoffConfigError(f"handoff.canned_replies[{index}]: expected {{title: ..., text: ...}}")
        replies.append(CannedReply(id=str(item.get("id") or index + 1), title=item["title"].strip(),
                                   text=item["text"].strip()))
    values["canned_replies"] = tuple(replies)
    return HandoffConfig(**values)


def load_handoff_config(path: Path | str) -> HandoffConfig:
    from bot.client_file import read_client_file

    return handoff_config_from_dict(read_client_file(path, HandoffConfigError).get("handoff"))
