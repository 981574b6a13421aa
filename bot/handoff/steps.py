"""The handoff package's parts of a customer turn (ordered by the composition root, bot/hub/wiring.py).

- ``PersonOwnsChat``  while a person has (or will have) the chat, the message goes to them, the bot is silent
- ``HubButtons``      the hub's own buttons (open a ticket, keep talking to the bot)
- ``EscalationCheck`` frustration and the escalation policy: hand over now, or set the bot's tone
- ``BotHandover``     amends the bot's reply when the bot itself asked for a person
- ``TurnAnalysis``    after the bot answered: what it understood (intent, entities) for the policy and KPIs
"""
from __future__ import annotations

from typing import Any

from bot.conversations import messages
from bot.conversations.bot_step import REPLY_NO_ANSWER
from bot.conversations.store import ANSWERED, OutboundDraft
from bot.conversations.turns import Reply, Turn
from bot.handoff import texts
from bot.handoff.escalation import Escalation


class PersonOwnsChat:
    name = "person_owns_chat"
    bot_reads = False

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def claims(self, turn: Turn) -> bool:
        return turn.handled_by != "bot"

    async def handle(self, turn: Turn) -> Reply:
        await self.escalation.to_human(turn.message)  # the agent sees it; no reply from us
        return Reply([], status=None)


class HubButtons:
    name = "hub_buttons"
    bot_reads = False

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def claims(self, turn: Turn) -> bool:
        return turn.button in texts.HUB_PAYLOADS

    async def handle(self, turn: Turn) -> Reply:
        return Reply(await self.escalation.hub_choice(turn.conversation_id, turn.button))


class EscalationCheck:
    """Every message the bot would read is scored first; the policy may hand over instead."""

    name = "escalation"
    bot_reads = True  # the bot read it (and decided a person should answer)

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def claims(self, turn: Turn) -> bool:
        return True

    async def handle(self, turn: Turn) -> Reply | None:
        escalation, conversation_id = self.escalation, turn.conversation_id
        decision = turn.decision = await escalation.assess(turn.message)
        if decision.escalate:
            await escalation.read_unanswered(turn.message)  # the bot won't see it: route by what it asks
            drafts = await escalation.escalate(conversation_id, [r.to_dict() for r in decision.reasons],
                                             frustration=decision.score, level=decision.level)
            if drafts:
                return Reply(drafts, ANSWERED, notify_queue=True)
        await escalation.set_tone(conversation_id, decision.level)
        if turn.button == texts.CALLBACK:
            await escalation.callback_chosen(conversation_id)
        return None  # the bot answers


def _handoff_request(draft: OutboundDraft) -> Any:
    custom = draft.payload.get("custom")
    return custom["handoff"] if isinstance(custom, dict) and "handoff" in custom else None


class BotHandover:
    """The bot's reply carries a handoff request (the customer asked for a person): queue them."""

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def amend(self, turn: Turn, reply: Reply) -> Reply:
        requests = [r for r in map(_handoff_request, reply.drafts) if r is not None]
        if reply.step != "bot" or not requests:
            return reply
        turn.handed_over = True
        request = requests[0]
        drafts = [d for d in reply.drafts if _handoff_request(d) is None]
        reason = request.get("reason") if isinstance(request, dict) else None
        decision = turn.decision
        drafts += await self.escalation.escalate(
            turn.conversation_id, [{"name": str(reason or "asked_for_person"),
                                    "detail": "the bot handed over: the customer asked for a person"}],
            frustration=decision.score if decision else 0.0, level=decision.level if decision else "calm")
        if not drafts:
            drafts = [messages.hub_reply(REPLY_NO_ANSWER, "handoff_unavailable")]
        return Reply(drafts, reply.status, notify_queue=True, step=reply.step)


class TurnAnalysis:
    """After the bot answered: read what it understood (for the policy, the context package and KPIs)."""

    def __init__(self, escalation: Escalation) -> None:
        self.escalation = escalation

    async def after_turn(self, turn: Turn, reply: Reply) -> list[OutboundDraft]:
        if reply.step == "bot" and reply.status == ANSWERED and turn.decision is not None:
            turn.intent = await self.escalation.after_bot_turn(turn.message)
        return []
