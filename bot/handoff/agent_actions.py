"""What an agent does with a handoff: accept, write, transfer, hand back to the bot, close.

`AgentActions` checks who may do what (`HandoffError` with the API's status and code), moves the
handoff with conditional updates (two agents accepting at once: one wins), stores and pushes what
the customer is told, and tells the queue (`QueueViews.notify_queue`) when it changed.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from bot.conversations import messages
from bot.db import is_row_id
from bot.redaction import Redactor
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import AGENT, OutboundDraft, Store, StoredMessage, utcnow
from bot.handoff import texts
from bot.handoff.common import HISTORY, HandoffError, agent_card, in_thread, restart_policy, system
from bot.handoff.queue_views import QueueViews
from bot.handoff.skills import SKILLS
from bot.handoff.store import (
    ACTIVE,
    BY_AGENT,
    BY_BOT,
    BY_QUEUE,
    CLOSED,
    DISPOSITIONS,
    QUEUED,
    RETURNED,
    Handoff,
    HandoffConflict,
    HandoffStore,
)

log = logging.getLogger(__name__)

MAX_AGENT_TEXT = 4000


def _note(value: Any) -> str | None:
    return value.strip()[:500] if isinstance(value, str) and value.strip() else None


class AgentActions:
    """``receipts`` (bot.conversations.receipts.Receipts; None: no read receipts), ``surveys``
    (bot.surveys.service.SurveyService; None: no survey when an agent closes) and ``closures``
    (bot.conversations.closure.Closures; None: closes are not recorded) are optional."""

    def __init__(self, *, store: Store, handoffs: HandoffStore, rasa: RasaClient, customers: Connections,
                 agents: AgentConnections, directory: Any, queue: QueueViews, receipts: Any = None,
                 surveys: Any = None, closures: Any = None, clock: Callable[[], datetime] = utcnow,
                 text_limit: int = 4000, redactor: Redactor | None = None) -> None:
        self.store, self.handoffs, self.rasa, self.queue = store, handoffs, rasa, queue
        self.redactor = redactor or Redactor()  # what agents type is hidden like what customers type
        self.customers, self.agents = customers, agents
        self.directory = directory  # bot.agents.directory.AgentDirectory: the target of a transfer
        self.receipts, self.surveys, self.closures = receipts, surveys, closures
        self.clock, self.text_limit = clock, text_limit

    # -- who may act ----------------------------------------------------------------------------------------
    async def get_for(self, agent: Any, handoff_id: int) -> Handoff:
        """The handoff, if ``agent`` may see it (404 ``unknown_handoff``, 403 ``forbidden``)."""
        handoff = await in_thread(self.handoffs.get, handoff_id)
        if handoff is None:
            raise HandoffError(404, "unknown_handoff", "No handoff with this id.")
        if not self.queue.may_view(agent, handoff):
            raise HandoffError(403, "forbidden", "This conversation is not in your queues.")
        return handoff

    async def _own(self, agent: Any, handoff_id: int) -> Handoff:
        handoff = await self.get_for(agent, handoff_id)
        if handoff.status != ACTIVE:
            raise HandoffError(409, "not_active", f"This conversation is {handoff.status}, not active.")
        if handoff.agent_id != agent.id:
            raise HandoffError(403, "forbidden", "Only the agent who has this conversation can do that.")
        return handoff

    # -- storing what the customer is told -----------------------------------------------------------------
    async def _say(self, conversation_id: str, drafts: list[OutboundDraft], handoff: Handoff | None = None) -> list[StoredMessage]:
        """Store messages for the customer and push them to the customer's tabs and to the agents."""
        stored = await in_thread(self.store.add_outbound, conversation_id, drafts)
        for message in stored:
            wire = messages.to_wire(message, text_limit=self.text_limit)
            await self.customers.push(conversation_id, wire)
            if handoff is not None:
                await self.queue.push_to_agents(handoff, {"type": "message", "handoff_id": handoff.id,
                                                          "conversation_id": conversation_id, "message": wire})
        return stored

    def _transition(self, handoff: Handoff, *, kind: str, by: Any, detail: dict[str, Any] | None,
                    handled_by: str | None, values: dict[str, Any]) -> Handoff:
        return self.handoffs.transition(handoff.id, expect=(handoff.status,), kind=kind, by_agent=by.id,
                                        detail=detail, handled_by=handled_by, **values)

    # -- taking and talking ----------------------------------------------------------------------------------
    async def accept(self, agent: Any, handoff_id: int) -> Handoff:
        handoff = await self.get_for(agent, handoff_id)
        if handoff.status != QUEUED:
            raise HandoffError(409, "already_taken", "Someone else already took this conversation.")
        if agent.role != "supervisor" and handoff.skill not in agent.skills:
            raise HandoffError(403, "forbidden", "This conversation needs a skill you don't have.")
        if await in_thread(self.handoffs.active_count, agent.id) >= agent.capacity:
            raise HandoffError(409, "at_capacity", f"You already have {agent.capacity} conversations; close one first.")
        try:
            handoff = await in_thread(self._transition, handoff, kind="accepted", by=agent, detail=None,
                                      handled_by=BY_AGENT, values=dict(status=ACTIVE, agent_id=agent.id,
                                                                       agent_name=agent.name, accepted_at=self.clock()))
        except HandoffConflict:
            raise HandoffError(409, "already_taken", "Someone else already took this conversation.") from None
        await self._say(handoff.conversation_id, [system(texts.agent_joined(agent.name), "agent_joined",
                                                         agent=agent_card(agent))], handoff)
        log.info("handoff accepted", extra={"event": "handoff_accepted", "conversation_id": handoff.conversation_id,
                                            "handoff_id": handoff.id, "agent_id": agent.id})
        await self.agent_read(agent, handoff.id)  # the agent has the whole conversation in front of them
        await self.queue.notify_queue()
        return handoff

    async def send(self, agent: Any, handoff_id: int, text: Any, client_message_id: Any = None) -> StoredMessage:
        handoff = await self._own(agent, handoff_id)
        if not isinstance(text, str) or not text.strip():
            raise HandoffError(422, "invalid_text", "'text' must be a non-empty string.")
        if len(text) > MAX_AGENT_TEXT:
            raise HandoffError(422, "text_too_long", f"Messages must be at most {MAX_AGENT_TEXT:,} characters.")
        if client_message_id is not None:
            if not isinstance(client_message_id, str) or not 0 < len(client_message_id) <= 128:
                raise HandoffError(422, "invalid_client_message_id", "'client_message_id' must be a short string.")
            earlier = await in_thread(self.store.history, handoff.conversation_id, limit=100)
            for message in earlier:
                if message.sender == AGENT and message.payload.get("client_message_id") == client_message_id:
                    return message
        from bot.conversations.accept import clean_text

        payload = {"agent": agent_card(agent), "handoff_id": handoff.id}
        if client_message_id is not None:
            payload["client_message_id"] = client_message_id
        redaction = self.redactor.redact(clean_text(text).strip())
        if redaction.findings:
            payload["redacted"] = list(redaction.categories)
        [stored] = await self._say(handoff.conversation_id,
                                   [OutboundDraft(text=redaction.text, payload=payload, sender=AGENT)], handoff)
        await self.agent_read(agent, handoff.id)  # answering means having read
        return stored

    async def agent_read(self, agent: Any, handoff_id: Any, up_to: Any = None) -> None:
        """The agent who has the conversation has seen the customer's messages (up to ``up_to``)."""
        if not is_row_id(handoff_id) or (up_to is not None and (isinstance(up_to, bool)
                                                                 or not isinstance(up_to, int))):
            return
        handoff = await in_thread(self.handoffs.get, handoff_id)
        if handoff is None or handoff.status != ACTIVE or handoff.agent_id != agent.id or self.receipts is None:
            return
        await self.receipts.read_by_hub(handoff.conversation_id, by="agent", name=agent.name, up_to=up_to)

    async def agent_typing(self, agent: Any, handoff_id: Any, on: bool) -> None:
        handoff = await in_thread(self.handoffs.get, handoff_id) if is_row_id(handoff_id) else None
        if handoff is None or handoff.status != ACTIVE or handoff.agent_id != agent.id:
            return
        await self.customers.push(handoff.conversation_id, {"type": "typing", "on": bool(on), "who": "agent",
                                                            "agent": agent_card(agent)})

    # -- passing it on -------------------------------------------------------------------------------------------
    async def transfer(self, agent: Any, handoff_id: int, *, skill: Any = None, agent_id: Any = None,
                       note: Any = None) -> Handoff:
        """To another skill's queue, or to a named agent who is online and has room."""
        handoff = await self.get_for(agent, handoff_id)
        supervisor = agent.role == "supervisor"
        if handoff.status not in (ACTIVE, QUEUED) or (handoff.status == ACTIVE and handoff.agent_id != agent.id
                                                      and not supervisor) or (handoff.status == QUEUED and not supervisor):
            raise HandoffError(409, "not_active", "Only the agent who has this conversation (or a supervisor) can transfer it.")
        note = note if isinstance(note, str) and note.strip() else None
        if (skill is None) == (agent_id is None):
            raise HandoffError(422, "invalid_transfer", "Give either 'skill' or 'agent_id'.")
        if skill is not None:
            if skill not in SKILLS:
                raise HandoffError(422, "invalid_skill", f"'skill' must be one of {', '.join(SKILLS)}.")
            handoff = await in_thread(self._transition, handoff, kind="transferred", by=agent,
                                      detail={"skill": skill, "note": note}, handled_by=BY_QUEUE,
                                      values=dict(status=QUEUED, skill=skill, agent_id=None, agent_name=None,
                                                  queued_at=self.clock(), accepted_at=None))
            await self._say(handoff.conversation_id, [system(texts.transferred(skill, None), "agent_left",
                                                             agent=agent_card(agent))], handoff)
        else:
            target = await in_thread(self.directory.get, agent_id) if is_row_id(agent_id) else None
            if target is None or not target.active:
                raise HandoffError(422, "unknown_agent", "No active agent with this id.")
            if target.id not in self.agents.online_ids():
                raise HandoffError(409, "agent_offline", f"{target.name} is not online.")
            if await in_thread(self.handoffs.active_count, target.id) >= target.capacity:
                raise HandoffError(409, "at_capacity", f"{target.name} has no free capacity.")
            handoff = await in_thread(self._transition, handoff, kind="transferred", by=agent,
                                      detail={"to_agent": target.id, "note": note}, handled_by=BY_AGENT,
                                      values=dict(status=ACTIVE, agent_id=target.id, agent_name=target.name,
                                                  accepted_at=self.clock()))
            await self._say(handoff.conversation_id, [
                system(texts.transferred(None, target.name), "agent_left", agent=agent_card(agent)),
                system(texts.agent_joined(target.name), "agent_joined", agent=agent_card(target))], handoff)
        await self.queue.notify_queue()
        return handoff

    # -- ending it ------------------------------------------------------------------------------------------------
    async def _end(self, agent: Any, handoff_id: int, *, status: str, kind: str, detail: dict[str, Any],
                   note: str | None, disposition: str | None = None) -> Handoff:
        handoff = await self._own(agent, handoff_id)
        try:
            handoff = await in_thread(self._transition, handoff, kind=kind, by=agent, detail=detail, handled_by=BY_BOT,
                                      values=dict(status=status, ended_at=self.clock(), note=note,
                                                  disposition=disposition))
        except HandoffConflict:
            raise HandoffError(409, "not_active", "This conversation changed meanwhile; reload it.") from None
        await in_thread(restart_policy, self.store, self.handoffs, handoff.conversation_id)
        return handoff

    async def hand_back(self, agent: Any, handoff_id: int, note: Any = None) -> tuple[Handoff, list[StoredMessage]]:
        """The bot takes over again; returns the handoff and what the customer was told (the bot's first words)."""
        note = _note(note)
        handoff = await self._end(agent, handoff_id, status=RETURNED, kind="returned", detail={"note": note}, note=note)
        said = await self._say(handoff.conversation_id, [system(texts.handed_back(agent.name), "handed_back",
                                                                agent=agent_card(agent))], handoff)
        drafts = await self._resume_bot(handoff, agent, note)
        replies = await self._say(handoff.conversation_id, drafts)
        await self.queue.notify_queue()
        log.info("handoff returned to the bot", extra={"event": "handoff_returned", "handoff_id": handoff.id,
                                                       "conversation_id": handoff.conversation_id, "agent_id": agent.id})
        return handoff, said + replies

    async def _resume_bot(self, handoff: Handoff, agent: Any, note: str | None) -> list[OutboundDraft]:
        """Give Rasa the human part of the conversation, then let it welcome the customer back."""
        history = await in_thread(self.store.history, handoff.conversation_id, limit=HISTORY)
        events: list[dict[str, Any]] = [
            {"event": "bot", "text": m.text, "metadata": {"agent": (m.payload.get("agent") or {}).get("name")}}
            for m in history if m.sender == AGENT and m.payload.get("handoff_id") == handoff.id and m.text]
        events += [{"event": "slot", "name": "agent_name", "value": agent.name.split()[0]},
                   {"event": "slot", "name": "handoff_note", "value": note},
                   {"event": "slot", "name": "handoff_resolved", "value": True},
                   {"event": "slot", "name": "frustration_level", "value": "calm"}]
        try:
            await self.rasa.add_events(handoff.conversation_id, events)
            items = await self.rasa.trigger_intent(handoff.conversation_id, "handoff_returned")
        except RasaFailure as exc:
            log.warning("the bot could not be resumed after a handoff", extra={
                "event": "resume_failed", "conversation_id": handoff.conversation_id, "error": str(exc)})
            items = []
        drafts = messages.from_rasa(items)
        return drafts or [messages.hub_reply("I'm back. Is there anything else I can help you with?", "resume_failed")]

    async def close(self, agent: Any, handoff_id: int, disposition: Any, note: Any = None) -> Handoff:
        """Closed with a disposition (``resolved`` / ``unresolved``); the episode closes, the survey is asked."""
        if disposition not in DISPOSITIONS:
            raise HandoffError(422, "invalid_disposition", "'disposition' must be 'resolved' or 'unresolved'.")
        note = _note(note)
        handoff = await self._end(agent, handoff_id, status=CLOSED, kind="closed",
                                  detail={"disposition": disposition, "note": note}, note=note, disposition=disposition)
        if self.closures is not None:  # before the survey: its answer belongs to this episode
            await in_thread(self.closures.close, handoff.conversation_id, "agent_closed", now=self.clock(),
                            resolved=disposition == "resolved", handoff_id=handoff.id)
        closing = [system(texts.closed(agent.name), "closed", agent=agent_card(agent))]
        if self.surveys is not None:
            question = await self.surveys.ask(handoff.conversation_id, "agent_closed", handoff_id=handoff.id,
                                              agent_id=agent.id)
            closing += [question] if question is not None else []
        await self._say(handoff.conversation_id, closing, handoff)
        await self.queue.notify_queue()
        log.info("handoff closed", extra={"event": "handoff_closed", "handoff_id": handoff.id,
                                          "conversation_id": handoff.conversation_id, "disposition": disposition})
        return handoff
