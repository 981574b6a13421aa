"""Ask the end-of-chat survey and record the answers (the hub answers them, never Rasa).

The sequence (client file `surveys:`): CSAT (1-5), then the follow-ups (CES 1-7, NPS 0-10), then a
comment prompt. Each question is a message with ``survey`` (``{"id", "kind", "scale", "labels"}``)
and one button per score plus "Skip"; every channel that shows buttons can answer it. A button's
payload is ``/survey_answer{"survey": <id>, "score": <n or null>}``; the router only passes
payloads the hub offered in this conversation, and an answer counts once. Skipping CSAT ends the
survey (the customer does not want one); skipping a follow-up moves on. The comment prompt
(``event: survey_comment``, a Skip button) makes the customer's next free text within
``comment_window_minutes`` the comment: stored, acknowledged, not sent to the bot.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

import anyio

from bot.conversations.store import SYSTEM, OutboundDraft
from bot.surveys.config import CSAT, Question, SurveyConfig
from bot.surveys.store import SurveyStore, hours_ago

log = logging.getLogger(__name__)

PAYLOAD_PREFIX = "/survey_answer"
# Ask at most once in this many hours per conversation (a goodbye after an agent's close, say).
QUIET_HOURS = 12




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


COMMENT_THANKS = "Thank you, that's noted. If you need anything else, just write again."
DONE = "Thanks for your answers, and for chatting with us!"


class SurveyService:
    def __init__(self, surveys: SurveyStore, config: SurveyConfig | None = None) -> None:
        self.surveys = surveys
        self.config = config or SurveyConfig()

    async def _db(self, fn, *args, **kwargs):
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def ask(self, conversation_id: str, trigger: str, *, handoff_id: int | None = None,
                  agent_id: int | None = None, question: Question = CSAT) -> OutboundDraft | None:
        """The question to send, or None when this conversation was asked recently."""
        if await self._db(self.surveys.asked_since, conversation_id, hours_ago(QUIET_HOURS)):
            return None
        return await self._question(conversation_id, question, trigger, handoff_id, agent_id)

    async def _question(self, conversation_id: str, question: Question, trigger: str, handoff_id: int | None,
                        agent_id: int | None) -> OutboundDraft:
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

    async def _comment_prompt(self, conversation_id: str, previous) -> OutboundDraft:
        survey = await self._db(self.surveys.ask, conversation_id, "comment", previous.trigger,
                                handoff_id=previous.handoff_id, agent_id=previous.agent_id)
        return OutboundDraft(text=self.config.comment_text, sender=SYSTEM, payload={
            "event": "survey_comment", "survey_id": survey.id,
            "buttons": [{"title": "Skip", "payload": answer_payload(survey.id, None)}]})

    async def _next(self, conversation_id: str, survey) -> list[OutboundDraft]:
        """What follows an answer: the next question, the comment prompt, or nothing."""
        if survey.kind == "comment" or (survey.kind == CSAT.kind and survey.score is None):
            return []
        question = self.config.after(survey.kind)
        if question is not None:
            return [await self._question(conversation_id, question, survey.trigger, survey.handoff_id,
                                         survey.agent_id)]
        if self.config.comment:
            return [await self._comment_prompt(conversation_id, survey)]
        return [OutboundDraft(text=DONE, sender=SYSTEM, payload={"event": "survey_done"})]

    async def pending_comment(self, conversation_id: str) -> int | None:
        """The id of the comment prompt waiting for this conversation's next free text, if any."""
        if not self.config.comment:
            return None
        since = datetime.now(timezone.utc) - timedelta(minutes=self.config.comment_window_minutes)
        survey = await self._db(self.surveys.pending_comment, conversation_id, since)
        return survey.id if survey is not None else None

    async def comment(self, conversation_id: str, survey_id: int, text: str) -> OutboundDraft:
        stored = await self._db(self.surveys.add_comment, survey_id, text.strip()[:4000])
        log.info("survey comment", extra={"event": "survey_commented", "conversation_id": conversation_id,
                                          "survey_id": survey_id, "stored": stored})
        return OutboundDraft(text=COMMENT_THANKS, sender=SYSTEM, payload={"event": "survey_comment_thanks",
                                                                          "survey_id": survey_id})

    async def answer(self, conversation_id: str, payload: str) -> list[OutboundDraft]:
        # Only payloads the hub offered in this conversation get here (Router.accept checks), so
        # the score is on the question's scale.
        parsed = parse_payload(payload)
        survey, first = (None, False) if parsed is None else await self._db(
            self.surveys.answer, parsed[0], conversation_id, parsed[1])
        if survey is None:
            return [OutboundDraft(text="Sorry, I couldn't record that answer.", sender=SYSTEM,
                                  payload={"event": "survey_invalid"})]
        if not first:
            return [OutboundDraft(text="You've already answered this one. Thank you!", sender=SYSTEM,
                                  payload={"event": "survey_repeat"})]
        log.info("survey answered", extra={"event": "survey_answered", "conversation_id": conversation_id,
                                           "survey_id": survey.id, "kind": survey.kind, "score": survey.score})
        follow = await self._next(conversation_id, survey)
        if survey.kind == "comment":  # skipped the comment
            return [OutboundDraft(text=DONE, sender=SYSTEM, payload={"event": "survey_done", "survey_id": survey.id})]
        if survey.kind == CSAT.kind:
            return [OutboundDraft(text=thanks(CSAT, survey.score), sender=SYSTEM,
                                  payload={"event": "survey_thanks", "survey_id": survey.id}), *follow]
        return follow


def is_answer(payload: Any) -> bool:
    return isinstance(payload, str) and payload.startswith(PAYLOAD_PREFIX)
