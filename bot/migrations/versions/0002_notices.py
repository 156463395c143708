"""Notices of case changes: who is told, what the portal said, each delivery, WeChat opt-ins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_notices",
        sa.Column("portal_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("application_no", sa.String(length=20), nullable=False),
        sa.Column("service_name", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("portal_id"),
    )
    op.create_index(op.f("ix_case_notices_received_at"), "case_notices", ["received_at"], unique=False)
    op.create_index(op.f("ix_case_notices_subject_ref"), "case_notices", ["subject_ref"], unique=False)
    op.create_table(
        "notice_cursor",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("after", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "notice_optins",
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", "template_id"),
    )
    op.create_table(
        "notice_recipients",
        sa.Column("subject_ref", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject_ref", "sender_id"),
    )
    op.create_index(op.f("ix_notice_recipients_sender_id"), "notice_recipients", ["sender_id"], unique=False)
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["case_notices.portal_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "sender_id"),
    )
    op.create_index(op.f("ix_notice_deliveries_notice_id"), "notice_deliveries", ["notice_id"], unique=False)
    op.create_index(op.f("ix_notice_deliveries_sender_id"), "notice_deliveries", ["sender_id"], unique=False)
    op.create_index(op.f("ix_notice_deliveries_state"), "notice_deliveries", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notice_deliveries_state"), table_name="notice_deliveries")
    op.drop_index(op.f("ix_notice_deliveries_sender_id"), table_name="notice_deliveries")
    op.drop_index(op.f("ix_notice_deliveries_notice_id"), table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_index(op.f("ix_notice_recipients_sender_id"), table_name="notice_recipients")
    op.drop_table("notice_recipients")
    op.drop_table("notice_optins")
    op.drop_table("notice_cursor")
    op.drop_index(op.f("ix_case_notices_subject_ref"), table_name="case_notices")
    op.drop_index(op.f("ix_case_notices_received_at"), table_name="case_notices")
    op.drop_table("case_notices")
