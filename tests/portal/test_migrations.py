"""The portal's schema under Alembic: the revisions build exactly what the models describe, and
a database made before migrations existed, with data in it, is upgraded without loss."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal.db import Database
from portal.migrate import upgrade
from portal.models import PortalBase

HEAD = "0006"


def test_the_revisions_build_what_the_models_describe(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), PortalBase.metadata) == []


def test_a_database_from_before_migrations_is_upgraded_with_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as create_all left it
        connection.execute(
            text(
                "INSERT INTO portal_binding (id, channel, channel_user_id, subject_type, subject_id, code_hash,"
                " code_expires_at, attempts, status, created_at) VALUES ('b1', 'web', 'u1', 'citizen', 7,"
                " 'h', '2026-01-01 00:00:00', 2, 'verified', '2026-01-01 00:00:00')"
            )
        )
    engine.dispose()

    database = Database(url)  # what the portal does when it starts
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT subject_id, attempts, sms_sent, claim_key FROM portal_binding")).one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert tuple(row) == (7, 2, 1, None) and version == HEAD
    assert {"claim_key", "phone_key", "client", "sms_sent"} <= {
        column["name"] for column in inspect(database.engine).get_columns("portal_binding")
    }
    database.dispose()


@pytest.mark.parametrize("revision, added", [("0002", "portal_material_file"), ("0003", "portal_signature")])
def test_applications_made_before_a_revision_keep_their_data(tmp_path, revision, added):
    """0002 → 0003 adds the material files, 0003 → 0004 the signatures; an application already
    in the database is untouched and simply has none."""
    url = f"sqlite:///{tmp_path / f'at-{revision}.db'}"
    engine = create_engine(url)
    upgrade(engine, revision)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO portal_application (id, number, subject_type, subject_id, service_code, status, fields,"
                " prefilled, services, created_at, updated_at, urge_count) VALUES (1, 'BS20260101000001', 'citizen',"
                " 7, 'restaurant', 'draft', '{\"shop_name\": \"田记面馆\"}', '[]', '[]', '2026-01-01 00:00:00',"
                " '2026-01-01 00:00:00', 0)"
            )
        )
    engine.dispose()

    database = Database(url)
    with database.engine.connect() as connection:
        fields = connection.execute(text("SELECT fields FROM portal_application WHERE id = 1")).scalar_one()
        files = connection.execute(text(f"SELECT count(*) FROM {added}")).scalar_one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert "田记面馆" in fields and files == 0 and version == HEAD
    database.dispose()
