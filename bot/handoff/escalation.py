"""The bot's side of the handoff: each customer turn is scored, the policy decides, the hub escalates.

`Escalation` is what the hub's router calls around a bot turn: ``assess`` (frustration and the
escalation policy), ``read_unanswered`` / ``escalate`` (open a handoff: queued, or offline with a
ticket / call-back offer), ``set_tone`` (Rasa's ``frustration_level`` slot), ``after_bot_turn``
(what the bot read; the verified customer), ``hub_choice`` / ``callback_chosen`` (the customer's
answer to the offline offer) and ``to_human`` (a message while a person owns the conversation).
It keeps no state between calls: everything is in the hub database.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace
from datetime import datetime
from typing import Any, Callable

from bot.conversations import messages
from bot.conversations.rasa_client import RasaClient, RasaFailure
from bot.conversations.store import CUSTOMER, FAILED, REJECTED, OutboundDraft, Store, StoredMessage, utcnow
from bot.frustration.config import EscalationConfig
from bot.frustration.policy import ASKED_FOR_PERSON, BotTurn, CustomerProfile, CustomerTurn, Decision, trajectory
from bot.handoff import texts
from bot.handoff.common import HISTORY, in_thread, restart_policy, system
from bot.handoff.config import HandoffConfig
from bot.handoff.queue_views import QueueViews
from bot.handoff.skills import skill_for
from bot.handoff.store import CALLBACK, CANCELLED, OFFLINE, QUEUED, Handoff, HandoffConflict, HandoffStore

log = logging.getLogger(__name__)

HUMAN = "human"  # inbound status: routed to a person, not to the bot
_PLAIN_ANSWER = re.compile(r"^\W*(?:no|nope|nah|not really|no,? thanks?|no,? (?:it|that) did(?:n'?t| not)(?: help)?|"
                           r"yes|yeah|yep|ok(?:ay)?|sure|thanks?|thank you)\W*$", re.IGNORECASE)
_CALLBACK = re.compile(r"\b(?:call|ring|phone) me(?: back)?\b|\bcall ?back\b", re.IGNORECASE)


def _reading(parsed: dict[str, Any]) -> tuple[str | None, float | None, list[dict[str, Any]]]:
    """Intent, its confidence and the entities from a Rasa parse result."""
    intent = parsed.get("intent") or {}
    entities = [{"entity": e.get("entity"), "value": e.get("value"),
                 "confidence": e.get("confidence_entity", e.get("confidence"))}
                for e in parsed.get("entities") or [] if isinstance(e, dict)]
    return intent.get("name"), intent.get("confidence"), entities


class Escalation:
    """``crm`` is an open CRM (bot.crm.Crm; shared, thread-safe; None: customers are not looked up).
    ``on_customer(conversation_id, customer_id)`` is called (in a worker thread) when a conversation's
    customer is verified, so the messaging channels can continue it elsewhere (bot/channels/service.py)."""

    def __init__(self, *, store: Store, handoffs: HandoffStore, rasa: RasaClient, queue: QueueViews, answers: Any,
                 policy: EscalationConfig, config: HandoffConfig, client: Any = None, crm: Any = None,
                 scorer: Any = None, on_customer: Callable[[str, str], None] | None = None,
                 clock: Callable[[], datetime] = utcnow, text_limit: int = 4000) -> None:
        self.store, self.handoffs, self.rasa, self.queue = store, handoffs, rasa, queue
        self.answers = answers  # bot.kb.answers.AnswerLog; None: "the article did not help" is not a bot event
        self.policy, self.config = policy, config
        self.client = client  # bot.client_profile.ClientProfile (business hours); None: always open
        self.crm, self.on_customer, self.clock, self.text_limit = crm, on_customer, clock, text_limit
        self._scorer = scorer
        self._scorer_lock = threading.Lock()

    # -- the frustration model, loaded once, lazily ------------------------------------------------
    @property
    def scorer(self):
        with self._scorer_lock:
            if self._scorer is None:
                from bot.frustration.scorer import FrustrationScorer

                self._scorer = FrustrationScorer(config=self.policy)
            return self._scorer

    def warm_up(self) -> None:
        """Load the frustration model and the sentence encoder now, not on a customer's first message."""
        self.scorer.score("hello")
        self.scorer.repeats(["where is my order please", "where is my order please"])

    # -- scoring a customer turn ------------------------------------------------------------------------
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
        decision = trajectory(turns, self.policy, profile)[-1]
        if decision.escalate and set(decision.reason_names) == {ASKED_FOR_PERSON} and _CALLBACK.search(text):
            # "Can someone call me back?" asks for exactly what the bot's callback form books.
            decision = replace(decision, escalate=False, reasons=())
        self.handoffs.save_turn(inbound.id, conversation_id, score=score, signals=signals,
                                level=decision.level, repeats=repeats)
        return decision

    async def assess(self, inbound: StoredMessage) -> Decision:
        """Score the customer's message and run the escalation policy on the conversation so far."""
        decision = await in_thread(self._assess, inbound)
        if decision.escalate:
            log.info("escalation policy fired", extra={"event": "escalation", "conversation_id": inbound.conversation_id,
                                                       "reasons": decision.reason_names, "score": round(decision.score, 3)})
        return decision

    async def set_tone(self, conversation_id: str, level: str) -> None:
        """Tell Rasa the frustration level (slot `frustration_level`) when it changed."""
        meta = await in_thread(self.handoffs.meta, conversation_id)
        if meta.get("level", "calm") == level:
            return
        try:
            if "level" not in meta:
                # Rasa starts a new conversation's session inside the first events call, but stamps our
                # events before it: they fall out of the session, and the first message's tone was lost.
                # A no-op first call (the slot's initial value) starts the session.
                await self.rasa.add_events(conversation_id, [{"event": "slot", "name": "frustration_level",
                                                              "value": "calm"}])
            await self.rasa.add_events(conversation_id, [{"event": "slot", "name": "frustration_level", "value": level}])
        except RasaFailure as exc:
            log.warning("could not set the bot's tone", extra={"event": "tone_failed", "conversation_id": conversation_id,
                                                               "error": str(exc)})
            return
        await in_thread(self.handoffs.set_meta, conversation_id, level=level)

    # -- what the bot made of a turn ------------------------------------------------------------------
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
        if self.answers is not None and await in_thread(self._kb_denied_since, conversation_id, inbound.created_at):
            events.append("kb_unhelpful")
        await in_thread(self.handoffs.save_turn, inbound.id, conversation_id, intent=intent,
                        confidence=None if confidence is None else float(confidence), entities=entities,
                        bot_events=events)
        customer_id = slots.get("verified_customer_id")
        if customer_id:
            await in_thread(self.remember_customer, conversation_id, str(customer_id))
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
        await in_thread(self.handoffs.save_turn, inbound.id, inbound.conversation_id, intent=intent,
                        confidence=None if confidence is None else float(confidence), entities=entities)

    def _kb_denied_since(self, conversation_id: str, since: datetime) -> bool:
        for answer in self.answers.for_conversation(conversation_id):
            if answer.get("helpful") is False and answer.get("feedback_at"):
                if datetime.fromisoformat(answer["feedback_at"]).replace(tzinfo=since.tzinfo) >= since:
                    return True
        return False

    def remember_customer(self, conversation_id: str, customer_id: str) -> None:
        """Keep a verified customer's CRM card on the conversation (agent context, queue priority).

        Blocking (CRM and database): call it in a worker thread. Channels call it when a verified
        phone or e-mail names the customer."""
        meta = self.handoffs.meta(conversation_id)
        if (meta.get("customer") or {}).get("customer_id") == customer_id or self.crm is None:
            return
        try:
            customer = self.crm.find_customer(customer_id=customer_id)
            tickets = self.crm.open_tickets(customer_id) if customer else []
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

    # -- escalating ---------------------------------------------------------------------------------------
    def _open_now(self, now: datetime) -> bool:
        return self.client is None or not self.client.business_hours or self.client.is_open(now)

    def _escalate(self, conversation_id: str, reasons: list[dict[str, Any]], frustration: float,
                  level: str, explicit: bool) -> list[OutboundDraft]:
        now = self.clock()
        open_now = self._open_now(now)
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
        loads = self.queue.agent_loads()
        status = QUEUED if open_now and any(a.online and a.can_take(skill) for a in loads) else OFFLINE
        handoff = self.handoffs.create(conversation_id, status=status, skill=skill, reasons=reasons,
                                       frustration=frustration, level=level, customer=meta.get("customer"))
        if status == OFFLINE:
            return [self._offline_offer(handoff, open_now, now)]
        place, wait = self.queue.queue_place(handoff, loads)
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
        drafts = await in_thread(self._escalate, conversation_id, reasons, frustration, level, explicit)
        if drafts:
            log.info("handoff opened", extra={"event": "handoff_opened", "conversation_id": conversation_id,
                                              "reasons": [r.get("name") for r in reasons],
                                              "status": drafts[0].payload.get("event")})
        return drafts

    # -- the customer's answer to the offline offer ---------------------------------------------------------
    async def hub_choice(self, conversation_id: str, payload: str) -> list[OutboundDraft]:
        """The customer's answer to the offline offer: open a ticket, or keep chatting with the bot."""
        handoff = await in_thread(self.handoffs.latest_for, conversation_id, (OFFLINE,))
        # the customer chose; earlier frustration is answered
        await in_thread(restart_policy, self.store, self.handoffs, conversation_id)
        if payload == texts.OPEN_TICKET and handoff is not None:
            try:
                await in_thread(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="ticket", status=QUEUED,
                                ticket=True, queued_at=self.clock())
            except HandoffConflict:
                pass
            next_open = None
            if self.client is not None and self.client.business_hours and not self.client.is_open(self.clock()):
                next_open = self.client.next_opening(self.clock())
            await self.queue.notify_queue()
            return [system(texts.ticket_opened(texts.ticket_reference(handoff.id), next_open), "ticket",
                           handoff_id=handoff.id)]
        if handoff is not None:
            try:
                await in_thread(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="cancelled",
                                status=CANCELLED, ended_at=self.clock())
            except HandoffConflict:
                pass
        return [system(texts.keep_bot(), "cancelled")]

    async def callback_chosen(self, conversation_id: str) -> None:
        """The customer chose a call back (Rasa's form books it): the offline offer is answered."""
        handoff = await in_thread(self.handoffs.latest_for, conversation_id, (OFFLINE,))
        if handoff is not None:
            await in_thread(restart_policy, self.store, self.handoffs, conversation_id)
            try:
                await in_thread(self.handoffs.transition, handoff.id, expect=(OFFLINE,), kind="callback",
                                status=CALLBACK, ended_at=self.clock())
            except HandoffConflict:
                pass

    # -- while a person has the conversation ------------------------------------------------------------
    async def to_human(self, inbound: StoredMessage) -> None:
        """A customer message while queued or with an agent: it goes to the agents, never to the bot."""
        await in_thread(self.store.set_status, inbound.id, HUMAN)
        handoff = await in_thread(self.handoffs.open_for, inbound.conversation_id)
        if handoff is not None:
            frame = {"type": "message", "handoff_id": handoff.id, "conversation_id": handoff.conversation_id,
                     "message": messages.to_wire(inbound, text_limit=self.text_limit)}
            if inbound.payload.get("health"):
                frame["health"] = inbound.payload["health"]  # the console's view hides them (bot/hub/health_view.py)
            await self.queue.push_to_agents(handoff, frame)
