"""Agent assist: knowledge-base articles for what the conversation is about, not only its last message.

By the time a conversation reaches a person, the customer's last message is often only how they feel
("this is useless, get me a human"); searched alone, it finds articles about nothing the customer
asked (issue 20). The topic is read from what the hub already stored about the conversation:

- the customer's **substantive** messages, one query each, weighted towards the recent ones;
- the **intents** NLU recognised in them (turn analysis, recorded after every bot turn): each topical
  intent's label (data/intent_labels.yml, "Return an item") as a query, weighted by NLU's confidence;
- the **orders** the customer named (entity ``order_id``), when the context has them from the CRM
  (a verified customer): the order's status and items as a query.

A message is substantive when NLU read a topical intent in it (not one of ``NEUTRAL_INTENTS`` of
bot/handoff/skills.py: greet, thanks, affirm, deny, request_human, complaint, inform, nlu_fallback, ...)
or when a knowledge-base passage is close to it (best passage cosine >= ``AssistConfig.relevance_floor``).
So "the pump just buzzes and nothing comes out" counts whatever NLU made of it, and "this is useless"
(complaint, nothing close in the knowledge base) does not. Messages NLU never read (sent while queued)
are judged by the knowledge base alone. A rule from the frustration score (frustrated and no topical
intent: not substantive) was measured too: same top-3 on the development cases, worse top-1.

Each query searches the knowledge base; an article's score is the weighted mean of its fused scores
over the queries (0 from a query that did not return it), so an article that fits the whole
conversation beats one that fits one message very well. The extract shown is the article's passage
for the query that gave it most. Settings chosen on bench/data/assist/dev.yml only (bench/README.md,
"Agent assist (issue 20)"); ``suggest`` is pure given a search function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from bot.conversations.store import CUSTOMER, StoredMessage
from bot.frustration.scorer import FRUSTRATED_AT
from bot.handoff.skills import NEUTRAL_INTENTS
from bot.handoff.store import Turn

MESSAGE, INTENT, ORDER = "message", "intent", "order"
RRF_K = 60


@dataclass(frozen=True)
class AssistConfig:
    """How the topic is read; chosen on the development cases (bench/assist.py --choose, bench/README.md).

    ``recency`` is 0.9, not the 1.0 (no decay) that the selection rule picked by one case of top-1: the
    two tie on top-3, and a customer who changes the subject must move the suggestions with them.
    ``order_weight`` is not measured (the cases have no verified customer whose orders the context has)."""

    recency: float = 0.9  # a substantive message weighs recency**(substantive messages after it)
    relevance_floor: float = 0.4  # best-passage cosine from which a message is substantive, whatever its intent
    intent_floor: float = 0.0  # NLU confidence from which a topical intent makes its message substantive
    intent_weight: float = 0.5  # an intent's label relative to its message's words (times NLU's confidence)
    order_weight: float = 0.5  # a named order's status and items, relative to the latest message
    # "kb": the rule of the module docstring; "frustration": substantive unless frustrated (score >= 0.5)
    # without a topical intent (measured, not used)
    gate: str = "kb"
    fusion: str = "mean"  # "mean": weighted mean of the fused scores; "rrf": weighted reciprocal rank
    depth: int = 10  # articles taken from each query before fusion
    max_messages: int = 8  # the most recent substantive messages used


DEFAULT_CONFIG = AssistConfig()


@dataclass(frozen=True)
class TopicQuery:
    text: str
    weight: float
    source: str  # MESSAGE, INTENT or ORDER
    message_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "weight": round(self.weight, 3), "source": self.source}


@dataclass(frozen=True)
class Suggestion:
    article_id: str
    score: float  # weighted mean over the queries, 0..1
    hit: Any  # bot.kb.search.Hit: the passage of the query that gave the article most
    query: str  # that query's text (the extract is chosen for it)


@dataclass(frozen=True)
class Topic:
    queries: list[TopicQuery] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # customer messages judged not substantive

    def describe(self, limit: int = 160) -> str:
        """What was searched, in one line for the console ("for ...")."""
        said = [q.text for q in sorted((q for q in self.queries if q.source == MESSAGE),
                                       key=lambda q: -(q.message_id or 0))]
        other = [q.text for q in self.queries if q.source != MESSAGE]
        text = " · ".join(dict.fromkeys(other + said))
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


Search = Callable[[str, int], Sequence[Any]]  # (query, k) -> hits with .article_id, .score, .dense


def topical(intent: str | None) -> bool:
    return bool(intent) and intent not in NEUTRAL_INTENTS


def customer_messages(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    return [m for m in messages if m.sender == CUSTOMER and (m.text or "").strip()]


def order_queries(turns: Iterable[Turn], orders: Sequence[dict[str, Any]] | None, weight: float) -> list[TopicQuery]:
    """The orders the customer named (NLU's order_id entity) that the context knows from the CRM."""
    if not orders or weight <= 0:
        return []
    from bot.crm.interface import normalize_order_id

    named = []
    for turn in turns:
        for entity in turn.entities:
            if entity.get("entity") == "order_id":
                order_id = normalize_order_id(str(entity.get("value") or ""))
                if order_id and order_id not in named:
                    named.append(order_id)
    known = {str(o.get("order_id")): o for o in orders}
    out = []
    for order_id in named:
        order = known.get(order_id)
        if order is None:
            continue
        items = ", ".join(str(p) for p in order.get("products") or [])
        text = f"Order {order.get('status') or ''}: {items}".strip(": ")
        out.append(TopicQuery(text, weight, ORDER))
    return out


def substantive(turn: Turn | None, hits: Sequence[Any], config: AssistConfig) -> bool:
    """Does a message (its turn analysis, its search results) say what the conversation is about, not only
    how the customer feels?"""
    intent_says = turn is not None and topical(turn.intent) and (turn.confidence or 0.0) >= config.intent_floor
    if config.gate == "frustration":
        return intent_says or turn is None or turn.score < FRUSTRATED_AT
    close = bool(hits) and max(h.dense for h in hits) >= config.relevance_floor
    return intent_says or close


def suggest(messages: Sequence[StoredMessage], turns: Sequence[Turn], search: Search, *,
            label: Callable[[str], str], orders: Sequence[dict[str, Any]] | None = None, k: int = 3,
            config: AssistConfig = DEFAULT_CONFIG) -> Topic:
    """The ``k`` articles that best fit the conversation (see the module docstring)."""
    by_message = {t.message_id: t for t in turns}
    hits_of: dict[str, Sequence[Any]] = {}

    def hits(text: str) -> Sequence[Any]:
        if text not in hits_of:
            hits_of[text] = search(text[:2000], config.depth)
        return hits_of[text]

    kept, skipped = [], []
    for message in customer_messages(messages)[-config.max_messages * 3:]:
        turn = by_message.get(message.id)
        (kept if substantive(turn, hits(message.text), config) else skipped).append(message)
    kept = kept[-config.max_messages:]
    weights: dict[tuple[str, str], float] = {}
    ids: dict[tuple[str, str], int] = {}
    for i, message in enumerate(kept):
        recent = config.recency ** (len(kept) - 1 - i)
        key = (MESSAGE, message.text)
        weights[key] = weights.get(key, 0.0) + recent
        ids[key] = message.id
        turn = by_message.get(message.id)
        if turn is not None and topical(turn.intent) and config.intent_weight > 0:
            key = (INTENT, label(turn.intent))
            weights[key] = weights.get(key, 0.0) + recent * config.intent_weight * float(turn.confidence or 0.0)
    queries = [TopicQuery(text, weight, source, ids.get((source, text))) for (source, text), weight in weights.items()
               if weight > 0]
    if queries:  # an order sharpens a topic the customer stated; alone it is not one
        queries += order_queries(turns, orders, config.order_weight)
    return Topic(queries=queries, suggestions=fuse(queries, hits, k, config.fusion),
                 skipped=[m.id for m in skipped])


def fuse(queries: Sequence[TopicQuery], hits: Callable[[str], Sequence[Any]], k: int,
         fusion: str = "mean") -> list[Suggestion]:
    """Articles by the weighted mean of their scores over the queries (0 where a query did not return
    them), or by weighted reciprocal rank (``fusion="rrf"``, measured for comparison)."""
    total = sum(q.weight for q in queries)
    if not queries or total <= 0:
        return []
    score: dict[str, float] = {}
    best: dict[str, tuple[float, Any, str]] = {}
    for query in queries:
        for rank, hit in enumerate(hits(query.text)):
            share = query.weight * (hit.score if fusion == "mean" else 1.0 / (RRF_K + rank + 1))
            score[hit.article_id] = score.get(hit.article_id, 0.0) + share
            if hit.article_id not in best or share > best[hit.article_id][0]:
                best[hit.article_id] = (share, hit, query.text)
    ranked = sorted(score, key=lambda a: (-score[a], a))[:k]
    # The score shown stays the knowledge base's 0..1 scale: the weighted mean of the article's fused scores.
    return [Suggestion(a, _mean_score(a, queries, hits, total), best[a][1], best[a][2]) for a in ranked]


def _mean_score(article_id: str, queries: Sequence[TopicQuery], hits: Callable[[str], Sequence[Any]],
                total: float) -> float:
    return sum(q.weight * next((h.score for h in hits(q.text) if h.article_id == article_id), 0.0)
               for q in queries) / total
