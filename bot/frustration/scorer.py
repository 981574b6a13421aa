"""Per-message frustration score (model + signals) and the conversation-level assessment.

    scorer = FrustrationScorer()                      # loads the model on first use
    scorer.score("WHY IS MY ORDER STILL NOT HERE???")
    # score 0.72 (model alone 0.24), frustrated, signals shouting, repeated_punctuation, repeat_contact

    result = scorer.assess(turns, customer=CustomerProfile(tier="vip"))
    result.decision.escalate, result.decision.level, result.decision.reason_names

The score is sigmoid(model margin + signal weights): the model's margin is 0 at the threshold
chosen on the GoEmotions dev split, so a score of 0.5 is the boundary of `frustrated`, and a
signal moves an uncertain message further than a confident one.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from bot.frustration.config import EscalationConfig
from bot.frustration.policy import BotTurn, CustomerProfile, CustomerTurn, Decision, Turn, trajectory
from bot.frustration.signals import Signal, find_signals, log_odds_boost

FRUSTRATED_AT = 0.5
# Customer messages shorter than this (in words) are never "the same request again" ("ok", "thanks").
_MIN_WORDS_FOR_REPEAT = 4
_VECTOR_CACHE = 4096  # texts; about 6 MB of embeddings


@dataclass(frozen=True)
class MessageScore:
    text: str
    score: float  # 0..1; >= 0.5 is frustrated
    model_score: float  # the text model alone, same scale
    signals: tuple[Signal, ...] = ()

    @property
    def frustrated(self) -> bool:
        return self.score >= FRUSTRATED_AT

    @property
    def signal_names(self) -> list[str]:
        return [s.name for s in self.signals]

    def to_dict(self) -> dict:
        return {"score": round(self.score, 4), "frustrated": self.frustrated, "signals": self.signal_names,
                "model_score": round(self.model_score, 4)}


@dataclass(frozen=True)
class Assessment:
    """A conversation scored turn by turn, with the policy's decision after each customer turn."""

    turns: tuple[Turn, ...]
    scores: tuple[MessageScore, ...]  # one per customer turn
    decisions: tuple[Decision, ...]  # one per customer turn

    @property
    def decision(self) -> Decision:
        return self.decisions[-1] if self.decisions else Decision(escalate=False, level="calm")

    def to_dict(self) -> dict:
        """The CLI's line for a conversation: the last customer turn's score and the decision."""
        last = self.scores[-1].to_dict() if self.scores else {"score": 0.0, "frustrated": False, "signals": []}
        decision = self.decision
        return {**last, "escalate": decision.escalate, "level": decision.level,
                "reasons": decision.reason_names, "reason_details": [r.detail for r in decision.reasons],
                "trajectory": [round(s.score, 4) for s in self.scores]}


_IDENTIFIER = re.compile(r"\b[\w.+-]*\d[\w.@+-]*\b")


def identifiers(text: str) -> frozenset[str]:
    """Order numbers, amounts, emails and other tokens with digits: what tells two similar requests apart."""
    return frozenset(token.lower().lstrip("#") for token in _IDENTIFIER.findall(text))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def parse_turns(raw: Any) -> list[Turn]:
    """Turns from JSON: [{"role": "customer"|"bot", "text": str, "events"?: [str], "wait_s"?: n, "intent"?: str}].

    Raises ValueError naming the first bad turn. Scores are filled in by `FrustrationScorer.assess`.
    """
    if not isinstance(raw, list):
        raise ValueError('"turns" must be a list of {"role", "text"} objects')
    turns: list[Turn] = []
    for index, item in enumerate(raw):
        where = f"turns[{index}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where}: expected an object with role and text")
        role, text = item.get("role"), item.get("text", "")
        if not isinstance(text, str):
            raise ValueError(f'{where}: "text" must be a string')
        if role == "customer":
            wait = item.get("wait_s")
            if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float)) or wait < 0):
                raise ValueError(f'{where}: "wait_s" must be a number of seconds')
            intent = item.get("intent")
            if intent is not None and not isinstance(intent, str):
                raise ValueError(f'{where}: "intent" must be a string')
            turns.append(CustomerTurn(text=text, score=0.0, wait_s=None if wait is None else float(wait), intent=intent))
        elif role == "bot":
            events = item.get("events", [])
            if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
                raise ValueError(f'{where}: "events" must be a list of names')
            turns.append(BotTurn(text=text, events=tuple(events)))
        else:
            raise ValueError(f'{where}: "role" must be "customer" or "bot", got {role!r}')
    return turns


def parse_customer(raw: Any) -> CustomerProfile:
    """{"tier": "vip", "at_risk": true} (both optional) into a CustomerProfile."""
    if raw is None:
        return CustomerProfile()
    if not isinstance(raw, Mapping):
        raise ValueError('"customer" must be an object like {"tier": "vip", "at_risk": false}')
    tier, at_risk = raw.get("tier"), raw.get("at_risk", False)
    if tier is not None and not isinstance(tier, str):
        raise ValueError('"customer.tier" must be a string')
    if not isinstance(at_risk, bool):
        raise ValueError('"customer.at_risk" must be true or false')
    return CustomerProfile(tier=tier, at_risk=at_risk)


class FrustrationScorer:
    """Scores messages and conversations. The model and the sentence encoder load lazily, once."""

    def __init__(self, model=None, config: EscalationConfig | None = None,
                 embed: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self._model = model
        self.config = config or EscalationConfig()
        self._embed = embed
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> embedding, least recently used first
        self._vectors_lock = threading.Lock()

    @property
    def model(self):
        if self._model is None:
            from bot.frustration.text_model import shared_model

            self._model = shared_model()
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised sentence embeddings (the project's shared MiniLM) for repeat detection."""
        if self._embed is None:
            from bot.embeddings import encode, load_encoder

            encoder = load_encoder()
            self._embed = lambda batch: encode(encoder, batch)
        # A conversation compares each new message with the earlier ones, turn after turn: embed each text once.
        # The hub scores conversations in worker threads, hence the lock around the cache.
        with self._vectors_lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = dict(zip(missing, self._embed(missing))) if missing else {}
        with self._vectors_lock:
            self._vectors.update(fresh)
            found = [self._vectors.get(t) for t in texts]
            for text in texts:
                if text in self._vectors:
                    self._vectors.move_to_end(text)
            while len(self._vectors) > _VECTOR_CACHE:
                self._vectors.popitem(last=False)
        if not texts:
            return self._embed([])
        return np.stack([vector if vector is not None else fresh[text] for text, vector in zip(texts, found)])

    def score_many(self, texts: Sequence[str]) -> list[MessageScore]:
        texts = [t if isinstance(t, str) else "" for t in texts]
        present = [i for i, t in enumerate(texts) if t.strip()]
        margins = np.zeros(len(texts))
        if present:
            margins[present] = self.model.margin([texts[i] for i in present])
        results = []
        scored = set(present)
        for i, text in enumerate(texts):
            if i not in scored:
                results.append(MessageScore(text=text, score=0.0, model_score=0.0))
                continue
            signals = tuple(find_signals(text))
            margin = float(margins[i])
            results.append(MessageScore(text=text, score=_sigmoid(margin + log_odds_boost(list(signals))),
                                        model_score=_sigmoid(margin), signals=signals))
        return results

    def score(self, text: str) -> MessageScore:
        return self.score_many([text])[0]

    def repeats(self, texts: Sequence[str]) -> list[bool]:
        """For each customer message, whether it asks what an earlier one already asked (cosine similarity)."""
        flags = [False] * len(texts)
        eligible = [i for i, t in enumerate(texts) if len(t.split()) >= _MIN_WORDS_FOR_REPEAT]
        if len(eligible) < 2:
            return flags
        vectors = self.embed([texts[i] for i in eligible])
        similarity = vectors @ vectors.T
        ids = [identifiers(texts[i]) for i in eligible]
        for a in range(1, len(eligible)):
            for b in range(a):
                # "where is order A1042" then "where is order A2001" is a second order, and "where is my
                # order" then "where is my order A1042" adds the detail asked for: neither asks again.
                if float(similarity[a, b]) >= self.config.repeat_similarity and ids[a] == ids[b]:
                    flags[eligible[a]] = True
                    break
        return flags

    def assess(self, turns: Sequence[Turn], customer: CustomerProfile | None = None) -> Assessment:
        """Score every customer turn, flag repeated requests, run the policy."""
        customer_index = [i for i, t in enumerate(turns) if isinstance(t, CustomerTurn)]
        texts = [turns[i].text for i in customer_index]
        scores = self.score_many(texts)
        repeated = self.repeats(texts)
        filled: list[Turn] = list(turns)
        for k, i in enumerate(customer_index):
            turn = turns[i]
            filled[i] = CustomerTurn(text=turn.text, score=scores[k].score, signals=tuple(scores[k].signal_names),
                                     repeats_earlier=turn.repeats_earlier or repeated[k], intent=turn.intent,
                                     wait_s=turn.wait_s)
        decisions = trajectory(filled, self.config, customer)
        return Assessment(turns=tuple(filled), scores=tuple(scores), decisions=tuple(decisions))
