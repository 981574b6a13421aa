"""The handoff, end to end: scoring turns, escalating, the queue, agents' actions, hand-back.

`HandoffService` is what the hub's router and the agent API call. It keeps no state of its own
between calls (everything is in the hub database), so a restarted hub carries on where it stopped;
only who is online lives in memory (`AgentConnections`).
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, Callable, TypeVar

import anyio

from bot.frustration.config import EscalationConfig
from bot.frustration.policy import ASKED_FOR_PERSON, BotTurn, CustomerProfile, CustomerTurn, Decision, trajectory
from bot.handoff import texts
from bot.handoff.config import HandoffConfig
from bot.handoff.context import build_context, quote, summarize
from bot.handoff.queue import AgentLoad, expected_wait_s, ordered, position, priority, waited_s
from bot.handoff.skills import SKILLS, skill_for
from bot.handoff.store import (
    ACTIVE,
    BY_AGENT,
    BY_BOT,
    BY_QUEUE,
    CALLBACK,
    CANCELLED,
    CLOSED,
    DISPOSITIONS,
    OFFLINE,
    QUEUED,
    RETURNED,
    Handoff,
    HandoffConflict,
    HandoffStore,
)
from bot.conversations import messages
from bot.conversations.agent_connections import AgentConnections
from bot.conversations.connections import Connections
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import AGENT, CUSTOMER, FAILED, REJECTED, SYSTEM, OutboundDraft, StoredMessage, Store, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

HUMAN = "human"  # inbound status: routed to a person, not to the bot
_PLAIN_ANSWER = re.compile(r"^\W*(?:no|nope|nah|not really|no,? thanks?|no,? (?:it|that) did(?:n'?t| not)(?: help)?|"
                           r"yes|yeah|yep|ok(?:ay)?|sure|thanks?|thank you)\W*$", re.IGNORECASE)
_CALLBACK = re.compile(r"\b(?:call|ring|phone) me(?: back)?\b|\bcall ?back\b", re.IGNORECASE)
MAX_AGENT_TEXT = 4000
HISTORY = 500


class HandoffError(Exception):
    """An agent action that cannot be done; ``status`` and ``code`` go into the API error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _reading(parsed: dict[str, Any]) -> tuple[str | None, float | None, list[dict[str, Any]]]:
    """Intent, its confidence and the entities from a Rasa parse result."""
    intent = parsed.get("intent") or {}
    entities = [{"entity": e.get("entity"), "value": e.get("value"),
                 "confidence": e.get("confidence_entity", e.get("confidence"))}
                for e in parsed.get("entities") or [] if isinstance(e, dict)]
    return intent.get("name"), intent.get("confidence"), entities


def agent_card(agent: Any) -> dict[str, Any]:
    return {"id": agent.id, "name": agent.name, "initials": agent.initials}


def system(text: str, event: str, **extra: Any) -> OutboundDraft:
    return OutboundDraft(text=text, payload={"event": event, **{k: v for k, v in extra.items() if v is not None}},
                         sender=SYSTEM)


class HandoffService:
    def __init__(self, *, store: Store, handoffs: HandoffStore, rasa: RasaClient, customers: Connections,
                 agents: AgentConnections, directory: Any, answers: Any, escalation: EscalationConfig,
                 config: HandoffConfig, client: Any = None, crm_url: str | None = None, kb_index: Any = None,
                 scorer: Any = None, clock: Callable[[], datetime] = utcnow, text_limit: int = 4000,
                 receipts: Any = None, surveys: Any = None) -> None:
        self.store, self.handoffs, self.rasa = store, handoffs, rasa
        self.customers, self.agents, self.directory, self.answers = customers, agents, directory, answers
        self.escalation, self.config, self.client = escalation, config, client
        self.crm_url, self.kb_index, self.clock, self.text_limit = crm_url, kb_index, clock, text_limit
        self.receipts = receipts  # bot.conversations.receipts.Receipts; None: no read receipts
        self.surveys = surveys  # bot.surveys.service.SurveyService; None: no survey when an agent closes
        self._scorer = scorer
        self._kb = None
        # Called (in a worker thread) with (conversation_id, customer_id) when a conversation's customer is
        # verified, so the messaging channels can continue it on another channel (bot/channels/service.py).
        self.on_customer: Callable[[str, str], None] | None = None
        self.closures: Any = None  # bot.conversations.closure.Closures; None: closes are not recorded
        self._load_lock = threading.Lock()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    # -- models, loaded once, lazily --------------------------------------------------------------
    @property
    def scorer(self):
        with self._load_lock:
            if self._scorer is None:
                from bot.frustration.scorer import FrustrationScorer

                self._scorer = FrustrationScorer(config=self.escalation)
            return self._scorer

    @property
    def kb(self):
        with self._load_lock:
            if self._kb is None:
                from bot.kb.search import KnowledgeBase

                self._kb = KnowledgeBase(self.kb_index)
            return self._kb

    # -- bot turns: frustration, tone, escalation --------------------------------------------------
    def _policy_turns(self, conversation_id: str, meta: dict[str, Any]) -> tuple[list, list[str]]:
        """The policy's view of the conversation since the last handoff ended (a fresh start after one)."""
        start = int(meta.get("policy_from") or 0)
        # Messages the bot could not answer (it was down, or they were empty / too long: the hub replied
        # itself and asked the customer to try again) are not "asked again" when the customer retries.
        history = self.store.history(conversation_id, limit=HISTORY)
        unanswered = {m.reply_to for m in history if m.payload.get("origin") == "hub"}
        texts_by_id = {m.id: m.text or "" for m in history
                       if m.sender == CUSTOMER and m.status not in (FAILED, REJECTED) and m.id not in unanswered}
        turns = []
        earlier = []
        for turn in self.handoffs.turns(conversation_id):
            if turn.message_id <= start or turn.message_id not in texts_by_id:
                continue
            text = texts_by_id[turn.message_id]
            turns.append(CustomerTurn(text=text, score=turn.score, signals=tuple(turn.signals),
                                      repeats_earlier=turn.repeats))
            if turn.bot_events:
                turns.append(BotTurn(events=tuple(turn.bot_events)))
            earlier.append(text)
        return turns, earlier

    def _assess(self, inbound: StoredMessage) -> Decision:
        conversation_id = inbound.conversation_id
        meta = self.handoffs.meta(conversation_id)
        turns, earlier = self._policy_turns(conversation_id, meta)
        text = inbound.text or ""
        if inbound.payload.get("button_payload") or _PLAIN_ANSWER.match(text):
            # A quick reply or a bare "no" answers the bot's question; it says nothing about feelings
            # (the text model reads a lone "No" as disapproval). Whether the answer helped is a bot event.
            score, signals, repeats = 0.0, [], False
        else:
            scored = self.scorer.score(text)
            score, signals = scored.score, scored.signal_names
            window = [t for t in earlier if len(t.split()) >= 4][-10:]
            repeats = bool(window) and self.scorer.repeats(window + [text])[-1]
        turns.append(CustomerTurn(text=text, score=score, signals=tuple(signals), repeats_earlier=repeats))
        customer = meta.get("customer") or {}
        profile = CustomerProfile(tier=customer.get("tier"), at_risk=bool(customer.get("at_risk")))
        decision = trajectory(turns, self.escalation, profile)[-1]
        if decision.escalate and set(decision.reason_names) == {ASKED_FOR_PERSON} and _CALLBACK.search(text):
            # "Can someone call me back?" asks for exactly what the bot's callback form books.
            decision = replace(decision, escalate=False, reasons=())
        self.handoffs.save_turn(inbound.id, conversation_id, score=score, signals=signals,
                                level=decision.level, repeats=repeats)
        return decision

    def warm_up(self) -> None:
        """Load the frustration model and the sentence encoder now, not on a customer's first message."""
        self.scorer.score("hello")
        self.scorer.repeats(["where is my order please", "where is my order please"])

    async def assess(self, inbound: StoredMessage) -> Decision:
        """Score the customer's message and run the escalation policy on the conversation so far."""
        decision = await self._db(self._assess, inbound)
        if decision.escalate:
            log.info("escalation policy fired", extra={"event": "escalation", "conversation_id": inbound.conversation_id,
                                                       "reasons": decision.reason_names, "score": round(decision.score, 3)})
        return decision

    async def set_tone(self, conversation_id: str, level: str) -> None:
        """Tell Rasa the frustration level (slot `frustration_level`) when it changed."""
        meta = await self._db(self.handoffs.meta, conversation_id)
        if meta.get("level", "calm") == level:
            return
        try:
            await self.rasa.add_events(conversation_id, [{"event": "slot", "name": "frustration_level", "value": level}])
        except RasaFailure as exc:
            log.warning("could not set the bot's tone", extra={"event": "tone_failed", "conversation_id": conversation_id,
                                                               "error": str(exc)})
            return
        await self._db(self.handoffs.set_meta, conversation_id, level=level)

    async def after_bot_turn(self, inbound: StoredMessage) -> str | None:
        """Record what the bot made of the message (intent, entities, failures) and who the customer is.

        Returns the intent the bot read (None when the tracker could not be read)."""
        conversation_id = inbound.conversation_id
        try:
            tracker = await self.rasa.tracker(conversation_id)
        except RasaFailure as exc:
            log.warning("could not read the bot's tracker", extra={"event": "tracker_failed",
                                                                   "conversation_id": conversation_id, "error": str(exc)})
            return None
        intent, confidence, entities = _reading(tracker.get("latest_message") or {})
        slots = tracker.get("slots") or {}
        events = []
        if intent == "nlu_fallback" or slots.get("kb_outcome") == "no_answer":
            events.append("fallback")
        if self.answers is not None and await self._db(self._kb_denied_since, conversation_id, inbound.created_at):
            events.append("kb_unhelpful")
        await self._db(self.handoffs.save_turn, inbound.id, conversation_id, intent=intent,
                       confidence=None if confidence is None else float(confidence), entities=entities, bot_events=events)
        customer_id = slots.get("verified_customer_id")
        if customer_id:
            await self._db(self.remember_customer, conversation_id, str(customer_id))
        return intent

    async def read_unanswered(self, inbound: StoredMessage) -> None:
        """NLU's reading of a message the hub answers itself (an escalation), for routing and the context."""
        try:
            parsed = await self.rasa.parse(inbound.text or "")
        except RasaFailure as exc:
            log.warning("could not parse the escalating message", extra={
                "event": "parse_failed", "conversation_id": inbound.conversation_id, "error": str(exc)})
            return
        intent, confidence, entities = _reading(parsed)
        await self._db(self.handoffs.save_turn, inbound.id, inbound.conversation_id, intent=intent,
                       confidence=None if confidence is None else float(confidence), entities=entities)

    def _kb_denied_since(self, conversation_id: str, since: datetime) -> bool:
        for answer in self.answers.for_conversation(conversation_id):
            if answer.get("helpful") is False and answer.get("feedback_at"):
                if datetime.fromisoformat(answer["feedback_at"]).replace(tzinfo=since.tzinfo) >= since:
                    return True
        return False

    def _crm(self):
        from bot.crm import open_crm

        return open_crm(self.crm_url, create_schema=False)

    def remember_customer(self, conversation_id: str, customer_id: str) -> None:
        """Keep a verified customer's CRM card on the conversation (agent context, queue priority).

        Blocking (CRM and database): call it in a worker thread. Channels call it when a verified
        phone or e-mail names the customer."""
        meta = self.handoffs.meta(conversation_id)
        if (meta.get("customer") or {}).get("customer_id") == customer_id:
            return
        try:
            crm = self._crm()
            try:
                customer = crm.find_customer(customer_id=customer_id)
                tickets = crm.open_tickets(customer_id) if customer else []
            finally:
                crm.close()
        except Exception as exc:  # noqa: BLE001 - the CRM being down must not stop the conversation
            log.warning("CRM lookup failed", extra={"event": "crm_failed", "conversation_id": conversation_id,
                                                    "error": str(exc)[:200]})
            return
        if customer is None:
            return
        self.handoffs.set_meta(conversation_id, customer={
            "customer_id": customer.customer_id, "name": customer.full_name, "tier": customer.tier,
            "at_risk": len(tickets) >= self.config.at_risk_open_tickets})
        if self.on_customer is not None:
            self.on_customer(conversation_id, customer.customer_id)

    # -- escalation ----------------------------------------------------------------------------------
    def agent_loads(self) -> list[AgentLoad]:
        online = self.agents.online_ids()
        loads = []
        for agent in self.directory.list():
            if not agent.active:
                continue
            loads.append(AgentLoad(id=agent.id, skills=tuple(agent.skills), capacity=agent.capacity,
                                   active=self.handoffs.active_count(agent.id), online=agent.id in online,
                                   supervisor=agent.role == "supervisor"))
        return loads

    def _queue_place(self, handoff: Handoff, loads: list[AgentLoad] | None = None) -> tuple[int, float | None]:
        now = self.clock()
        queued = [h for h in self.handoffs.with_status(QUEUED) if not h.ticket]
        place = position(handoff, queued, now, self.config)
        handle_s = self.handoffs.median_handle_s() or self.config.expected_handle_s
        return place, expected_wait_s(place, loads if loads is not None else self.agent_loads(), handoff.skill, handle_s)

    def _escalate(self, conversation_id: str, reasons: list[dict[str, Any]], frustration: float,
                  level: str, explicit: bool) -> list[OutboundDraft]:
        now = self.clock()
        open_now = self.client is None or not self.client.business_hours or self.client.is_open(now)
        waiting = self.handoffs.open_for(conversation_id)
        offered = self.handoffs.latest_for(conversation_id, (OFFLINE,))
        if waiting is not None or offered is not None:
            # Already waiting for a person, or the ticket / call-back offer stands: nothing new to open.
            # Asked again in so many words, the customer is reminded rather than answered by the bot.
            if not explicit:
                return []
            if waiting is not None and waiting.ticket:
                return [system(texts.ticket_pending(texts.ticket_reference(waiting.id)), "ticket",
                               handoff_id=waiting.id)]
            return [self._offline_offer(offered, open_now, now)] if offered is not None else []
        meta = self.handoffs.meta(conversation_id)
        start = int(meta.get("policy_from") or 0)
        skill = skill_for(t.intent for t in self.handoffs.turns(conversation_id) if t.message_id > start)
        loads = self.agent_loads()
        status = QUEUED if open_now and any(a.online and a.can_take(skill) for a in loads) else OFFLINE
        handoff = self.handoffs.create(conversation_id, status=status, skill=skill, reasons=reasons,
                                       frustration=frustration, level=level, customer=meta.get("customer"))
        if status == OFFLINE:
            return [self._offline_offer(handoff, open_now, now)]
        place, wait = self._queue_place(handoff, loads)
        return [system(texts.queued(place, wait), "queued", queue={"position": place, "wait_s": wait},
                       handoff_id=handoff.id)]

    def _offline_offer(self, handoff: Handoff, open_now: bool, now: datetime) -> OutboundDraft:
        next_open = None
        if self.client is not None and self.client.business_hours and not open_now:
            next_open = self.client.next_opening(now)
        buttons = [{"title": "Open a ticket", "payload": texts.OPEN_TICKET},
                   {"title": "Call me back", "payload": texts.CALLBACK},
                   {"title": "Keep chatting with the assistant", "payload": texts.KEEP_BOT}]
        return system(texts.offline(next_open, open_now), "offline", handoff_id=handoff.id, buttons=buttons,
                      next_open=next_open.isoformat() if next_open else None)

    async def escalate(self, conversation_id: str, reasons: list[dict[str, Any]], *, frustration: float = 0.0,
                       level: str = "calm") -> list[OutboundDraft]:
        """Open a handoff (queued, or offline with a ticket / callback offered); the hub's reply to the customer."""
        explicit = any(r.get("name") == ASKED_FOR_PERSON for r in reasons)
        drafts = await self._db(self._escalate, conversation_id, reasons, frustration, level, explicit)
        if drafts:
            log.info("handoff opened", extra={"event": "handoff_opened", "conversation_id": conversation_id,
                                              "reasons": [r.get("name") for r in reasons],
                                              "status": drafts[0].payload.get("event")})
        return drafts

    async def hub_choice(self, conversation_id: str, payload: str) -> list[OutboundDraft]:
        """The customer's answer to the offline offer: open a ticket, or keep chatting with the bot."""
        handoff = await self._db(self.handoffs.latest_for, conversation_id, (OFFLINE,))
        await self._restart_policy(conversation_id)  # the customer chose; earlier frustration is answered
        if payload == texts.OPEN_TICKET and handoff is not None:
            try:
                await self._db(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="ticket", status=QUEUED,
                               ticket=True, queued_at=self.clock())
            except HandoffConflict:
                pass
            next_open = None
            if self.client is not None and self.client.business_hours and not self.client.is_open(self.clock()):
                next_open = self.client.next_opening(self.clock())
            await self.notify_queue()
            return [system(texts.ticket_opened(texts.ticket_reference(handoff.id), next_open), "ticket",
                           handoff_id=handoff.id)]
        if handoff is not None:
            try:
                await self._db(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="cancelled",
                               status=CANCELLED, ended_at=self.clock())
            except HandoffConflict:
                pass
        return [system(texts.keep_bot(), "cancelled")]

    async def callback_chosen(self, conversation_id: str) -> None:
        handoff = await self._db(self.handoffs.latest_for, conversation_id, (OFFLINE,))
        if handoff is not None:
            await self._restart_policy(conversation_id)
            try:
                await self._db(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="callback",
                               status=CALLBACK, ended_at=self.clock())
            except HandoffConflict:
                pass

    # -- while a person has the conversation ------------------------------------------------------------
    async def to_human(self, inbound: StoredMessage) -> None:
        """A customer message while queued or with an agent: it goes to the agents, never to the bot."""
        await self._db(self.store.set_status, inbound.id, HUMAN)
        handoff = await self._db(self.handoffs.open_for, inbound.conversation_id)
        if handoff is not None:
            await self.push_to_agents(handoff, {"type": "message", "handoff_id": handoff.id,
                                                "conversation_id": handoff.conversation_id,
                                                "message": messages.to_wire(inbound, text_limit=self.text_limit)})

    def may_view(self, agent: Any, handoff: Handoff) -> bool:
        if agent.role == "supervisor" or handoff.agent_id == agent.id:
            return True
        return handoff.status == QUEUED and handoff.skill in agent.skills

    async def push_to_agents(self, handoff: Handoff, frame: dict[str, Any]) -> None:
        await self.agents.push(frame, to=lambda agent: self.may_view(agent, handoff))

    async def tell_agents(self, conversation_id: str, frame: dict[str, Any]) -> None:
        """Push a frame about a conversation to the agents who may see its open handoff (if any)."""
        handoff = await self._db(self.handoffs.open_for, conversation_id)
        if handoff is not None:
            await self.push_to_agents(handoff, {**frame, "conversation_id": conversation_id,
                                                "handoff_id": handoff.id})

    async def customer_typing(self, conversation_id: str, on: bool) -> None:
        await self.tell_agents(conversation_id, {"type": "typing", "on": bool(on)})

    async def agent_read(self, agent: Any, handoff_id: Any, up_to: Any = None) -> None:
        """The agent who has the conversation has seen the customer's messages (up to ``up_to``)."""
        if not isinstance(handoff_id, int) or (up_to is not None and (isinstance(up_to, bool)
                                                                      or not isinstance(up_to, int))):
            return
        handoff = await self._db(self.handoffs.get, handoff_id)
        if handoff is None or handoff.status != ACTIVE or handoff.agent_id != agent.id or self.receipts is None:
            return
        await self.receipts.read_by_hub(handoff.conversation_id, by="agent", name=agent.name, up_to=up_to)

    async def agent_typing(self, agent: Any, handoff_id: Any, on: bool) -> None:
        handoff = await self._db(self.handoffs.get, handoff_id) if isinstance(handoff_id, int) else None
        if handoff is None or handoff.status != ACTIVE or handoff.agent_id != agent.id:
            return
        await self.customers.push(handoff.conversation_id, {"type": "typing", "on": bool(on), "who": "agent",
                                                            "agent": agent_card(agent)})

    async def notify_queue(self) -> None:
        """Tell agents the queue changed and every waiting customer their new place."""
        await self.agents.push({"type": "queue_changed"})
        queued = await self._db(self.handoffs.with_status, QUEUED)
        if not queued:
            return
        loads = await self._db(self.agent_loads)
        for handoff in queued:
            if handoff.ticket:
                continue
            place, wait = await self._db(self._queue_place, handoff, loads)
            await self.customers.push(handoff.conversation_id, {"type": "queue", "position": place, "wait_s": wait})

    async def queue_frame(self, conversation_id: str) -> dict[str, Any] | None:
        """The live queue frame for a customer who is waiting for an agent; None otherwise."""
        handoff = await self._db(self.handoffs.open_for, conversation_id)
        if handoff is None or handoff.status != QUEUED or handoff.ticket:
            return None
        place, wait = await self._db(self._queue_place, handoff)
        return {"type": "queue", "position": place, "wait_s": wait}

    async def _say(self, conversation_id: str, drafts: list[OutboundDraft], handoff: Handoff | None = None) -> list[StoredMessage]:
        """Store messages for the customer and push them to the customer's tabs and to the agents."""
        stored = await self._db(self.store.add_outbound, conversation_id, drafts)
        for message in stored:
            wire = messages.to_wire(message, text_limit=self.text_limit)
            await self.customers.push(conversation_id, wire)
            if handoff is not None:
                await self.push_to_agents(handoff, {"type": "message", "handoff_id": handoff.id,
                                                    "conversation_id": conversation_id, "message": wire})
        return stored

    # -- agents' actions -------------------------------------------------------------------------------------
    async def get_for(self, agent: Any, handoff_id: int) -> Handoff:
        handoff = await self._db(self.handoffs.get, handoff_id)
        if handoff is None:
            raise HandoffError(404, "unknown_handoff", "No handoff with this id.")
        if not self.may_view(agent, handoff):
            raise HandoffError(403, "forbidden", "This conversation is not in your queues.")
        return handoff

    async def accept(self, agent: Any, handoff_id: int) -> Handoff:
        handoff = await self.get_for(agent, handoff_id)
        if handoff.status != QUEUED:
            raise HandoffError(409, "already_taken", "Someone else already took this conversation.")
        if agent.role != "supervisor" and handoff.skill not in agent.skills:
            raise HandoffError(403, "forbidden", "This conversation needs a skill you don't have.")
        if await self._db(self.handoffs.active_count, agent.id) >= agent.capacity:
            raise HandoffError(409, "at_capacity", f"You already have {agent.capacity} conversations; close one first.")
        try:
            handoff = await self._db(self._transition, handoff, kind="accepted", by=agent, detail=None,
                                     handled_by=BY_AGENT, values=dict(status=ACTIVE, agent_id=agent.id,
                                                                      agent_name=agent.name, accepted_at=self.clock()))
        except HandoffConflict:
            raise HandoffError(409, "already_taken", "Someone else already took this conversation.") from None
        await self._say(handoff.conversation_id, [system(texts.agent_joined(agent.name), "agent_joined",
                                                         agent=agent_card(agent))], handoff)
        log.info("handoff accepted", extra={"event": "handoff_accepted", "conversation_id": handoff.conversation_id,
                                            "handoff_id": handoff.id, "agent_id": agent.id})
        await self.agent_read(agent, handoff.id)  # the agent has the whole conversation in front of them
        await self.notify_queue()
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
            earlier = await self._db(self.store.history, handoff.conversation_id, limit=100)
            for message in earlier:
                if message.sender == AGENT and message.payload.get("client_message_id") == client_message_id:
                    return message
        from bot.conversations.accept import clean_text

        payload = {"agent": agent_card(agent), "handoff_id": handoff.id}
        if client_message_id is not None:
            payload["client_message_id"] = client_message_id
        [stored] = await self._say(handoff.conversation_id,
                                   [OutboundDraft(text=clean_text(text).strip(), payload=payload, sender=AGENT)], handoff)
        await self.agent_read(agent, handoff.id)  # answering means having read
        return stored

    async def _own(self, agent: Any, handoff_id: int) -> Handoff:
        handoff = await self.get_for(agent, handoff_id)
        if handoff.status != ACTIVE:
            raise HandoffError(409, "not_active", f"This conversation is {handoff.status}, not active.")
        if handoff.agent_id != agent.id:
            raise HandoffError(403, "forbidden", "Only the agent who has this conversation can do that.")
        return handoff

    async def transfer(self, agent: Any, handoff_id: int, *, skill: Any = None, agent_id: Any = None,
                       note: Any = None) -> Handoff:
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
            handoff = await self._db(self._transition, handoff, kind="transferred", by=agent,
                                     detail={"skill": skill, "note": note}, handled_by=BY_QUEUE,
                                     values=dict(status=QUEUED, skill=skill, agent_id=None, agent_name=None,
                                                 queued_at=self.clock(), accepted_at=None))
            await self._say(handoff.conversation_id, [system(texts.transferred(skill, None), "agent_left",
                                                             agent=agent_card(agent))], handoff)
        else:
            target = await self._db(self.directory.get, agent_id) if isinstance(agent_id, int) else None
            if target is None or not target.active:
                raise HandoffError(422, "unknown_agent", "No active agent with this id.")
            if target.id not in self.agents.online_ids():
                raise HandoffError(409, "agent_offline", f"{target.name} is not online.")
            if await self._db(self.handoffs.active_count, target.id) >= target.capacity:
                raise HandoffError(409, "at_capacity", f"{target.name} has no free capacity.")
            handoff = await self._db(self._transition, handoff, kind="transferred", by=agent,
                                     detail={"to_agent": target.id, "note": note}, handled_by=BY_AGENT,
                                     values=dict(status=ACTIVE, agent_id=target.id, agent_name=target.name,
                                                 accepted_at=self.clock()))
            await self._say(handoff.conversation_id, [
                system(texts.transferred(None, target.name), "agent_left", agent=agent_card(agent)),
                system(texts.agent_joined(target.name), "agent_joined", agent=agent_card(target))], handoff)
        await self.notify_queue()
        return handoff

    def _transition(self, handoff: Handoff, *, kind: str, by: Any, detail: dict[str, Any] | None,
                    handled_by: str | None, values: dict[str, Any]) -> Handoff:
        return self.handoffs.transition(handoff.id, expect=(handoff.status,), kind=kind, by_agent=by.id,
                                        detail=detail, handled_by=handled_by, **values)

    async def _end(self, agent: Any, handoff_id: int, *, status: str, kind: str, detail: dict[str, Any],
                   note: str | None, disposition: str | None = None) -> Handoff:
        handoff = await self._own(agent, handoff_id)
        try:
            handoff = await self._db(self._transition, handoff, kind=kind, by=agent, detail=detail, handled_by=BY_BOT,
                                     values=dict(status=status, ended_at=self.clock(), note=note,
                                                 disposition=disposition))
        except HandoffConflict:
            raise HandoffError(409, "not_active", "This conversation changed meanwhile; reload it.") from None
        await self._restart_policy(handoff.conversation_id)
        return handoff

    async def _restart_policy(self, conversation_id: str) -> None:
        """The escalation policy starts afresh after a handoff ends or a ticket / call-back choice."""
        last = await self._db(self.store.history, conversation_id, limit=1)
        # level None: the next message sets the bot's tone again, whatever Rasa's slot holds now.
        await self._db(self.handoffs.set_meta, conversation_id, policy_from=last[-1].id if last else 0, level=None)

    async def hand_back(self, agent: Any, handoff_id: int, note: Any = None) -> tuple[Handoff, list[StoredMessage]]:
        note = note.strip()[:500] if isinstance(note, str) and note.strip() else None
        handoff = await self._end(agent, handoff_id, status=RETURNED, kind="returned", detail={"note": note}, note=note)
        said = await self._say(handoff.conversation_id, [system(texts.handed_back(agent.name), "handed_back",
                                                                agent=agent_card(agent))], handoff)
        drafts = await self._resume_bot(handoff, agent, note)
        replies = await self._say(handoff.conversation_id, drafts)
        await self.notify_queue()
        log.info("handoff returned to the bot", extra={"event": "handoff_returned", "handoff_id": handoff.id,
                                                       "conversation_id": handoff.conversation_id, "agent_id": agent.id})
        return handoff, said + replies

    async def _resume_bot(self, handoff: Handoff, agent: Any, note: str | None) -> list[OutboundDraft]:
        """Give Rasa the human part of the conversation, then let it welcome the customer back."""
        history = await self._db(self.store.history, handoff.conversation_id, limit=HISTORY)
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
        if disposition not in DISPOSITIONS:
            raise HandoffError(422, "invalid_disposition", "'disposition' must be 'resolved' or 'unresolved'.")
        note = note.strip()[:500] if isinstance(note, str) and note.strip() else None
        handoff = await self._end(agent, handoff_id, status=CLOSED, kind="closed",
                                  detail={"disposition": disposition, "note": note}, note=note, disposition=disposition)
        if self.closures is not None:  # before the survey: its answer belongs to this episode
            await self._db(self.closures.close, handoff.conversation_id, "agent_closed", now=self.clock(),
                           resolved=disposition == "resolved", handoff_id=handoff.id)
        closing = [system(texts.closed(agent.name), "closed", agent=agent_card(agent))]
        if self.surveys is not None:
            question = await self.surveys.ask(handoff.conversation_id, "agent_closed", handoff_id=handoff.id,
                                              agent_id=agent.id)
            closing += [question] if question is not None else []
        await self._say(handoff.conversation_id, closing, handoff)
        await self.notify_queue()
        log.info("handoff closed", extra={"event": "handoff_closed", "handoff_id": handoff.id,
                                          "conversation_id": handoff.conversation_id, "disposition": disposition})
        return handoff

    # -- what agents see -------------------------------------------------------------------------------------
    def _describe(self, handoff: Handoff, queued: list[Handoff], loads: list[AgentLoad]) -> dict[str, Any]:
        now = self.clock()
        history = self.store.history(handoff.conversation_id, limit=HISTORY)
        turns = self.handoffs.turns(handoff.conversation_id)
        kb = self.answers.for_conversation(handoff.conversation_id) if self.answers is not None else []
        last = next((m for m in reversed(history) if m.sender == CUSTOMER), None)
        out = {
            "id": handoff.id, "conversation_id": handoff.conversation_id, "status": handoff.status,
            "skill": handoff.skill, "priority": priority(handoff, now, self.config), "reasons": handoff.reasons,
            "created_at": handoff.created_at.isoformat(), "waiting_s": round(waited_s(handoff, now)),
            "agent": {"id": handoff.agent_id, "name": handoff.agent_name} if handoff.agent_id else None,
            "customer": ({"name": handoff.customer.get("name"), "tier": handoff.customer.get("tier"),
                          "at_risk": bool(handoff.customer.get("at_risk"))} if handoff.customer else None),
            "frustration": round(handoff.frustration, 3), "level": handoff.level, "channel": handoff.channel,
            "ticket": handoff.ticket, "summary": summarize(history, turns, kb, handoff.reasons, handoff.id),
            "last_message": {"text": quote(last.text), "at": last.created_at.isoformat()} if last else None,
            "disposition": handoff.disposition,
        }
        if handoff.status == QUEUED:
            out["position"] = position(handoff, queued, now, self.config)
        return out

    def _queue_view(self, agent: Any) -> dict[str, Any]:
        now = self.clock()
        queued = self.handoffs.with_status(QUEUED)
        active = self.handoffs.with_status(ACTIVE)
        loads = self.agent_loads()
        visible = [h for h in ordered(queued, now, self.config) if self.may_view(agent, h)]
        view: dict[str, Any] = {
            "queued": [self._describe(h, queued, loads) for h in visible],
            "mine": [self._describe(h, queued, loads) for h in active if h.agent_id == agent.id],
        }
        if agent.role == "supervisor":
            view["live"] = [self._describe(h, queued, loads) for h in active]
            by_id = {a.id: a for a in self.directory.list()}
            view["agents"] = [{**by_id[load.id].to_dict(), "online": load.online, "active": load.active}
                              for load in loads if load.id in by_id]
        return view

    async def queue_view(self, agent: Any) -> dict[str, Any]:
        return await self._db(self._queue_view, agent)

    async def describe(self, handoff: Handoff) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            return self._describe(handoff, self.handoffs.with_status(QUEUED), [])
        return await self._db(run)

    async def context(self, handoff: Handoff) -> dict[str, Any]:
        try:
            slots = (await self.rasa.tracker(handoff.conversation_id)).get("slots") or {}
        except RasaFailure:
            slots = None
        return await self._db(self._context, handoff, slots)

    def _context(self, handoff: Handoff, slots: dict[str, Any] | None) -> dict[str, Any]:
        history = self.store.history(handoff.conversation_id, limit=HISTORY)
        turns = self.handoffs.turns(handoff.conversation_id)
        kb = self.answers.for_conversation(handoff.conversation_id) if self.answers is not None else []
        context = build_context(messages=history, turns=turns, reasons=handoff.reasons, kb=kb, slots=slots,
                                customer=self._customer_profile(handoff), text_limit=self.text_limit,
                                handoff_id=handoff.id)
        context["events"] = self.handoffs.events(handoff.id)
        return context

    def _customer_profile(self, handoff: Handoff) -> dict[str, Any] | None:
        customer_id = (handoff.customer or {}).get("customer_id") or \
            (self.handoffs.meta(handoff.conversation_id).get("customer") or {}).get("customer_id")
        if not customer_id or not self.crm_url:
            return None
        from bot.crm.records import to_dict

        try:
            crm = self._crm()
            try:
                customer = crm.find_customer(customer_id=customer_id)
                if customer is None:
                    return None
                orders = crm.orders_for_customer(customer_id, limit=5)
                tickets = crm.open_tickets(customer_id)
            finally:
                crm.close()
        except Exception as exc:  # noqa: BLE001
            log.warning("CRM lookup failed", extra={"event": "crm_failed", "error": str(exc)[:200]})
            return {"error": "The CRM is not reachable right now."}
        profile = to_dict(customer)
        profile.pop("payment_method", None)  # agents don't need it; card details stay out of the console
        return {"profile": profile,
                "orders": [{"order_id": o.order_id, "status": o.status, "placed_at": o.placed_at.isoformat(),
                            "total": f"{o.total:.2f}", "products": list(o.products)} for o in orders],
                "open_tickets": [to_dict(t) for t in tickets]}

    async def suggestions(self, handoff: Handoff, query: str | None, k: int = 3) -> dict[str, Any]:
        if not query:
            history = await self._db(self.store.history, handoff.conversation_id, limit=50)
            query = next((m.text for m in reversed(history) if m.sender == CUSTOMER and (m.text or "").strip()), "")
        query = (query or "").strip()[:2000]
        if not query:
            return {"query": "", "suggestions": []}

        def run() -> list[dict[str, Any]]:
            from bot.kb.answering import extract

            kb = self.kb
            return [{"article": hit.article_id, "title": hit.title, "url": hit.url, "score": round(hit.score, 3),
                     "text": extract(hit, query, kb.encode_texts)} for hit in kb.search(query, k=k)]
        try:
            found = await self._db(run)
        except Exception as exc:  # noqa: BLE001 - no index yet, or a broken one: the console shows none
            log.warning("knowledge-base suggestions failed", extra={"event": "kb_suggestions_failed", "error": str(exc)[:200]})
            return {"query": query, "suggestions": [], "error": "The knowledge base is not available."}
        return {"query": query, "suggestions": found}

