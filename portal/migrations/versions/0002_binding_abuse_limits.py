"""Binding abuse limits: what each binding request is counted by, and whether an SMS went out.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_binding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("phone_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("client", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sms_sent", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index(batch_op.f("ix_portal_binding_claim_key"), ["claim_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_binding_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_binding_phone_key"), ["phone_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_binding_phone_key"))
        batch_op.drop_index(batch_op.f("ix_portal_binding_client"))
        batch_op.drop_index(batch_op.f("ix_portal_binding_claim_key"))
        batch_op.drop_column("sms_sent")
        batch_op.drop_column("client")
        batch_op.drop_column("phone_key")
        batch_op.drop_column("claim_key")
