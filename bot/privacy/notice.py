"""Tell the customer, once per conversation and kindly, that something they typed was hidden.

An amender of the turn pipeline (bot/conversations/turns.py): when the accepted message carries
``payload["redacted"]`` (bot/conversations/accept.py) and the conversation has not had the notice
yet, the notice goes before whatever answers the turn (the bot, or silence while a person has the
chat). The conversation's metadata remembers it (``privacy_notice``), so a second card number in the
same chat is hidden without a second lecture.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Sequence

import anyio

from bot.conversations.store import OutboundDraft, Store
from bot.conversations.turns import Reply, Turn
from bot.redaction import BANK_ACCOUNT, CARD, CVV, IBAN, PASSWORD, ROUTING_NUMBER, SSN

MARK = "privacy_notice"
_WHAT = {CARD: "card details", CVV: "card details", SSN: "social security number",
         IBAN: "bank details", BANK_ACCOUNT: "bank details", ROUTING_NUMBER: "bank details", PASSWORD: "password"}
DEFAULT_PAY_SAFELY = ("You can pay or change your card safely at checkout or under My Account > Payment "
                      "methods, and we'll never ask for a full card number, security code or password in chat.")


def notice_text(categories: Sequence[str], pay_safely: str = DEFAULT_PAY_SAFELY) -> str:
    """"For your safety I've hidden the card details you typed, so they aren't stored. ..." """
    what = list(dict.fromkeys(_WHAT.get(c, "details") for c in categories)) or ["details"]
    named = what[0] if len(what) == 1 else ", ".join(what[:-1]) + " and " + what[-1]
    return f"For your safety I've hidden the {named} you typed, so they aren't stored or shown to anyone. {pay_safely}"


class PrivacyNotice:
    """Amender: the notice before the turn's reply, once per conversation."""

    def __init__(self, store: Store, pay_safely: str = DEFAULT_PAY_SAFELY) -> None:
        self.store, self.pay_safely = store, pay_safely

    async def _db(self, fn, *args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def amend(self, turn: Turn, reply: Reply) -> Reply:
        categories = turn.message.payload.get("redacted") or []
        if not categories or reply.status is None:  # a person has the chat: they see what was hidden
            return reply
        meta = await self._db(self.store.conversation_meta, turn.conversation_id)
        if meta.get(MARK):
            return reply
        await self._db(self.store.advance_mark, turn.conversation_id, MARK, turn.message.id,
                       categories=list(categories))
        notice = OutboundDraft(notice_text(categories, self.pay_safely), {"privacy_notice": True})
        return Reply([notice, *reply.drafts], status=reply.status, notify_queue=reply.notify_queue, step=reply.step)
