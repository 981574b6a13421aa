"""Initial schema of the hub database

Revision ID: 0001
Revises:
Create Date: 2026-12-07

The hub database as release 0.1 made it with `Base.metadata.create_all`. A database made by
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

# In creation order: a table after the tables its foreign keys point at.
TABLES = (
    "conversations",
    "hub_keys",
    "outreach_campaigns",
    "outreach_consent",
    "outreach_events",
    "outreach_jobs",
    "channel_bindings",
    "conversation_closures",
    "customer_conversations",
    "handoffs",
    "messages",
    "survey_responses",
    "channel_outbox",
    "handoff_events",
    "qa_scorecards",
    "turn_analysis",
    "qa_reviews",
    "agent_login_failures",
    "agents",
    "agent_sessions",
    "kb_answers",
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "conversations" not in existing:
        op.create_table(
            "conversations",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("handled_by", sa.String(length=32), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("metadata", sa.JSON(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if "hub_keys" not in existing:
        op.create_table(
            "hub_keys",
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("name"),
        )
    if "outreach_campaigns" not in existing:
        op.create_table(
            "outreach_campaigns",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("source", sa.String(length=200), nullable=False),
            sa.Column("definition", sa.JSON(), nullable=False),
            sa.Column("enabled", sa.Boolean(), nullable=False),
            sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("last_run_key", sa.String(length=64), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if "outreach_consent" not in existing:
        op.create_table(
            "outreach_consent",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("subject", sa.String(length=250), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("via", sa.String(length=32), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("subject", name="uq_outreach_consent_subject"),
        )
    if "outreach_events" not in existing:
        op.create_table(
            "outreach_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("type", sa.String(length=64), nullable=False),
            sa.Column("event_id", sa.String(length=128), nullable=False),
            sa.Column("revision", sa.String(length=64), nullable=False),
            sa.Column("body", sa.JSON(), nullable=False),
            sa.Column("customers", sa.JSON(), nullable=False),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("type", "event_id", "revision", name="uq_outreach_events"),
        )
    if "outreach_jobs" not in existing:
        op.create_table(
            "outreach_jobs",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("key", sa.String(length=400), nullable=False),
            sa.Column("campaign_id", sa.String(length=64), nullable=False),
            sa.Column("occurrence", sa.String(length=200), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("context", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("reason", sa.String(length=64), nullable=True),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("claimed_by", sa.String(length=64), nullable=True),
            sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("conversation_id", sa.String(length=64), nullable=True),
            sa.Column("channel", sa.String(length=32), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("key", name="uq_outreach_jobs_key"),
        )
        op.create_index(op.f("ix_outreach_jobs_campaign_id"), "outreach_jobs", ["campaign_id"], unique=False)
        op.create_index("ix_outreach_jobs_conversation", "outreach_jobs", ["conversation_id"], unique=False)
        op.create_index("ix_outreach_jobs_customer", "outreach_jobs", ["customer_id", "sent_at"], unique=False)
        op.create_index("ix_outreach_jobs_due", "outreach_jobs", ["status", "next_attempt_at"], unique=False)
    if "channel_bindings" not in existing:
        op.create_table(
            "channel_bindings",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("address", sa.String(length=200), nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("customer_id", sa.String(length=64), nullable=True),
            sa.Column("identity_checked_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("channel", "address", name="uq_channel_bindings_address"),
        )
        op.create_index("ix_channel_bindings_conversation", "channel_bindings", ["conversation_id"], unique=False)
    if "conversation_closures" not in existing:
        op.create_table(
            "conversation_closures",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("client", sa.String(length=64), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("trigger", sa.String(length=16), nullable=False),
            sa.Column("first_message_id", sa.Integer(), nullable=False),
            sa.Column("last_message_id", sa.Integer(), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("intent", sa.String(length=120), nullable=True),
            sa.Column("resolved", sa.Boolean(), nullable=False),
            sa.Column("contained", sa.Boolean(), nullable=False),
            sa.Column("escalated", sa.Boolean(), nullable=False),
            sa.Column("handoff_id", sa.Integer(), nullable=True),
            sa.Column("agent_id", sa.Integer(), nullable=True),
            sa.Column("agent_name", sa.String(length=120), nullable=True),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("conversation_id", "first_message_id", name="uq_closures_episode"),
        )
        op.create_index("ix_closures_closed_at", "conversation_closures", ["closed_at"], unique=False)
        op.create_index(
            "ix_closures_conversation", "conversation_closures", ["conversation_id", "last_message_id"],
            unique=False,
        )
    if "customer_conversations" not in existing:
        op.create_table(
            "customer_conversations",
            sa.Column("customer_id", sa.String(length=64), nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("customer_id", "conversation_id"),
        )
    if "handoffs" not in existing:
        op.create_table(
            "handoffs",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("skill", sa.String(length=32), nullable=False),
            sa.Column("reasons", sa.JSON(), nullable=False),
            sa.Column("frustration", sa.Float(), nullable=False),
            sa.Column("level", sa.String(length=16), nullable=False),
            sa.Column("customer", sa.JSON(), nullable=True),
            sa.Column("ticket", sa.Boolean(), nullable=False),
            sa.Column("agent_id", sa.Integer(), nullable=True),
            sa.Column("agent_name", sa.String(length=120), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("disposition", sa.String(length=16), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_handoffs_conversation", "handoffs", ["conversation_id"], unique=False)
        op.create_index("ix_handoffs_status", "handoffs", ["status"], unique=False)
    if "messages" not in existing:
        op.create_table(
            "messages",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("direction", sa.String(length=8), nullable=False),
            sa.Column("sender", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=True),
            sa.Column("payload", sa.JSON(), nullable=True),
            sa.Column("client_message_id", sa.String(length=128), nullable=True),
            sa.Column("reply_to", sa.Integer(), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["reply_to"], ["messages.id"]),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
        )
        op.create_index("ix_messages_conversation", "messages", ["conversation_id", "id"], unique=False)
        op.create_index("ix_messages_reply_to", "messages", ["reply_to"], unique=False)
    if "survey_responses" not in existing:
        op.create_table(
            "survey_responses",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("trigger", sa.String(length=32), nullable=False),
            sa.Column("handoff_id", sa.Integer(), nullable=True),
            sa.Column("agent_id", sa.Integer(), nullable=True),
            sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("score", sa.Integer(), nullable=True),
            sa.Column("comment", sa.Text(), nullable=True),
            sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            "ix_survey_responses_conversation", "survey_responses", ["conversation_id", "asked_at"],
            unique=False,
        )
    if "channel_outbox" not in existing:
        op.create_table(
            "channel_outbox",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("message_id", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("address", sa.String(length=200), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("parts_sent", sa.Integer(), nullable=False),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
            sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("message_id", "channel", "address", name="uq_channel_outbox_target"),
        )
        op.create_index("ix_channel_outbox_status", "channel_outbox", ["status", "id"], unique=False)
    if "handoff_events" not in existing:
        op.create_table(
            "handoff_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("handoff_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=32), nullable=False),
            sa.Column("agent_id", sa.Integer(), nullable=True),
            sa.Column("detail", sa.JSON(), nullable=True),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_handoff_events_handoff", "handoff_events", ["handoff_id", "id"], unique=False)
    if "qa_scorecards" not in existing:
        op.create_table(
            "qa_scorecards",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("closure_id", sa.Integer(), nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("score", sa.Float(), nullable=True),
            sa.Column("final_score", sa.Float(), nullable=True),
            sa.Column("criteria", sa.JSON(), nullable=False),
            sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["closure_id"], ["conversation_closures.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("closure_id"),
        )
        op.create_index("ix_qa_scorecards_closed", "qa_scorecards", ["closed_at"], unique=False)
    if "turn_analysis" not in existing:
        op.create_table(
            "turn_analysis",
            sa.Column("message_id", sa.Integer(), nullable=False),
            sa.Column("conversation_id", sa.String(length=64), nullable=False),
            sa.Column("score", sa.Float(), nullable=False),
            sa.Column("signals", sa.JSON(), nullable=False),
            sa.Column("level", sa.String(length=16), nullable=False),
            sa.Column("repeats", sa.Boolean(), nullable=False),
            sa.Column("intent", sa.String(length=120), nullable=True),
            sa.Column("confidence", sa.Float(), nullable=True),
            sa.Column("entities", sa.JSON(), nullable=False),
            sa.Column("bot_events", sa.JSON(), nullable=False),
            sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("message_id"),
        )
        op.create_index(
            "ix_turn_analysis_conversation", "turn_analysis", ["conversation_id", "message_id"],
            unique=False,
        )
    if "qa_reviews" not in existing:
        op.create_table(
            "qa_reviews",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("scorecard_id", sa.Integer(), nullable=False),
            sa.Column("reviewer_id", sa.Integer(), nullable=True),
            sa.Column("reviewer_name", sa.String(length=120), nullable=False),
            sa.Column("score", sa.Float(), nullable=True),
            sa.Column("comment", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["scorecard_id"], ["qa_scorecards.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_qa_reviews_scorecard", "qa_reviews", ["scorecard_id", "id"], unique=False)
    if "agent_login_failures" not in existing:
        op.create_table(
            "agent_login_failures",
            sa.Column("username", sa.String(length=40), nullable=False),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("username"),
        )
    if "agents" not in existing:
        op.create_table(
            "agents",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("username", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("password_hash", sa.String(length=255), nullable=False),
            sa.Column("role", sa.String(length=16), nullable=False),
            sa.Column("skills", sa.JSON(), nullable=False),
            sa.Column("capacity", sa.Integer(), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("username"),
        )
    if "agent_sessions" not in existing:
        op.create_table(
            "agent_sessions",
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("agent_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("token_hash"),
        )
        op.create_index(op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"], unique=False)
    if "kb_answers" not in existing:
        op.create_table(
            "kb_answers",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("conversation_id", sa.String(length=128), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("query", sa.Text(), nullable=False),
            sa.Column("intent", sa.String(length=64), nullable=True),
            sa.Column("outcome", sa.String(length=16), nullable=False),
            sa.Column("shown_article", sa.String(length=300), nullable=True),
            sa.Column("top_score", sa.Float(), nullable=True),
            sa.Column("results", sa.JSON(), nullable=False),
            sa.Column("helpful", sa.Boolean(), nullable=True),
            sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_kb_answers_conversation", "kb_answers", ["conversation_id", "id"], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
