"""Staff sessions: a random token in an HttpOnly, Secure, SameSite=Strict cookie, kept server-side
by its SHA-256 (a leaked database holds no usable token), with a CSRF token of its own.

A session ends after BANSHI_STAFF_IDLE_MINUTES without a request (a workstation left
unattended) and after BANSHI_STAFF_SESSION_HOURS whatever happens (a shift); logging out, an
account disabled or a password changed ends it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, ForeignKey, String, delete
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, as_utc, session_factory
from bot.settings import settings
from bot.staff.accounts import StaffUser, StaffUserRow, staff_user


class StaffSessionRow(Base):
    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    user: StaffUser
    csrf_token: str

    def csrf_matches(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf_token.encode())  # type: ignore[union-attr]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class StaffSessions:
    def __init__(self, idle: timedelta, lifetime: timedelta, db_url: str | None = None) -> None:
        self.idle, self.lifetime = idle, lifetime
        self.sessions = session_factory(db_url)

    @classmethod
    def for_settings(cls, db_url: str | None = None) -> StaffSessions:
        return cls(
            timedelta(minutes=settings.staff_idle_minutes), timedelta(hours=settings.staff_session_hours), db_url
        )

    def start(self, user: StaffUser) -> tuple[str, StaffSession]:
        """A new session: the cookie's token (shown once) and the session."""
        token, now = secrets.token_urlsafe(32), _now()
        row = StaffSessionRow(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
        with self.sessions() as session, session.begin():
            session.add(row)
        return token, StaffSession(row.token_hash, user, row.csrf_token)

    def resolve(self, token: str | None) -> StaffSession | None:
        """The live session of a cookie, its idle clock restarted; None (and the row gone) when
        it is unknown, idle too long, too old, or its account disabled or re-passworded."""
        if not token or len(token) > 128:
            return None
        now = _now()
        with self.sessions() as session, session.begin():
            row = session.get(StaffSessionRow, _digest(token), with_for_update=True)
            if row is None:
                return None
            account = session.get(StaffUserRow, row.user_id)
            created = as_utc(row.created_at)
            expired = now - as_utc(row.last_seen_at) > self.idle or now - created > self.lifetime  # type: ignore[operator]
            stale = account is None or not account.active or as_utc(account.password_changed_at) > created  # type: ignore[operator]
            if expired or stale:
                session.delete(row)
                return None
            row.last_seen_at = now
            return StaffSession(row.token_hash, staff_user(account), row.csrf_token)

    def end(self, token_hash: str) -> None:
        with self.sessions() as session, session.begin():
            session.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == token_hash))

    def end_all(self, user_id: int) -> int:
        with self.sessions() as session, session.begin():
            return session.execute(delete(StaffSessionRow).where(StaffSessionRow.user_id == user_id)).rowcount
