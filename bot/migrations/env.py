"""Alembic environment of the services' database: run by bot/migrate.py, never by hand-written
SQL. SQLite needs batch mode to alter a column, so it is on for every dialect."""

from __future__ import annotations

from alembic import context

from bot.migrate import all_models

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run the services' migrations through bot.migrate.upgrade()")
    context.configure(connection=connection, target_metadata=all_models(), render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
