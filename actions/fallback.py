""""Did you mean ...?" suggestions: the likely intents of an unclear message as buttons.

actions/knowledge.py offers them when the knowledge base has no reliable answer either.

Button titles come from data/intent_labels.yml (data, not code: a second client edits the
YAML); an intent without a label gets its name made readable ("order_status" -> "Order status").
"""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from actions.common import log
from bot.settings import PROJECT_ROOT

LABELS_FILE = PROJECT_ROOT / "data" / "intent_labels.yml"
NLU_FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
SUGGESTIONS = 2
# Answers rather than requests: "Did you mean: Give some details?" helps nobody. handoff_returned
# is the hub's signal after an agent hands back, never something a customer asks for.
NOT_SUGGESTED = frozenset({NLU_FALLBACK, OUT_OF_SCOPE, "inform", "affirm", "deny", "handoff_returned"})


@functools.lru_cache(maxsize=4)
def _load_labels(path: str, mtime_ns: int) -> dict[str, str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (data.get("labels") or {}).items()}


def intent_labels(path: Path = LABELS_FILE) -> dict[str, str]:
    """intent -> customer-facing label; {} when the file is missing or broken (logged)."""
    try:
        return _load_labels(str(path), path.stat().st_mtime_ns)
    except (OSError, yaml.YAMLError, AttributeError) as exc:
        log.error("intent labels unreadable", extra={"path": str(path), "error": str(exc)[:300]})
        return {}


def label_for(intent: str, labels: dict[str, str]) -> str:
    return labels.get(intent) or intent.replace("_", " ").strip().capitalize()


def suggested_intents(latest_message: dict, limit: int = SUGGESTIONS) -> list[str]:
    """The best `limit` intents of the ranking that are requests (not nlu_fallback, not
    answers such as inform/affirm/deny, not out_of_scope)."""
    ranking = latest_message.get("intent_ranking") or []
    if not ranking and (latest_message.get("intent") or {}).get("name"):
        ranking = [latest_message["intent"]]
    out: list[str] = []
    for entry in ranking:
        name = (entry or {}).get("name")
        if name and name not in NOT_SUGGESTED and name not in out:
            out.append(name)
        if len(out) == limit:
            break
    return out
