"""The demo CRM's writes: return, dispute and call-back cases (each with its ticket).

`CaseWrites` is a part of `bot.crm.sql.SqlCrm` (its base class): it uses the CRM's `session()`,
`now()`, `today()` and row conversions, and adds the operations that create cases.
"""
from __future__ import annotations

import logging
import re
import secrets
from decimal import Decimal

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crm import records as r
from bot.crm.interface import (
    DisputeNotAllowed,
    InvalidRequest,
    NotFound,
    ReturnNotAllowed,
    format_phone,
    normalize_order_id,
    phone_digits,
    to_money,
)
from bot.crm.tables import CallbackRow, CustomerRow, DisputeRow, InvoiceRow, OrderRow, ReturnRow, TicketRow

log = logging.getLogger("bot.crm")

_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O/1/I: easy to read out on the phone
_STOPWORDS = {"the", "my", "a", "an", "this", "that", "of", "those", "these"}
_NOT_DELIVERED = {"processing", "shipped", "delayed", "exception", "lost"}


def new_reference(prefix: str, length: int = 6) -> str:
    return f"{prefix}-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(length))


def _tokens(text_: str) -> tuple[str, ...]:
    cleaned = re.sub(r"[^a-z0-9 ]", " ", text_.lower().replace("'", "").replace("-", " "))
    words = [w for w in cleaned.split() if w not in _STOPWORDS]
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def match_lines(lines: list, product: str) -> list:
    """Order lines meaning `product`: exact name/SKU, else all query words in the
    name ("kettle", "mugs", "espresso machine"), else the whole name in the query."""
    wanted = _tokens(product)
    if not wanted:
        return []
    exact = [line for line in lines if _tokens(line.product) == wanted or line.sku.lower() == product.strip().lower()]
    if exact:
        return exact
    inside = [line for line in lines if set(wanted) <= set(_tokens(line.product))]
    if inside:
        return inside
    return [line for line in lines if set(_tokens(line.product)) <= set(wanted)]


class CaseWrites:
    """Returns, disputes and call backs of `SqlCrm`; every case also opens a ticket."""

    def _add_ticket(self, session: Session, ticket_id: str, customer_id: str | None, subject: str, category: str) -> None:
        now = self.now()
        session.add(
            TicketRow(
                id=ticket_id,
                customer_id=customer_id,
                subject=subject[:200],
                category=category,
                status="open",
                channel="chat",
                created_at=now,
                updated_at=now,
            )
        )

    def create_return(self, order_id: str, product: str, reason: str) -> r.ReturnCase:
        key = normalize_order_id(order_id)
        product_text = self._required_text(product, "product", 120)
        reason_text = self._required_text(reason, "reason", 2000)
        with self.session() as session:
            row = session.scalars(self._order_query().where(OrderRow.id == key)).first() if key else None
            if row is None:
                raise NotFound(f"order {order_id!r} not found")
            order = self._order(row)
            if order.status == "cancelled":
                raise ReturnNotAllowed("order_cancelled", f"Order {order.order_id} was cancelled, so there is nothing to return.")
            if order.status in _NOT_DELIVERED or row.delivered_at is None:
                raise ReturnNotAllowed(
                    "not_delivered",
                    f"Order {order.order_id} has not been delivered yet (status: {order.status}); "
                    "a return can be started once it arrives.",
                )
            if order.return_by is not None and self.today() > order.return_by:
                raise ReturnNotAllowed(
                    "outside_window",
                    f"Order {order.order_id} was delivered on {row.delivered_at.date().isoformat()}; the "
                    f"{self.return_window_days}-day return window ended on {order.return_by.isoformat()}.",
                )
            matches = match_lines(list(row.lines), product_text)
            if not matches:
                raise ReturnNotAllowed(
                    "product_not_in_order",
                    f"Order {order.order_id} has no {product_text!r}; it contains: {', '.join(order.products)}.",
                )
            if len({line.id for line in matches}) > 1:
                raise ReturnNotAllowed(
                    "ambiguous_product",
                    f"{product_text!r} matches several items of order {order.order_id}: "
                    f"{', '.join(line.product for line in matches)}. Which one?",
                )
            line = matches[0]
            if line.return_case is not None:
                raise ReturnNotAllowed(
                    "already_returned",
                    f"A return for the {line.product} of order {order.order_id} is already open "
                    f"({line.return_case.reference}).",
                )
            case = ReturnRow(
                reference=new_reference("RMA"),
                order_id=row.id,
                order_line_id=line.id,
                customer_id=row.customer_id,
                product=line.product,
                sku=line.sku,
                quantity=line.quantity,
                reason=reason_text,
                status="open",
                refund_amount=line.unit_price * line.quantity,
                created_at=self.now(),
            )
            session.add(case)
            taken = f"A return for the {line.product} of order {order.order_id} is already open."
            try:
                session.flush()
            except sa_exc.IntegrityError:  # a parallel request returned the same line first
                raise ReturnNotAllowed("already_returned", taken) from None
            self._add_ticket(
                session, case.reference, row.customer_id, f"Return {line.product} from order {row.id}: {reason_text}", "return"
            )
            log.info("crm return created", extra={"reference": case.reference, "order_id": row.id, "sku": line.sku})
            return self._return(case)

    def create_dispute(
        self, customer_id: str, invoice_id: str, amount: Decimal | str | int, reason: str
    ) -> r.DisputeCase:
        cid = self._cid(customer_id)
        inv_id = str(invoice_id or "").strip().upper()
        value = to_money(amount)
        if value <= 0:
            raise InvalidRequest("the disputed amount must be positive")
        reason_text = self._required_text(reason, "reason", 2000)
        with self.session() as session:
            if session.get(CustomerRow, cid) is None:
                raise NotFound(f"customer {customer_id!r} not found")
            invoice = session.get(InvoiceRow, inv_id, with_for_update=True)  # serialises parallel disputes
            if invoice is None or invoice.customer_id != cid:
                raise NotFound(f"invoice {invoice_id!r} not found for this customer")
            if invoice.status == "refunded":
                raise DisputeNotAllowed("refunded", f"Charge {invoice.id} of ${invoice.amount} was already refunded.")
            existing = session.scalars(
                select(DisputeRow).where(DisputeRow.invoice_id == invoice.id, DisputeRow.status == "open")
            ).first()
            if existing is not None:
                raise DisputeNotAllowed(
                    "already_disputed", f"Charge {invoice.id} is already being disputed ({existing.reference})."
                )
            if value > invoice.amount:
                raise DisputeNotAllowed(
                    "amount_exceeds_charge",
                    f"${value} is more than the ${invoice.amount} charged on {invoice.id}.",
                )
            case = DisputeRow(
                reference=new_reference("DSP"),
                customer_id=cid,
                invoice_id=invoice.id,
                amount=value,
                reason=reason_text,
                status="open",
                created_at=self.now(),
            )
            session.add(case)
            invoice.status = "disputed"
            taken = f"Charge {invoice.id} is already being disputed."
            try:
                session.flush()
            except sa_exc.IntegrityError:  # a parallel request disputed the same charge first
                raise DisputeNotAllowed("already_disputed", taken) from None
            self._add_ticket(session, case.reference, cid, f"Dispute ${value} on {invoice.id}: {reason_text}", "dispute")
            log.info("crm dispute created", extra={"reference": case.reference, "invoice_id": invoice.id})
            return r.DisputeCase(
                reference=case.reference,
                customer_id=cid,
                invoice_id=invoice.id,
                amount=case.amount,
                reason=case.reason,
                status=case.status,
                created_at=case.created_at,
            )

    def schedule_callback(
        self, phone: str, when_text: str, topic: str, customer_id: str | None = None
    ) -> r.Callback:
        digits = phone_digits(phone)
        if digits is None:
            raise InvalidRequest(f"{phone!r} is not a US phone number")
        when = self._required_text(when_text, "when", 200)
        topic_text = " ".join(str(topic or "").split())[:2000] or "general question"
        with self.session() as session:
            cid = self._cid(customer_id) or None
            if cid is not None and session.get(CustomerRow, cid) is None:
                raise NotFound(f"customer {customer_id!r} not found")
            if cid is None:
                cid = session.scalars(
                    select(CustomerRow.id).where(CustomerRow.phone_digits == digits).order_by(CustomerRow.id).limit(1)
                ).first()
            case = CallbackRow(
                reference=new_reference("CB"),
                customer_id=cid,
                phone=format_phone(digits),
                phone_digits=digits,
                when_text=when,
                topic=topic_text,
                status="scheduled",
                created_at=self.now(),
            )
            session.add(case)
            session.flush()
            self._add_ticket(session, case.reference, cid, f"Call back {case.phone} {when}: {topic_text}", "callback")
            log.info("crm callback scheduled", extra={"reference": case.reference})
            return r.Callback(
                reference=case.reference,
                phone=case.phone,
                when_text=case.when_text,
                topic=case.topic,
                status=case.status,
                created_at=case.created_at,
                customer_id=cid,
            )
