"""What the handoff units share: the API error, the hub's own messages, running blocking work off the loop.

The units (docs/handoff.md, "Code") are `Escalation` (bot turns), `QueueViews` (what agents see,
notifications), `AgentActions` (what agents do) and `HandoffContext` (the warm-handoff package).
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, TypeVar

import anyio

from bot.conversations.store import OutboundDraft, Store, SYSTEM
from bot.handoff.store import HandoffStore

T = TypeVar("T")

HISTORY = 500  # messages read back for the policy, the context and the bot's resumption


class HandoffError(Exception):
    """An agent action that cannot be done; ``status`` and ``code`` go into the API error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (database, CRM, models) in a worker thread."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


def agent_card(agent: Any) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "initials": agent.initials}


def system(text: str, event: str, **extra: Any) -> OutboundDraft:
    """A message from the hub itself (not the bot, not an agent); ``None`` extras are left out."""
    return OutboundDraft(text=text, payload={"event": event, **{k: v for k, v in extra.items() if v is not None}},
                         sender=SYSTEM)


def restart_policy(store: Store, handoffs: HandoffStore, conversation_id: str) -> None:
    """The escalation policy starts afresh after a handoff ends or a ticket / call-back choice.

    Blocking (database): call it in a worker thread."""
    last = store.history(conversation_id, limit=1)
    # level None: the next message sets the bot's tone again, whatever Rasa's slot holds now.
    handoffs.set_meta(conversation_id, policy_from=last[-1].id if last else 0, level=None)
