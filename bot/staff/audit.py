"""The audit log: who of the staff did what, when and from where — every login (and refused
one), logout, account change, and every act on a citizen's conversation or the knowledge base.
Rows are only ever added; the log holds masked references, never a citizen's personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, String, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, as_utc, session_factory


class StaffAuditRow(Base):
    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(48), index=True)
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict] = mapped_column(JSON)
    client: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    username: str
    action: str
    target: str | None
    detail: dict
    client: str

    def as_json(self) -> dict:
        return {**self.__dict__, "at": self.at.isoformat()}


class AuditLog:
    def __init__(self, db_url: str | None = None) -> None:
        self.sessions = session_factory(db_url)

    def record(
        self, username: str, action: str, target: str | None = None, detail: dict | None = None, client: str = ""
    ) -> None:
        with self.sessions() as session, session.begin():
            session.add(
                StaffAuditRow(
                    at=datetime.now(timezone.utc),
                    username=username[:32],
                    action=action[:48],
                    target=target[:128] if target else None,
                    detail=detail or {},
                    client=client[:64],
                )
            )

    def entries(self, username: str | None = None, action: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The newest entries first, optionally of one person or one kind of action."""
        query = select(StaffAuditRow).order_by(StaffAuditRow.id.desc()).limit(max(1, min(limit, 1000)))
        if username:
            query = query.where(StaffAuditRow.username == username)
        if action:
            query = query.where(StaffAuditRow.action == action)
        with self.sessions() as session:
            return [
                AuditEntry(r.id, as_utc(r.at), r.username, r.action, r.target, r.detail, r.client)  # type: ignore[arg-type]
                for r in session.scalars(query)
            ]
