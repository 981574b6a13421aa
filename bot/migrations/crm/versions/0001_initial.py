"""Initial schema of the demo CRM database

Revision ID: 0001
Revises:
Create Date: 2026-12-07

The crm database as release 0.1 made it with `Base.metadata.create_all`. A database made by
that release (no version table) is adopted, not rebuilt: only the tables it lacks are created, so
every row stays (bot.db.upgrade).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# bot.crm.tables.Money: exact NUMERIC on PostgreSQL, integer cents on SQLite.
MONEY = sa.Numeric(10, 2).with_variant(sa.Integer(), "sqlite")

# In creation order: a table after the tables its foreign keys point at.
TABLES = (
    "crm_customers",
    "crm_callbacks",
    "crm_orders",
    "crm_subscriptions",
    "crm_tickets",
    "crm_invoices",
    "crm_order_lines",
    "crm_disputes",
    "crm_returns",
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "crm_customers" not in existing:
        op.create_table(
            "crm_customers",
            sa.Column("id", sa.String(length=16), nullable=False),
            sa.Column("first_name", sa.String(length=80), nullable=False),
            sa.Column("last_name", sa.String(length=80), nullable=False),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("phone", sa.String(length=32), nullable=False),
            sa.Column("phone_digits", sa.String(length=10), nullable=False),
            sa.Column("tier", sa.String(length=16), nullable=False),
            sa.Column("street", sa.String(length=200), nullable=False),
            sa.Column("city", sa.String(length=100), nullable=False),
            sa.Column("state", sa.String(length=2), nullable=False),
            sa.Column("postal_code", sa.String(length=10), nullable=False),
            sa.Column("payment_method", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("email"),
        )
        op.create_index(op.f("ix_crm_customers_phone_digits"), "crm_customers", ["phone_digits"], unique=False)
    if "crm_callbacks" not in existing:
        op.create_table(
            "crm_callbacks",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("reference", sa.String(length=16), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=True),
            sa.Column("phone", sa.String(length=32), nullable=False),
            sa.Column("phone_digits", sa.String(length=10), nullable=False),
            sa.Column("when_text", sa.String(length=200), nullable=False),
            sa.Column("topic", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("reference"),
        )
    if "crm_orders" not in existing:
        op.create_table(
            "crm_orders",
            sa.Column("id", sa.String(length=16), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("shipping_fee", MONEY, nullable=False),
            sa.Column("total", MONEY, nullable=False),
            sa.Column("ship_to", sa.String(length=400), nullable=False),
            sa.Column("carrier", sa.String(length=16), nullable=True),
            sa.Column("tracking_number", sa.String(length=40), nullable=True),
            sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("expected_delivery", sa.Date(), nullable=True),
            sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("status_note", sa.String(length=400), nullable=True),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_crm_orders_customer_id"), "crm_orders", ["customer_id"], unique=False)
    if "crm_subscriptions" not in existing:
        op.create_table(
            "crm_subscriptions",
            sa.Column("id", sa.String(length=16), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=False),
            sa.Column("plan", sa.String(length=16), nullable=False),
            sa.Column("price", MONEY, nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("next_delivery", sa.Date(), nullable=True),
            sa.Column("paused_until", sa.Date(), nullable=True),
            sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_crm_subscriptions_customer_id"), "crm_subscriptions", ["customer_id"], unique=False)
    if "crm_tickets" not in existing:
        op.create_table(
            "crm_tickets",
            sa.Column("id", sa.String(length=16), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=True),
            sa.Column("subject", sa.String(length=200), nullable=False),
            sa.Column("category", sa.String(length=16), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("channel", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_crm_tickets_customer_id"), "crm_tickets", ["customer_id"], unique=False)
    if "crm_invoices" not in existing:
        op.create_table(
            "crm_invoices",
            sa.Column("id", sa.String(length=24), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=False),
            sa.Column("order_id", sa.String(length=16), nullable=True),
            sa.Column("subscription_id", sa.String(length=16), nullable=True),
            sa.Column("amount", MONEY, nullable=False),
            sa.Column("currency", sa.String(length=3), nullable=False),
            sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("description", sa.String(length=200), nullable=False),
            sa.Column("payment_method", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.ForeignKeyConstraint(["order_id"], ["crm_orders.id"]),
            sa.ForeignKeyConstraint(["subscription_id"], ["crm_subscriptions.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_crm_invoices_customer_id"), "crm_invoices", ["customer_id"], unique=False)
        op.create_index(op.f("ix_crm_invoices_issued_at"), "crm_invoices", ["issued_at"], unique=False)
    if "crm_order_lines" not in existing:
        op.create_table(
            "crm_order_lines",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("order_id", sa.String(length=16), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("sku", sa.String(length=32), nullable=False),
            sa.Column("product", sa.String(length=120), nullable=False),
            sa.Column("quantity", sa.Integer(), nullable=False),
            sa.Column("unit_price", MONEY, nullable=False),
            sa.ForeignKeyConstraint(["order_id"], ["crm_orders.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_crm_order_lines_order_id"), "crm_order_lines", ["order_id"], unique=False)
    if "crm_disputes" not in existing:
        op.create_table(
            "crm_disputes",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("reference", sa.String(length=16), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=False),
            sa.Column("invoice_id", sa.String(length=24), nullable=False),
            sa.Column("amount", MONEY, nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.ForeignKeyConstraint(["invoice_id"], ["crm_invoices.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("reference"),
        )
        op.create_index(op.f("ix_crm_disputes_customer_id"), "crm_disputes", ["customer_id"], unique=False)
        op.create_index(op.f("ix_crm_disputes_invoice_id"), "crm_disputes", ["invoice_id"], unique=False)
        op.create_index(
            "uq_crm_disputes_open_invoice", "crm_disputes", ["invoice_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
    if "crm_returns" not in existing:
        op.create_table(
            "crm_returns",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("reference", sa.String(length=16), nullable=False),
            sa.Column("order_id", sa.String(length=16), nullable=False),
            sa.Column("order_line_id", sa.Integer(), nullable=False),
            sa.Column("customer_id", sa.String(length=16), nullable=False),
            sa.Column("product", sa.String(length=120), nullable=False),
            sa.Column("sku", sa.String(length=32), nullable=False),
            sa.Column("quantity", sa.Integer(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("refund_amount", MONEY, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["customer_id"], ["crm_customers.id"]),
            sa.ForeignKeyConstraint(["order_id"], ["crm_orders.id"]),
            sa.ForeignKeyConstraint(["order_line_id"], ["crm_order_lines.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("order_line_id"),
            sa.UniqueConstraint("reference"),
        )
        op.create_index(op.f("ix_crm_returns_order_id"), "crm_returns", ["order_id"], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
