"""The surveys' parts of a customer turn (ordered by the composition root, bot/hub/wiring.py).

- ``SurveyAnswer``   a press of a survey button, whoever is talking
- ``SurveyComment``  the text answering the survey's "anything to add?"
- ``GoodbyeSurvey``  after the bot answered a goodbye: close the episode and ask the first question
"""
from __future__ import annotations

from functools import partial
from typing import Any

import anyio

from bot.conversations.closure import GOODBYE
from bot.conversations.store import OutboundDraft, Store
from bot.conversations.turns import Reply, Turn
from bot.surveys.service import SurveyService, is_answer

# The customer's last word in a chat with the bot: the satisfaction question follows it.
END_OF_CHAT_INTENTS = frozenset({"goodbye"})


async def _db(fn, *args, **kwargs):
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


class SurveyAnswer:
    name = "survey_answer"
    bot_reads = False

    def __init__(self, surveys: SurveyService) -> None:
        self.surveys = surveys

    async def claims(self, turn: Turn) -> bool:
        return is_answer(turn.button)

    async def handle(self, turn: Turn) -> Reply:
        return Reply(await self.surveys.answer(turn.conversation_id, turn.button))


class SurveyComment:
    name = "survey_comment"
    bot_reads = False

    def __init__(self, surveys: SurveyService, store: Store) -> None:
        self.surveys, self.store = surveys, store

    async def claims(self, turn: Turn) -> bool:
        if turn.button is not None or not turn.text.strip():
            return False
        turn.notes["survey_comment_for"] = await self.surveys.pending_comment(turn.conversation_id)
        return turn.notes["survey_comment_for"] is not None

    async def handle(self, turn: Turn) -> Reply:
        survey_id = turn.notes["survey_comment_for"]
        await _db(self.store.annotate, turn.message.id, survey_comment=survey_id)
        return Reply([await self.surveys.comment(turn.conversation_id, survey_id, turn.text)])


class GoodbyeSurvey:
    def __init__(self, surveys: SurveyService, closures: Any) -> None:
        self.surveys, self.closures = surveys, closures

    async def after_turn(self, turn: Turn, reply: Reply) -> list[OutboundDraft]:
        if turn.intent not in END_OF_CHAT_INTENTS or turn.handed_over:
            return []
        await _db(self.closures.close, turn.conversation_id, GOODBYE)
        question = await self.surveys.ask(turn.conversation_id, "goodbye")
        return [question] if question is not None else []
