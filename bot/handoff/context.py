"""The context package an agent reads before accepting a conversation, and its three-line summary.

The functions are pure, over what the hub already stored (messages, turn analysis, knowledge-base
answers) plus the bot's slots and the CRM profile. The summary answers what an agent asks first:
what does the customer want, what has been tried, what is still open. `HandoffContext` fetches
those (Rasa's tracker, the CRM) and the knowledge-base suggestions for the agent console.
"""
from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml

from bot.handoff.assist import DEFAULT_CONFIG as DEFAULT_ASSIST, AssistConfig, customer_messages, suggest
from bot.handoff.common import HISTORY, in_thread
from bot.handoff.skills import topic_intents
from bot.handoff.store import Handoff, HandoffStore, Turn
from bot.conversations.messages import to_wire
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import AGENT, Store, StoredMessage
from bot.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

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


def summarize(messages: Sequence[StoredMessage], turns: Sequence[Turn], kb: Sequence[dict[str, Any]],
              reasons: Sequence[dict[str, Any]], handoff_id: int | None = None) -> dict[str, str]:
    """{"wants", "tried", "open"}: one line each. Agents of handoffs other than ``handoff_id`` count as tried."""
    by_id = {m.id: m for m in messages}
    customer = customer_messages(messages)
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



class HandoffContext:
    """The warm-handoff package of a handoff (``context``) and knowledge-base suggestions for its agent.

    ``crm`` is an open CRM (bot.crm.Crm; shared, thread-safe; None: no customer profile);
    ``kb_index`` is where the knowledge-base index lives (loaded on the first suggestion)."""

    def __init__(self, *, store: Store, handoffs: HandoffStore, rasa: RasaClient, answers: Any, crm: Any = None,
                 kb_index: Any = None, text_limit: int = 4000) -> None:
        self.store, self.handoffs, self.rasa = store, handoffs, rasa
        self.answers = answers  # bot.kb.answers.AnswerLog; None: no knowledge-base answers in the package
        self.crm, self.kb_index, self.text_limit = crm, kb_index, text_limit
        self._kb = None
        self._kb_lock = threading.Lock()

    @property
    def kb(self):
        """The knowledge base, loaded once, lazily."""
        with self._kb_lock:
            if self._kb is None:
                from bot.kb.search import KnowledgeBase

                self._kb = KnowledgeBase(self.kb_index)
            return self._kb

    async def context(self, handoff: Handoff) -> dict[str, Any]:
        """The API's ``Context`` shape (docs/handoff.md), with the handoff's events."""
        try:
            slots = (await self.rasa.tracker(handoff.conversation_id)).get("slots") or {}
        except RasaFailure:
            slots = None
        return await in_thread(self._context, handoff, slots)

    def _context(self, handoff: Handoff, slots: dict[str, Any] | None) -> dict[str, Any]:
        history = self.store.history(handoff.conversation_id, limit=HISTORY)
        turns = self.handoffs.turns(handoff.conversation_id)
        kb = self.answers.for_conversation(handoff.conversation_id) if self.answers is not None else []
        context = build_context(messages=history, turns=turns, reasons=handoff.reasons, kb=kb, slots=slots,
                                customer=self.customer_profile(handoff), text_limit=self.text_limit,
                                handoff_id=handoff.id)
        context["events"] = self.handoffs.events(handoff.id)
        return context

    def customer_profile(self, handoff: Handoff) -> dict[str, Any] | None:
        """``{"profile", "orders", "open_tickets"}`` from the CRM; None for an unknown customer.

        Blocking (CRM and database): call it in a worker thread."""
        customer_id = (handoff.customer or {}).get("customer_id") or \
            (self.handoffs.meta(handoff.conversation_id).get("customer") or {}).get("customer_id")
        if not customer_id or self.crm is None:
            return None
        from bot.crm.records import to_dict

        try:
            customer = self.crm.find_customer(customer_id=customer_id)
            if customer is None:
                return None
            orders = self.crm.orders_for_customer(customer_id, limit=5)
            tickets = self.crm.open_tickets(customer_id)
        except Exception as exc:  # noqa: BLE001 - the CRM being down must not hide the rest of the context
            log.warning("CRM lookup failed", extra={"event": "crm_failed", "error": str(exc)[:200]})
            return {"error": "The CRM is not reachable right now."}
        profile = to_dict(customer)
        profile.pop("payment_method", None)  # agents don't need it; card details stay out of the console
        return {"profile": profile,
                "orders": [{"order_id": o.order_id, "status": o.status, "placed_at": o.placed_at.isoformat(),
                            "total": f"{o.total:.2f}", "products": list(o.products)} for o in orders],
                "open_tickets": [to_dict(t) for t in tickets]}

    async def suggestions(self, handoff: Handoff, query: str | None, k: int = 3,
                          config: AssistConfig = DEFAULT_ASSIST) -> dict[str, Any]:
        """Knowledge-base articles for the agent: for ``query`` exactly as typed, or, without one, for the
        conversation's topic (bot/handoff/assist.py: its substantive customer messages, intents, orders)."""
        if not query:
            return await self._topic_suggestions(handoff, k, config)
        query = query.strip()[:2000]
        if not query:
            return {"query": "", "suggestions": [], "basis": "agent"}

        def run() -> list[dict[str, Any]]:
            kb = self.kb
            return [_suggestion(hit, hit.score, query, kb) for hit in kb.search(query, k=k)]
        try:
            found = await in_thread(run)
        except Exception as exc:  # noqa: BLE001 - no index yet, or a broken one: the console shows none
            return _kb_failed(query, "agent", exc)
        return {"query": query, "suggestions": found, "basis": "agent"}

    async def _topic_suggestions(self, handoff: Handoff, k: int, config: AssistConfig) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            history = self.store.history(handoff.conversation_id, limit=HISTORY)
            turns = self.handoffs.turns(handoff.conversation_id)
            if not customer_messages(history):
                return {"query": "", "suggestions": [], "basis": "conversation", "queries": []}
            profile = self.customer_profile(handoff)
            orders = (profile or {}).get("orders")
            kb = self.kb
            topic = suggest(history, turns, lambda text, n: kb.search(text, k=n), label=intent_label, orders=orders,
                            k=k, config=config)
            return {"query": topic.describe(), "basis": "conversation",
                    "queries": [q.to_dict() for q in topic.queries],
                    "suggestions": [_suggestion(s.hit, s.score, s.query, kb) for s in topic.suggestions]}
        try:
            return await in_thread(run)
        except Exception as exc:  # noqa: BLE001 - no index yet, or a broken one: the console shows none
            return _kb_failed("", "conversation", exc)


def _suggestion(hit: Any, score: float, query: str, kb: Any) -> dict[str, Any]:
    from bot.kb.answering import extract

    return {"article": hit.article_id, "title": hit.title, "url": hit.url, "score": round(score, 3),
            "text": extract(hit, query, kb.encode_texts)}


def _kb_failed(query: str, basis: str, exc: Exception) -> dict[str, Any]:
    log.warning("knowledge-base suggestions failed", extra={"event": "kb_suggestions_failed", "error": str(exc)[:200]})
    return {"query": query, "suggestions": [], "basis": basis, "error": "The knowledge base is not available."}
