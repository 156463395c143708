"""The services' schema (conversations' identities, 转人工, knowledge base, notices), versioned
with Alembic (bot/migrations), as the portal's is (portal/migrate.py).

`upgrade` brings any database to the newest revision: a new one from nothing, and one made
before migrations existed (by `create_all`), whose tables the base revision keeps. Several
processes open the database together (action server, console, CLI): one upgrades at a time
(a file lock beside a SQLite file, an advisory lock on PostgreSQL). Every
change to a table on `bot.db.Base` arrives as a revision; tests/unit/test_services_migrations.py
checks that the models and the revisions agree and upgrades a database with data in it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 0x62616E736869  # "banshi"


def all_models() -> MetaData:
    """The metadata of every table of the services, whichever modules the caller imported."""
    import bot.editing.revisions  # noqa: F401
    import bot.editing.wording  # noqa: F401
    import bot.handoff  # noqa: F401
    import bot.identity.store  # noqa: F401
    import bot.knowledge.store  # noqa: F401
    import bot.notices.store  # noqa: F401
    import bot.ratings  # noqa: F401
    import bot.staff.audit  # noqa: F401
    import bot.staff.sessions  # noqa: F401
    import bot.tickets  # noqa: F401
    from bot.db import Base

    return Base.metadata


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _one_at_a_time(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_postgresql(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config()
    with _one_at_a_time(engine), engine.begin() as connection:
        _lock_postgresql(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
