"""Signing: requests to sign an application's 承诺书 (texts shown, SMS code) and the signatures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_signing_request",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("portal_application.id"), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("phone_key", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("dev_code", sa.String(length=6), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_signing_request_application_id", "portal_signing_request", ["application_id"])
    op.create_index("ix_portal_signing_request_phone_key", "portal_signing_request", ["phone_key"])
    op.create_table(
        "portal_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("portal_application.id"), nullable=False),
        sa.Column("signing_id", sa.String(length=32), sa.ForeignKey("portal_signing_request.id"), nullable=False),
        sa.Column("document", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_type", sa.String(length=10), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_signature_application_id", "portal_signature", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_portal_signature_application_id", table_name="portal_signature")
    op.drop_table("portal_signature")
    op.drop_index("ix_portal_signing_request_phone_key", table_name="portal_signing_request")
    op.drop_index("ix_portal_signing_request_application_id", table_name="portal_signing_request")
    op.drop_table("portal_signing_request")
