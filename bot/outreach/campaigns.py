"""A campaign: when it fires (trigger), whom it reaches (audience), the Rasa flow it starts, where and
within which limits. Defined as YAML files (``outreach/*.yml``) or posted to the hub's API; both go
through ``parse_campaign``, whose errors name the file and the field."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

CAMPAIGN_DIR = PROJECT_ROOT / "outreach"
CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
INTENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
CHANNELS = ("auto", "web", "telegram", "whatsapp", "slack")
CONSENT = ("opt_out", "opt_in")  # send unless the customer opted out / only to customers who opted in
TRIGGERS = ("event", "schedule", "new_customer", "handoff_closed")
# CRM segments a schedule or the new-customer trigger can select (bot/outreach/audience.py)
SEGMENTS = ("all", "tier", "renewing_within_days", "created_within_days", "callback_scheduled")


class CampaignError(ValueError):
    """An invalid campaign definition: ``source`` (file or "api"), ``field`` (dotted path) and why."""

    def __init__(self, source: str, field_: str, message: str) -> None:
        super().__init__(f"{source}: {field_}: {message}")
        self.source, self.field, self.message = source, field_, message

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Trigger:
    kind: str  # event | schedule | new_customer | handoff_closed
    event: str | None = None  # event type for kind=event (order_delayed, service_outage ...)
    daily_at: str | None = None  # schedule: "HH:MM" in the client's time zone
    every_minutes: int | None = None  # schedule / new_customer / handoff_closed: how often to look
    after_days: float = 0.0  # handoff_closed: wait this long after the close
    disposition: str = "resolved"  # handoff_closed
    skills: tuple[str, ...] = ()  # handoff_closed: any of these skills ...
    intents: tuple[str, ...] = ()  # ... or any of these intents in the conversation


@dataclass(frozen=True)
class Audience:
    segment: str = "all"  # for schedules and new customers; events name their customers or orders
    tier: str | None = None
    days: float | None = None


@dataclass(frozen=True)
class Limits:
    quiet_hours: bool = True  # defer to the end of the client's quiet hours, in the customer's zone
    frequency_cap: bool = True  # count against (and respect) the per-customer cap of client.yml
    expire_hours: float = 72.0  # not sent by then (deferred, Rasa down): skipped as expired
    max_per_run: int = 1000  # recipients per trigger (an event or a scheduled run)


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    trigger: Trigger
    intent: str
    entities: dict[str, str] = field(default_factory=dict)  # values are templates: "{order_id}"
    audience: Audience = Audience()
    channel: str = "auto"
    consent: str = "opt_out"
    limits: Limits = Limits()
    enabled: bool = True
    source: str = "api"
    definition: dict[str, Any] = field(default_factory=dict, compare=False)  # as written (stored, re-parsed)

    def to_dict(self) -> dict[str, Any]:
        return {**self.definition, "id": self.id, "name": self.name, "source": self.source, "enabled": self.enabled}


def _fail(source: str, path: str, message: str) -> CampaignError:
    return CampaignError(source, path, message)


def _mapping(value: Any, source: str, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(source, path, "must be a mapping")
    return value


def _only(data: dict[str, Any], allowed: set[str], source: str, path: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise _fail(source, where, f"unknown field (allowed: {', '.join(sorted(allowed))})")


def _number(value: Any, source: str, path: str, *, minimum: float = 0, integer: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise _fail(source, path, "must be " + ("a whole number" if integer else "a number"))
    if value < minimum:
        raise _fail(source, path, f"must be at least {minimum}")
    return value


def _strings(value: Any, source: str, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(source, path, "must be a list of names")
    return tuple(value)


def _trigger(data: Any, source: str) -> Trigger:
    if isinstance(data, str):
        data = {data: {}} if data in ("new_customer", "handoff_closed") else {"event": data}
    data = _mapping(data, source, "trigger")
    kinds = [k for k in TRIGGERS if k in data]
    if len(kinds) != 1:
        raise _fail(source, "trigger", f"must name exactly one of: {', '.join(TRIGGERS)}")
    kind = kinds[0]
    _only(data, {kind}, source, "trigger")
    body = data[kind]
    if kind == "event":
        if not isinstance(body, str) or not EVENT_TYPE.match(body):
            raise _fail(source, "trigger.event", "must be an event type like order_delayed")
        return Trigger(kind, event=body)
    body = _mapping(body, source, f"trigger.{kind}")
    if kind == "schedule":
        _only(body, {"daily_at", "every_minutes"}, source, "trigger.schedule")
        if ("daily_at" in body) == ("every_minutes" in body):
            raise _fail(source, "trigger.schedule", "needs daily_at (\"HH:MM\") or every_minutes, not both")
        if "daily_at" in body:
            if not isinstance(body["daily_at"], str) or not TIME.match(body["daily_at"]):
                raise _fail(source, "trigger.schedule.daily_at", "must be a time \"HH:MM\" (24-hour)")
            return Trigger(kind, daily_at=body["daily_at"])
        return Trigger(kind, every_minutes=_number(body["every_minutes"], source, "trigger.schedule.every_minutes",
                                                   minimum=1, integer=True))
    if kind == "new_customer":
        _only(body, {"every_minutes"}, source, "trigger.new_customer")
        every = _number(body.get("every_minutes", 15), source, "trigger.new_customer.every_minutes", minimum=1,
                        integer=True)
        return Trigger(kind, every_minutes=every)
    _only(body, {"after_days", "disposition", "skills", "intents", "every_minutes"}, source, "trigger.handoff_closed")
    disposition = body.get("disposition", "resolved")
    if disposition not in ("resolved", "unresolved"):
        raise _fail(source, "trigger.handoff_closed.disposition", "must be resolved or unresolved")
    return Trigger(kind, after_days=_number(body.get("after_days", 0), source, "trigger.handoff_closed.after_days"),
                   disposition=disposition, skills=_strings(body.get("skills"), source, "trigger.handoff_closed.skills"),
                   intents=_strings(body.get("intents"), source, "trigger.handoff_closed.intents"),
                   every_minutes=_number(body.get("every_minutes", 15), source,
                                         "trigger.handoff_closed.every_minutes", minimum=1, integer=True))


def _audience(data: Any, trigger: Trigger, source: str) -> Audience:
    data = _mapping(data, source, "audience")
    _only(data, {"segment", "tier", "days"}, source, "audience")
    if trigger.kind in ("event", "handoff_closed"):
        if data:
            raise _fail(source, "audience", f"a {trigger.kind} trigger names its own audience; leave this out")
        return Audience()
    segment = data.get("segment", "created_within_days" if trigger.kind == "new_customer" else "all")
    if segment not in SEGMENTS:
        raise _fail(source, "audience.segment", f"must be one of: {', '.join(SEGMENTS)}")
    tier = data.get("tier")
    if segment == "tier" and tier not in ("standard", "plus", "vip"):
        raise _fail(source, "audience.tier", "must be standard, plus or vip")
    days = data.get("days")
    if segment in ("renewing_within_days", "created_within_days"):
        days = _number(days if days is not None else 1, source, "audience.days")
    return Audience(segment=segment, tier=tier, days=days)


def _limits(data: Any, source: str) -> Limits:
    data = _mapping(data, source, "limits")
    _only(data, {"quiet_hours", "frequency_cap", "expire_hours", "max_per_run"}, source, "limits")
    for key in ("quiet_hours", "frequency_cap"):
        if key in data and not isinstance(data[key], bool):
            raise _fail(source, f"limits.{key}", "must be true or false")
    return Limits(
        quiet_hours=data.get("quiet_hours", True), frequency_cap=data.get("frequency_cap", True),
        expire_hours=_number(data.get("expire_hours", 72), source, "limits.expire_hours", minimum=0.01),
        max_per_run=_number(data.get("max_per_run", 1000), source, "limits.max_per_run", minimum=1, integer=True))


def parse_campaign(data: Any, source: str = "api", *, default_id: str | None = None) -> Campaign:
    """A validated campaign, or ``CampaignError`` naming the source and the field."""
    if not isinstance(data, dict):
        raise _fail(source, "(top level)", "must be a mapping")
    _only(data, {"id", "name", "trigger", "audience", "flow", "channel", "consent", "limits", "enabled"}, source, "")
    campaign_id = data.get("id", default_id)
    if not isinstance(campaign_id, str) or not CAMPAIGN_ID.match(campaign_id):
        raise _fail(source, "id", "must be lower-case letters, digits, - or _ (at most 64)")
    name = data.get("name", campaign_id)
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise _fail(source, "name", "must be a non-empty text of at most 200 characters")
    if "trigger" not in data:
        raise _fail(source, "trigger", "is required")
    trigger = _trigger(data["trigger"], source)
    flow = _mapping(data.get("flow"), source, "flow")
    _only(flow, {"intent", "entities"}, source, "flow")
    intent = flow.get("intent")
    if not isinstance(intent, str) or not INTENT.match(intent):
        raise _fail(source, "flow.intent", "is required: the Rasa intent to trigger, e.g. EXTERNAL_order_delayed")
    entities = _mapping(flow.get("entities"), source, "flow.entities")
    for key, value in entities.items():
        if not isinstance(key, str) or not INTENT.match(key):
            raise _fail(source, f"flow.entities.{key}", "is not a valid entity name")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise _fail(source, f"flow.entities.{key}", "must be a text (it may use {placeholders})")
    channel = data.get("channel", "auto")
    if channel not in CHANNELS:
        raise _fail(source, "channel", f"must be one of: {', '.join(CHANNELS)}")
    consent = data.get("consent", "opt_out")
    if consent not in CONSENT:
        raise _fail(source, "consent", f"must be one of: {', '.join(CONSENT)}")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise _fail(source, "enabled", "must be true or false")
    return Campaign(id=campaign_id, name=name.strip(), trigger=trigger, intent=intent,
                    entities={k: str(v) for k, v in entities.items()}, audience=_audience(data.get("audience"), trigger, source),
                    channel=channel, consent=consent, limits=_limits(data.get("limits"), source), enabled=enabled,
                    source=source, definition={**data, "id": campaign_id})


def load_campaigns(folder: Path = CAMPAIGN_DIR) -> list[Campaign]:
    """Every ``*.yml`` in ``folder`` (the file name is the default id); CampaignError on the first bad one."""
    campaigns: list[Campaign] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.yml")):
        source = str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CampaignError(source, "(file)", f"is not valid YAML: {str(exc).splitlines()[0]}") from None
        campaign = parse_campaign(data, source, default_id=path.stem)
        if campaign.id in seen:
            raise CampaignError(source, "id", f"{campaign.id!r} is already used by {seen[campaign.id]}")
        seen[campaign.id] = source
        campaigns.append(campaign)
    return campaigns
