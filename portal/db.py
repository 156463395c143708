"""Engine and sessions of the portal's database (SQLite by default, PostgreSQL by URL).

Request handlers run their database work in worker threads, so concurrent requests really
overlap; correctness under concurrency therefore rests on the database (unique constraints,
conditional updates), never on the event loop happening to serialise them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from bot.private_files import private_sqlite_file
from portal.migrate import upgrade


def utcnow() -> datetime:
    """Naive UTC: the one form both SQLite and PostgreSQL columns store and give back alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def make_engine(url: str) -> Engine:
    """Creates the engine and brings the schema to the newest revision (portal/migrate.py); on
    SQLite, the file (0600), WAL and immediate transactions."""
    private_sqlite_file(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
            # Autocommit at the driver level so that SQLAlchemy's BEGIN below is the only one.
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA busy_timeout=30000")
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # noqa: ANN001 - SQLAlchemy connection
            # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY
            # when another writer got in between; taking the write lock up front makes it wait.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    upgrade(engine)
    return engine


class Database:
    """The engine plus a session factory; `transaction()` is the unit of work of a request."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commits on success, rolls back on any exception (which is re-raised)."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
