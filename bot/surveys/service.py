"""Ask the end-of-chat satisfaction question and record the answer (the hub answers it, never Rasa).

The question is a message with ``survey`` (``{"kind", "scale", "labels"}``) and one button per
score plus "Skip"; every channel that shows buttons can answer it. A button's payload is
``/survey_answer{"survey": <id>, "score": <n or null>}``; the router only passes payloads the hub
offered in this conversation, and an answer counts once.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio

from bot.hub.store import SYSTEM, OutboundDraft
from bot.surveys.store import SurveyStore, hours_ago

log = logging.getLogger(__name__)

PAYLOAD_PREFIX = "/survey_answer"
# Ask at most once in this many hours per conversation (a goodbye after an agent's close, say).
QUIET_HOURS = 12


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    scale: tuple[int, int]
    labels: dict[str, str]


CSAT = Question("csat", "How satisfied are you with the help you got today?", (1, 5),
                {"1": "Very unhappy", "5": "Very happy"})


def answer_payload(survey_id: int, score: int | None) -> str:
    return PAYLOAD_PREFIX + json.dumps({"survey": survey_id, "score": score}, separators=(",", ":"))


def parse_payload(payload: str) -> tuple[int, int | None] | None:
    """(survey id, score or None for skip) from a survey button payload; None when malformed."""
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    try:
        data = json.loads(payload[len(PAYLOAD_PREFIX):])
        survey_id, score = data["survey"], data["score"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(survey_id, int) or isinstance(survey_id, bool):
        return None
    if score is not None and (not isinstance(score, int) or isinstance(score, bool)):
        return None
    return survey_id, score


def thanks(question: Question, score: int | None) -> str:
    if score is None:
        return "No problem. Thanks for chatting with us!"
    low, high = question.scale
    if score >= high - 1:
        return "Thank you, that's great to hear!"
    if score <= low + 1:
        return ("Thank you for telling us, and I'm sorry we fell short. If anything is still open, write it here "
                "or ask for a person and we'll pick it up.")
    return "Thanks for telling us. We'll use it to do better."


class SurveyService:
    def __init__(self, surveys: SurveyStore) -> None:
        self.surveys = surveys

    async def _db(self, fn, *args, **kwargs):
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def ask(self, conversation_id: str, trigger: str, *, handoff_id: int | None = None,
                  agent_id: int | None = None, question: Question = CSAT) -> OutboundDraft | None:
        """The question to send, or None when this conversation was asked recently."""
        if await self._db(self.surveys.asked_since, conversation_id, hours_ago(QUIET_HOURS)):
            return None
        survey = await self._db(self.surveys.ask, conversation_id, question.kind, trigger,
                                handoff_id=handoff_id, agent_id=agent_id)
        low, high = question.scale
        buttons = [{"title": str(score), "payload": answer_payload(survey.id, score)} for score in range(low, high + 1)]
        buttons.append({"title": "Skip", "payload": answer_payload(survey.id, None)})
        log.info("survey asked", extra={"event": "survey_asked", "conversation_id": conversation_id,
                                        "survey_id": survey.id, "kind": question.kind, "trigger": trigger})
        return OutboundDraft(text=question.text, sender=SYSTEM, payload={
            "event": "survey", "buttons": buttons,
            "survey": {"id": survey.id, "kind": question.kind, "scale": list(question.scale),
                       "labels": question.labels}})

    async def answer(self, conversation_id: str, payload: str) -> OutboundDraft:
        # Only payloads the hub offered in this conversation get here (Router.accept checks), so
        # the score is on the question's scale.
        parsed = parse_payload(payload)
        survey, first = (None, False) if parsed is None else await self._db(
            self.surveys.answer, parsed[0], conversation_id, parsed[1])
        if survey is None:
            return OutboundDraft(text="Sorry, I couldn't record that answer.", sender=SYSTEM,
                                 payload={"event": "survey_invalid"})
        if not first:
            return OutboundDraft(text="You've already answered this one. Thank you!", sender=SYSTEM,
                                 payload={"event": "survey_repeat"})
        log.info("survey answered", extra={"event": "survey_answered", "conversation_id": conversation_id,
                                           "survey_id": survey.id, "kind": survey.kind, "score": survey.score})
        return OutboundDraft(text=thanks(CSAT, survey.score), sender=SYSTEM,
                             payload={"event": "survey_thanks", "survey_id": survey.id})


def is_answer(payload: Any) -> bool:
    return isinstance(payload, str) and payload.startswith(PAYLOAD_PREFIX)
