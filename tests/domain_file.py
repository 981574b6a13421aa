"""The intents of a Rasa domain, whether listed as names or as {name: {use_entities: ...}}."""
from __future__ import annotations


def intent_names(domain: dict) -> list[str]:
    return [next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents") or []]
