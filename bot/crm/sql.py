"""`SqlCrm`: the demo CRM on SQLAlchemy 2 (SQLite or PostgreSQL).

    crm = SqlCrm("sqlite:///var/crm.db")                 # file
    crm = SqlCrm("sqlite://")                            # in memory (one shared connection)
    crm = SqlCrm("postgresql+psycopg://user@host/db")    # PostgreSQL

The engine is created in the constructor (nothing connects before the first
call). Connection failures and other operational errors surface as
`CrmUnavailable`; other database errors as `CrmError`. Every public method
runs in its own short transaction, so one instance can be shared by threads.

This module has the plumbing, the conversions to records and the look-ups;
the writes (returns, disputes, call backs) are in `bot.crm.cases`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import create_engine, delete, event, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.crm import records as r
from bot.crm.cases import CaseWrites, match_lines, new_reference  # noqa: F401 - still importable from here
from bot.crm.interface import (
    CrmError,
    CrmUnavailable,
    InvalidRequest,
    normalize_email,
    normalize_invoice_id,
    normalize_order_id,
    phone_digits,
    to_money,
)
from bot.crm.tables import (
    ALL_TABLES,
    Base,
    CallbackRow,
    CustomerRow,
    InvoiceRow,
    OrderLineRow,
    OrderRow,
    ReturnRow,
    SubscriptionRow,
    TicketRow,
)
from bot.db import upgrade
from bot.migrations import DATABASES

log = logging.getLogger("bot.crm")

CHARGE_LOOKBACK_DAYS = 120


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only used in messages
        return "<invalid url>"


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError as exc:
        raise CrmError(f"invalid CRM database URL: {exc}") from exc
    kwargs: dict = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(parsed, hide_parameters=True, **kwargs)  # no customer data in error texts
    except (ImportError, sa_exc.NoSuchModuleError, sa_exc.ArgumentError) as exc:
        raise CrmError(f"cannot use CRM database URL {_redact(url)}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    return engine


class SqlCrm(CaseWrites):
    """The demo CRM. Implements `bot.crm.interface.Crm`."""

    def __init__(
        self,
        url: str,
        *,
        return_window_days: int = 30,
        clock: Callable[[], datetime] | None = None,
    ):
        self.url = url
        self.return_window_days = return_window_days
        self._clock = clock or _utcnow
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"SqlCrm({_redact(self.url)!r})"

    # ------------------------------------------------------------ plumbing
    def now(self) -> datetime:
        value = self._clock()
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(timezone.utc).date()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; database failures are translated into CRM errors."""
        with self._translated():
            with self._sessions.begin() as session:
                yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Database failures inside the block become CrmUnavailable / CrmError."""
        try:
            yield
        except CrmError:
            raise
        except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
            log.warning("crm backend unavailable", extra={"crm_url": _redact(self.url), "error": str(exc)[:500]})
            raise CrmUnavailable(f"CRM database unavailable: {str(exc).splitlines()[0][:300]}") from exc
        except sa_exc.DBAPIError as exc:
            if exc.connection_invalidated:
                raise CrmUnavailable(f"CRM database connection lost: {str(exc).splitlines()[0][:300]}") from exc
            log.error("crm database error", extra={"error": str(exc)[:500]})
            raise CrmError(f"CRM database error: {str(exc).splitlines()[0][:300]}") from exc
        except sa_exc.SQLAlchemyError as exc:
            raise CrmError(f"CRM error: {exc}") from exc

    def create_schema(self) -> None:
        """Migrate the CRM database to the newest schema (bot/migrations/crm); rows stay."""
        with self._translated():
            upgrade(self.engine, "crm")

    def drop_schema(self) -> None:
        """Drop every CRM table and the CRM's migration version: `create_schema` starts afresh."""
        with self.session() as session:
            Base.metadata.drop_all(session.connection())
            session.execute(text(f"DROP TABLE IF EXISTS {DATABASES['crm'].version_table}"))

    def ping(self) -> None:
        with self.session() as session:
            session.execute(text("SELECT 1"))

    def close(self) -> None:
        self.engine.dispose()

    def counts(self) -> dict[str, int]:
        """Rows per table, e.g. {"customers": 60, "orders": 300, ...}."""
        with self.session() as session:
            return {
                table.__tablename__.removeprefix("crm_"): session.scalar(select(func.count()).select_from(table))
                for table in reversed(ALL_TABLES)
            }

    def has_data(self) -> bool:
        with self.session() as session:
            return session.scalar(select(func.count()).select_from(CustomerRow)) > 0

    def delete_all(self) -> None:
        """Empty every CRM table (schema stays)."""
        with self.session() as session:
            for table in ALL_TABLES:
                session.execute(delete(table))

    # ------------------------------------------------------------ conversion
    @staticmethod
    def _customer(row: CustomerRow) -> r.Customer:
        return r.Customer(
            customer_id=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
            phone=row.phone,
            tier=row.tier,
            address=r.Address(row.street, row.city, row.state, row.postal_code),
            payment_method=row.payment_method,
            customer_since=row.created_at,
        )

    def _order(self, row: OrderRow) -> r.Order:
        status = row.status
        if status == "shipped" and row.expected_delivery and row.expected_delivery < self.today():
            status = "delayed"  # the data was seeded a while ago: time moved on
        shipment = None
        if row.carrier and row.shipped_at and row.expected_delivery:
            shipment = r.Shipment(
                carrier=row.carrier,
                tracking_number=row.tracking_number or "",
                shipped_at=row.shipped_at,
                expected_delivery=row.expected_delivery,
                delivered_at=row.delivered_at,
                status_note=row.status_note,
            )
        return_by = None
        if status == "delivered" and row.delivered_at:
            return_by = row.delivered_at.date() + timedelta(days=self.return_window_days)
        return r.Order(
            order_id=row.id,
            customer_id=row.customer_id,
            status=status,
            placed_at=row.placed_at,
            lines=tuple(
                r.OrderLine(
                    sku=line.sku,
                    product=line.product,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    returned=line.return_case is not None,
                )
                for line in row.lines
            ),
            shipping_fee=row.shipping_fee,
            total=row.total,
            ship_to=row.ship_to,
            shipment=shipment,
            cancelled_at=row.cancelled_at,
            return_by=return_by,
        )

    @staticmethod
    def _invoice(row: InvoiceRow) -> r.Invoice:
        return r.Invoice(
            invoice_id=row.id,
            customer_id=row.customer_id,
            amount=row.amount,
            currency=row.currency,
            issued_at=row.issued_at,
            status=row.status,
            description=row.description,
            payment_method=row.payment_method,
            order_id=row.order_id,
            subscription_id=row.subscription_id,
        )

    @staticmethod
    def _subscription(row: SubscriptionRow) -> r.Subscription:
        return r.Subscription(
            subscription_id=row.id,
            customer_id=row.customer_id,
            plan=row.plan,
            price=row.price,
            status=row.status,
            started_at=row.started_at,
            next_delivery=row.next_delivery,
            paused_until=row.paused_until,
            cancelled_at=row.cancelled_at,
        )

    @staticmethod
    def _return(row: ReturnRow) -> r.ReturnCase:
        return r.ReturnCase(
            reference=row.reference,
            order_id=row.order_id,
            customer_id=row.customer_id,
            product=row.product,
            sku=row.sku,
            quantity=row.quantity,
            reason=row.reason,
            status=row.status,
            refund_amount=row.refund_amount,
            created_at=row.created_at,
        )

    @staticmethod
    def _ticket(row: TicketRow) -> r.Ticket:
        return r.Ticket(
            ticket_id=row.id,
            subject=row.subject,
            category=row.category,
            status=row.status,
            channel=row.channel,
            created_at=row.created_at,
            updated_at=row.updated_at,
            customer_id=row.customer_id,
        )

    @staticmethod
    def _order_query():
        return select(OrderRow).options(selectinload(OrderRow.lines).selectinload(OrderLineRow.return_case))

    @staticmethod
    def _cid(customer_id: str | None) -> str:
        return str(customer_id or "").strip().upper()

    @staticmethod
    def _required_text(value: str | None, what: str, limit: int) -> str:
        cleaned = " ".join(str(value or "").split())
        if not cleaned:
            raise InvalidRequest(f"{what} is required")
        return cleaned[:limit]

    # ------------------------------------------------------------ look-ups
    def find_customer(
        self, *, email: str | None = None, phone: str | None = None, customer_id: str | None = None
    ) -> r.Customer | None:
        email_key = normalize_email(email)
        phone_given = bool(phone and str(phone).strip())
        id_key = self._cid(customer_id)
        if not (email_key or phone_given or id_key):
            raise InvalidRequest("find_customer needs an email, a phone or a customer_id")
        query = select(CustomerRow)
        if email_key:
            query = query.where(CustomerRow.email == email_key)
        if phone_given:
            digits = phone_digits(phone)
            if digits is None:
                return None
            query = query.where(CustomerRow.phone_digits == digits)
        if id_key:
            query = query.where(CustomerRow.id == id_key)
        with self.session() as session:
            row = session.scalars(query.order_by(CustomerRow.id).limit(1)).first()
            return self._customer(row) if row else None

    def get_order(self, order_id: str) -> r.Order | None:
        key = normalize_order_id(order_id)
        if key is None:
            return None
        with self.session() as session:
            row = session.scalars(self._order_query().where(OrderRow.id == key)).first()
            return self._order(row) if row else None

    def orders_for_customer(self, customer_id: str, limit: int = 5) -> list[r.Order]:
        query = (
            self._order_query()
            .where(OrderRow.customer_id == self._cid(customer_id))
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(max(1, int(limit)))
        )
        with self.session() as session:
            return [self._order(row) for row in session.scalars(query)]

    def invoices_for_customer(self, customer_id: str, limit: int = 20) -> list[r.Invoice]:
        query = (
            select(InvoiceRow)
            .where(InvoiceRow.customer_id == self._cid(customer_id))
            .order_by(InvoiceRow.issued_at.desc(), InvoiceRow.id.desc())
            .limit(max(1, int(limit)))
        )
        with self.session() as session:
            return [self._invoice(row) for row in session.scalars(query)]

    def get_invoice(self, invoice_id: str) -> r.Invoice | None:
        key = normalize_invoice_id(invoice_id)
        if key is None:
            return None
        with self.session() as session:
            row = session.scalars(select(InvoiceRow).where(InvoiceRow.id == key)).first()
            return self._invoice(row) if row else None

    def find_charges(self, customer_id: str, amount: Decimal | str | int) -> list[r.Invoice]:
        value = to_money(amount)
        since = self.now() - timedelta(days=CHARGE_LOOKBACK_DAYS)
        query = (
            select(InvoiceRow)
            .where(
                InvoiceRow.customer_id == self._cid(customer_id),
                InvoiceRow.amount == value,
                InvoiceRow.issued_at >= since,
            )
            .order_by(InvoiceRow.issued_at.desc(), InvoiceRow.id.desc())
        )
        with self.session() as session:
            return [self._invoice(row) for row in session.scalars(query)]

    def find_charge(self, customer_id: str, amount: Decimal | str | int) -> r.Invoice | None:
        charges = self.find_charges(customer_id, amount)
        return charges[0] if charges else None

    def get_subscription(self, customer_id: str) -> r.Subscription | None:
        query = (
            select(SubscriptionRow)
            .where(SubscriptionRow.customer_id == self._cid(customer_id))
            .order_by(SubscriptionRow.started_at.desc())
            .limit(1)
        )
        with self.session() as session:
            row = session.scalars(query).first()
            return self._subscription(row) if row else None

    # ------------------------------------------------------------ audiences (proactive outreach)
    def customers(self, *, tier: str | None = None, created_since: datetime | None = None,
                  customer_ids: list[str] | None = None, limit: int = 10000) -> list[r.Customer]:
        """Customers matching every given filter, by id."""
        with self.session() as session:
            query = select(CustomerRow).order_by(CustomerRow.id).limit(limit)
            if tier is not None:
                query = query.where(CustomerRow.tier == tier)
            if created_since is not None:
                query = query.where(CustomerRow.created_at >= created_since)
            if customer_ids is not None:
                query = query.where(CustomerRow.id.in_([self._cid(c) for c in customer_ids]))
            return [self._customer(row) for row in session.scalars(query).all()]

    def subscriptions_renewing(self, start: date, end: date) -> list[r.Subscription]:
        """Active subscriptions whose next delivery (and charge) falls between ``start`` and ``end``."""
        with self.session() as session:
            rows = session.scalars(select(SubscriptionRow).where(
                SubscriptionRow.status == "active", SubscriptionRow.next_delivery >= start,
                SubscriptionRow.next_delivery <= end).order_by(SubscriptionRow.id)).all()
            return [self._subscription(row) for row in rows]

    def order_customers(self, order_ids: list[str]) -> dict[str, str]:
        """{order id: customer id} for the orders that exist."""
        wanted = [oid for oid in (normalize_order_id(o) for o in order_ids) if oid]
        if not wanted:
            return {}
        with self.session() as session:
            rows = session.execute(select(OrderRow.id, OrderRow.customer_id).where(OrderRow.id.in_(wanted))).all()
            return {oid: cid for oid, cid in rows}

    def scheduled_callbacks(self) -> list[r.Callback]:
        """Call backs still to make, of known customers."""
        with self.session() as session:
            rows = session.scalars(select(CallbackRow).where(CallbackRow.status == "scheduled",
                                                             CallbackRow.customer_id.is_not(None))
                                   .order_by(CallbackRow.id)).all()
            return [r.Callback(reference=row.reference, phone=row.phone, when_text=row.when_text, topic=row.topic,
                               status=row.status, created_at=row.created_at, customer_id=row.customer_id)
                    for row in rows]

    def open_tickets(self, customer_id: str) -> list[r.Ticket]:
        query = (
            select(TicketRow)
            .where(TicketRow.customer_id == self._cid(customer_id), TicketRow.status.in_(("open", "pending")))
            .order_by(TicketRow.created_at.desc(), TicketRow.id.desc())
        )
        with self.session() as session:
            return [self._ticket(row) for row in session.scalars(query)]
