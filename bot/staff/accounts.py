"""Staff accounts: hotline agents, supervisors, content editors, reviewers and administrators.

Passwords are hashed with Argon2id (argon2-cffi, its default parameters, rehashed when they
change); a wrong password counts, and five in a row lock the account for a quarter of an hour
whatever the caller's address, so a password cannot be guessed online. A disabled account
keeps its row (the audit log names it) and cannot log in.

Functions are synchronous: call them off the event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, as_utc, session_factory

ROLES = {
    "agent": "坐席",
    "supervisor": "班长",
    "editor": "内容编辑",
    "reviewer": "内容审核",
    "admin": "管理员",
}
"""Every role and its name on the pages. An account has one or more."""
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 256
FAILURES_BEFORE_LOCK = 5
LOCK = timedelta(minutes=15)

_hasher = PasswordHasher()
# verified against when the username is unknown, so a wrong name costs the same time as a wrong password
_DUMMY_HASH = _hasher.hash("banshi-not-a-password")


class StaffUserRow(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class StaffUser:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool

    def has(self, *roles: str) -> bool:
        """Holds any of `roles` (an administrator holds every one)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "roles": list(self.roles),
            "role_names": [ROLES[r] for r in self.roles],
            "active": self.active,
        }


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message is Chinese, for the page."""


class LoginRefused(Exception):
    """Wrong name or password, a disabled account, or one locked after too many failures: the
    caller is told only "wrong or locked", never which, so accounts cannot be enumerated."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__("locked" if locked else "refused")
        self.locked = locked


def _now() -> datetime:
    return datetime.now(timezone.utc)


def staff_user(row: StaffUserRow) -> StaffUser:
    return StaffUser(row.id, row.username, row.display_name, tuple(row.roles), row.active)


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"密码长度应为{MIN_PASSWORD}到{MAX_PASSWORD}个字符。")
    if len(set(password)) < 6:
        raise AccountError("密码过于简单，请使用包含多种字符的较长密码。")


def check_roles(roles: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError("角色应为以下一种或几种：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()))
    return tuple(dict.fromkeys(roles))


class StaffAccounts:
    """The accounts in the services database at `db_url` (default BANSHI_DB_URL)."""

    def __init__(self, db_url: str | None = None) -> None:
        self.sessions = session_factory(db_url)

    def add(self, username: str, display_name: str, password: str, roles: list[str] | tuple[str, ...]) -> StaffUser:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError("用户名应为3到32位小写字母、数字或 . _ -，以字母开头。")
        display_name = display_name.strip()
        if not 1 <= len(display_name) <= 64:
            raise AccountError("请填写姓名（不超过64个字）。")
        check_password(password)
        now = _now()
        row = StaffUserRow(
            username=username,
            display_name=display_name,
            password_hash=_hasher.hash(password),
            roles=list(check_roles(roles)),
            active=True,
            failed_logins=0,
            created_at=now,
            password_changed_at=now,
        )
        try:
            with self.sessions() as session, session.begin():
                session.add(row)
                session.flush()
                return staff_user(row)
        except IntegrityError:
            raise AccountError(f"用户名 {username} 已被使用。") from None

    def authenticate(self, username: str, password: str) -> StaffUser:
        """The account, if the password is right; raises `LoginRefused` otherwise."""
        now = _now()
        with self.sessions() as session, session.begin():
            row = session.scalar(
                select(StaffUserRow).where(StaffUserRow.username == username.strip().lower()).with_for_update()
            )
            if row is None or len(password) > MAX_PASSWORD:
                _verify(_DUMMY_HASH, password)
                raise LoginRefused()
            locked_until = as_utc(row.locked_until)
            if locked_until and locked_until > now:
                raise LoginRefused(locked=True)
            if not _verify(row.password_hash, password) or not row.active:
                row.failed_logins += 1
                if row.failed_logins >= FAILURES_BEFORE_LOCK:
                    row.locked_until, row.failed_logins = now + LOCK, 0
                failed = True
            else:
                row.failed_logins, row.locked_until = 0, None
                if _hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = _hasher.hash(password)
                failed = False
            user = staff_user(row)
        if failed:
            raise LoginRefused()
        return user

    def get(self, user_id: int) -> StaffUser | None:
        with self.sessions() as session:
            row = session.get(StaffUserRow, user_id)
            return staff_user(row) if row else None

    def all(self) -> list[StaffUser]:
        with self.sessions() as session:
            return [staff_user(row) for row in session.scalars(select(StaffUserRow).order_by(StaffUserRow.username))]

    def update(
        self,
        user_id: int,
        roles: list[str] | None = None,
        active: bool | None = None,
        password: str | None = None,
    ) -> StaffUser:
        with self.sessions() as session, session.begin():
            row = session.get(StaffUserRow, user_id, with_for_update=True)
            if row is None:
                raise AccountError("没有这个账号。")
            was_admin = row.active and "admin" in row.roles
            if roles is not None:
                row.roles = list(check_roles(roles))
            if active is not None:
                row.active = active
            if password is not None:
                check_password(password)
                row.password_hash = _hasher.hash(password)
                row.password_changed_at, row.failed_logins, row.locked_until = _now(), 0, None
            if was_admin and not self._admins_left(session):
                raise AccountError("至少要保留一个可用的管理员账号。")
            return staff_user(row)

    @staticmethod
    def _admins_left(session) -> int:  # noqa: ANN001
        session.flush()
        rows = session.scalars(select(StaffUserRow).where(StaffUserRow.active.is_(True)))
        return sum("admin" in row.roles for row in rows)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
