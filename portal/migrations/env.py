"""Alembic environment of the portal's database: run by portal/migrate.py, never by hand-written
SQL. SQLite needs batch mode to alter a column, so it is on for every dialect."""

from __future__ import annotations

from alembic import context

from portal.models import PortalBase

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the portal's migrations through portal.migrate.upgrade()")
    context.configure(connection=connection, target_metadata=PortalBase.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
