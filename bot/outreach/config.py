"""The client's outreach limits (``client.yml`` ``outreach:``); every key has a default."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Mapping



@dataclass(frozen=True)
class OutreachConfig:
    quiet_start: time = time(21, 0)  # no proactive message from 21:00 ...
    quiet_end: time = time(8, 0)  # ... to 08:00, in the customer's own time zone
    cap_messages: int = 3  # at most this many proactive messages per customer ...
    cap_days: float = 7.0  # ... in this many days
    max_attempts: int = 5  # Rasa unreachable: tries before the job fails
    retry_base_s: float = 60.0  # first pause between tries, doubled each time
    tick_s: float = 30.0  # how often the hub looks for due jobs
    conversation_days: float = 30.0  # an outreach message continues a conversation this recent
    busy_defer_s: float = 900.0  # a person is talking to the customer: try again this much later


def _time(value: object, default: time) -> time:
    if value is None:
        return default
    hours, minutes = str(value).split(":")
    return time(int(hours) % 24, int(minutes))


def load_outreach_config(client_file: Path) -> OutreachConfig:
    from bot.client_file import read_client_file

    return outreach_config_from_client(read_client_file(client_file))


def outreach_config_from_client(data: Mapping[str, Any]) -> OutreachConfig:
    """The `outreach:` section of the parsed client file."""
    section = data.get("outreach") or {}
    quiet = section.get("quiet_hours") or {}
    cap = section.get("frequency_cap") or {}
    base = OutreachConfig()
    return OutreachConfig(
        quiet_start=_time(quiet.get("start"), base.quiet_start), quiet_end=_time(quiet.get("end"), base.quiet_end),
        cap_messages=int(cap.get("messages", base.cap_messages)), cap_days=float(cap.get("days", base.cap_days)),
        max_attempts=int(section.get("max_attempts", base.max_attempts)),
        retry_base_s=float(section.get("retry_base_s", base.retry_base_s)),
        tick_s=float(section.get("tick_s", base.tick_s)),
        conversation_days=float(section.get("conversation_days", base.conversation_days)),
        busy_defer_s=float(section.get("busy_defer_s", base.busy_defer_s)))
