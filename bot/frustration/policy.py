"""When to hand a conversation to a person, and how the bot should sound until then.

Pure functions, no I/O: the caller scores the messages (scorer.py) and passes the turns so far
with whatever it knows (NLU fallbacks, unhelpful knowledge-base answers, intents, waiting time,
the customer's CRM tier). Thresholds come from `EscalationConfig` (client.yml `escalation:`).

    decision = decide(turns, config, CustomerProfile(tier="vip"))
    decision.escalate, decision.level, [r.name for r in decision.reasons]

Rules, each a named reason when it fires (any one escalates):

    asked_for_person       the last message asks for a person
    churn_threat           the last message threatens to leave (cancel everything, dispute, review)
    angry_message          the last message is angry: score >= angry_score with a cue of intensity,
                           or angry_cues cues (signals.py) whatever the score
    sustained_frustration  sustained_messages of the last sustained_window messages are frustrated
    bot_failures           fallbacks + unhelpful KB answers so far >= bot_failures
                           (priority_bot_failures for a VIP / at-risk customer)
    repeated_request       the customer asked the same thing again >= repeated_requests times
    long_wait              the last message reports waiting >= long_wait_s
    priority_customer      a VIP / at-risk customer's last message scores >= priority_score

The level ("calm" / "annoyed" / "angry") sets the tone of the bot's replies before any
handoff: it follows a smoothed score, so one sharp message does not leave the bot
apologising for the rest of the conversation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, Union

from bot.frustration.config import EscalationConfig

CALM, ANNOYED, ANGRY = "calm", "annoyed", "angry"
LEVELS = (CALM, ANNOYED, ANGRY)

FALLBACK = "fallback"
KB_UNHELPFUL = "kb_unhelpful"
BOT_FAILURE_EVENTS = frozenset({FALLBACK, "nlu_fallback", KB_UNHELPFUL})

ASKED_FOR_PERSON = "asked_for_person"
CHURN_THREAT = "churn_threat"
ANGRY_MESSAGE = "angry_message"
SUSTAINED_FRUSTRATION = "sustained_frustration"
BOT_FAILURES = "bot_failures"
REPEATED_REQUEST = "repeated_request"
LONG_WAIT = "long_wait"
PRIORITY_CUSTOMER = "priority_customer"
REASON_NAMES = (ASKED_FOR_PERSON, CHURN_THREAT, ANGRY_MESSAGE, SUSTAINED_FRUSTRATION, BOT_FAILURES, REPEATED_REQUEST, LONG_WAIT,
                PRIORITY_CUSTOMER)


# Signals that show intensity (signals.py); capitals on one word and "!!" alone are too common.
INTENSITY_SIGNALS = frozenset({"shouting", "profanity", "repeat_contact", "sarcasm", "exasperation",
                               "threat_to_leave", "waiting"})
_DOUBLE_CUES = frozenset({"sarcasm"})


def intensity_cues(signals) -> int:
    """Cues of intensity in one message's signal names (sarcasm counts twice, each name once)."""
    names = set(signals) & INTENSITY_SIGNALS
    return len(names) + len(names & _DOUBLE_CUES)


@dataclass(frozen=True)
class CustomerTurn:
    """One customer message, already scored."""

    text: str
    score: float  # 0..1 from the scorer
    signals: tuple[str, ...] = ()  # signal names (signals.py)
    repeats_earlier: bool = False  # same request as an earlier customer message (the caller decides how)
    intent: str | None = None
    wait_s: float | None = None  # how long the customer has been waiting, when the caller knows


@dataclass(frozen=True)
class BotTurn:
    text: str = ""
    events: tuple[str, ...] = ()  # "fallback", "kb_unhelpful"


Turn = Union[CustomerTurn, BotTurn]


@dataclass(frozen=True)
class CustomerProfile:
    """What the CRM says about the customer (both optional)."""

    tier: str | None = None  # standard | plus | vip
    at_risk: bool = False


@dataclass(frozen=True)
class Reason:
    name: str
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    escalate: bool
    level: str  # calm | annoyed | angry
    reasons: tuple[Reason, ...] = ()
    score: float = 0.0  # the last customer message's score
    smoothed: float = 0.0  # the smoothed score behind `level`
    customer_turn: int = -1  # 0-based index among customer turns; -1 when there is none

    @property
    def reason_names(self) -> list[str]:
        return [reason.name for reason in self.reasons]

    def to_dict(self) -> dict:
        return {"escalate": self.escalate, "level": self.level, "reasons": [r.to_dict() for r in self.reasons],
                "score": round(self.score, 4), "smoothed": round(self.smoothed, 4), "customer_turn": self.customer_turn}


@dataclass
class _State:
    scores: list[float] = field(default_factory=list)
    smoothed: float = 0.0
    bot_failures: int = 0
    repeats: int = 0


def is_priority(customer: CustomerProfile, config: EscalationConfig) -> bool:
    return customer.at_risk or (customer.tier or "").strip().lower() in config.priority_tiers


def is_angry(turn: CustomerTurn, config: EscalationConfig) -> bool:
    cues = intensity_cues(turn.signals)
    return (turn.score >= config.angry_score and cues >= 1) or cues >= config.angry_cues


def level_for(score: float, smoothed: float, config: EscalationConfig, angry: bool = False) -> str:
    """Tone for the bot: angry for an angry message or a smoothed score that high; annoyed from
    the annoyed threshold on (last message or smoothed); calm otherwise."""
    if angry or smoothed >= config.angry_score:
        return ANGRY
    if max(score, smoothed) >= config.annoyed_score:
        return ANNOYED
    return CALM


def _is_repeat(turn: CustomerTurn) -> bool:
    """Only the caller's text comparison says "asked again" (FrustrationScorer.repeats): the same intent
    twice is often a new request ("where is order A1042?", then "and order A2001?")."""
    return turn.repeats_earlier


def _rules(turn: CustomerTurn, state: _State, config: EscalationConfig, customer: CustomerProfile) -> list[Reason]:
    reasons: list[Reason] = []
    if config.person_request and "asks_for_person" in turn.signals:
        reasons.append(Reason(ASKED_FOR_PERSON, "the customer asked for a person"))
    if config.churn_threat and "threat_to_leave" in turn.signals:
        reasons.append(Reason(CHURN_THREAT, "the customer threatened to leave"))
    if is_angry(turn, config):
        cues = sorted(set(turn.signals) & INTENSITY_SIGNALS)
        reasons.append(Reason(ANGRY_MESSAGE, f"message score {turn.score:.2f}, cues: {', '.join(cues)}"))
    recent = state.scores[-config.sustained_window:]
    frustrated = sum(score >= config.annoyed_score for score in recent)
    if frustrated >= config.sustained_messages and turn.score >= config.annoyed_score:
        reasons.append(Reason(SUSTAINED_FRUSTRATION, f"{frustrated} of the last {len(recent)} messages scored "
                                                     f">= {config.annoyed_score:.2f}"))
    failures_limit = config.priority_bot_failures if is_priority(customer, config) else config.bot_failures
    if state.bot_failures >= failures_limit:
        reasons.append(Reason(BOT_FAILURES, f"{state.bot_failures} fallbacks or unhelpful answers"))
    if state.repeats >= config.repeated_requests:
        reasons.append(Reason(REPEATED_REQUEST, f"the customer repeated the request {state.repeats} times"))
    if turn.wait_s is not None and turn.wait_s >= config.long_wait_s:
        reasons.append(Reason(LONG_WAIT, f"waiting {turn.wait_s:.0f} s >= {config.long_wait_s:.0f} s"))
    if is_priority(customer, config) and turn.score >= config.priority_score:
        who = "at-risk customer" if customer.at_risk else f"{customer.tier} customer"
        reasons.append(Reason(PRIORITY_CUSTOMER, f"{who}, message score {turn.score:.2f} >= {config.priority_score:.2f}"))
    return reasons


def trajectory(turns: Sequence[Turn], config: EscalationConfig | None = None,
               customer: CustomerProfile | None = None) -> list[Decision]:
    """The decision after each customer turn, in order (the frustration trajectory)."""
    config = config or EscalationConfig()
    customer = customer or CustomerProfile()
    state = _State()
    decisions: list[Decision] = []
    for turn in turns:
        if isinstance(turn, BotTurn):
            state.bot_failures += sum(1 for event in turn.events if event in BOT_FAILURE_EVENTS)
            continue
        if not isinstance(turn, CustomerTurn):
            raise TypeError(f"expected CustomerTurn or BotTurn, got {type(turn).__name__}")
        score = min(max(float(turn.score), 0.0), 1.0)
        turn = turn if score == turn.score else CustomerTurn(**{**turn.__dict__, "score": score})
        if _is_repeat(turn):
            state.repeats += 1
        state.scores.append(score)
        # The conversation starts calm (smoothed 0), so one first message cannot set the tone alone.
        state.smoothed = config.smoothing * score + (1 - config.smoothing) * state.smoothed
        reasons = _rules(turn, state, config, customer)
        angry = any(r.name == ANGRY_MESSAGE for r in reasons)
        decisions.append(Decision(escalate=bool(reasons), level=level_for(score, state.smoothed, config, angry),
                                  reasons=tuple(reasons), score=score, smoothed=state.smoothed,
                                  customer_turn=len(state.scores) - 1))
    return decisions


def decide(turns: Sequence[Turn], config: EscalationConfig | None = None,
           customer: CustomerProfile | None = None) -> Decision:
    """The decision at the last customer turn (calm, no escalation when there is none)."""
    decisions = trajectory(turns, config, customer)
    return decisions[-1] if decisions else Decision(escalate=False, level=CALM)


def first_escalation(turns: Sequence[Turn], config: EscalationConfig | None = None,
                     customer: CustomerProfile | None = None) -> Decision | None:
    """The first customer turn at which the policy escalates, or None."""
    return next((d for d in trajectory(turns, config, customer) if d.escalate), None)
