"""办不成事 tickets with their clock, and 好差评: ratings, their follow-ups, and the offers made.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rating_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("target", sa.String(length=96), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender_id", "target"),
    )
    with op.batch_alter_table("rating_offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_offers_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "service_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=96), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("service_item", sa.String(length=32), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.String(length=16), nullable=True),
        sa.Column("visit_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectify_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visit_note", sa.Text(), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectification", sa.Text(), nullable=True),
        sa.Column("handled_by", sa.String(length=32), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_ratings_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_ratings_follow_up"), ["follow_up"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_ratings_sender_id"), ["sender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_ratings_target"), ["target"], unique=False)

    op.create_table(
        "work_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("service_item", sa.String(length=32), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("contact_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solution_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final_due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("solved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("handled_by", sa.String(length=32), nullable=True),
        sa.Column("handoff_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("work_tickets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_tickets_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_tickets_sender_id"), ["sender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_work_tickets_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("work_tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_tickets_status"))
        batch_op.drop_index(batch_op.f("ix_work_tickets_sender_id"))
        batch_op.drop_index(batch_op.f("ix_work_tickets_created_at"))

    op.drop_table("work_tickets")
    with op.batch_alter_table("service_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_ratings_target"))
        batch_op.drop_index(batch_op.f("ix_service_ratings_sender_id"))
        batch_op.drop_index(batch_op.f("ix_service_ratings_follow_up"))
        batch_op.drop_index(batch_op.f("ix_service_ratings_created_at"))

    op.drop_table("service_ratings")
    with op.batch_alter_table("rating_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_offers_sender_id"))

    op.drop_table("rating_offers")
