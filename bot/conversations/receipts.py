"""Read receipts, both ways (widget/PROTOCOL.md, "Receipts").

- The customer's messages are *read* when the bot answers them or when the agent who has the
  conversation has seen them; the customer's tabs get ``{"type": "receipt", "status": "read",
  "up_to": <customer message id>, "by": "bot" | "agent", "name": <agent's name>}``.
- The customer reads what the bot and agents wrote: the widget sends ``{"type": "read",
  "up_to": <message id>}``; the agents of that conversation get ``{"type": "customer_read", ...}``.

Both marks live in the conversation's metadata (``read_by_hub``, ``read_by_customer``) and only
move forward, so a welcome after a reload shows the same state.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Awaitable, Callable

import anyio

from bot.conversations.connections import Connections
from bot.conversations.store import CUSTOMER, Store

READ_BY_HUB = "read_by_hub"  # the customer's messages, read by the bot or an agent
READ_BY_CUSTOMER = "read_by_customer"  # the bot's and agents' messages, read by the customer


def receipt_frame(mark: dict[str, Any]) -> dict[str, Any]:
    frame = {"type": "receipt", "status": "read", "up_to": mark["up_to"], "by": mark.get("by", "bot")}
    if mark.get("name"):
        frame["name"] = mark["name"]
    return frame


class Receipts:
    def __init__(self, store: Store, customers: Connections,
                 tell_agents: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None) -> None:
        self.store = store
        self.customers = customers
        # Pushes a frame to the agents of a conversation (the hub's QueueViews.tell_agents; None: nobody to tell).
        self.tell_agents = tell_agents

    async def _db(self, fn, *args, **kwargs):
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    async def read_by_hub(self, conversation_id: str, *, by: str, name: str | None = None,
                          up_to: int | None = None) -> None:
        """The bot or an agent has read the customer's messages up to ``up_to`` (default: all of them).
        A mark past the last customer message stops there: a mark never goes back, so one too far would
        hide the receipts of every message still to come."""
        last = await self._db(self.store.last_message_id, conversation_id, sender=CUSTOMER)
        if last is None:
            return
        up_to = last if up_to is None else min(int(up_to), last)
        extra = {"by": by, **({"name": name} if name else {})}
        mark = await self._db(self.store.advance_mark, conversation_id, READ_BY_HUB, up_to, **extra)
        if mark is not None:
            await self.customers.push(conversation_id, receipt_frame(mark))

    async def read_by_customer(self, conversation_id: str, up_to: int) -> bool:
        """The customer has seen everything up to message ``up_to``; False when that is not news."""
        last = await self._db(self.store.last_message_id, conversation_id)
        if last is None:
            return False
        mark = await self._db(self.store.advance_mark, conversation_id, READ_BY_CUSTOMER, min(int(up_to), last))
        if mark is None:
            return False
        if self.tell_agents is not None:
            await self.tell_agents(conversation_id, {"type": "customer_read", "conversation_id": conversation_id,
                                                     "up_to": mark["up_to"]})
        return True

    async def welcome_state(self, conversation_id: str) -> dict[str, Any] | None:
        """The receipt to show after a (re)connect, or None."""
        mark = (await self._db(self.store.conversation_meta, conversation_id)).get(READ_BY_HUB)
        return receipt_frame(mark) if mark else None
