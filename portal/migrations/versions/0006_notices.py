"""Notices: the outbox of case changes the applicant is told about (webhook and feed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("portal_application.id"), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_portal_notice_application_id", "portal_notice", ["application_id"])
    op.create_index("ix_portal_notice_next_attempt_at", "portal_notice", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_portal_notice_next_attempt_at", "portal_notice")
    op.drop_index("ix_portal_notice_application_id", "portal_notice")
    op.drop_table("portal_notice")
