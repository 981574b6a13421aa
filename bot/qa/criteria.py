"""The scorecard's criteria: each reads one closed episode and scores it 0-100 (docs/kpis.md has the table).

A criterion that does not apply to the episode (no frustration: no empathy needed; no reply to time)
says so, and the total leaves it out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.qa.config import QaConfig

# Acknowledging the customer's feelings or apologising, in the bot's or an agent's words.
EMPATHY = re.compile(
    r"\b(sorry|apologi[sz]e|apologies|i understand|i can understand|understandably|i hear you|i can see (why|how)|"
    r"that'?s (really )?(frustrating|annoying|not ok|not okay|not good enough)|i'?m (so |really |very )?sorry|"
    r"thank(s| you) for your patience|not the experience)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Line:
    """One message of the episode as QA sees it."""

    id: int
    sender: str  # customer | bot | agent | system
    text: str
    at: datetime
    score: float | None = None  # customer turns: frustration 0..1
    level: str | None = None
    repeats: bool = False


@dataclass(frozen=True)
class Episode:
    lines: list[Line]
    resolved: bool
    accepted_at: datetime | None = None  # when an agent took it (agent first response)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def customer(self) -> list[Line]:
        return [line for line in self.lines if line.sender == "customer"]


@dataclass(frozen=True)
class Result:
    score: float
    applicable: bool
    detail: str


def _clamp(value: float) -> float:
    return round(max(0.0, min(100.0, value)), 1)


def resolution(episode: Episode, config: QaConfig) -> Result:
    return Result(100.0 if episode.resolved else 0.0, True, "resolved" if episode.resolved else "not resolved")


def frustration(episode: Episode, config: QaConfig) -> Result:
    scored = [line.score for line in episode.customer if line.score is not None]
    if not scored:
        return Result(100.0, False, "no scored customer message")
    start, end = scored[0], scored[-1]
    return Result(_clamp(100 * (1 - end) + 50 * (start - end)), True, f"start {start:.2f}, end {end:.2f}")


def empathy(episode: Episode, config: QaConfig) -> Result:
    upset = next((line for line in episode.customer if (line.score or 0) >= config.annoyed_score
                  or line.level in ("annoyed", "angry")), None)
    if upset is None:
        return Result(100.0, False, "the customer was not upset")
    answer = next((line for line in episode.lines if line.id > upset.id and line.sender in ("bot", "agent")
                   and EMPATHY.search(line.text)), None)
    feeling = upset.level if upset.level in ("annoyed", "angry") else "upset"
    if answer is None:
        return Result(0.0, True, f"the customer was {feeling}; nobody acknowledged it or apologised")
    return Result(100.0, True, f"the customer was {feeling}; the {answer.sender} acknowledged it")


def repeats(episode: Episode, config: QaConfig) -> Result:
    customer = sum(1 for line in episode.customer if line.repeats)
    seen: set[str] = set()
    ours = 0
    for line in episode.lines:
        if line.sender not in ("bot", "agent") or not line.text.strip():
            continue
        key = _SPACES.sub(" ", line.text.strip().lower())
        ours += key in seen
        seen.add(key)
    count = customer + ours
    return Result(_clamp(100 - 34 * count), True,
                  f"{customer} repeated customer request(s), {ours} repeated bot/agent message(s)")


def response_time(episode: Episode, config: QaConfig) -> Result:
    gaps: list[float] = []
    bot_first = agent_first = None
    lines = episode.lines
    for i, line in enumerate(lines):
        if line.sender != "customer":
            continue
        reply = next((later for later in lines[i + 1:] if later.sender in ("bot", "agent")), None)
        if reply is not None:
            gaps.append((reply.at - line.at).total_seconds())
    first_customer = next((line for line in lines if line.sender == "customer"), None)
    if first_customer is not None:
        bot = next((line for line in lines if line.sender == "bot" and line.id > first_customer.id), None)
        bot_first = (bot.at - first_customer.at).total_seconds() if bot else None
    if episode.accepted_at is not None:
        agent = next((line for line in lines if line.sender == "agent"), None)
        agent_first = (agent.at - episode.accepted_at).total_seconds() if agent else None
    if not gaps:
        return Result(100.0, False, "no reply to time")
    worst = max(gaps)
    target, limit = config.response_target_s, config.response_max_s
    score = 100.0 if worst <= target else 0.0 if worst >= limit else 100 * (limit - worst) / (limit - target)
    parts = [f"max gap {worst:.0f} s"]
    if bot_first is not None:
        parts.append(f"bot first response {bot_first:.0f} s")
    if agent_first is not None:
        parts.append(f"agent first response {agent_first:.0f} s")
    return Result(_clamp(score), True, ", ".join(parts))


CRITERIA_FUNCTIONS = {"resolution": resolution, "frustration": frustration, "empathy": empathy,
                      "repeats": repeats, "response_time": response_time}


def score_episode(episode: Episode, config: QaConfig) -> tuple[float | None, dict[str, dict[str, Any]]]:
    """(weighted total over the applicable enabled criteria or None, the breakdown)."""
    breakdown: dict[str, dict[str, Any]] = {}
    total = weight_sum = 0.0
    for name, weight in config.weights.items():
        result = CRITERIA_FUNCTIONS[name](episode, config)
        breakdown[name] = {"score": result.score, "weight": weight, "applicable": result.applicable,
                           "detail": result.detail}
        if result.applicable and weight > 0:
            total += result.score * weight
            weight_sum += weight
    return (round(total / weight_sum, 1) if weight_sum else None), breakdown
