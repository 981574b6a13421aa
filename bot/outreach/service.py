"""The outreach scheduler and sender.

``tick(now)`` is one pass: plan the scheduled and polled campaigns (new customers, closed handoffs),
then claim every due job and send it. The hub's lifespan calls it every ``tick_s`` seconds; tests
and ``carebot outreach run --once --now ...`` call it directly with the time they choose, so no
test sleeps. Sending a job: opt-out and consent, expiry, quiet hours in the customer's zone (the
job waits for the morning), the frequency cap, then the customer's conversation (their recent one
on any channel, or a new one on the campaign's messaging channel), Rasa's ``trigger_intent`` with
the campaign's entities, and the bot's messages stored (payload ``origin: outreach``) and pushed to
open widget tabs and, through the channels' sink, to Telegram / WhatsApp / Slack.
"""
from __future__ import annotations

import asyncio
import logging
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any, Callable, TypeVar
from zoneinfo import ZoneInfo

import anyio

from bot.conversations import messages
from bot.conversations.rasa_client import RasaFailure
from bot.conversations.store import OutboundDraft, StoredMessage, utcnow
from bot.crm.interface import phone_digits
from bot.handoff.store import HandoffStore
from bot.outreach import audience
from bot.outreach.campaigns import Campaign, CampaignError, parse_campaign
from bot.outreach.config import OutreachConfig
from bot.outreach.store import (DELIVERED, FAILED, OPTED_IN, OPTED_OUT, SENT, SKIPPED, Job, NewJob,
                                OutreachStore)
from bot.redaction import Redactor

log = logging.getLogger(__name__)
T = TypeVar("T")

# A customer message that is exactly one of these words (any case, trailing punctuation) is a consent
# command, on every channel, handled by the hub before the bot sees it.
STOP_WORDS = {"stop", "unsubscribe", "stop all", "stopall", "opt out", "optout", "cancel messages",
              "arret", "arrêt", "alto", "baja", "para", "stopp", "abmelden"}
START_WORDS = {"start", "subscribe", "unstop", "resume", "opt in", "optin"}
STOP_REPLY = "You won't get messages from us unless you write first. Send START to subscribe again."
START_REPLY = "You're subscribed again: we'll message you about your orders and account. Send STOP to unsubscribe."
_KEYWORD = re.compile(r"^\W*(.*?)\W*$", re.DOTALL)


def consent_keyword(text: str | None) -> str | None:
    """"stop", "start" or None for a customer's message."""
    if not text or len(text) > 40:
        return None
    word = " ".join(_KEYWORD.match(text.strip().lower()).group(1).split())
    return "stop" if word in STOP_WORDS else "start" if word in START_WORDS else None


class EventError(ValueError):
    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []


class _Template(dict):
    def __missing__(self, key: str) -> Any:
        raise KeyError(key)


# Filled for each recipient by the hub; every other template field must come with the event's data.
RECIPIENT_FIELDS = frozenset({"customer_id", "order_id", "event_id", "first_name"})


def template_fields(campaign: Campaign) -> set[str]:
    """The names a campaign's entity templates use ("{new_date}" -> new_date)."""
    return {field for template in campaign.entities.values()
            for _, field, _, _ in string.Formatter().parse(template) if field}


def fill_entities(campaign: Campaign, context: dict[str, Any]) -> dict[str, Any]:
    """The campaign's entity templates filled from the job's context; a template naming a missing or
    empty value leaves that entity out (the response has a variant for it)."""
    out: dict[str, Any] = {}
    for name, template in campaign.entities.items():
        try:
            value = string.Formatter().vformat(template, (), _Template({k: v for k, v in context.items()
                                                                          if v not in (None, "")}))
        except (KeyError, IndexError, ValueError):
            continue
        if value.strip():
            out[name] = value
    return out


@dataclass
class TickReport:
    planned: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return {"planned": self.planned, "claimed": self.claimed, "outcomes": dict(self.outcomes)}


class OutreachService:
    def __init__(self, *, store: OutreachStore, rasa: Any, connections: Any, config: OutreachConfig,
                 crm: Any, client_zone: str = "America/New_York", plans: dict[str, Any] | None = None,
                 clock: Callable[[], datetime] = utcnow, text_limit: int = 4000, channels: Any = None,
                 redactor: Redactor | None = None) -> None:
        self.store, self.hub_store = store, store.hub
        self.redactor = redactor or Redactor()
        self.handoffs = HandoffStore(store.hub)  # closed handoffs: the check-in campaigns' audience
        self.rasa, self.connections, self.config = rasa, connections, config
        # bot.crm.sql.SqlCrm, opened once by the caller (None: no CRM, events naming customers are refused)
        self.crm, self.client_zone, self.plans, self.clock = crm, client_zone, plans or {}, clock
        self.text_limit = text_limit
        # bot.channels.delivery.ChannelDelivery: messaging-channel bindings and delivery; None: the web only
        self.channels = channels
        self._tick_lock = asyncio.Lock()

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def _crm(self):
        if self.crm is None:
            from bot.crm import CrmUnavailable

            raise CrmUnavailable("no CRM is configured")
        return self.crm

    # -- campaigns ---------------------------------------------------------------------------------------
    def sync_files(self, campaigns: list[Campaign]) -> None:
        """File campaigns into the database (started hubs, the CLI); their run marks are kept."""
        for campaign in campaigns:
            self.store.upsert_campaign(campaign.id, campaign.source, campaign.definition, campaign.enabled)

    def campaigns(self) -> list[Campaign]:
        out = []
        for row in self.store.campaigns():
            try:
                out.append(parse_campaign(row.definition, row.source))
            except CampaignError as exc:  # a definition written by an older version: reported, not fatal
                log.warning("stored campaign is invalid", extra={"event": "campaign_invalid", "error": str(exc)})
        return out

    def campaign(self, campaign_id: str) -> Campaign | None:
        row = self.store.campaign(campaign_id)
        return parse_campaign(row.definition, row.source) if row is not None else None

    def save_campaign(self, data: Any) -> tuple[Campaign, bool]:
        campaign = parse_campaign(data, "api")
        existing = self.store.campaign(campaign.id)
        if existing is not None and existing.source != "api":
            raise CampaignError("api", "id", f"{campaign.id!r} is defined in {existing.source}; edit the file")
        created = self.store.upsert_campaign(campaign.id, "api", campaign.definition, campaign.enabled)
        return campaign, created

    # -- planning: which jobs exist ------------------------------------------------------------------------
    def _new_jobs(self, campaign: Campaign, recipients: list[audience.Recipient], now: datetime) -> int:
        expires = timedelta(hours=campaign.limits.expire_hours)
        jobs = [NewJob(campaign.id, r.occurrence, r.customer_id, r.context, r.not_before or now,
                       (r.not_before or now) + expires) for r in recipients[:campaign.limits.max_per_run]]
        return self.store.add_jobs(jobs)

    def post_event(self, body: Any, now: datetime | None = None) -> dict[str, Any]:
        """An event posted to the hub: jobs for every enabled campaign triggered by its type."""
        now = now or self.clock()
        errors = []
        if not isinstance(body, dict):
            raise EventError(422, "invalid_event", "The event must be a JSON object.")
        type_, event_id = body.get("type"), body.get("id")
        if not isinstance(type_, str) or not re.match(r"^[a-z][a-z0-9_]{0,63}$", type_):
            errors.append({"field": "type", "message": "required: an event type like order_delayed"})
        if not isinstance(event_id, (str, int)) or isinstance(event_id, bool) or not str(event_id).strip() \
                or len(str(event_id)) > 128:
            errors.append({"field": "id", "message": "required: the event's own id (at most 128 characters)"})
        revision = body.get("update", "")
        if not isinstance(revision, (str, int)) or isinstance(revision, bool) or len(str(revision)) > 64:
            errors.append({"field": "update", "message": "must be a short text or number naming this update"})
        for key in ("customers", "orders"):
            value = body.get(key)
            if value is not None and (not isinstance(value, list) or len(value) > 10000 or not all(
                    isinstance(v, str) or (key == "customers" and isinstance(v, dict)
                                           and isinstance(v.get("customer_id"), str)) for v in value)):
                errors.append({"field": key, "message": "must be a list of ids"})
        data = body.get("data", {})
        if not isinstance(data, dict):
            errors.append({"field": "data", "message": "must be an object"})
        if errors:
            raise EventError(422, "invalid_event", "The event is not valid.", errors)
        event_id, revision = str(event_id), str(revision)
        # what a client's system sends is hidden like what customers type (a card number in a note)
        data = {k: self.redactor.redact(v).text if isinstance(v, str) else v for k, v in data.items()}
        body = {**body, "data": data}
        campaigns = [c for c in self.campaigns() if c.enabled and c.trigger.kind == "event" and c.trigger.event == type_]
        if not campaigns:
            raise EventError(404, "no_campaign", f"No enabled campaign is triggered by {type_!r} events.")
        missing = sorted({(name, c.id) for c in campaigns for name in template_fields(c)
                          if name not in RECIPIENT_FIELDS and data.get(name) in (None, "")})
        if missing:  # the message would read "it should now arrive by None"
            raise EventError(422, "invalid_event", "The event's data lacks what its message needs.",
                             [{"field": f"data.{name}", "message": f"required by campaign {campaign!r}"}
                              for name, campaign in missing])
        if body.get("customers") or body.get("orders"):
            customers, unknown = audience.event_recipients(self._crm(), body)
        elif revision:
            customers, unknown = self.store.event_customers(type_, event_id), []
            if not customers:
                raise EventError(422, "invalid_event", "An update of an event nobody was told about needs "
                                 "'customers' or 'orders'.", [{"field": "customers", "message": "required"}])
        else:
            raise EventError(422, "invalid_event", "The event names nobody.",
                             [{"field": "customers", "message": "give 'customers' or 'orders'"}])
        self.store.record_event(type_, event_id, revision, body, customers)
        occurrence = f"{event_id}/{revision}" if revision else event_id
        scalars = {k: v for k, v in data.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
        created = 0
        for campaign in campaigns:
            recipients = [audience.Recipient(c["customer_id"], occurrence, {**scalars, **c, "event_id": event_id})
                          for c in customers]
            created += self._new_jobs(campaign, recipients, now)
        log.info("outreach event", extra={"event": "outreach_event", "type": type_, "event_id": event_id,
                                          "jobs": created, "unknown": len(unknown)})
        return {"type": type_, "id": event_id, "update": revision or None, "campaigns": [c.id for c in campaigns],
                "recipients": len(customers), "jobs_created": created, "unknown": unknown}

    def _run_key(self, campaign: Campaign, now: datetime) -> str | None:
        """The current run of a polled campaign, or None when it is not due ("HH:MM" not reached yet)."""
        trigger = campaign.trigger
        if trigger.daily_at:
            local = now.astimezone(ZoneInfo(self.client_zone))
            hours, minutes = map(int, trigger.daily_at.split(":"))
            if (local.hour, local.minute) < (hours, minutes):
                return None
            return local.date().isoformat()
        every = timedelta(minutes=trigger.every_minutes or 15)
        slot = int(now.timestamp() // every.total_seconds())
        return f"every-{slot}"

    def plan(self, now: datetime) -> int:
        """Create the jobs of schedules, new customers and closed handoffs that are due at ``now``."""
        created = 0
        for campaign in self.campaigns():
            if not campaign.enabled or campaign.trigger.kind == "event":
                continue
            run_key = self._run_key(campaign, now)
            if run_key is None or not self.store.claim_run(campaign.id, run_key, now):
                continue
            try:
                if campaign.trigger.kind == "handoff_closed":
                    recipients = audience.closed_handoffs(self.handoffs, campaign, now, timedelta(days=2))
                else:
                    recipients = audience.segment(self._crm(), campaign, now, run_key, self.plans)
            except Exception as exc:  # noqa: BLE001 - the CRM down: the next run tries again
                log.warning("outreach audience failed", extra={"event": "outreach_audience_failed",
                                                               "campaign": campaign.id, "error": str(exc)[:300]})
                continue
            created += self._new_jobs(campaign, recipients, now)
        return created

    # -- sending -------------------------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> TickReport:
        """One pass: plan, then send every due job (each claimed by a conditional update)."""
        now = now or self.clock()
        async with self._tick_lock:
            report = TickReport(planned=await self._db(self.plan, now))
            for job_id in await self._db(self.store.due, now):
                job = await self._db(self.store.claim, job_id, now)
                if job is None:
                    continue  # another replica took it
                report.claimed += 1
                try:
                    outcome = await self.send(job, now)
                except Exception as exc:  # noqa: BLE001 - one bad job must not stop the others
                    log.exception("outreach job failed", extra={"event": "outreach_job_error", "job_id": job.id})
                    outcome = await self._retry(job, now, "error", f"{exc.__class__.__name__}: {exc}")
                report.count(outcome)
            return report

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="outreach-scheduler")

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the loop; a tick in progress gets ``timeout_s`` to finish its current sends."""
        task, self._task = getattr(self, "_task", None), None
        if task is None:
            return
        self._stopping = True
        try:
            await asyncio.wait_for(asyncio.shield(self._idle()), timeout=timeout_s)
        except asyncio.TimeoutError:
            pass
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _idle(self) -> None:
        async with self._tick_lock:
            return

    async def run_forever(self) -> None:
        while not getattr(self, "_stopping", False):
            try:
                report = await self.tick()
                if report.claimed or report.planned:
                    log.info("outreach tick", extra={"event": "outreach_tick", **report.to_dict()})
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database down: try again next time
                log.exception("outreach tick failed", extra={"event": "outreach_tick_failed"})
            await asyncio.sleep(self.config.tick_s)

    async def _skip(self, job: Job, reason: str) -> str:
        await self._db(self.store.finish, job.id, SKIPPED, reason=reason)
        log.info("outreach job skipped", extra={"event": "outreach_skipped", "job_id": job.id,
                                                "campaign": job.campaign_id, "reason": reason})
        return f"skipped:{reason}"

    async def _retry(self, job: Job, now: datetime, reason: str, error: str) -> str:
        if job.attempts >= self.config.max_attempts:
            await self._db(self.store.finish, job.id, FAILED, reason=reason, error=error)
            log.warning("outreach job failed", extra={"event": "outreach_failed", "job_id": job.id,
                                                      "reason": reason, "attempts": job.attempts})
            return f"failed:{reason}"
        wait = self.config.retry_base_s * 2 ** (job.attempts - 1)
        await self._db(self.store.defer, job.id, now + timedelta(seconds=wait), reason, error=error,
                       count_attempt=True)
        return "retry"

    def quiet_until(self, zone: str, now: datetime) -> datetime | None:
        """The end of the quiet hours in ``zone`` when ``now`` is inside them, else None."""
        local = now.astimezone(ZoneInfo(zone))
        start, end = self.config.quiet_start, self.config.quiet_end
        t = local.time()
        inside = (start <= t or t < end) if start > end else (start <= t < end)
        if not inside:
            return None
        day = local.date() if t < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)

    def _customer(self, customer_id: str) -> Any:
        found = self._crm().customers(customer_ids=[customer_id])
        return found[0] if found else None

    def _subjects(self, customer_id: str, conversation_id: str | None) -> list[str]:
        subjects = [f"customer:{customer_id}"]
        if conversation_id:
            subjects.append(f"conversation:{conversation_id}")
            if self.channels is not None:
                subjects += [f"{b.channel}:{b.address}" for b in self.channels.store.bindings_of(conversation_id)]
        return subjects

    async def send(self, job: Job, now: datetime) -> str:
        campaign = await self._db(self.campaign, job.campaign_id)
        if campaign is None or not campaign.enabled:
            return await self._skip(job, "campaign_disabled")
        if job.conversation_id and await self._db(self.store.outreach_message_ids, job.id, job.conversation_id):
            # a hub that stopped after storing this job's messages: they are in the history already
            await self._db(self.store.finish, job.id, SENT, reason="recovered", sent_at=now)
            return "recovered"
        if job.expires_at is not None and now > job.expires_at:
            return await self._skip(job, "expired")
        consent = await self._db(self.store.consent, self._subjects(job.customer_id, None))
        if OPTED_OUT in consent.values():
            return await self._skip(job, "opted_out")
        if campaign.consent == "opt_in" and OPTED_IN not in consent.values():
            return await self._skip(job, "no_consent")
        try:
            customer = await self._db(self._customer, job.customer_id)
        except Exception as exc:  # noqa: BLE001 - the CRM down: try again later
            return await self._retry(job, now, "crm_unavailable", str(exc)[:300])
        if customer is None:
            return await self._skip(job, "unknown_customer")
        if campaign.limits.quiet_hours:
            until = self.quiet_until(customer.timezone, now)
            if until is not None:
                await self._db(self.store.defer, job.id, until, "quiet_hours")
                return "deferred:quiet_hours"
        if campaign.limits.frequency_cap:
            since = now - timedelta(days=self.config.cap_days)
            if await self._db(self.store.reached_since, job.customer_id, since) >= self.config.cap_messages:
                return await self._skip(job, "frequency_cap")
        target = await self._target(campaign, customer, job, now)
        if target is None:
            return await self._skip(job, "no_channel")
        conversation_id, channel, address = target
        await self._db(self.store.set_conversation, job.id, conversation_id, channel)
        consent = await self._db(self.store.consent, self._subjects(job.customer_id, conversation_id))
        if OPTED_OUT in consent.values():
            return await self._skip(job, "opted_out")
        if await self._db(self.hub_store.handled_by, conversation_id) != "bot":
            await self._db(self.store.defer, job.id, now + timedelta(seconds=self.config.busy_defer_s), "person_talking")
            return "deferred:person_talking"
        entities = fill_entities(campaign, {**job.context, "first_name": customer.first_name})
        try:
            # In the middle of a form (an order number asked for), the flow would cut in: wait a little.
            active_loop = ((await self.rasa.tracker(conversation_id)).get("active_loop") or {}).get("name")
            if active_loop:
                await self._db(self.store.defer, job.id, now + timedelta(seconds=self.config.busy_defer_s),
                               "bot_busy")
                return "deferred:bot_busy"
            items = await self.rasa.trigger_intent(conversation_id, campaign.intent, entities)
        except RasaFailure as exc:
            return await self._retry(job, now, exc.kind, str(exc))
        drafts = [OutboundDraft(text=d.text, payload={**d.payload, "origin": "outreach",
                                                      "outreach": {"campaign": campaign.id, "job_id": job.id}})
                  for d in messages.from_rasa(items)]
        if not drafts:
            await self._db(self.store.finish, job.id, FAILED, reason="rasa_empty_reply",
                           error="the bot returned nothing to show for this flow")
            return "failed:rasa_empty_reply"
        delivered = await self._deliver(conversation_id, channel, address, drafts)
        status = DELIVERED if delivered else SENT
        await self._db(self.store.finish, job.id, status, conversation_id=conversation_id, channel=channel, sent_at=now)
        log.info("outreach sent", extra={"event": "outreach_sent", "job_id": job.id, "campaign": campaign.id,
                                         "conversation_id": conversation_id, "channel": channel, "status": status})
        return status

    async def _target(self, campaign: Campaign, customer: Any, job: Job, now: datetime) -> tuple[str, str, str | None] | None:
        """(conversation id, channel, address for a messaging channel) or None: nowhere to reach them."""
        if job.conversation_id and campaign.channel in ("auto", "web"):
            return job.conversation_id, job.channel or "web", None
        channels = self.channels
        if campaign.channel in ("auto", "web"):
            if "conversation_id" in job.context and await self._db(self.hub_store.conversation_exists,
                                                                     job.context["conversation_id"]):
                return job.context["conversation_id"], await self._db(self._channel_of, job.context["conversation_id"]), None
            if channels is not None:
                recent = await self._db(channels.store.recent_conversation, customer.customer_id,
                                        now - timedelta(days=self.config.conversation_days))
                if recent is not None:
                    return recent[0], await self._db(self._channel_of, recent[0]), None
            if campaign.channel == "web":
                return None
        wanted = ("whatsapp", "telegram", "slack") if campaign.channel == "auto" else (campaign.channel,)
        if channels is None:
            return None
        for name in wanted:
            platform = channels.platforms.get(name)
            if platform is None or not platform.enabled:
                continue
            address = await self._db(self._address, name, customer)
            if address is None:
                continue
            conversation_id, _ = await channels.deliver_to(name, address, [])
            return conversation_id, name, address
        return None

    def _channel_of(self, conversation_id: str) -> str:
        target = self.channels.store.active_target(conversation_id) if self.channels is not None else None
        return target[0] if target else "web"

    def _address(self, channel: str, customer: Any) -> str | None:
        """The customer's address on a messaging channel: WhatsApp from the CRM phone; Telegram and Slack
        only where the customer was verified before (a binding with their customer id)."""
        if channel == "whatsapp":
            digits = phone_digits(customer.phone)
            return f"+1{digits}" if digits else None
        return self.channels.store.latest_address(channel, customer.customer_id) if self.channels else None

    async def _deliver(self, conversation_id: str, channel: str, address: str | None,
                       drafts: list[OutboundDraft]) -> bool:
        """Store and push; True when it reached an open tab or a messaging channel's outbox."""
        if address is not None and self.channels is not None:
            _, stored = await self.channels.deliver_to(channel, address, drafts)
            reached = True
        else:
            stored = await self._db(self.hub_store.add_outbound, conversation_id, drafts)
            reached = channel != "web"  # the sink queues it for the messaging channel the customer uses
        for message in stored:
            if await self.connections.push(conversation_id, messages.to_wire(message, text_limit=self.text_limit)):
                reached = True
        return reached

    # -- the customer's side: replies and consent ------------------------------------------------------------
    async def note_reply(self, conversation_id: str) -> None:
        await self._db(self.store.mark_replied, conversation_id, self.clock())

    def _consent_subjects(self, inbound: StoredMessage) -> list[str]:
        conversation_id = inbound.conversation_id
        subjects = [f"conversation:{conversation_id}"]
        meta = self.hub_store.conversation_meta(conversation_id)
        customer_id = (meta.get("customer") or {}).get("customer_id")
        channel = inbound.payload.get("channel")
        if self.channels is not None:
            bindings = self.channels.store.bindings_of(conversation_id)
            subjects += [f"{b.channel}:{b.address}" for b in bindings if b.channel == channel]
            customer_id = customer_id or next((b.customer_id for b in bindings
                                               if b.channel == channel and b.customer_id), None)
            customer_id = customer_id or self.channels.store.customer_of(conversation_id)
        if customer_id:
            subjects.append(f"customer:{customer_id}")
        return subjects

    async def consent_command(self, inbound: StoredMessage, keyword: str) -> OutboundDraft:
        """STOP / START from the customer, on any channel: recorded, and confirmed by the hub."""
        subjects = await self._db(self._consent_subjects, inbound)
        status = OPTED_OUT if keyword == "stop" else OPTED_IN
        await self._db(self.store.set_consent, subjects, status, inbound.payload.get("channel") or "web")
        log.info("outreach consent changed", extra={"event": "outreach_consent", "status": status,
                                                    "conversation_id": inbound.conversation_id})
        return messages.hub_reply(STOP_REPLY if keyword == "stop" else START_REPLY, f"outreach_{keyword}")
