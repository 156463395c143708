"""What the chat says about 办不成事 tickets: registered (with its number, owner and clock) and
how each one stands, when the citizen asks."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from bot.db import as_utc
from bot.dialogue import Reply
from bot.service_hours import spoken, spoken_deadline
from bot.settings import settings
from bot.tickets import KINDS, STATUSES, WorkTicket

COMPLAINT_RECORDED = "您反映的问题已经登记"
"""The start of the registration reply: actions/context.py reads a short question after it as
being about the complaint's way."""
SHOWN_TICKETS = 3

_ASKS_PROGRESS = re.compile(
    r"进度|进展|查一下|查查|查询|怎么样了|到哪|处理了(吗|没)|有结果|结果(呢|怎么样)|办好了(吗|没)|有人(管|处理)|回复了(吗|没)"
)
_ABOUT_TICKETS = re.compile(r"投诉|工单|办不成|反映的|反映过|BC\d{8}", re.IGNORECASE)


def asks_progress(text: str | None) -> bool:
    """ "我的投诉处理得怎么样了": a question about tickets made, not a new complaint."""
    text = text or ""
    return bool(_ASKS_PROGRESS.search(text) and _ABOUT_TICKETS.search(text))


def mentions_tickets(text: str | None) -> bool:
    return bool(_ABOUT_TICKETS.search(text or ""))


def registered(ticket: WorkTicket, now: datetime | None = None) -> Reply:
    now = now or datetime.now(timezone.utc)
    if ticket.emergency:
        clock = f"这是紧急诉求，{ticket.department}会在2小时内（{spoken(as_utc(ticket.contact_due), now)}前）响应"
    else:
        clock = (
            f"{ticket.department}会在1个工作日内（{spoken_deadline(ticket.contact_due, now)}）联系您，"
            f"一般在5个工作日内（{spoken_deadline(ticket.solution_due, now)}）给出解决方案，"
            f"情况复杂的最长不超过15个工作日（{spoken_deadline(ticket.final_due, now)}）"
        )
    return Reply(
        f"{COMPLAINT_RECORDED}，工单编号 {ticket.number}（{KINDS[ticket.kind]}）。{clock}。"
        "想知道进展，随时问我“我的投诉怎么样了”。"
        f"也可以拨打{settings.hotline}，或到示例市政务服务中心一楼A01“办不成事”反映窗口。"
    )


def _line(ticket: WorkTicket, now: datetime) -> str:
    head = f"{ticket.number}（{ticket.department}）：{STATUSES[ticket.status]}"
    if ticket.status == "solved":
        return f"{head}。办理结果：{ticket.resolution}"
    if ticket.status == "closed":
        return f"{head}。说明：{ticket.resolution}"
    late = ticket.overdue(now)
    if ticket.status == "registered":
        due = (
            "已超过联系时限，我们已督促承办部门尽快联系您"
            if "contact" in late
            else f"将在{spoken_deadline(ticket.contact_due, now)}联系您"
        )
    else:
        due = "已超过办理时限，已列入督办" if late else f"一般在{spoken_deadline(ticket.solution_due, now)}给出解决方案"
    return f"{head}，{due}。"


def progress(tickets: list[WorkTicket], now: datetime | None = None) -> Reply:
    now = now or datetime.now(timezone.utc)
    if not tickets:
        return Reply("在这个对话里还没有登记过“办不成事”或投诉。遇到办不成的事，直接告诉我具体情况就可以。")
    lines = [_line(t, now) for t in tickets[:SHOWN_TICKETS]]
    more = f"\n（共{len(tickets)}件，只列出最近{SHOWN_TICKETS}件。）" if len(tickets) > SHOWN_TICKETS else ""
    return Reply("您反映的问题进展如下：\n" + "\n".join(lines) + more)


def solved_notice(ticket: WorkTicket) -> str:
    """Said in the citizen's chat when the ticket is solved (then a rating is offered)."""
    return f"您反映的问题（工单 {ticket.number}）已经办结。办理结果：{ticket.resolution}"
