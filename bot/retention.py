"""Deleting what is kept longer than the consent text promises.

Conversations (Rasa's tracker store) and 转人工 transcripts are kept BANSHI_RETENTION_DAYS days
(90 by default, the figure the consent text quotes); identity bindings until their token
expires. `purge` runs when `make run` starts and then once a day (`python -m bot retention
--every 86400`, a process of the launcher); it is plain SQL on both databases, so it works on
SQLite and PostgreSQL alike, and it never touches the conversation a citizen is in: of a
conversation still active within the period only the sessions before its latest are deleted
(Rasa reads the latest session only). Files a channel staged for an application that nobody
attached (the conversation ended) leave the upload inbox after a day (bot/uploads.py).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, delete, inspect, text

from bot.db import session_factory
from bot.handoff import HandoffRequest
from bot.identity.store import PortalIdentityRow
from bot.notices.store import NoticeStore
from bot.settings import settings
from bot.uploads import Inbox, inbox

# Events older than the cut-off of senders idle since, or of sessions before a sender's latest.
_OLD_EVENTS = text(
    """
    DELETE FROM events
    WHERE timestamp < :cutoff
      AND (
        sender_id NOT IN (SELECT sender_id FROM events WHERE timestamp >= :cutoff)
        OR timestamp < (
          SELECT max(latest.timestamp) FROM events AS latest
          WHERE latest.sender_id = events.sender_id AND latest.type_name = 'session_started'
        )
      )
    """
)


@dataclass(frozen=True)
class Purged:
    events: int
    handoffs: int
    identities: int
    staged_files: int = 0
    notices: int = 0


def tracker_db_url() -> str:
    """Where `make run` keeps Rasa's tracker store (bot/ops/launcher.py)."""
    return f"sqlite:///{settings.project_root / 'data' / 'db' / 'tracker.db'}"


def purge(
    days: float | None = None,
    tracker_url: str | None = None,
    services_url: str | None = None,
    now: datetime | None = None,
    upload_inbox: Inbox | None = None,
) -> Purged:
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=settings.retention_days if days is None else days)
    events = 0
    tracker = create_engine(tracker_url or tracker_db_url())
    try:
        if inspect(tracker).has_table("events"):
            with tracker.begin() as connection:
                events = connection.execute(_OLD_EVENTS, {"cutoff": cutoff.timestamp()}).rowcount
    finally:
        tracker.dispose()
    with session_factory(services_url)() as session, session.begin():
        handoffs = session.execute(delete(HandoffRequest).where(HandoffRequest.created_at < cutoff)).rowcount
        identities = session.execute(delete(PortalIdentityRow).where(PortalIdentityRow.token_expires_at < now)).rowcount
    staged = (upload_inbox or inbox()).sweep(now.timestamp())
    notices = NoticeStore(services_url).purge(cutoff)
    return Purged(events, handoffs, identities, staged, notices)


def main(days: float | None = None, every: float | None = None) -> int:
    """Purges once, or every `every` seconds until stopped (the launcher's daily job)."""
    while True:
        try:
            done = purge(days)
        except Exception as error:  # noqa: BLE001 - a failed run must not stop the other servers
            if not every:
                raise
            print(f"保留期清理失败，{every:.0f} 秒后重试：{error}", file=sys.stderr, flush=True)
            time.sleep(every)
            continue
        print(
            f"保留期清理：删除对话事件 {done.events} 条、转人工记录 {done.handoffs} 条、"
            f"过期身份绑定 {done.identities} 条、无人认领的上传文件 {done.staged_files} 个、"
            f"办件通知 {done.notices} 条",
            flush=True,
        )
        if not every:
            return 0
        time.sleep(every)
