"""The SQL database of the services (SQLite by default, any SQLAlchemy URL by BANSHI_DB_URL)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import overload

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from bot.made_once import made_once
from bot.private_files import private_sqlite_file
from bot.settings import settings


class Base(DeclarativeBase):
    """Declarative base of every table banshi owns."""


@made_once(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL; creates the SQLite file (0600) and brings its schema up to date
    (bot/migrate.py) on first use."""
    url = url or settings.db_url
    private_sqlite_file(url)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # Several processes (action server, console, CLI) share the file: WAL lets readers
        # go on while one writes, busy_timeout makes a writer wait instead of failing.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record):
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")

    from bot.migrate import upgrade  # the migrations import the models, which import this module

    upgrade(engine)
    return engine


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the services store is UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def session_factory(url: str | None = None) -> sessionmaker:
    """Sessions on `url` (default: the configured database), whose engine is made once."""
    return sessionmaker(get_engine(url or settings.db_url), expire_on_commit=False)
