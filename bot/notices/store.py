"""What the notifier keeps in the services database: who is told about whose cases, the notices
received from the portal, one delivery per notice and recipient, the opt-ins WeChat requires,
and how far the poll of the portal's feed has read.

A person's cases are one file across channels: the portal names its subject by an opaque
reference, and every chat user who verified as that subject (on WeChat, in the mini-program, in
the widget) is a recipient until they unbind. A notice is stored once, by the portal's id, so a
webhook redelivered or a notice seen again by the poll is taken once and told once.

Deliveries go through states: `pending` (to push through WeChat), `sent`, `no_consent` (no opt-in
left to use), `failed` (WeChat refused it for good, or too many attempts), and for the widget
`unread` until the page has shown it, then `read`.

Functions are synchronous: call them off the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, as_utc, session_factory
from bot.notices.kinds import KINDS

PUSHED_CHANNELS = ("wechat", "miniprogram")
"""Channels told through WeChat's subscribe messages; every other is told in the chat itself."""
MAX_ATTEMPTS = 8
SENDING_TIMEOUT = timedelta(minutes=10)
"""A push still `sending` this long after it was claimed was lost with its notifier: tried again."""
CATCH_UP = timedelta(days=30)
"""How old a notice may be and still wait for the citizen's next visit to the chat."""
MAX_OPTINS = 50
"""Accepted one-time subscriptions kept per template (WeChat grants one message per acceptance)."""


class NoticeRecipient(Base):
    __tablename__ = "notice_recipients"

    subject_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    channel: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseNotice(Base):
    __tablename__ = "case_notices"

    portal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    subject_ref: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    application_no: Mapped[str] = mapped_column(String(20))
    service_name: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NoticeDelivery(Base):
    __tablename__ = "notice_deliveries"
    __table_args__ = (UniqueConstraint("notice_id", "sender_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("case_notices.portal_id"), index=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(String(80))


class NoticeOptIn(Base):
    __tablename__ = "notice_optins"

    sender_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    remaining: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NoticeCursor(Base):
    __tablename__ = "notice_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    after: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True)
class Notice:
    """A notice as the channels show it."""

    id: int
    kind: str
    status: str
    application_no: str
    service_name: str
    message: str
    at: datetime

    def text(self) -> str:
        """The notice in one sentence of the chat."""
        return (
            f"【办件进展】您的「{self.service_name}」（办件编号{self.application_no}）{self.status}：{self.message}。"
        )


@dataclass(frozen=True)
class Push:
    """One notice to push to one WeChat user."""

    delivery_id: int
    sender_id: str
    channel: str
    notice: Notice
    attempts: int


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _notice(row: CaseNotice) -> Notice:
    return Notice(
        row.portal_id, row.kind, row.status, row.application_no, row.service_name, row.message, as_utc(row.at)
    )


def remember(session: Session, subject_ref: str, sender_id: str, channel: str) -> None:
    """`sender_id` is told of the subject's cases from now on. In the chat itself (the widget),
    the recent notices no chat has shown yet are waiting too: a citizen who comes back and
    verifies sees what happened while they were away."""
    session.merge(NoticeRecipient(subject_ref=subject_ref, sender_id=sender_id, channel=channel, since=_now()))
    if channel in PUSHED_CHANNELS:
        return
    shown = select(NoticeDelivery.notice_id).where(NoticeDelivery.state.in_(("read", "unread")))
    waiting = session.scalars(
        select(CaseNotice.portal_id).where(
            CaseNotice.subject_ref == subject_ref,
            CaseNotice.received_at >= _now() - CATCH_UP,
            CaseNotice.portal_id.not_in(shown),
        )
    )
    for notice_id in waiting:
        session.add(
            NoticeDelivery(
                notice_id=notice_id,
                sender_id=sender_id,
                channel=channel,
                state="unread",
                attempts=0,
                next_attempt_at=_now(),
            )
        )


class NoticeStore:
    """The notifier's tables in the services database at `db_url` (default BANSHI_DB_URL)."""

    def __init__(self, db_url: str | None = None) -> None:
        self.sessions = session_factory(db_url)

    # ---- recipients ----------------------------------------------------------------------

    def remember_recipient(self, subject_ref: str, sender_id: str, channel: str) -> None:
        with self.sessions() as session, session.begin():
            remember(session, subject_ref, sender_id, channel)

    def forget_recipient(self, sender_id: str) -> int:
        """The user unbound: they are told nothing more (their unread notices go too)."""
        with self.sessions() as session, session.begin():
            session.execute(
                delete(NoticeDelivery).where(
                    NoticeDelivery.sender_id == sender_id, NoticeDelivery.state.in_(("pending", "unread"))
                )
            )
            return session.execute(delete(NoticeRecipient).where(NoticeRecipient.sender_id == sender_id)).rowcount

    # ---- intake --------------------------------------------------------------------------

    def receive(self, notice: dict) -> bool:
        """Stores one notice from the portal and one delivery per recipient; False if it was
        already here (a redelivery). Raises ValueError on a notice that is not one."""
        row = _parse(notice)
        with self.sessions() as session:
            try:
                with session.begin():
                    if session.get(CaseNotice, row.portal_id) is not None:
                        return False
                    session.add(row)
                    session.flush()
                    now = _now()
                    for recipient in session.scalars(
                        select(NoticeRecipient).where(NoticeRecipient.subject_ref == row.subject_ref)
                    ):
                        pushed = recipient.channel in PUSHED_CHANNELS
                        session.add(
                            NoticeDelivery(
                                notice_id=row.portal_id,
                                sender_id=recipient.sender_id,
                                channel=recipient.channel,
                                state="pending" if pushed else "unread",
                                attempts=0,
                                next_attempt_at=now,
                            )
                        )
            except IntegrityError:  # the webhook and the poll took the same notice together
                return False
        return True

    def cursor(self, name: str = "portal") -> int:
        with self.sessions() as session:
            row = session.get(NoticeCursor, name)
            return row.after if row else 0

    def advance_cursor(self, after: int, name: str = "portal") -> None:
        with self.sessions() as session, session.begin():
            session.merge(NoticeCursor(name=name, after=after))

    # ---- opt-ins -------------------------------------------------------------------------

    def record_optin(self, sender_id: str, channel: str, template_id: str, accepted: bool) -> int:
        """An acceptance grants one message (WeChat's one-time subscription); a refusal, or
        "always reject", withdraws what is left. Returns the messages now allowed."""
        with self.sessions() as session, session.begin():
            row = session.get(NoticeOptIn, (sender_id, template_id), with_for_update=True)
            if row is None:
                row = NoticeOptIn(sender_id=sender_id, template_id=template_id, channel=channel, remaining=0)
                session.add(row)
            row.remaining = min(row.remaining + 1, MAX_OPTINS) if accepted else 0
            row.channel = channel
            row.updated_at = _now()
            return row.remaining

    def optins_left(self, sender_id: str, template_id: str) -> int:
        with self.sessions() as session:
            row = session.get(NoticeOptIn, (sender_id, template_id))
            return row.remaining if row else 0

    def _use_optin(self, session, sender_id: str, template_id: str) -> bool:  # noqa: ANN001
        used = session.execute(
            update(NoticeOptIn)
            .where(
                NoticeOptIn.sender_id == sender_id,
                NoticeOptIn.template_id == template_id,
                NoticeOptIn.remaining > 0,
            )
            .values(remaining=NoticeOptIn.remaining - 1, updated_at=_now())
        )
        return used.rowcount == 1

    # ---- pushes (WeChat) -----------------------------------------------------------------

    def claim_pushes(self, templates: dict[str, str], limit: int = 50) -> list[Push]:
        """Due pushes whose recipient has an opt-in left, each opt-in taken as it is claimed (so
        a quota is never overspent); the others are settled as `no_consent`."""
        claimed: list[Push] = []
        now = _now()
        with self.sessions() as session, session.begin():
            rows = session.execute(
                select(NoticeDelivery, CaseNotice)
                .join(CaseNotice, NoticeDelivery.notice_id == CaseNotice.portal_id)
                .where(NoticeDelivery.state.in_(("pending", "sending")), NoticeDelivery.next_attempt_at <= now)
                .order_by(NoticeDelivery.id)
                .limit(limit)
            ).all()
            for delivery, notice in rows:
                template = templates.get(delivery.channel, "")
                # a push left `sending` by a notifier that stopped has its opt-in taken already
                resumed = delivery.state == "sending"
                if template and (resumed or self._use_optin(session, delivery.sender_id, template)):
                    delivery.state = "sending"
                    delivery.next_attempt_at = now + SENDING_TIMEOUT
                    claimed.append(
                        Push(delivery.id, delivery.sender_id, delivery.channel, _notice(notice), delivery.attempts)
                    )
                else:
                    delivery.state, delivery.done_at = "no_consent", now
        return claimed

    def settle_push(self, push: Push, template_id: str, outcome: str, error: str | None = None) -> None:
        """`sent`; `retry` (WeChat unreachable: the opt-in is given back, tried again later);
        `refused` (no subscription at WeChat's end: the opt-ins are void); `failed`."""
        now = _now()
        with self.sessions() as session, session.begin():
            delivery = session.get_one(NoticeDelivery, push.delivery_id, with_for_update=True)
            delivery.error = (error or "")[:80] or None
            if outcome == "sent":
                delivery.state, delivery.done_at = "sent", now
                return
            if outcome == "refused":
                delivery.state, delivery.done_at = "no_consent", now
                session.execute(
                    update(NoticeOptIn)
                    .where(NoticeOptIn.sender_id == push.sender_id, NoticeOptIn.template_id == template_id)
                    .values(remaining=0, updated_at=now)
                )
                return
            delivery.attempts += 1
            if outcome == "retry" and delivery.attempts < MAX_ATTEMPTS:
                delivery.state = "pending"
                delivery.next_attempt_at = now + timedelta(seconds=min(30 * 2**delivery.attempts, 3600))
            else:
                delivery.state, delivery.done_at = "failed", now
            session.execute(
                update(NoticeOptIn)
                .where(NoticeOptIn.sender_id == push.sender_id, NoticeOptIn.template_id == template_id)
                .values(remaining=NoticeOptIn.remaining + 1)
            )

    # ---- the widget ----------------------------------------------------------------------

    def unread(self, sender_id: str) -> list[Notice]:
        with self.sessions() as session:
            rows = session.scalars(
                select(CaseNotice)
                .join(NoticeDelivery, NoticeDelivery.notice_id == CaseNotice.portal_id)
                .where(NoticeDelivery.sender_id == sender_id, NoticeDelivery.state == "unread")
                .order_by(CaseNotice.portal_id)
            )
            return [_notice(row) for row in rows]

    def mark_read(self, sender_id: str, notice_ids: list[int]) -> int:
        with self.sessions() as session, session.begin():
            return session.execute(
                update(NoticeDelivery)
                .where(
                    NoticeDelivery.sender_id == sender_id,
                    NoticeDelivery.notice_id.in_(notice_ids),
                    NoticeDelivery.state == "unread",
                )
                .values(state="read", done_at=_now())
            ).rowcount

    def purge(self, before: datetime) -> int:
        """Notices received before `before`, with their deliveries (the retention job)."""
        with self.sessions() as session, session.begin():
            old = select(CaseNotice.portal_id).where(CaseNotice.received_at < before)
            session.execute(delete(NoticeDelivery).where(NoticeDelivery.notice_id.in_(old)))
            return session.execute(delete(CaseNotice).where(CaseNotice.received_at < before)).rowcount

    def deliveries(self, notice_id: int) -> list[tuple[str, str]]:
        """(sender, state) of one notice: what happened to it, for tests and operators."""
        with self.sessions() as session:
            rows = session.execute(
                select(NoticeDelivery.sender_id, NoticeDelivery.state)
                .where(NoticeDelivery.notice_id == notice_id)
                .order_by(NoticeDelivery.id)
            )
            return [(sender, state) for sender, state in rows]


LIMITS = {"kind": 24, "status": 16, "application_no": 20, "service_name": 100, "message": 1000}


def _parse(notice: dict) -> CaseNotice:
    try:
        portal_id = notice["id"]
        fields = {name: notice[name] for name in ("kind", "status", "application_no", "service_name", "message")}
        ref, at = notice["subject_ref"], datetime.fromisoformat(str(notice["at"]).replace("Z", "+00:00"))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"not a notice: {type(error).__name__}") from None
    if not isinstance(portal_id, int) or isinstance(portal_id, bool) or portal_id <= 0:
        raise ValueError("not a notice: id")
    if fields["kind"] not in KINDS or not isinstance(ref, str) or not 8 <= len(ref) <= 64:
        raise ValueError("not a notice: kind or subject")
    if not all(isinstance(value, str) and 0 < len(value) <= LIMITS[name] for name, value in fields.items()):
        raise ValueError("not a notice: fields")
    return CaseNotice(portal_id=portal_id, subject_ref=ref, at=as_utc(at), received_at=_now(), **fields)
