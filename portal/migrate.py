"""The portal's schema, versioned with Alembic (portal/migrations).

`upgrade` brings any database to the newest revision: a new one from nothing, one made before
migrations existed (by `create_all`, at what is now revision 0001) by stamping it first. Every
change to portal/models.py arrives as a revision; tests/portal/test_migrations.py checks that
the models and the revisions agree and upgrades a database with data in it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASE_REVISION = "0001"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "alembic_version" not in tables and "portal_binding" in tables:
            command.stamp(config, BASE_REVISION)  # made by create_all before migrations existed
        command.upgrade(config, revision)
