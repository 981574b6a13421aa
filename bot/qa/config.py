"""The `qa:` section of the client file: which criteria count, their weights, the response-time thresholds."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


CRITERIA = ("resolution", "frustration", "empathy", "repeats", "response_time")
DEFAULT_WEIGHTS = {"resolution": 30.0, "frustration": 20.0, "empathy": 20.0, "repeats": 15.0, "response_time": 15.0}


class QaConfigError(ValueError):
    pass


@dataclass(frozen=True)
class QaConfig:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))  # enabled criteria only
    response_target_s: float = 60.0  # a reply within this scores 100
    response_max_s: float = 600.0  # a wait this long scores 0
    annoyed_score: float = 0.5  # a customer message at or above this warrants empathy (escalation.annoyed_score)


def qa_config_from_dict(section: Mapping[str, Any] | None, annoyed_score: float = 0.5) -> QaConfig:
    section = section or {}
    weights = dict(DEFAULT_WEIGHTS)
    for name, spec in (section.get("criteria") or {}).items():
        if name not in CRITERIA:
            raise QaConfigError(f"qa.criteria.{name}: unknown criterion (known: {', '.join(CRITERIA)})")
        spec = spec or {}
        if spec.get("enabled", True) is False:
            weights.pop(name, None)
            continue
        weight = float(spec.get("weight", DEFAULT_WEIGHTS[name]))
        if weight < 0:
            raise QaConfigError(f"qa.criteria.{name}.weight must not be negative")
        weights[name] = weight
    target = float(section.get("response_target_s", 60))
    worst = float(section.get("response_max_s", 600))
    if not 0 < target < worst:
        raise QaConfigError("qa: 0 < response_target_s < response_max_s")
    return QaConfig(weights=weights, response_target_s=target, response_max_s=worst, annoyed_score=annoyed_score)


def load_qa_config(path: str | Path) -> QaConfig:
    from bot.client_file import read_client_file

    return qa_config_from_client(read_client_file(path, QaConfigError))


def qa_config_from_client(data: Mapping[str, Any]) -> QaConfig:
    """The `qa:` section (and the escalation's `annoyed_score`) of the parsed client file."""
    annoyed = float((data.get("escalation") or {}).get("annoyed_score", 0.5))
    return qa_config_from_dict(data.get("qa"), annoyed)
