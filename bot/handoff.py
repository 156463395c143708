"""Requests for a human: who asked, when, and what was said, masked, for the agents' queue; and
what became of each — claimed by an agent, answered, handed back to the bot or closed.

A request is `open` until an agent claims it (`claimed`), then `closed` with an outcome:
`resolved` (the agent dealt with it), `returned` (handed back to the bot), `no_reply` (the
citizen had gone). While a request is open in service hours, or claimed, the conversation is
paused: the bot does not answer over the agent (`paused`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, func, select, update
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
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_reply_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))

    queue_ahead = 0
    """How many open requests were waiting before this one when it was made (not stored)."""

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
    paused: bool = False,
) -> HandoffRequest:
    """Stores a request with its last messages masked; returns it with its ticket number."""
    lines = [{"who": who, "text": mask_text(text)} for who, text in list(transcript)[-TRANSCRIPT_TURNS:]]
    request = HandoffRequest(
        sender_id=sender_id,
        channel=channel or "unknown",
        service_item=service_item,
        reason=reason,
        transcript=lines,
        paused=paused,
    )
    with session_factory(db_url)() as session, session.begin():
        session.add(request)
        session.flush()
        request.queue_ahead = int(
            session.scalar(
                select(func.count())
                .select_from(HandoffRequest)
                .where(HandoffRequest.status == "open", HandoffRequest.id < request.id)
            )
            or 0
        )
    return request


OUTCOMES = {"resolved": "已解决", "returned": "转回智能助手", "no_reply": "群众未回复"}
REASONS = {"user_request": "主动转人工", "distress": "情绪困扰", "complaint": "投诉"}
"""Why a request was made (`reason`), as the staff pages name it."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def open_requests(db_url: str | None = None) -> list[HandoffRequest]:
    with session_factory(db_url)() as session:
        rows = session.scalars(
            select(HandoffRequest).where(HandoffRequest.status == "open").order_by(HandoffRequest.created_at)
        )
        return list(rows)


def inbox(db_url: str | None = None) -> list[HandoffRequest]:
    """Requests not closed yet, oldest first: the agents' queue."""
    with session_factory(db_url)() as session:
        rows = session.scalars(
            select(HandoffRequest).where(HandoffRequest.status != "closed").order_by(HandoffRequest.id)
        )
        return list(rows)


def get(request_id: int, db_url: str | None = None) -> HandoffRequest | None:
    with session_factory(db_url)() as session:
        return session.get(HandoffRequest, request_id)


def awaiting_human(sender_id: str, db_url: str | None = None) -> HandoffRequest | None:
    """The request that keeps this conversation paused, if any (open in hours, or claimed)."""
    with session_factory(db_url)() as session:
        return session.scalar(
            select(HandoffRequest)
            .where(
                HandoffRequest.sender_id == sender_id,
                HandoffRequest.status != "closed",
                HandoffRequest.paused.is_(True),
            )
            .order_by(HandoffRequest.id.desc())
            .limit(1)
        )


def claim(request_id: int, username: str, db_url: str | None = None) -> bool:
    """The agent takes the request; False if someone else has it or it is closed."""
    with session_factory(db_url)() as session, session.begin():
        taken = session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request_id, HandoffRequest.status == "open")
            .values(status="claimed", claimed_by=username, claimed_at=_now(), paused=True)
        )
        return taken.rowcount == 1


def note_reply(request_id: int, db_url: str | None = None) -> None:
    with session_factory(db_url)() as session, session.begin():
        session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request_id, HandoffRequest.first_reply_at.is_(None))
            .values(first_reply_at=_now())
        )


def close(request_id: int, outcome: str, db_url: str | None = None) -> bool:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome}")
    with session_factory(db_url)() as session, session.begin():
        closed = session.execute(
            update(HandoffRequest)
            .where(HandoffRequest.id == request_id, HandoffRequest.status != "closed")
            .values(status="closed", outcome=outcome, closed_at=_now(), paused=False)
        )
        return closed.rowcount == 1
