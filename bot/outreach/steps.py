"""Outreach's parts of a customer turn (ordered by the composition root, bot/hub/wiring.py).

- ``ConsentKeyword``  STOP / START work the same on every channel, whoever is talking (docs/outreach.md)
- ``note_reply``      an accepted customer message answers any outreach message sent to this conversation
"""
from __future__ import annotations

from bot.conversations.store import StoredMessage
from bot.conversations.turns import Reply, Turn
from bot.outreach.service import OutreachService, consent_keyword


class ConsentKeyword:
    name = "consent_keyword"
    bot_reads = False

    def __init__(self, outreach: OutreachService) -> None:
        self.outreach = outreach

    async def claims(self, turn: Turn) -> bool:
        return turn.button is None and consent_keyword(turn.text) is not None

    async def handle(self, turn: Turn) -> Reply:
        return Reply([await self.outreach.consent_command(turn.message, consent_keyword(turn.text))])


def reply_listener(outreach: OutreachService):
    async def note_reply(message: StoredMessage) -> None:
        await outreach.note_reply(message.conversation_id)
    return note_reply
