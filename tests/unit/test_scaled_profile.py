"""The scaled profile's settings (bot/ops/scaled.py): what Rasa is started with, a clear refusal
when Redis or PostgreSQL does not answer, and the trackers' database made when missing."""

from __future__ import annotations

import socket
import uuid

import pytest

from bot.ops.processes import free_port, write_endpoints
from bot.ops.scaled import DEFAULT_TRACKERS, ScaledProfile, ScaledUnavailable, drop_database, ensure_database

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def test_rasa_gets_several_workers_a_redis_lock_store_and_postgres_trackers(tmp_path):
    profile = ScaledProfile("redis://127.0.0.1:6379/0", f"{POSTGRES}/banshi_trackers", 2)
    assert profile.rasa_env() == {
        "SANIC_WORKERS": "2",
        "BANSHI_REDIS_URL": "redis://127.0.0.1:6379/0",
        "TICKET_LOCK_LIFETIME": "20",
    }
    endpoints = write_endpoints(
        tmp_path / "e.yml", 5055, profile.tracker_db_url, lock_redis_url=profile.lock_store_url("run")
    )
    text = endpoints.read_text(encoding="utf-8")
    assert "dialect: postgresql" in text and "db: banshi_trackers" in text
    assert "type: redis" in text and "key_prefix: run" in text


def test_a_server_that_does_not_answer_is_named():
    closed = free_port()
    profile = ScaledProfile(f"redis://127.0.0.1:{closed}/0", f"{POSTGRES}/banshi_trackers", 2)
    with pytest.raises(ScaledUnavailable, match="Redis"):
        profile.prepare()


def test_a_database_name_is_never_sql():
    with pytest.raises(ScaledUnavailable):
        ensure_database(f'{POSTGRES}/x"; DROP DATABASE test; --')
    with pytest.raises(ValueError):
        drop_database(DEFAULT_TRACKERS)


@pytest.mark.skipif(not _answers(5432), reason="needs the machine's PostgreSQL")
def test_the_trackers_database_is_made_when_missing():
    import psycopg

    url = f"{POSTGRES}/banshi_scaled_{uuid.uuid4().hex[:8]}"
    try:
        ensure_database(url)
        ensure_database(url)  # idempotent
        with psycopg.connect(url, connect_timeout=5) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        drop_database(url)
