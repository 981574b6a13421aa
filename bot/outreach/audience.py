"""Whom a campaign reaches: CRM segments for schedules and new customers, the customers (or the
owners of the orders) an event names, the customers of handoffs closed as the campaign asks.

Each recipient carries its ``occurrence`` (part of the job's idempotency key: a renewal date, an
event id, a handoff id) and the ``context`` the campaign's entity templates are filled from."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


from bot.outreach.campaigns import Campaign


CALLBACK_REMINDER_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Recipient:
    customer_id: str
    occurrence: str
    context: dict[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None


def _base(customer: Any) -> dict[str, Any]:
    return {"customer_id": customer.customer_id, "first_name": customer.first_name, "tier": customer.tier}


def segment(crm: Any, campaign: Campaign, now: datetime, run_key: str, plans: dict[str, Any] | None = None) -> list[Recipient]:
    """The CRM segment of a scheduled or new-customer campaign, for the run ``run_key``."""
    audience = campaign.audience
    if audience.segment == "renewing_within_days":
        today = now.date()
        subscriptions = crm.subscriptions_renewing(today, today + timedelta(days=audience.days or 0))
        customers = {c.customer_id: c for c in crm.customers(customer_ids=[s.customer_id for s in subscriptions])}
        out = []
        for sub in subscriptions:
            customer = customers.get(sub.customer_id)
            if customer is None:
                continue
            label = ((plans or {}).get(sub.plan) or {}).get("label") or sub.plan.title()
            out.append(Recipient(sub.customer_id, f"{sub.subscription_id}@{sub.next_delivery.isoformat()}", {
                **_base(customer), "plan": label, "renewal_date": f"{sub.next_delivery:%A} {sub.next_delivery.day} "
                f"{sub.next_delivery:%B}", "renewal_amount": f"${sub.price:.2f}"}))
        return out
    if audience.segment == "callback_scheduled":
        # booked in the last `days` (1): an old booking nobody closed is not worth a reminder now
        since = now - timedelta(days=audience.days or 1)
        callbacks = [cb for cb in crm.scheduled_callbacks() if cb.created_at >= since]
        customers = {c.customer_id: c for c in crm.customers(customer_ids=[cb.customer_id for cb in callbacks])}
        # The CRM keeps the time as the customer said it ("tomorrow after 3pm"), so the reminder cannot be
        # timed against it: it goes an hour after the booking, once per booking.
        return [Recipient(cb.customer_id, cb.reference, {**_base(customers[cb.customer_id]), "callback_when": cb.when_text,
                                                          "topic": cb.topic},
                          not_before=cb.created_at + CALLBACK_REMINDER_AFTER)
                for cb in callbacks if cb.customer_id in customers]
    if audience.segment == "created_within_days":
        since = now - timedelta(days=audience.days or 1)
        return [Recipient(c.customer_id, "once", _base(c)) for c in crm.customers(created_since=since)]
    tier = audience.tier if audience.segment == "tier" else None
    return [Recipient(c.customer_id, run_key, _base(c)) for c in crm.customers(tier=tier)]


def event_recipients(crm: Any, body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """(customers with their context, unknown ids) for an event naming ``customers`` and/or ``orders``."""
    unknown: list[str] = []
    wanted: dict[str, dict[str, Any]] = {}
    for item in body.get("customers") or []:
        customer_id = item if isinstance(item, str) else item.get("customer_id")
        extra = {} if isinstance(item, str) else {k: v for k, v in item.items() if isinstance(v, (str, int, float))}
        wanted.setdefault(customer_id, extra)
    orders = [o for o in body.get("orders") or []]
    owners = crm.order_customers(orders) if orders else {}
    for order in orders:
        from bot.crm.interface import normalize_order_id

        oid = normalize_order_id(order)
        if oid not in owners:
            unknown.append(str(order))
            continue
        wanted.setdefault(owners[oid], {"order_id": oid})
    customers = {c.customer_id: c for c in crm.customers(customer_ids=list(wanted))} if wanted else {}
    out = []
    for customer_id, extra in wanted.items():
        customer = customers.get(customer_id)
        if customer is None:
            unknown.append(str(customer_id))
            continue
        out.append({**_base(customer), **extra})
    return out, unknown


def closed_handoffs(handoffs: Any, campaign: Campaign, now: datetime, lookback: timedelta) -> list[Recipient]:
    """Customers whose handoff closed as the trigger asks, each due ``after_days`` after the close.

    ``handoffs``: bot.handoff.store.HandoffStore, the owner of those tables."""
    trigger = campaign.trigger
    delay = timedelta(days=trigger.after_days)
    since = now - delay - lookback
    rows = handoffs.closed_since(trigger.disposition, since)
    out = []
    for row in rows:
        customer = row.customer or {}
        if not customer.get("customer_id"):
            continue
        matches = row.skill in trigger.skills
        if not matches and trigger.intents:
            intents = handoffs.intents_of(row.conversation_id)
            matches = bool(intents & set(trigger.intents))
        if not matches:
            continue
        ended = row.ended_at if row.ended_at.tzinfo else row.ended_at.replace(tzinfo=now.tzinfo)
        name = (customer.get("name") or "").split()
        out.append(Recipient(customer["customer_id"], f"handoff-{row.id}",
                             {"customer_id": customer["customer_id"], "first_name": name[0] if name else None,
                              "conversation_id": row.conversation_id}, not_before=ended + delay))
    return out
