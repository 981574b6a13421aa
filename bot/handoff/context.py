"""The context package an agent reads before accepting a conversation, and its three-line summary.

Pure functions over what the hub already stored (messages, turn analysis, knowledge-base answers)
plus the bot's slots and the CRM profile, fetched by the caller. The summary answers what an
agent asks first: what does the customer want, what has been tried, what is still open.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml

from bot.handoff.skills import topic_intents
from bot.handoff.store import Turn
from bot.conversations.messages import to_wire
from bot.conversations.store import AGENT, CUSTOMER, StoredMessage
from bot.settings import PROJECT_ROOT

LABELS_FILE = PROJECT_ROOT / "data" / "intent_labels.yml"
QUOTE_CHARS = 160
# Slots an agent does not need (bookkeeping of forms and of the handoff itself).
_HIDDEN_SLOTS = frozenset({"requested_slot", "kb_answer_id", "kb_outcome", "session_started_metadata"})


@lru_cache(maxsize=4)
def _labels(path: str, mtime_ns: int) -> dict[str, str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    labels = data.get("labels") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def intent_label(intent: str) -> str:
    try:
        labels = _labels(str(LABELS_FILE), LABELS_FILE.stat().st_mtime_ns)
    except (OSError, yaml.YAMLError):
        labels = {}
    return labels.get(intent) or intent.replace("_", " ").capitalize()


def quote(text: str | None, limit: int = QUOTE_CHARS) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _customer_messages(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    return [m for m in messages if m.sender == CUSTOMER and (m.text or "").strip()]


def summarize(messages: Sequence[StoredMessage], turns: Sequence[Turn], kb: Sequence[dict[str, Any]],
              reasons: Sequence[dict[str, Any]], handoff_id: int | None = None) -> dict[str, str]:
    """{"wants", "tried", "open"}: one line each. Agents of handoffs other than ``handoff_id`` count as tried."""
    by_id = {m.id: m for m in messages}
    customer = _customer_messages(messages)
    topics = topic_intents(t.intent for t in turns)
    if topics:
        first = next(t for t in turns if t.intent == topics[0])
        said = by_id.get(first.message_id)
        labels = list(dict.fromkeys(intent_label(i) for i in topics))
        wants = "; ".join(labels[:3]) + (f' ("{quote(said.text, 100)}")' if said else "")
    elif customer:
        wants = f'"{quote(customer[0].text, 120)}"'
    else:
        wants = "Not said yet."

    tried: list[str] = []
    for answer in kb:
        title = next((r.get("title") for r in answer.get("results") or [] if r.get("article") == answer.get("shown_article")),
                     answer.get("shown_article"))
        if answer.get("outcome") == "answered" and title:
            verdict = {True: "helpful", False: "not helpful"}.get(answer.get("helpful"), "no feedback")
            tried.append(f"article \u201c{title}\u201d ({verdict})")
        elif answer.get("outcome") == "no_answer":
            tried.append("knowledge base had no answer")
    fallbacks = sum(1 for t in turns if "fallback" in t.bot_events)
    if fallbacks:
        tried.append(f"bot did not understand {fallbacks} message{'s' if fallbacks > 1 else ''}")
    answered = [intent_label(i) for i in dict.fromkeys(topics)]
    if answered and not tried:
        tried.append("bot answered: " + ", ".join(answered[:3]))
    agents = sorted({(m.payload.get("agent") or {}).get("name", "an agent") for m in messages
                     if m.sender == AGENT and m.payload.get("handoff_id") != handoff_id})
    if agents:
        tried.append("already talked to " + ", ".join(agents))

    # The reasons are shown on their own; "open" is what the agent must resolve.
    unresolved = f"{intent_label(topics[-1])}: not resolved by the assistant" if topics else "The customer's request"
    last = customer[-1].text if customer else ""
    open_ = f'{unresolved}. Last message: "{quote(last, 120)}"' if last else "Nothing asked yet."
    return {"wants": wants, "tried": "; ".join(dict.fromkeys(tried)) or "nothing yet", "open": open_}


def frustration_trajectory(messages: Sequence[StoredMessage], turns: Sequence[Turn]) -> list[dict[str, Any]]:
    by_id = {m.id: m for m in messages}
    return [{"message_id": t.message_id, "text": quote(by_id[t.message_id].text if t.message_id in by_id else "", 80),
             "score": round(t.score, 3), "signals": t.signals, "level": t.level} for t in turns]


def nlu_rows(messages: Sequence[StoredMessage], turns: Sequence[Turn]) -> list[dict[str, Any]]:
    by_id = {m.id: m for m in messages}
    rows = []
    for t in turns:
        if t.intent is None and not t.entities:
            continue
        rows.append({"message_id": t.message_id, "text": quote(by_id[t.message_id].text if t.message_id in by_id else ""),
                     "intent": t.intent, "confidence": None if t.confidence is None else round(t.confidence, 3),
                     "entities": t.entities})
    return rows


def visible_slots(slots: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in sorted((slots or {}).items()) if v not in (None, "", [], False) and k not in _HIDDEN_SLOTS}


def kb_rows(kb: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for answer in kb:
        shown = answer.get("shown_article")
        title = next((r.get("title") for r in answer.get("results") or [] if r.get("article") == shown), None)
        rows.append({"query": quote(answer.get("query")), "outcome": answer.get("outcome"), "article": shown,
                     "title": title, "helpful": answer.get("helpful"),
                     "candidates": [r.get("title") for r in (answer.get("results") or [])[:3]]})
    return rows


def build_context(*, messages: Sequence[StoredMessage], turns: Sequence[Turn], reasons: Sequence[dict[str, Any]],
                  kb: Sequence[dict[str, Any]], slots: dict[str, Any] | None,
                  customer: dict[str, Any] | None, text_limit: int = 4000, handoff_id: int | None = None) -> dict[str, Any]:
    return {
        "reasons": list(reasons),
        "summary": summarize(messages, turns, kb, reasons, handoff_id),
        "transcript": [to_wire(m, text_limit=text_limit) for m in messages],
        "nlu": nlu_rows(messages, turns),
        "slots": visible_slots(slots),
        "kb": kb_rows(kb),
        "frustration": frustration_trajectory(messages, turns),
        "customer": customer,
    }

