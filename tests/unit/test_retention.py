"""The retention job deletes what is older than promised and nothing a citizen is still using."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, text

from bot.handoff import record_handoff
from bot.identity.store import IdentityStore
from bot.objectstore import LocalObjectStore
from bot.portal_client.models import PortalToken
from bot.retention import purge
from bot.uploads import Inbox

NOW = datetime(2026, 12, 5, tzinfo=timezone.utc)
EVENTS = """CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
  type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def _days_ago(days: float) -> float:
    return (NOW - timedelta(days=days)).timestamp()


def test_old_conversations_and_old_sessions_go_the_current_ones_stay(tmp_path, tmp_db_url):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = create_engine(tracker_url)
    rows = [
        ("idle", "session_started", 120),
        ("idle", "user", 119),
        ("active", "session_started", 120),
        ("active", "user", 120),  # a session before the latest: goes
        ("active", "session_started", 1),
        ("active", "user", 1),
        ("recent", "session_started", 3),
        ("recent", "user", 3),
    ]
    with engine.begin() as connection:
        connection.execute(text(EVENTS))
        for sender, kind, age in rows:
            connection.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, :t, '{}')"),
                {"s": sender, "k": kind, "t": _days_ago(age)},
            )

    record_handoff("old", "web", [("user", "转人工")], db_url=tmp_db_url)
    record_handoff("new", "web", [("user", "转人工")], db_url=tmp_db_url)
    with create_engine(tmp_db_url).begin() as connection:
        connection.execute(
            text("UPDATE handoff_requests SET created_at = :t WHERE sender_id = 'old'"), {"t": NOW - timedelta(days=95)}
        )
    store = IdentityStore(tmp_db_url, key="a-key-for-the-retention-test-32+")
    store.save("expired", "web", PortalToken("t1", NOW - timedelta(days=1), "citizen", "张三"), NOW)
    store.save("valid", "web", PortalToken("t2", NOW + timedelta(days=3), "citizen", "李四"), NOW)

    done = purge(90, tracker_url, tmp_db_url, now=NOW, upload_inbox=_inbox(tmp_path))

    with engine.connect() as connection:
        left = connection.execute(text("SELECT sender_id, timestamp FROM events ORDER BY id")).all()
    assert [(s, round((NOW.timestamp() - t) / 86400)) for s, t in left] == [
        ("active", 1),
        ("active", 1),
        ("recent", 3),
        ("recent", 3),
    ]
    with create_engine(tmp_db_url).connect() as connection:
        senders = connection.execute(text("SELECT sender_id FROM handoff_requests")).scalars().all()
        identities = connection.execute(text("SELECT sender_id FROM portal_identities")).scalars().all()
    assert senders == ["new"] and identities == ["valid"]
    assert (done.events, done.handoffs, done.identities) == (4, 1, 1)
    assert purge(90, tracker_url, tmp_db_url, now=NOW, upload_inbox=_inbox(tmp_path)).events == 0, (
        "a second run finds nothing"
    )


def test_a_missing_tracker_database_is_not_an_error(tmp_path, tmp_db_url):
    assert (
        purge(90, f"sqlite:///{tmp_path / 'none.db'}", tmp_db_url, now=NOW, upload_inbox=_inbox(tmp_path)).events == 0
    )


def _inbox(tmp_path) -> Inbox:
    return Inbox(LocalObjectStore(tmp_path / "inbox"))


def test_files_nobody_attached_leave_the_upload_inbox_after_a_day(tmp_path, tmp_db_url):
    box = _inbox(tmp_path)
    old, fresh = box.stage("web-1", b"old photo", "a.jpg"), box.stage("web-1", b"new photo", "b.jpg")
    later = datetime.now(timezone.utc) + timedelta(hours=12)
    kept = purge(90, f"sqlite:///{tmp_path / 'none.db'}", tmp_db_url, now=later, upload_inbox=box)
    assert kept.staged_files == 0 and box.take("web-1", old) is not None
    much_later = datetime.now(timezone.utc) + timedelta(days=2)
    swept = purge(90, f"sqlite:///{tmp_path / 'none.db'}", tmp_db_url, now=much_later, upload_inbox=box)
    assert swept.staged_files == 2 and box.take("web-1", old) is None and box.take("web-1", fresh) is None
