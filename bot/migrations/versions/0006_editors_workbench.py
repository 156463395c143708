"""The editors' workbench: revisions under review, versions with their text, validity dates
on documents and units, the unanswered queue's state, and the bot's published wording.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
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
        "bot_wording",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=32), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "content_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=512), nullable=False),
        sa.Column("title", sa.String(length=256), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer", sa.String(length=32), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("effective", sa.String(length=32), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=32), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_revisions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_revisions_target"), ["target"], unique=False)

    with op.batch_alter_table("kb_document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phrasings", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("author", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("kb_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("origin", sa.String(length=16), server_default="file", nullable=False))

    with op.batch_alter_table("kb_unanswered", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=16), server_default="open", nullable=False))
        batch_op.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("handled_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("department", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("revision_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kb_unanswered_state"), ["state"], unique=False)

    with op.batch_alter_table("kb_units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("expires", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_units", schema=None) as batch_op:
        batch_op.drop_column("expires")
        batch_op.drop_column("effective")

    with op.batch_alter_table("kb_unanswered", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kb_unanswered_state"))
        batch_op.drop_column("revision_id")
        batch_op.drop_column("due_date")
        batch_op.drop_column("department")
        batch_op.drop_column("note")
        batch_op.drop_column("handled_at")
        batch_op.drop_column("handled_by")
        batch_op.drop_column("vector")
        batch_op.drop_column("state")

    with op.batch_alter_table("kb_documents", schema=None) as batch_op:
        batch_op.drop_column("origin")
        batch_op.drop_column("expires")

    with op.batch_alter_table("kb_document_versions", schema=None) as batch_op:
        batch_op.drop_column("revision_id")
        batch_op.drop_column("author")
        batch_op.drop_column("phrasings")
        batch_op.drop_column("body")

    with op.batch_alter_table("content_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_revisions_target"))
        batch_op.drop_index(batch_op.f("ix_content_revisions_status"))

    op.drop_table("content_revisions")
    op.drop_table("bot_wording")
