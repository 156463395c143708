"""Telling the applicant: the notices of case changes, and their way to the assistant.

A change worth telling (a department asks for 补正, finishes or refuses its part, the case is
closed, passes its promised date, a 容缺 material is due within three working days, or the round
of a draft started out of season opens) becomes
a row of `portal_notice` in the same transaction as the change, keyed so that it happens once.
The dispatcher posts each to the assistant's webhook, signed (bot/signed_hooks.py), and tries
again with growing pauses until it is taken; the assistant can also read the feed
(`GET /notices?after=<id>`), so a notice survives an assistant that was down for a day.
A notice names the case, the service and what happened, and its subject only by an opaque
reference: it carries no personal data.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.signed_hooks import signed_headers, subject_ref
from portal.applications import OPEN_STATUSES
from portal.config import PortalConfig
from portal.dates import CHINA, add_working_days, today
from portal.db import Database, utcnow
from portal.forms import FORMS
from portal.identity import aware
from portal.models import Application, DeferredMaterial, Notice, SubTask
from portal.records import service_item
from portal.schemas import NoticeItem

log = logging.getLogger("portal.notices")

PHRASES: dict[str, str] = {
    "correction": "待补正",
    "department_done": "部门办结",
    "department_rejected": "不予受理",
    "completed": "已办结",
    "partly_completed": "部分办结",
    "rejected": "不予受理",
    "overdue": "已超期",
    "deferred_due": "待补交",
    "round_open": "报名开始",
}
"""Each kind's status in at most five characters (a WeChat template's `phrase` field)."""

CLOSED = ("completed", "partly_completed", "rejected")
DEFERRED_WARNING_WORKING_DAYS = 3
MAX_RETRY_PAUSE = timedelta(hours=1)
DEADLINE_SCAN_SECONDS = 600.0
"""How often overdue cases and near 容缺 dates are looked for (at start, then every ten minutes)."""
FEED_LIMIT = 200
ROUND_OPEN = "已进入报名期，说“继续办理”即可提交草稿"
"""What a draft started out of season is told when its round opens (at most 20 characters: the
WeChat template's `thing` field)."""


def record(session: Session, app: Application, kind: str, message: str, key: str) -> bool:
    """Adds the notice unless one with `key` exists; whether it was added."""
    if session.scalar(select(Notice.id).where(Notice.key == key)) is not None:
        return False
    now = utcnow()
    session.add(
        Notice(
            application_id=app.id,
            key=key,
            kind=kind,
            message=message,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )
    return True


def record_changes(session: Session, app: Application, moved: list[SubTask], status_before: str) -> None:
    """The notices of one step of the departments: a closed case is one notice (not one per
    department besides); otherwise each 补正, finished or refused part is its own."""
    if app.status in CLOSED and status_before not in CLOSED:
        done = [t.service for t in app.subtasks if t.status == "completed"]
        refused = [t for t in app.subtasks if t.status == "rejected"]
        if app.status == "completed":
            message = "全部事项已办结" + ("：" + "、".join(done) if len(done) > 1 else "")
        elif app.status == "rejected":
            reason = next((t.note for t in refused if t.note), None)
            message = "办件不予受理" + (f"：{reason}" if reason else "")
        else:
            message = "部分事项已办结：" + "、".join(done) + "；未能办理：" + "、".join(t.service for t in refused)
        record(session, app, app.status, message, f"closed:{app.id}")
        return
    for task in moved:
        if task.status == "correction":
            message = f"{task.department}需要您补充：{'、'.join(task.missing_materials)}" + (
                f"（{task.note}）" if task.note else ""
            )
            record(session, app, "correction", message, f"subtask:{task.id}:correction:{task.updated_at:%Y%m%d%H%M%S}")
        elif task.status == "completed":
            record(session, app, "department_done", f"「{task.service}」已办结", f"subtask:{task.id}:completed")
        elif task.status == "rejected":
            message = f"「{task.service}」不予受理" + (f"（{task.note}）" if task.note else "")
            record(session, app, "department_rejected", message, f"subtask:{task.id}:rejected")


def record_deadlines(db: Database, on: date | None = None) -> int:
    """Overdue cases, 容缺 materials due within three working days, and drafts started out of
    season whose round has opened (入学报名); how many notices were added."""
    day = on or today()
    warn_until = add_working_days(day, DEFERRED_WARNING_WORKING_DAYS)
    added = 0
    with db.transaction() as session:
        overdue = session.scalars(
            select(Application).where(Application.status.in_(OPEN_STATUSES), Application.promised_date < day)
        )
        for app in overdue:
            message = f"已超过承诺办结日期（{app.promised_date:%Y年%m月%d日}），如需催办可以告诉我"
            added += record(session, app, "overdue", message, f"overdue:{app.id}:{app.promised_date}")
        due = session.scalars(
            select(DeferredMaterial)
            .join(Application)
            .where(
                Application.status.in_(OPEN_STATUSES),
                DeferredMaterial.provided_at.is_(None),
                DeferredMaterial.due_date <= warn_until,
            )
        )
        for item in due:
            message = f"容缺材料「{item.name}」须在{item.due_date:%Y年%m月%d日}前补交，可以直接在对话里发给我"
            added += record(session, item.application, "deferred_due", message, f"deferred_due:{item.id}")
        added += _record_rounds_opened(session, day)
    return added


def _record_rounds_opened(session: Session, day: date) -> int:
    """The chat promised "报名开始后…继续办理" to whoever started a draft out of season: when the
    round opens, they are told once (a draft started in season needs no telling)."""
    windowed = [code for code, form in FORMS.items() if form.window is not None]
    drafts = session.scalars(
        select(Application).where(Application.status == "draft", Application.service_code.in_(windowed))
    )
    added = 0
    for app in drafts:
        form = FORMS[app.service_code]
        started = aware(app.created_at).astimezone(CHINA).date()
        if form.closed_window(day) is None and form.closed_window(started) is not None:
            added += record(session, app, "round_open", ROUND_OPEN, f"round_open:{app.id}:{day.year}")
    return added


def to_out(config: PortalConfig, notice: Notice, app: Application) -> NoticeItem:
    return NoticeItem(
        id=notice.id,
        kind=notice.kind,
        status=PHRASES[notice.kind],
        application_no=app.number,
        service_code=app.service_code,
        service_name=service_item(config, app.service_code).title,
        message=notice.message,
        at=notice.created_at.isoformat() + "Z",
        subject_ref=subject_ref(config.notice_secret, app.subject_type, app.subject_id),
    )


def feed(db: Database, config: PortalConfig, after: int, limit: int = FEED_LIMIT) -> list[NoticeItem]:
    """Notices after id `after`, oldest first: the poll of an assistant that missed webhooks."""
    with db.transaction() as session:
        rows = session.execute(
            select(Notice, Application)
            .join(Application, Notice.application_id == Application.id)
            .where(Notice.id > after)
            .order_by(Notice.id)
            .limit(max(1, min(limit, FEED_LIMIT)))
        ).all()
        return [to_out(config, notice, app) for notice, app in rows]


class NoticeDispatcher:
    """Posts due notices to the webhook, one at a time in order; a failed one waits 2^n × the
    interval (at most an hour) and the ones behind it go on."""

    def __init__(self, db: Database, config: PortalConfig, client: httpx.AsyncClient | None = None) -> None:
        self.db = db
        self.config = config
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(5.0))

    async def run(self) -> None:
        log.info("办件通知：每%.0f秒推送到 %s", self.config.notice_interval_seconds, self.config.notice_webhook_url)
        loop = asyncio.get_running_loop()
        scanned = -DEADLINE_SCAN_SECONDS
        while True:
            try:
                # deadlines move by the day: scanning every round would query every open case each few seconds
                if loop.time() - scanned >= DEADLINE_SCAN_SECONDS:
                    await asyncio.to_thread(record_deadlines, self.db)
                    scanned = loop.time()
                await self.deliver_due()
            except Exception:  # the dispatcher must outlive any one bad round
                log.exception("办件通知本轮出错，下一轮继续")
            await asyncio.sleep(self.config.notice_interval_seconds)

    def _due(self) -> list[NoticeItem]:
        with self.db.transaction() as session:
            rows = session.execute(
                select(Notice, Application)
                .join(Application, Notice.application_id == Application.id)
                .where(Notice.delivered_at.is_(None), Notice.next_attempt_at <= utcnow())
                .order_by(Notice.id)
                .limit(50)
            ).all()
            return [to_out(self.config, notice, app) for notice, app in rows]

    def _settle(self, notice_id: int, delivered: bool) -> None:
        with self.db.transaction() as session:
            notice = session.get_one(Notice, notice_id, with_for_update=True)
            now = utcnow()
            if delivered:
                notice.delivered_at = now
                return
            notice.attempts += 1
            pause = timedelta(seconds=self.config.notice_interval_seconds * 2**notice.attempts)
            notice.next_attempt_at = now + min(pause, MAX_RETRY_PAUSE)

    async def deliver_due(self) -> int:
        """One round; how many notices the webhook took."""
        url = self.config.notice_webhook_url
        if not url:
            return 0
        taken = 0
        for notice in await asyncio.to_thread(self._due):
            body = json.dumps({"notices": [notice.model_dump(mode="json")]}, ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", **signed_headers(self.config.notice_secret, body)}
            try:
                answer = await self.client.post(url, content=body, headers=headers)
                delivered = 200 <= answer.status_code < 300
            except httpx.HTTPError as error:
                log.info("办件通知 %s 推送失败（%s），稍后重试", notice.id, type(error).__name__)
                delivered = False
            await asyncio.to_thread(self._settle, notice.id, delivered)
            taken += delivered
        return taken
