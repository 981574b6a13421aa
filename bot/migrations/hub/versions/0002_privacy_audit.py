"""The privacy audit log: who opened, exported or erased which conversation (bot/privacy/audit.py)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_privacy_audit_at", "privacy_audit", ["at"], unique=False)
    op.create_index("ix_privacy_audit_conversation", "privacy_audit", ["conversation_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_privacy_audit_conversation", table_name="privacy_audit")
    op.drop_index("ix_privacy_audit_at", table_name="privacy_audit")
    op.drop_table("privacy_audit")
