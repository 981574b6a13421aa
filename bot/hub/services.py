"""The hub's long-lived objects, built once by the composition root (bot/hub/wiring.py) and shared by the routes."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Coroutine

from starlette.requests import HTTPConnection

from bot.agents.directory import AgentDirectory
from bot.handoff.agent_actions import AgentActions
from bot.handoff.config import HandoffConfig
from bot.handoff.context import HandoffContext
from bot.handoff.escalation import Escalation
from bot.handoff.queue_views import QueueViews
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaClient
from bot.conversations.turns import Turns
from bot.conversations.receipts import Receipts
from bot.health import HealthConfig
from bot.hub.limits import AbuseLimits
from bot.hub.session_tokens import SessionTokens
from bot.conversations.store import Store
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandoffUnits:
    """The handoff's units as the routes reach them (``hub.handoffs``; docs/handoff.md, "Code")."""

    escalation: Escalation  # bot turns: scoring, escalating, the customer's choice, messages to a person
    agents: AgentActions  # what an agent does: accept, send, transfer, hand back, close, typing, read
    queue: QueueViews  # the queue agents see, and who is told when it changes
    context: HandoffContext  # the warm-handoff package and knowledge-base suggestions
    config: HandoffConfig  # client.yml `handoff:` (the console's canned replies)


@dataclass
class Hub:
    settings: Settings
    store: Store
    rasa: RasaClient
    turns: Turns  # create conversations, accept a customer message, answer it (the turn pipeline)
    connections: Connections
    agents: AgentConnections
    directory: AgentDirectory
    handoffs: HandoffUnits
    sessions: SessionTokens
    receipts: Receipts
    closures: Any  # bot.conversations.closure.Closures: closed episodes (KPIs, QA)
    scorecards: Any  # bot.qa.scorecards.Scorecards: QA of every closed episode
    kpis: Any  # bot.kpis.metrics.Kpis
    outreach: Any  # bot.outreach.service.OutreachService
    answers: Any  # bot.kb.answers.AnswerLog
    channels: Any  # bot.channels.Channels: Telegram, WhatsApp, Slack
    background: "Background"
    limits: AbuseLimits  # abuse limits per IP and per conversation (bot/hub/limits)
    crm: Any = None  # bot.crm.sql.SqlCrm, opened once; None: the CRM could not be opened
    privacy: Any = None  # bot.privacy.service.PrivacyService: export, erasure, the audit log
    health: HealthConfig = HealthConfig()  # client.yml privacy: health: who sees health details

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task:
        return self.background.spawn(coro, name=name)

    async def drain(self, timeout_s: float) -> None:
        await self.background.drain(timeout_s)


class Background:
    """Work that must finish even if the request or socket that started it goes away."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> asyncio.Task:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def cancel(self, name: str) -> None:
        for task in [t for t in self.tasks if t.get_name() == name]:
            task.cancel()

    async def drain(self, timeout_s: float) -> None:
        """Wait (bounded) for background work at shutdown, so answers being produced get stored."""
        pending = [task for task in self.tasks if not task.done()]
        if not pending:
            return
        done, still = await asyncio.wait(pending, timeout=timeout_s)
        for task in still:
            task.cancel()
        if still:
            log.warning("background work cancelled at shutdown",
                        extra={"event": "shutdown_cancelled", "tasks": len(still)})


def get_hub(conn: HTTPConnection) -> Hub:
    """FastAPI dependency (works for HTTP requests and websockets)."""
    return conn.app.state.hub
