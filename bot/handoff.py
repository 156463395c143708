"""Requests for a human: who asked, when, and what was said, masked, for the agents' queue."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, session_factory
from bot.privacy import mask_text

TRANSCRIPT_TURNS = 10
"""How many of the last messages travel with the request: enough for an agent to pick up."""


class HandoffRequest(Base):
    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    service_item: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(String(64))
    transcript: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))

    @property
    def ticket(self) -> str:
        """The number the citizen can quote on the phone: RG + date + sequence."""
        return f"RG{self.created_at:%Y%m%d}{self.id:04d}"


def record_handoff(
    sender_id: str,
    channel: str,
    transcript: Iterable[tuple[str, str]],
    service_item: str | None = None,
    reason: str = "user_request",
    db_url: str | None = None,
) -> HandoffRequest:
    """Stores a request with its last messages masked; returns it with its ticket number."""
    lines = [{"who": who, "text": mask_text(text)} for who, text in list(transcript)[-TRANSCRIPT_TURNS:]]
    request = HandoffRequest(
        sender_id=sender_id,
        channel=channel or "unknown",
        service_item=service_item,
        reason=reason,
        transcript=lines,
    )
    with session_factory(db_url)() as session, session.begin():
        session.add(request)
    return request


def open_requests(db_url: str | None = None) -> list[HandoffRequest]:
    with session_factory(db_url)() as session:
        rows = session.scalars(
            select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.created_at)
        )
        return list(rows)
