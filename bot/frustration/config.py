"""Escalation thresholds: the `escalation:` section of the client file (client.yml).

Every key is optional; a missing section or key takes the default below, so a client file
written before this section existed still works. Unknown keys and wrong types are errors
(a typo in a threshold must not silently fall back to a default).

    config = load_escalation_config(settings.client_file)
    config = load_escalation_config("other.yml")
    config = escalation_config_from_dict({"angry_score": 0.9})
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping



class EscalationConfigError(ValueError):
    """The escalation section has an unknown key or an invalid value (message names the key)."""


@dataclass(frozen=True)
class EscalationConfig:
    # A customer message scoring at or above this is frustrated; the bot's tone becomes "annoyed".
    annoyed_score: float = 0.5
    # An angry message escalates at once and turns the tone "angry": it scores at least
    # `angry_score` and shows one cue of intensity (shouting, profanity, sarcasm, "third time",
    # exasperation, a threat to leave, waiting), or it shows `angry_cues` such cues whatever its
    # score (sarcasm counts twice: the model reads its praise words as praise). The model alone
    # cannot tell "a bit disappointed" from "furious"; the cues can.
    angry_score: float = 0.85
    angry_cues: int = 2
    # Escalate when `sustained_messages` of the last `sustained_window` customer messages are frustrated.
    sustained_messages: int = 2
    sustained_window: int = 3
    # Fallbacks plus unhelpful knowledge-base answers before the customer's next message escalates
    # (for priority customers: `priority_bot_failures`).
    bot_failures: int = 2
    # Times the customer asks the same thing again (same intent, or a message this similar to an
    # earlier one by MiniLM cosine) before escalating.
    repeated_requests: int = 1
    repeat_similarity: float = 0.7
    # Seconds of waiting (reported with a customer message) that escalate.
    long_wait_s: float = 600.0
    # CRM tiers served with priority; at-risk customers are always priority.
    priority_tiers: tuple[str, ...] = ("vip",)
    # For a priority customer one message at or above this escalates, and fewer bot failures do.
    priority_score: float = 0.6
    priority_bot_failures: int = 1
    # An explicit request for a person escalates at once.
    person_request: bool = True
    # A threat to leave (cancel everything, dispute the charge, a bad review) escalates at once.
    churn_threat: bool = True
    # Weight of the newest message in the smoothed score that sets the bot's tone (1 = last only).
    smoothing: float = 0.6

    def __post_init__(self) -> None:
        for name in ("annoyed_score", "angry_score", "repeat_similarity", "priority_score", "smoothing"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise EscalationConfigError(f"escalation.{name}: expected a number from 0 to 1, got {value!r}")
        if self.angry_score < self.annoyed_score:
            raise EscalationConfigError("escalation.angry_score must be at least escalation.annoyed_score")
        for name in ("angry_cues", "sustained_messages", "sustained_window", "bot_failures", "repeated_requests",
                     "priority_bot_failures"):
            if getattr(self, name) < 1:
                raise EscalationConfigError(f"escalation.{name}: expected a whole number of at least 1")
        if self.sustained_messages > self.sustained_window:
            raise EscalationConfigError("escalation.sustained_messages cannot exceed escalation.sustained_window")
        if self.long_wait_s <= 0:
            raise EscalationConfigError("escalation.long_wait_s: expected a positive number of seconds")


_DEFAULTS = EscalationConfig()
_FIELDS = {f.name: f for f in fields(EscalationConfig)}


def _coerce(name: str, value: Any) -> Any:
    default = getattr(_DEFAULTS, name)
    key = f"escalation.{name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise EscalationConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise EscalationConfigError(f"{key}: expected a whole number, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EscalationConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if isinstance(default, tuple):
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise EscalationConfigError(f"{key}: expected a list of names, got {value!r}")
        return tuple(i.strip().lower() for i in items)
    raise AssertionError(name)  # pragma: no cover


def escalation_config_from_dict(section: Mapping[str, Any] | None) -> EscalationConfig:
    """The config from the `escalation:` mapping (None or {} gives the defaults)."""
    if section is None:
        return _DEFAULTS
    if not isinstance(section, Mapping):
        raise EscalationConfigError("escalation: expected a mapping of thresholds")
    unknown = sorted(set(section) - set(_FIELDS))
    if unknown:
        raise EscalationConfigError(f"escalation: unknown key(s) {', '.join(map(str, unknown))}; "
                                    f"known: {', '.join(_FIELDS)}")
    return replace(_DEFAULTS, **{name: _coerce(name, value) for name, value in section.items()})


def load_escalation_config(path: Path | str | None = None) -> EscalationConfig:
    """The `escalation:` section of the client file (default: the project's client.yml); defaults when the
    file has none."""
    from bot.client_file import read_client_file

    if path is None:
        from bot.settings import PROJECT_ROOT

        path = PROJECT_ROOT / "client.yml"
    return escalation_config_from_dict(read_client_file(path, EscalationConfigError).get("escalation"))
