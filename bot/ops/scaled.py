"""The scaled profile (`make run-scaled`, `bench_load.py --scaled`): Rasa on several workers,
which Rasa allows only with a real lock store, so the engines Rasa is built for carry the shared
state — the trackers in PostgreSQL (Rasa's SQL tracker store, ours keeping personal data
private), the conversation locks in Redis (Rasa's Redis lock store), and in the same Redis the
channels' state and the widget's socket rooms (BANSHI_REDIS_URL). `make run` needs neither.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.settings import env_value, settings

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_TRACKERS = "postgresql://postgres@127.0.0.1:5432/banshi_trackers"
LOCK_LIFETIME_S = 20
"""A conversation's lock in Redis outlives the worker that held it: when a worker dies mid-turn,
that citizen's next message waits for the lock to lapse — Rasa's 60 s by default, longer than any
channel waits (scripts/bench_faults.py). 20 s is above the slowest turn that still answers (three
portal attempts of 1 s connect + 3 s read) and below the widget's and WeChat's patience."""


class ScaledUnavailable(RuntimeError):
    """Redis or PostgreSQL does not answer; the message says which, in Chinese, for the console."""


@dataclass(frozen=True)
class ScaledProfile:
    redis_url: str
    tracker_db_url: str
    workers: int
    action_servers: int = 2
    """Behind one balancer (bot/ops/action_balancer.py), so that one can die without the turns."""

    @classmethod
    def from_env(cls) -> ScaledProfile:
        """BANSHI_REDIS_URL and BANSHI_TRACKER_DB_URL, else this machine's Redis and PostgreSQL;
        as many Rasa workers as cores (at least two)."""
        return cls(
            redis_url=settings.redis_url or DEFAULT_REDIS,
            tracker_db_url=env_value("BANSHI_TRACKER_DB_URL", DEFAULT_TRACKERS),
            workers=max(2, os.cpu_count() or 2),
            action_servers=max(1, int(env_value("BANSHI_ACTION_SERVERS", "2"))),
        )

    def lock_store_url(self, prefix: str = "banshi") -> str:
        return f"{self.redis_url}?prefix={prefix}"

    def rasa_env(self) -> dict[str, str]:
        """Several workers, the shared Redis, and conversation locks that lapse after
        LOCK_LIFETIME_S instead of Rasa's 60 s (TICKET_LOCK_LIFETIME, when set, wins)."""
        return {
            "SANIC_WORKERS": str(self.workers),
            "BANSHI_REDIS_URL": self.redis_url,
            "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME") or str(LOCK_LIFETIME_S),
        }

    def prepare(self) -> None:
        """Both servers answer and the trackers' database exists (created when missing)."""
        for name, url in (("Redis", self.redis_url), ("PostgreSQL", self.tracker_db_url)):
            address = urlsplit(url)
            try:
                socket.create_connection((address.hostname, address.port or _PORTS[name]), timeout=3).close()
            except OSError as error:
                raise ScaledUnavailable(
                    f"扩展配置需要 {name}（{address.hostname}:{address.port}），但连接不上：{error}"
                ) from error
        ensure_database(self.tracker_db_url)


_PORTS = {"Redis": 6379, "PostgreSQL": 5432}


def _admin(url: str) -> tuple[str, str]:
    """(the server's maintenance database URL, the database's name) of a PostgreSQL URL."""
    address = urlsplit(url)
    name = address.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ScaledUnavailable(f"跟踪库名称只能用字母、数字和下划线：{name}")
    return address._replace(path="/postgres").geturl(), name


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database named in `url` if it does not exist yet."""
    import psycopg

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Drops a benchmark's or a test's own trackers' database (never the default one)."""
    import psycopg

    admin, name = _admin(url)
    if url == DEFAULT_TRACKERS:
        raise ValueError("the default trackers' database is never dropped")
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
