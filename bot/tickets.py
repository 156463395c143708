"""办不成事 tickets and complaints: what could not be done, who owns it, and by when.

A ticket comes from the chat ("我要投诉", "办不成", a runaround between departments) or from the
agents' workspace (a caller on the phone). It carries the clock of `knowledge/general.md`:
the owning department contacts the citizen within 1 working day, gives a solution within 5 and
at the latest within 15; an emergency (water, power, gas cut off, a safety hazard) is answered
within 2 hours, day or night. Working days follow the official calendar (bot/working_days.py),
counted from the day after the ticket is made; a deadline is the end of that day in China.

A ticket is `registered`, then `contacted` (someone called the citizen), then `solved` (with
the result the citizen is told) — or `closed` without a solution (withdrawn, a duplicate).
The citizen sees its state in the chat; the agents and supervisors work it in the workspace
and export it in the shape of the hotline's work order (工单).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot.catalogue import load_catalogue
from bot.db import Base, as_utc, session_factory
from bot.privacy import mask_text
from bot.safety import runaround
from bot.working_days import CHINA, deadline_after

KINDS = {"cannot_do": "办不成事", "complaint": "投诉", "emergency": "紧急诉求"}
CATEGORIES = {
    "unclear_policy": "政策规定不明确",
    "material": "材料确实无法提供",
    "system": "系统故障",
    "runaround": "部门之间互相推诿",
    "overdue": "超过承诺时限未办结",
    "special_group": "特殊群体办事困难",
    "service": "服务态度和作风",
    "emergency": "水电气暖中断、安全隐患",
    "other": "其他",
}
STATUSES = {"registered": "已登记，待联系", "contacted": "已联系，办理中", "solved": "已办结", "closed": "已关闭"}
SOURCES = {"chat": "智能助手", "workspace": "工作台", "call": "热线来电"}
CONTACT_WORKING_DAYS, SOLUTION_WORKING_DAYS, FINAL_WORKING_DAYS = 1, 5, 15
EMERGENCY_RESPONSE = timedelta(hours=2)
HALL_DEPARTMENT = "示例市政务服务管理局"
"""Owns what no catalogue item names: the 办不成事 window is the service centre's."""
MAX_TEXT = 2000

# Said in the citizen's words; the first category whose cue matches wins (emergency first: it
# changes the clock). Anything else is "其他" for an agent to correct.
_CUES = (
    ("emergency", r"停水|停电|停气|断水|断电|断气|没暖气|燃气泄漏|漏气|煤气味|着火|塌|安全隐患|危险"),
    ("runaround", r"推诿|让我(去)?找.{0,10}又让我|找.{0,6}说(要|得)找"),
    ("overdue", r"超时|超期|逾期|拖了|还没办(好|完|下来)|过了.{0,4}(期限|时限)|好几个月"),
    ("system", r"系统|网站|打不开|登不上|登录不了|报错|闪退|页面|小程序.{0,4}(用不了|坏)"),
    ("material", r"开不出|开不了|提供不了|没法提供|无法提供|证明.{0,6}(开|拿)不"),
    ("special_group", r"老人|老年|残疾|行动不便|看不见|听不见|不识字|卧床"),
    ("service", r"态度|爱答不理|不耐烦|骂|收好处|吃拿卡要|刁难"),
    ("unclear_policy", r"政策.{0,6}(不清|不明|说法不一)|没有规定|说法不一样|各说各的"),
)


def categorise(text: str) -> str:
    """The category the citizen's words point to (an agent can change it)."""
    for category, cue in _CUES:
        if re.search(cue, text or "") or (category == "runaround" and runaround(text)):
            return category
    return "other"


def owning_department(service_item: str | None) -> str:
    """The lead department of the item in the catalogue, else the service centre."""
    item = load_catalogue().get(service_item or "")
    return item.lead_department if item and item.lead_department else HALL_DEPARTMENT


@dataclass(frozen=True)
class Clock:
    contact_due: datetime
    solution_due: datetime
    final_due: datetime


def clock_for(created_at: datetime, emergency: bool) -> Clock:
    """The deadlines of a ticket made at `created_at`: working days count from the next day."""
    created = as_utc(created_at)
    contact = created + EMERGENCY_RESPONSE if emergency else deadline_after(created, CONTACT_WORKING_DAYS)
    return Clock(
        contact_due=contact,
        solution_due=deadline_after(created, SOLUTION_WORKING_DAYS),
        final_due=deadline_after(created, FINAL_WORKING_DAYS),
    )


class WorkTicket(Base):
    __tablename__ = "work_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    source: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str | None] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    service_item: Mapped[str | None] = mapped_column(String(32))
    department: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="registered", index=True)
    contact_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    solution_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    final_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    solved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(32))
    handled_by: Mapped[str | None] = mapped_column(String(32))
    handoff_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def number(self) -> str:
        """The number the citizen can quote: BC (办不成) + date + sequence."""
        return f"BC{as_utc(self.created_at).astimezone(CHINA):%Y%m%d}{self.id:04d}"

    @property
    def emergency(self) -> bool:
        return self.kind == "emergency"

    def overdue(self, now: datetime | None = None) -> list[str]:
        """Which of its deadlines have passed undone: "contact", "solution", "final"."""
        now = now or datetime.now(timezone.utc)
        if self.status in ("solved", "closed"):
            return []
        late = []
        if self.contacted_at is None and as_utc(self.contact_due) < now:
            late.append("contact")
        late += [
            name for name, due in (("solution", self.solution_due), ("final", self.final_due)) if as_utc(due) < now
        ]
        return late


class TicketError(ValueError):
    """A change the ticket's state does not allow (solving a closed ticket, …)."""


def open_ticket(
    description: str,
    *,
    source: str = "chat",
    channel: str = "unknown",
    sender_id: str | None = None,
    service_item: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    created_by: str | None = None,
    handoff_id: int | None = None,
    now: datetime | None = None,
    db_url: str | None = None,
) -> WorkTicket:
    """Registers a ticket with its clock; the description is stored masked."""
    category = category if category in CATEGORIES else categorise(description)
    kind = kind if kind in KINDS else "emergency" if category == "emergency" else "cannot_do"
    created = now or datetime.now(timezone.utc)
    clock = clock_for(created, kind == "emergency")
    ticket = WorkTicket(
        created_at=created,
        source=source if source in SOURCES else "chat",
        channel=channel or "unknown",
        sender_id=sender_id,
        kind=kind,
        category=category,
        service_item=service_item,
        department=owning_department(service_item),
        description=mask_text(description.strip())[:MAX_TEXT],
        status="registered",
        contact_due=clock.contact_due,
        solution_due=clock.solution_due,
        final_due=clock.final_due,
        created_by=created_by,
        handoff_id=handoff_id,
    )
    with session_factory(db_url)() as session, session.begin():
        session.add(ticket)
    return ticket


def get(ticket_id: int, db_url: str | None = None) -> WorkTicket | None:
    with session_factory(db_url)() as session:
        return session.get(WorkTicket, ticket_id)


def by_number(number: str, db_url: str | None = None) -> WorkTicket | None:
    match = re.fullmatch(r"BC\d{8}(\d{4,})", (number or "").strip().upper())
    found = get(int(match.group(1)), db_url) if match else None
    return found if found is not None and found.number == number.strip().upper() else None


def of_sender(sender_id: str, db_url: str | None = None) -> list[WorkTicket]:
    """The citizen's tickets, newest first."""
    with session_factory(db_url)() as session:
        rows = session.scalars(
            select(WorkTicket).where(WorkTicket.sender_id == sender_id).order_by(WorkTicket.id.desc())
        )
        return list(rows)


def listing(
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    db_url: str | None = None,
) -> list[WorkTicket]:
    """Tickets for the workspace and the export, newest first, filtered by status and date."""
    query = select(WorkTicket).order_by(WorkTicket.id.desc())
    if status:
        query = query.where(WorkTicket.status == status)
    if since:
        query = query.where(WorkTicket.created_at >= since)
    if until:
        query = query.where(WorkTicket.created_at < until)
    with session_factory(db_url)() as session:
        return list(session.scalars(query))


def _move(ticket_id: int, allowed_from: tuple[str, ...], values: dict, db_url: str | None) -> WorkTicket:
    with session_factory(db_url)() as session, session.begin():
        moved = session.execute(
            update(WorkTicket).where(WorkTicket.id == ticket_id, WorkTicket.status.in_(allowed_from)).values(**values)
        )
        if moved.rowcount != 1:
            raise TicketError("该工单当前状态不能进行这一步操作。")
    return get(ticket_id, db_url)  # type: ignore[return-value]


def mark_contacted(ticket_id: int, username: str, db_url: str | None = None) -> WorkTicket:
    return _move(
        ticket_id, ("registered",), {"status": "contacted", "contacted_at": _now(), "handled_by": username}, db_url
    )


def solve(ticket_id: int, username: str, resolution: str, db_url: str | None = None) -> WorkTicket:
    """Records the result; a ticket never contacted counts as contacted now (the answer is one)."""
    text = mask_text((resolution or "").strip())[:MAX_TEXT]
    if not text:
        raise TicketError("请填写办理结果，群众会在对话里看到它。")
    ticket = get(ticket_id, db_url)
    values = {"status": "solved", "solved_at": _now(), "resolution": text, "handled_by": username}
    if ticket is not None and ticket.contacted_at is None:
        values["contacted_at"] = values["solved_at"]
    return _move(ticket_id, ("registered", "contacted"), values, db_url)


def close(ticket_id: int, username: str, reason: str, db_url: str | None = None) -> WorkTicket:
    text = mask_text((reason or "").strip())[:MAX_TEXT]
    if not text:
        raise TicketError("请写明关闭原因（如群众撤回、重复登记）。")
    values = {"status": "closed", "solved_at": _now(), "resolution": text, "handled_by": username}
    return _move(ticket_id, ("registered", "contacted"), values, db_url)


def recategorise(ticket_id: int, category: str, department: str | None, db_url: str | None = None) -> WorkTicket:
    if category not in CATEGORIES:
        raise TicketError("没有这个分类。")
    values: dict = {"category": category}
    if department:
        values["department"] = department.strip()[:64]
    return _move(ticket_id, ("registered", "contacted"), values, db_url)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _local(moment: datetime | None) -> str:
    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


WORK_ORDER_FIELDS = (
    "工单编号",
    "受理时间",
    "受理渠道",
    "诉求类型",
    "问题分类",
    "涉及事项",
    "诉求内容",
    "承办单位",
    "联系时限",
    "办理时限",
    "最长时限",
    "办理状态",
    "联系时间",
    "办结时间",
    "办理结果",
    "是否超期",
)
"""The columns of a work order as the hotline's systems exchange them (JSON keys, CSV header)."""


def work_order(ticket: WorkTicket, now: datetime | None = None) -> dict[str, str]:
    """The ticket as the hotline's work order: Chinese field names, local times, no personal data."""
    item = load_catalogue().get(ticket.service_item or "")
    return dict(
        zip(
            WORK_ORDER_FIELDS,
            (
                ticket.number,
                _local(ticket.created_at),
                SOURCES.get(ticket.source, ticket.source),
                KINDS.get(ticket.kind, ticket.kind),
                CATEGORIES.get(ticket.category, ticket.category),
                item.title if item else "",
                ticket.description,
                ticket.department,
                _local(ticket.contact_due),
                _local(ticket.solution_due),
                _local(ticket.final_due),
                STATUSES.get(ticket.status, ticket.status),
                _local(ticket.contacted_at),
                _local(ticket.solved_at),
                ticket.resolution or "",
                "是" if ticket.overdue(now) else "否",
            ),
            strict=True,
        )
    )
