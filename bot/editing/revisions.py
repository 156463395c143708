"""Revisions: how a change to what citizens read goes from an editor's draft to the public.

    draft ──submit──▶ submitted ──approve──▶ approved ──publish──▶ published
      ▲                   │ reject                │ (on its 生效日期 if it names one)
      └───── edit ────────┘                       ▼
    withdrawn (the editor gives it up, any time before publishing)

A revision holds the whole new text of one target: a document of the knowledge base (its
Markdown with front matter, and its linked questions) or one of the bot's own replies. The
approval is another person's, with the reviewer role; nobody approves their own change. One
revision per target is open at a time, so two editors never overwrite each other silently,
and a revision drafted on an older version of its document is refused at publish time.

What publishing does depends on the kind; each kind registers a `Publisher` (documents in
`bot.editing.documents`, the bot's wording in `bot.editing.wording`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import JSON, DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, as_utc
from bot.staff.accounts import StaffUser

DRAFT, SUBMITTED, APPROVED, PUBLISHED, REJECTED, WITHDRAWN = (
    "draft",
    "submitted",
    "approved",
    "published",
    "rejected",
    "withdrawn",
)
OPEN = (DRAFT, SUBMITTED, APPROVED, REJECTED)
"""A revision still on its way: the only one of its target."""
STATUS_NAMES = {
    DRAFT: "草稿",
    SUBMITTED: "待审核",
    APPROVED: "已通过",
    PUBLISHED: "已发布",
    REJECTED: "已退回",
    WITHDRAWN: "已撤回",
}
DOCUMENT, WORDING = "document", "wording"
EDITOR, REVIEWER = "editor", "reviewer"
MAX_BODY = 400_000
"""Characters of a revision's text: a long guide is about 15,000."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ContentRevision(Base):
    __tablename__ = "content_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(512), index=True)
    """A document's source name, or a reply's key."""
    title: Mapped[str] = mapped_column(String(256))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    """What else the kind needs: a document's linked questions ({"phrasings": {…}}), or
    {"retire": true} for a revision that takes a document down."""
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The target's version the draft was made from (none for a new target)."""
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The editor's summary of the change, for the reviewer."""
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    review_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    effective: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """A China date before which an approved revision waits (the scheduler publishes it)."""
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    findings: Mapped[list] = mapped_column(JSON, default=list)
    """The consistency checks' findings when it was last submitted, for the reviewer."""

    def as_json(self, with_body: bool = False) -> dict:
        out = {
            "id": self.id,
            "kind": self.kind,
            "target": self.target,
            "title": self.title,
            "base_version": self.base_version,
            "note": self.note,
            "status": self.status,
            "status_name": STATUS_NAMES[self.status],
            "author": self.author,
            "created_at": as_utc(self.created_at).isoformat(),
            "updated_at": as_utc(self.updated_at).isoformat(),
            "submitted_at": as_utc(self.submitted_at).isoformat() if self.submitted_at else None,
            "reviewer": self.reviewer,
            "reviewed_at": as_utc(self.reviewed_at).isoformat() if self.reviewed_at else None,
            "review_comment": self.review_comment,
            "effective": self.effective,
            "published_at": as_utc(self.published_at).isoformat() if self.published_at else None,
            "published_by": self.published_by,
            "published_version": self.published_version,
            "findings": self.findings or [],
            "retire": bool((self.data or {}).get("retire")),
        }
        if with_body:
            out |= {"body": self.body, "data": self.data or {}}
        return out


class RevisionError(ValueError):
    """A step the workflow refuses; the message is for the editor's page. `code` names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Published:
    version: int
    changed: bool
    """False when the published text equals the current one (nothing for citizens changed)."""


Publisher = Callable[[Session, ContentRevision, str], Published]
"""Makes the revision's text the live one inside the session's transaction; returns the new
version. Raises RevisionError when the target moved on (see `base_version`)."""
Checker = Callable[[Session, ContentRevision], list[dict]]
"""The findings a reviewer should see before approving (placeholders, contradictions…);
a finding with "blocking": true stops submission."""

_publishers: dict[str, Publisher] = {}
_checkers: dict[str, Checker] = {}


def register(kind: str, publisher: Publisher, checker: Checker | None = None) -> None:
    _publishers[kind] = publisher
    if checker:
        _checkers[kind] = checker


def open_revision(session: Session, kind: str, target: str) -> ContentRevision | None:
    return session.scalar(
        select(ContentRevision).where(
            ContentRevision.kind == kind, ContentRevision.target == target, ContentRevision.status.in_(OPEN)
        )
    )


def _require(user: StaffUser, role: str, what: str) -> None:
    if not user.has(role):
        raise RevisionError("forbidden", f"{what}需要{'内容审核' if role == REVIEWER else '内容编辑'}权限。")


def _valid_day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as error:
        raise RevisionError("bad_date", "生效日期应为 2027-01-01 这样的日期。") from error


def save_draft(
    session: Session,
    user: StaffUser,
    kind: str,
    target: str,
    title: str,
    body: str,
    data: dict | None = None,
    base_version: int | None = None,
    note: str | None = None,
    effective: str | None = None,
) -> ContentRevision:
    """The target's open revision, created or overwritten with this text. Someone else's open
    revision is never overwritten; a submitted one goes back to draft (it must be reviewed again)."""
    _require(user, EDITOR, "修改内容")
    if not body.strip() and not (data or {}).get("retire"):
        raise RevisionError("empty", "内容不能为空。")
    if len(body) > MAX_BODY:
        raise RevisionError("too_long", f"内容太长（{len(body)} 字），请拆分成几份文档。")
    revision = open_revision(session, kind, target)
    if revision is not None and revision.author != user.username:
        raise RevisionError(
            "taken", f"{revision.author} 正在修改这份内容（{STATUS_NAMES[revision.status]}），请等其发布或撤回后再改。"
        )
    if revision is None:
        revision = ContentRevision(kind=kind, target=target, author=user.username, base_version=base_version)
        session.add(revision)
    revision.title = title[:256]
    revision.body = body
    revision.data = data or {}
    revision.note = note
    revision.effective = _valid_day(effective)
    revision.status = DRAFT
    revision.reviewer = revision.reviewed_at = None
    revision.updated_at = _now()
    session.flush()
    return revision


def _own_open(revision: ContentRevision, user: StaffUser, states: tuple[str, ...], what: str) -> None:
    if revision.author != user.username and not user.has("admin"):
        raise RevisionError("not_yours", f"只有作者 {revision.author} 可以{what}。")
    if revision.status not in states:
        raise RevisionError("state", f"这份修改{STATUS_NAMES[revision.status]}，不能{what}。")


def submit(session: Session, user: StaffUser, revision: ContentRevision) -> ContentRevision:
    """Sends the draft to review with the checks' findings; a blocking finding stops it."""
    _require(user, EDITOR, "提交审核")
    _own_open(revision, user, (DRAFT, REJECTED), "提交审核")
    checker = _checkers.get(revision.kind)
    findings = checker(session, revision) if checker else []
    blocking = [f for f in findings if f.get("blocking")]
    if blocking:
        raise RevisionError("blocked", "提交前请先处理：" + "；".join(f["message"] for f in blocking))
    revision.findings = findings
    revision.status = SUBMITTED
    revision.submitted_at = revision.updated_at = _now()
    return revision


def withdraw(session: Session, user: StaffUser, revision: ContentRevision) -> ContentRevision:
    _own_open(revision, user, OPEN, "撤回")
    revision.status = WITHDRAWN
    revision.updated_at = _now()
    return revision


def review(
    session: Session, user: StaffUser, revision: ContentRevision, approve: bool, comment: str | None = None
) -> ContentRevision:
    """Another person's approval or return; a return must say why."""
    _require(user, REVIEWER, "审核")
    if revision.author == user.username:
        raise RevisionError("own_revision", "不能审核自己提交的修改，请由另一位审核人员审核。")
    if revision.status != SUBMITTED:
        raise RevisionError("state", f"这份修改{STATUS_NAMES[revision.status]}，不在待审核状态。")
    if not approve and not (comment or "").strip():
        raise RevisionError("reason", "退回时请写明原因，方便编辑修改。")
    revision.status = APPROVED if approve else REJECTED
    revision.reviewer = user.username
    revision.reviewed_at = revision.updated_at = _now()
    revision.review_comment = (comment or "").strip() or None
    return revision


def publish(
    session: Session, actor: str, revision: ContentRevision, today: date, user: StaffUser | None = None
) -> Published:
    """Makes an approved revision live. `user` is the staff member pressing 发布 (an editor or
    reviewer); None is the scheduler publishing a revision whose 生效日期 has come."""
    if user is not None and not user.has(EDITOR, REVIEWER):
        raise RevisionError("forbidden", "发布需要内容编辑或内容审核权限。")
    if revision.status != APPROVED:
        raise RevisionError("state", "只有审核通过的修改才能发布。")
    if revision.effective and revision.effective > today.isoformat():
        raise RevisionError("not_yet", f"这份修改定于 {revision.effective} 生效，届时会自动发布。")
    result = _publishers[revision.kind](session, revision, actor)
    revision.status = PUBLISHED
    revision.published_at = revision.updated_at = _now()
    revision.published_by = actor
    revision.published_version = result.version
    return result


def publish_directly(session: Session, user: StaffUser, revision: ContentRevision) -> Published:
    """A rollback: the text of a version that was reviewed and published before goes live
    again at once, by a reviewer, as a revision of its own (so the history shows it)."""
    _require(user, REVIEWER, "回滚")
    result = _publishers[revision.kind](session, revision, user.username)
    now = _now()
    revision.status = PUBLISHED
    revision.reviewer = revision.published_by = user.username
    revision.reviewed_at = revision.published_at = revision.updated_at = now
    revision.published_version = result.version
    return result


def due(session: Session, today: date) -> list[ContentRevision]:
    """Approved revisions whose 生效日期 has come: the scheduler publishes them."""
    return list(
        session.scalars(
            select(ContentRevision)
            .where(
                ContentRevision.status == APPROVED,
                ContentRevision.effective.is_not(None),
                ContentRevision.effective <= today.isoformat(),
            )
            .order_by(ContentRevision.id)
        )
    )


def listing(
    session: Session, kind: str | None = None, status: str | None = None, target: str | None = None, limit: int = 200
) -> list[ContentRevision]:
    query = select(ContentRevision).order_by(ContentRevision.updated_at.desc()).limit(limit)
    if kind:
        query = query.where(ContentRevision.kind == kind)
    if status:
        query = query.where(ContentRevision.status == status)
    if target:
        query = query.where(ContentRevision.target == target)
    return list(session.scalars(query))
