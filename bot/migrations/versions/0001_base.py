"""The services' schema as it was when migrations began

Revision ID: 0001
Revises:
Create Date: 2026-12-06

The base revision: what `create_all` made before migrations existed. `create_all` made only
the tables of the modules a process had imported, so a database from then may lack some: each
table is created here unless it is there already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "handoff_requests" not in existing:
        op.create_table(
            "handoff_requests",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("sender_id", sa.String(length=128), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("service_item", sa.String(length=32), nullable=True),
            sa.Column("reason", sa.String(length=64), nullable=False),
            sa.Column("transcript", sa.JSON(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_handoff_requests_sender_id"), "handoff_requests", ["sender_id"], unique=False)
    if "kb_documents" not in existing:
        op.create_table(
            "kb_documents",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("source", sa.String(length=512), nullable=False),
            sa.Column("title", sa.String(length=256), nullable=False),
            sa.Column("service_code", sa.String(length=32), nullable=True),
            sa.Column("departments", sa.JSON(), nullable=False),
            sa.Column("updated", sa.String(length=32), nullable=False),
            sa.Column("effective", sa.String(length=32), nullable=True),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("content_hash", sa.String(length=64), nullable=False),
            sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("source"),
        )
        op.create_index(op.f("ix_kb_documents_service_code"), "kb_documents", ["service_code"], unique=False)
        op.create_index(op.f("ix_kb_documents_status"), "kb_documents", ["status"], unique=False)
    if "kb_meta" not in existing:
        op.create_table(
            "kb_meta",
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("key"),
        )
    if "kb_unanswered" not in existing:
        op.create_table(
            "kb_unanswered",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("outcome", sa.String(length=16), nullable=False),
            sa.Column("confidence", sa.Double(), nullable=False),
            sa.Column("service_item", sa.String(length=32), nullable=True),
            sa.Column("best_unit_id", sa.Integer(), nullable=True),
            sa.Column("best_citation", sa.String(length=512), nullable=True),
            sa.Column("channel", sa.String(length=32), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_kb_unanswered_created_at"), "kb_unanswered", ["created_at"], unique=False)
    if "portal_identities" not in existing:
        op.create_table(
            "portal_identities",
            sa.Column("sender_id", sa.String(length=128), nullable=False),
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("subject_type", sa.String(length=16), nullable=False),
            sa.Column("display_name_masked", sa.String(length=64), nullable=False),
            sa.Column("token", sa.String(length=256), nullable=False),
            sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("sender_id"),
        )
    if "kb_document_versions" not in existing:
        op.create_table(
            "kb_document_versions",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("document_id", sa.Integer(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("content_hash", sa.String(length=64), nullable=False),
            sa.Column("units_added", sa.Integer(), nullable=False),
            sa.Column("units_retired", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["document_id"],
                ["kb_documents.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_kb_document_versions_document_id"), "kb_document_versions", ["document_id"], unique=False
        )
    if "kb_units" not in existing:
        op.create_table(
            "kb_units",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("document_id", sa.Integer(), nullable=False),
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.Column("heading_path", sa.JSON(), nullable=False),
            sa.Column("section", sa.String(length=256), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("tokens", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("since_version", sa.Integer(), nullable=False),
            sa.Column("retired_version", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(
                ["document_id"],
                ["kb_documents.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("document_id", "key", "since_version"),
        )
        op.create_index(op.f("ix_kb_units_document_id"), "kb_units", ["document_id"], unique=False)
        op.create_index(op.f("ix_kb_units_status"), "kb_units", ["status"], unique=False)
    if "kb_entries" not in existing:
        op.create_table(
            "kb_entries",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("unit_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("vector", sa.LargeBinary(), nullable=True),
            sa.ForeignKeyConstraint(
                ["unit_id"],
                ["kb_units.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_kb_entries_unit_id"), "kb_entries", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_table("kb_entries")
    op.drop_table("kb_units")
    op.drop_table("kb_document_versions")
    op.drop_table("portal_identities")
    op.drop_table("kb_unanswered")
    op.drop_table("kb_meta")
    op.drop_table("kb_documents")
    op.drop_table("handoff_requests")
