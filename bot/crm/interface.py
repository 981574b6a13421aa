"""The CRM contract the assistant codes against, its errors and input normalisers.

`Crm` is a `typing.Protocol`: the demo `SqlCrm` implements it, and so could an
adapter for Salesforce, Zendesk, HubSpot... Every method either returns records
from `bot.crm.records` or raises one of the errors below:

- `CrmUnavailable`: the backend is down/unreachable. The bot apologises and
  offers a human; nothing was changed.
- `NotFound`: a referenced order/customer/invoice does not exist (lookups that
  merely find nothing return `None` or `[]` instead).
- `NotAllowed` (`ReturnNotAllowed`, `DisputeNotAllowed`): a business rule
  refused the request; `reason_code` is stable for the bot to branch on and
  `message` is a sentence that can be shown to the customer.
- `InvalidRequest`: malformed input (no search key, bad phone, bad amount...).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Protocol, runtime_checkable

from bot.crm.records import Callback, Customer, DisputeCase, Invoice, Order, ReturnCase, Subscription, Ticket


class CrmError(Exception):
    """Base class of every CRM error."""


class CrmUnavailable(CrmError):
    """The CRM backend cannot be reached or failed; say sorry and offer a human."""


class NotFound(CrmError):
    """A referenced record (order, customer, invoice) does not exist."""


class InvalidRequest(CrmError, ValueError):
    """The request itself is malformed (missing search key, unparsable phone or amount...)."""


class NotAllowed(CrmError):
    """A business rule refuses the request. `reason_code` is for code, `message` for people."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.reason_code!r}, {self.message!r})"


class ReturnNotAllowed(NotAllowed):
    """Return refused. reason_code is one of RETURN_REFUSALS."""


class DisputeNotAllowed(NotAllowed):
    """Dispute refused. reason_code is one of DISPUTE_REFUSALS."""


RETURN_REFUSALS = (
    "not_delivered",  # processing / shipped / delayed / lost / exception
    "order_cancelled",
    "outside_window",  # more than the return window (30 days) after delivery
    "product_not_in_order",
    "ambiguous_product",  # the product text matches several lines of the order
    "already_returned",
)
DISPUTE_REFUSALS = (
    "already_disputed",
    "amount_exceeds_charge",
    "refunded",  # the charge was already refunded
)


@runtime_checkable
class Crm(Protocol):
    """What the assistant needs from a CRM. Identifiers are case-insensitive."""

    def find_customer(
        self, *, email: str | None = None, phone: str | None = None, customer_id: str | None = None
    ) -> Customer | None:
        """The customer matching ALL given keys (email case-insensitive, phone in any US format).

        Raises InvalidRequest when no key is given."""
        ...

    def get_order(self, order_id: str) -> Order | None:
        """One order; accepts "A1042", "a1042", "#A1042", "1042". None when unknown."""
        ...

    def orders_for_customer(self, customer_id: str, limit: int = 5) -> list[Order]:
        """The customer's most recent orders first ([] for unknown customers)."""
        ...

    def invoices_for_customer(self, customer_id: str, limit: int = 20) -> list[Invoice]:
        """The customer's most recent charges first ([] for unknown customers)."""
        ...

    def get_invoice(self, invoice_id: str) -> Invoice | None:
        """One charge by its number as receipts show it ("INV-2026-00456"; None when unknown)."""
        ...

    def find_charge(self, customer_id: str, amount: Decimal | str | int) -> Invoice | None:
        """The most recent charge of exactly `amount` in the last 120 days, or None."""
        ...

    def find_charges(self, customer_id: str, amount: Decimal | str | int) -> list[Invoice]:
        """All charges of exactly `amount` in the last 120 days, most recent first
        (two on the same day = a likely double charge)."""
        ...

    def get_subscription(self, customer_id: str) -> Subscription | None:
        """The customer's Coffee Club subscription (latest one), or None."""
        ...

    def create_return(self, order_id: str, product: str, reason: str) -> ReturnCase:
        """Open a return (RMA-...) for one product of a delivered order.

        Raises NotFound (unknown order) or ReturnNotAllowed (see RETURN_REFUSALS)."""
        ...

    def create_dispute(
        self, customer_id: str, invoice_id: str, amount: Decimal | str | int, reason: str
    ) -> DisputeCase:
        """Open a billing dispute (DSP-...) on one of the customer's charges.

        Raises NotFound (unknown customer/invoice, or invoice of another customer),
        DisputeNotAllowed (see DISPUTE_REFUSALS) or InvalidRequest (bad amount)."""
        ...

    def schedule_callback(
        self, phone: str, when_text: str, topic: str, customer_id: str | None = None
    ) -> Callback:
        """Ask a human agent to call back (CB-...). Without customer_id the phone is
        matched against customers. Raises InvalidRequest for a non-US phone number,
        NotFound for an unknown customer_id."""
        ...

    def open_tickets(self, customer_id: str) -> list[Ticket]:
        """The customer's open or pending tickets, newest first."""
        ...

    def ping(self) -> None:
        """Return if the backend answers, raise CrmUnavailable otherwise."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


# ---------------------------------------------------------------- normalisers
_ORDER_RE = re.compile(r"^A?(\d{4,6})$")


def normalize_order_id(text: str | None) -> str | None:
    """ "a1042", " #A1042 ", "A-1042", "1042" -> "A1042"; None when it cannot be an order id."""
    if not text:
        return None
    cleaned = re.sub(r"[\s#\-]", "", str(text)).upper()
    match = _ORDER_RE.match(cleaned)
    return f"A{match.group(1)}" if match else None


_INVOICE_RE = re.compile(r"^INV(\d{4})(\d{5})$")


def normalize_invoice_id(text: str | None) -> str | None:
    """ "inv-2026-00456", "INV 2026 00456", "#INV202600456" -> "INV-2026-00456"; None otherwise."""
    if not text:
        return None
    match = _INVOICE_RE.match(re.sub(r"[\s#\-]", "", str(text)).upper())
    return f"INV-{match.group(1)}-{match.group(2)}" if match else None


def phone_digits(text: str | None) -> str | None:
    """The 10 digits of a US phone number ("(555) 201-3344", "+1 555 201 3344"...), or None."""
    if not text:
        return None
    digits = re.sub(r"\D", "", str(text))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) == 10 else None


def format_phone(digits: str) -> str:
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def normalize_email(text: str | None) -> str | None:
    if not text:
        return None
    cleaned = str(text).strip().lower()
    return cleaned or None


def to_money(value: Decimal | str | int | float) -> Decimal:
    """Decimal with 2 places from 22, "22", "$22.00", "1,049.99", Decimal("22.5")."""
    if isinstance(value, bool):
        raise InvalidRequest(f"not an amount: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace("$", "").replace(",", "").replace("USD", "").strip()
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InvalidRequest(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise InvalidRequest(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"))
