"""Plain, immutable records that every CRM adapter returns.

Callers (Rasa actions, the hub, the CLI) only ever see these frozen dataclasses,
never ORM objects or vendor API payloads, so a real CRM adapter can be swapped
in without touching them. Money is `Decimal` (2 places, USD), instants are
timezone-aware UTC `datetime`s, calendar days are `date`s.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Order statuses. "delayed" = shipped and the expected delivery date has passed;
# "lost" = the carrier declared the parcel lost; "exception" = carrier problem
# (address, damage, held at depot); details in `Shipment.status_note`.
ORDER_STATUSES = ("processing", "shipped", "delayed", "delivered", "exception", "lost", "cancelled")
TIERS = ("standard", "plus", "vip")
SUBSCRIPTION_STATUSES = ("active", "paused", "cancelled")
INVOICE_STATUSES = ("paid", "refunded", "disputed")


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    state: str
    postal_code: str
    country: str = "US"

    def one_line(self) -> str:
        return f"{self.street}, {self.city}, {self.state} {self.postal_code}"


@dataclass(frozen=True)
class Customer:
    customer_id: str
    first_name: str
    last_name: str
    email: str
    phone: str  # display form, e.g. "(555) 201-3344"
    tier: str  # standard | plus | vip
    address: Address
    payment_method: str  # e.g. "Visa ending 4242"
    customer_since: datetime

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def timezone(self) -> str:
        """IANA time zone (from the address's state), for outreach quiet hours."""
        from bot.crm.zones import zone_for_state

        return zone_for_state(self.address.state)


@dataclass(frozen=True)
class OrderLine:
    sku: str
    product: str
    quantity: int
    unit_price: Decimal
    returned: bool = False  # a return case exists for this line

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Shipment:
    carrier: str  # UPS | FedEx | USPS
    tracking_number: str
    shipped_at: datetime
    expected_delivery: date
    delivered_at: datetime | None = None
    status_note: str | None = None  # carrier exception / lost details


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    status: str  # see ORDER_STATUSES
    placed_at: datetime
    lines: tuple[OrderLine, ...]
    shipping_fee: Decimal
    total: Decimal
    ship_to: str
    shipment: Shipment | None = None
    cancelled_at: datetime | None = None
    return_by: date | None = None  # last day a return is accepted (delivered orders only)

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(line.product for line in self.lines)


@dataclass(frozen=True)
class Invoice:
    invoice_id: str  # INV-2026-00017
    customer_id: str
    amount: Decimal
    currency: str
    issued_at: datetime
    status: str  # paid | refunded | disputed
    description: str
    payment_method: str
    order_id: str | None = None
    subscription_id: str | None = None


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    customer_id: str
    plan: str  # taster | regular | barista (keys of client.yml subscription.plans)
    price: Decimal  # per month
    status: str  # active | paused | cancelled
    started_at: datetime
    next_delivery: date | None = None
    paused_until: date | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class ReturnCase:
    reference: str  # RMA-7K3Q9P
    order_id: str
    customer_id: str
    product: str
    sku: str
    quantity: int
    reason: str
    status: str  # open | received | refunded
    refund_amount: Decimal
    created_at: datetime


@dataclass(frozen=True)
class DisputeCase:
    reference: str  # DSP-...
    customer_id: str
    invoice_id: str
    amount: Decimal
    reason: str
    status: str  # open
    created_at: datetime


@dataclass(frozen=True)
class Callback:
    reference: str  # CB-...
    phone: str  # display form
    when_text: str  # what the customer asked for, e.g. "tomorrow after 3pm"
    topic: str
    status: str  # scheduled
    created_at: datetime
    customer_id: str | None = None


@dataclass(frozen=True)
class Ticket:
    ticket_id: str  # TCK-10001, or the case reference (RMA-/DSP-/CB-) for case tickets
    subject: str
    category: str  # order | return | billing | dispute | callback | account | general
    status: str  # open | pending | closed
    channel: str  # chat | email | phone
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def to_dict(record: Any) -> dict[str, Any]:
    """A JSON-ready dict of a record (Decimal -> "12.00", dates -> ISO 8601)."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a record: {record!r}")
    data = _plain(dataclasses.asdict(record))
    if isinstance(record, Customer):
        data["full_name"] = record.full_name
    return data
