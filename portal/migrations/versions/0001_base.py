"""the portal's schema as it was when migrations began

Revision ID: 0001
Revises:
Create Date: 2026-12-05

The base revision: exactly what `create_all` made before migrations existed, so that a
database from then is stamped here and upgraded like any other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("service_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("prefilled", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submit_key", sa.String(length=100), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("commitment", sa.Text(), nullable=True),
        sa.Column("urge_count", sa.Integer(), nullable=False),
        sa.Column("last_urged_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("portal_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_application_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "portal_binding",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_user_id", sa.String(length=128), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("dev_code", sa.String(length=6), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_binding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_binding_channel_user_id"), ["channel_user_id"], unique=False)

    op.create_table(
        "portal_citizen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seed_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("gender", sa.String(length=2), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=11), nullable=True),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("marital_status", sa.String(length=10), nullable=False),
        sa.Column("marriage_verifiable", sa.Boolean(), nullable=False),
        sa.Column("spouse_id", sa.Integer(), nullable=True),
        sa.Column("father_id", sa.Integer(), nullable=True),
        sa.Column("mother_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("worker_category", sa.String(length=20), nullable=True),
        sa.Column("statutory_retirement_date", sa.Date(), nullable=True),
        sa.Column("disability_certificate", sa.JSON(), nullable=True),
        sa.Column("birth_certificate_no", sa.String(length=20), nullable=True),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["portal_enterprise.id"], use_alter=True),
        sa.ForeignKeyConstraint(
            ["father_id"],
            ["portal_citizen.id"],
        ),
        sa.ForeignKeyConstraint(
            ["mother_id"],
            ["portal_citizen.id"],
        ),
        sa.ForeignKeyConstraint(
            ["spouse_id"],
            ["portal_citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("id_number"),
        sa.UniqueConstraint("seed_key"),
    )
    op.create_table(
        "portal_daily_sequence",
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "portal_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("binding_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["binding_id"],
            ["portal_binding.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_consent_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "portal_deferred_material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("provided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["portal_application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_deferred_material", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_deferred_material_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "portal_enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seed_key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("legal_rep_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_type", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=20), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("registered_capital", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tax_arrears", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("bankruptcy", sa.JSON(), nullable=True),
        sa.Column("scenarios", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["legal_rep_id"],
            ["portal_citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seed_key"),
        sa.UniqueConstraint("uscc"),
    )
    op.create_table(
        "portal_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["portal_application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_event_application_id"), ["application_id"], unique=False)

    op.create_table(
        "portal_housing_fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("account_no", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("balance", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("monthly_deposit", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["portal_citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("citizen_id"),
    )
    op.create_table(
        "portal_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["portal_application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_type", "subject_id", "operation", "key"),
    )
    op.create_table(
        "portal_insurance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("contribution_months", sa.Integer(), nullable=False),
        sa.Column("payer", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["portal_citizen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_insurance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_insurance_citizen_id"), ["citizen_id"], unique=False)

    op.create_table(
        "portal_subtask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("missing_materials", sa.JSON(), nullable=False),
        sa.Column("stalled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["portal_application.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_subtask", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_subtask_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_portal_subtask_status"), ["status"], unique=False)

    op.create_table(
        "portal_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("binding_id", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["binding_id"],
            ["portal_binding.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "portal_penalty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("decision_no", sa.String(length=60), nullable=False),
        sa.Column("authority", sa.String(length=60), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("fine", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("fulfilled", sa.Boolean(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["portal_enterprise.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_penalty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_penalty_enterprise_id"), ["enterprise_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_penalty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_penalty_enterprise_id"))

    op.drop_table("portal_penalty")
    op.drop_table("portal_token")
    with op.batch_alter_table("portal_subtask", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_subtask_status"))
        batch_op.drop_index(batch_op.f("ix_portal_subtask_application_id"))

    op.drop_table("portal_subtask")
    with op.batch_alter_table("portal_insurance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_insurance_citizen_id"))

    op.drop_table("portal_insurance")
    op.drop_table("portal_idempotency")
    op.drop_table("portal_housing_fund")
    with op.batch_alter_table("portal_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_event_application_id"))

    op.drop_table("portal_event")
    op.drop_table("portal_enterprise")
    with op.batch_alter_table("portal_deferred_material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_deferred_material_application_id"))

    op.drop_table("portal_deferred_material")
    with op.batch_alter_table("portal_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_consent_subject_id"))

    op.drop_table("portal_consent")
    op.drop_table("portal_daily_sequence")
    op.drop_table("portal_citizen")
    with op.batch_alter_table("portal_binding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_binding_channel_user_id"))

    op.drop_table("portal_binding")
    with op.batch_alter_table("portal_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_application_subject_id"))

    op.drop_table("portal_application")
