"""政务服务"好差评": the citizen's rating of a case, a human's help, the bot's answers or a 办不成事
ticket, on the five levels of `knowledge/general.md`, with reason tags and a comment.

The citizen is offered a rating at most once per thing rated (an offer is recorded before it
is shown), and rates it once — again only after a bad rating was followed up and rectified.
A 不满意 or 非常不满意 rating opens a follow-up for the supervisors: a 回访 within 1 working
day, the 整改 result within 15, which the citizen is told in the chat and may rate anew.

What is rated is named by a target key: `case:<受理编号>`, `handoff:<id>`, `ticket:<id>`, or
`answer:<conversation session>` (the bot's answers in one session).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, as_utc, session_factory
from bot.privacy import mask_text
from bot.tickets import owning_department
from bot.working_days import deadline_after

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD = 2
"""A rating at or below this level is a 差评: it opens a follow-up."""
REASONS = ("办理超时", "材料反复提交", "服务态度", "答非所问", "流程繁琐", "系统故障", "其他")
TARGETS = {"case": "办件", "handoff": "人工服务", "answer": "智能问答", "ticket": "办不成事工单"}
FOLLOW_UPS = {"open": "待回访", "visited": "已回访，整改中", "rectified": "已反馈整改结果"}
VISIT_WORKING_DAYS, RECTIFY_WORKING_DAYS = 1, 15
MAX_COMMENT = 500


class RatingError(ValueError):
    """A rating the rules do not allow; the message is for the person who tried."""


class AlreadyRated(RatingError):
    pass


def target_kind(target: str) -> str | None:
    kind, _, key = (target or "").partition(":")
    return kind if kind in TARGETS and key else None


class RatingOffer(Base):
    __tablename__ = "rating_offers"
    __table_args__ = (UniqueConstraint("sender_id", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    target: Mapped[str] = mapped_column(String(96))
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Rating(Base):
    __tablename__ = "service_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(96), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    service_item: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    follow_up: Mapped[str | None] = mapped_column(String(16), index=True)
    visit_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rectify_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    visit_note: Mapped[str | None] = mapped_column(Text)
    rectified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rectification: Mapped[str | None] = mapped_column(Text)
    handled_by: Mapped[str | None] = mapped_column(String(32))
    replaces_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def level_name(self) -> str:
        return LEVELS.get(self.level, str(self.level))

    @property
    def bad(self) -> bool:
        return self.level <= BAD

    def overdue(self, now: datetime | None = None) -> list[str]:
        now = now or datetime.now(timezone.utc)
        late = []
        if self.follow_up == "open" and self.visit_due and as_utc(self.visit_due) < now:
            late.append("visit")
        if self.follow_up in ("open", "visited") and self.rectify_due and as_utc(self.rectify_due) < now:
            late.append("rectify")
        return late


def _now() -> datetime:
    return datetime.now(timezone.utc)


def offer(sender_id: str, target: str, db_url: str | None = None) -> bool:
    """Records that the citizen is offered to rate `target`; False if they were before (then
    the offer is not shown again: never prompted more than once per thing)."""
    if target_kind(target) is None:
        raise RatingError(f"unknown rating target {target!r}")
    try:
        with session_factory(db_url)() as session, session.begin():
            session.add(RatingOffer(sender_id=sender_id, target=target, offered_at=_now()))
    except IntegrityError:
        return False
    return True


def last_offer(sender_id: str, db_url: str | None = None) -> str | None:
    """What the citizen was last offered to rate: "我要评价" without buttons means that."""
    with session_factory(db_url)() as session:
        return session.scalar(
            select(RatingOffer.target)
            .where(RatingOffer.sender_id == sender_id)
            .order_by(RatingOffer.id.desc())
            .limit(1)
        )


def latest(sender_id: str, target: str, db_url: str | None = None) -> Rating | None:
    with session_factory(db_url)() as session:
        return session.scalar(
            select(Rating)
            .where(Rating.sender_id == sender_id, Rating.target == target)
            .order_by(Rating.id.desc())
            .limit(1)
        )


def rate(
    sender_id: str,
    target: str,
    level: int,
    *,
    channel: str = "unknown",
    service_item: str | None = None,
    now: datetime | None = None,
    db_url: str | None = None,
) -> Rating:
    """Stores the rating; a 差评 opens its follow-up with the 回访 and 整改 deadlines. Raises
    AlreadyRated when the citizen rated this before and no rectification invites a new one."""
    kind = target_kind(target)
    if kind is None or level not in LEVELS:
        raise RatingError("评价等级或评价对象无效。")
    before = latest(sender_id, target, db_url)
    if before is not None and before.follow_up != "rectified":
        raise AlreadyRated("您已经评价过了。")
    if before is not None and before.follow_up == "rectified" and _rerated(before.id, db_url):
        raise AlreadyRated("您已经评价过了。")
    created = now or _now()
    bad = level <= BAD
    rating = Rating(
        created_at=created,
        sender_id=sender_id,
        channel=channel or "unknown",
        target=target,
        target_kind=kind,
        service_item=service_item,
        department=owning_department(service_item),
        level=level,
        reasons=[],
        follow_up="open" if bad else None,
        visit_due=deadline_after(created, VISIT_WORKING_DAYS) if bad else None,
        rectify_due=deadline_after(created, RECTIFY_WORKING_DAYS) if bad else None,
        replaces_id=before.id if before is not None else None,
    )
    with session_factory(db_url)() as session, session.begin():
        session.add(rating)
    return rating


def _rerated(rating_id: int, db_url: str | None) -> bool:
    with session_factory(db_url)() as session:
        return session.scalar(select(Rating.id).where(Rating.replaces_id == rating_id).limit(1)) is not None


def get(rating_id: int, db_url: str | None = None) -> Rating | None:
    with session_factory(db_url)() as session:
        return session.get(Rating, rating_id)


def _own(rating_id: int, sender_id: str, db_url: str | None) -> Rating:
    rating = get(rating_id, db_url)
    if rating is None or rating.sender_id != sender_id:
        raise RatingError("没有找到这条评价。")
    return rating


def add_reason(rating_id: int, sender_id: str, reason: str, db_url: str | None = None) -> Rating:
    """Adds a reason tag to the citizen's own rating (each tag once)."""
    if reason not in REASONS:
        raise RatingError("没有这个评价原因。")
    rating = _own(rating_id, sender_id, db_url)
    reasons = list(rating.reasons or [])
    if reason not in reasons:
        reasons.append(reason)
        with session_factory(db_url)() as session, session.begin():
            session.execute(update(Rating).where(Rating.id == rating_id).values(reasons=reasons))
    rating.reasons = reasons
    return rating


def add_comment(rating_id: int, sender_id: str, text: str, db_url: str | None = None) -> Rating:
    """The citizen's own words on their rating, masked (a phone number is not kept)."""
    rating = _own(rating_id, sender_id, db_url)
    comment = mask_text((text or "").strip())[:MAX_COMMENT] or None
    with session_factory(db_url)() as session, session.begin():
        session.execute(update(Rating).where(Rating.id == rating_id).values(comment=comment))
    rating.comment = comment
    return rating


def follow_ups(state: str | None = None, db_url: str | None = None) -> list[Rating]:
    """Bad ratings awaiting (or past) their follow-up, oldest first: the supervisors' list."""
    query = select(Rating).where(Rating.follow_up.is_not(None)).order_by(Rating.id)
    if state:
        query = query.where(Rating.follow_up == state)
    with session_factory(db_url)() as session:
        return list(session.scalars(query))


def _follow(rating_id: int, allowed: tuple[str, ...], values: dict, db_url: str | None) -> Rating:
    with session_factory(db_url)() as session, session.begin():
        moved = session.execute(
            update(Rating).where(Rating.id == rating_id, Rating.follow_up.in_(allowed)).values(**values)
        )
        if moved.rowcount != 1:
            raise RatingError("这条评价当前不能进行这一步操作。")
    return get(rating_id, db_url)  # type: ignore[return-value]


def record_visit(rating_id: int, username: str, note: str, db_url: str | None = None) -> Rating:
    """The 回访: someone called the citizen and checked what happened."""
    text = mask_text((note or "").strip())[:MAX_COMMENT]
    if not text:
        raise RatingError("请填写回访情况。")
    values = {"follow_up": "visited", "visited_at": _now(), "visit_note": text, "handled_by": username}
    return _follow(rating_id, ("open",), values, db_url)


def record_rectification(rating_id: int, username: str, result: str, db_url: str | None = None) -> Rating:
    """The 整改 result the citizen is told; they may then rate again."""
    text = mask_text((result or "").strip())[:MAX_COMMENT]
    if not text:
        raise RatingError("请填写整改结果，群众会在对话里看到它。")
    values = {"follow_up": "rectified", "rectified_at": _now(), "rectification": text, "handled_by": username}
    if (get(rating_id, db_url) or Rating()).visited_at is None:
        values["visited_at"] = values["rectified_at"]
    return _follow(rating_id, ("open", "visited"), values, db_url)


def listing(since: datetime | None = None, until: datetime | None = None, db_url: str | None = None) -> list[Rating]:
    query = select(Rating).order_by(Rating.id.desc())
    if since:
        query = query.where(Rating.created_at >= since)
    if until:
        query = query.where(Rating.created_at < until)
    with session_factory(db_url)() as session:
        return list(session.scalars(query))
