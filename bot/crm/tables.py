"""SQLAlchemy 2 declarative models of the demo CRM (tables prefixed `crm_`).

Only `bot.crm.sql`, `bot.crm.cases` and `bot.crm.seed` use these; everything else gets records.
Portable between SQLite and PostgreSQL:
- `Money`: NUMERIC(10,2) on PostgreSQL; integer cents on SQLite (which has no
  exact decimal type), always `Decimal` in Python.
- `UtcDateTime`: TIMESTAMPTZ on PostgreSQL; naive UTC text on SQLite; always an
  aware UTC `datetime` in Python.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, TypeDecorator, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CENT = Decimal("0.01")


class Money(TypeDecorator):
    impl = Numeric(10, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(10, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = Decimal(value).quantize(CENT)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)


class UtcDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given to the CRM: {value!r}")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    __tablename__ = "crm_customers"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # C1001
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    phone: Mapped[str] = mapped_column(String(32))  # display form
    phone_digits: Mapped[str] = mapped_column(String(10), index=True)
    tier: Mapped[str] = mapped_column(String(16), default="standard")
    street: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(10))
    payment_method: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OrderRow(Base):
    __tablename__ = "crm_orders"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # A1042
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    shipping_fee: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    ship_to: Mapped[str] = mapped_column(String(400))
    carrier: Mapped[str | None] = mapped_column(String(16))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expected_delivery: Mapped[date | None] = mapped_column(Date())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status_note: Mapped[str | None] = mapped_column(String(400))

    lines: Mapped[list["OrderLineRow"]] = relationship(
        back_populates="order", order_by="OrderLineRow.position", cascade="all, delete-orphan"
    )


class OrderLineRow(Base):
    __tablename__ = "crm_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("crm_orders.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(32))
    product: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money())

    order: Mapped[OrderRow] = relationship(back_populates="lines")
    return_case: Mapped["ReturnRow | None"] = relationship(back_populates="line", uselist=False)


class InvoiceRow(Base):
    __tablename__ = "crm_invoices"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # INV-2026-00017
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("crm_orders.id"))
    subscription_id: Mapped[str | None] = mapped_column(ForeignKey("crm_subscriptions.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(200))
    payment_method: Mapped[str] = mapped_column(String(64))


class SubscriptionRow(Base):
    __tablename__ = "crm_subscriptions"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # SUB-1001
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    plan: Mapped[str] = mapped_column(String(16))
    price: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_delivery: Mapped[date | None] = mapped_column(Date())
    paused_until: Mapped[date | None] = mapped_column(Date())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReturnRow(Base):
    __tablename__ = "crm_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("crm_orders.id"), index=True)
    # unique: one return per order line, enforced by the database even under races
    order_line_id: Mapped[int] = mapped_column(ForeignKey("crm_order_lines.id"), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"))
    product: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    refund_amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    line: Mapped[OrderLineRow] = relationship(back_populates="return_case")


class DisputeRow(Base):
    __tablename__ = "crm_disputes"
    # At most one OPEN dispute per charge, enforced by the database even under races (partial index).
    __table_args__ = (
        Index(
            "uq_crm_disputes_open_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    invoice_id: Mapped[str] = mapped_column(ForeignKey("crm_invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallbackRow(Base):
    __tablename__ = "crm_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("crm_customers.id"))
    phone: Mapped[str] = mapped_column(String(32))
    phone_digits: Mapped[str] = mapped_column(String(10))
    when_text: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketRow(Base):
    __tablename__ = "crm_tickets"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # TCK-10001 or a case reference
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("crm_customers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# Children first: the order in which `reset` deletes rows.
ALL_TABLES = (
    TicketRow,
    CallbackRow,
    DisputeRow,
    ReturnRow,
    InvoiceRow,
    SubscriptionRow,
    OrderLineRow,
    OrderRow,
    CustomerRow,
)
