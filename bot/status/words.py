"""The assistant's words about applications: progress per department in plain words, what the
citizen must do now, 我的办件 to choose from, 催办, and honest apologies when the portal is away.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.dialogue import Button, Reply
from bot.portal_client.models import Application, ApplicationSummary, SubTask
from bot.settings import settings

MAX_LISTED = 10
"""Buttons beyond this are more than a chat can show well; the newest come first."""

HUMAN_BUTTON = Button("转人工服务", "/request_human")
MY_APPLICATIONS_BUTTON = Button("查看我的办件", "/check_status")

_PLAIN = {
    "pending": "已收到，等待受理",
    "accepted": "已受理，正在办理",
    "reviewing": "正在审核",
    "correction": "需要您补充材料",
    "completed": "已办好",
    "rejected": "不予受理",
}


def day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def check_payload(number: str) -> str:
    return f'/check_status{{"application_no":"{number}"}}'


def urge_payload(number: str) -> str:
    return f'/urge_application{{"application_no":"{number}"}}'


def _subtask_line(task: SubTask) -> str:
    lead = "（牵头）" if task.is_lead else ""
    plain = _PLAIN.get(task.status, task.status_text)
    if task.missing_materials:
        plain += "：" + "、".join(task.missing_materials)
    elif task.note:
        plain += f"（{task.note}）"
    return f"· {task.department}{lead}｜{task.service}：{plain}"


def application_detail(app: Application) -> Reply:
    """Where one application stands, department by department, and what to do now."""
    head = app.summary
    lines = [f"您的「{head.service_title}」（办件编号 {head.number}）：{head.status_text}。"]
    if head.promised_date and head.status != "draft":
        late = "，现已超过承诺时间" if head.overdue else ""
        lines.append(f"承诺{day(head.promised_date)}前办结{late}。")
    if app.subtasks:
        lines.append("各部门进度：")
        lines.extend(_subtask_line(task) for task in app.subtasks)
    lines.append(f"现在需要您做的：{app.next_step}")
    wanted = [m for task in app.subtasks if task.status == "correction" for m in task.missing_materials]
    owed = [d.name for d in app.deferred_materials if not d.provided]
    if wanted or owed:
        lines.append(
            f"{'、'.join(dict.fromkeys(wanted + owed))}可以直接在这里发给我（照片或 PDF 文件），我会交给承办部门。"
        )
    buttons: tuple[Button, ...] = ()
    if app.can_urge:
        buttons = (Button("催办", urge_payload(head.number)), HUMAN_BUTTON)
    return Reply("\n".join(lines), buttons)


def _choice_title(item: ApplicationSummary) -> str:
    late = "·已超期" if item.overdue else ""
    return f"{item.service_title}｜{item.status_text}{late}｜{item.number}"


def application_choice(items: Sequence[ApplicationSummary]) -> Reply:
    """我的办件 as buttons, each checking one application."""
    shown = items[:MAX_LISTED]
    more = f"（只列出最近的{MAX_LISTED}件）" if len(items) > MAX_LISTED else ""
    return Reply(
        f"您名下有{len(items)}件办件{more}，请选择要查看的一件：",
        tuple(Button(_choice_title(item), check_payload(item.number)) for item in shown),
    )


NO_APPLICATIONS = (
    "您名下暂时没有办件记录。如果是在窗口或其他渠道办理的，请以受理回执上的编号为准，"
    f"也可以拨打{settings.hotline}政务服务便民热线查询。需要办理新的事项，直接告诉我就行。"
)


def not_found(number: str) -> Reply:
    return Reply(
        f"没有找到编号为 {number} 的办件。请核对编号（受理回执或短信里有）；我只能查询您本人名下的办件。",
        (MY_APPLICATIONS_BUTTON,),
    )


def status_unavailable(number: str | None) -> Reply:
    kept = f"您要查的办件编号 {number} 我已经记下了，" if number else ""
    return Reply(
        f"系统繁忙，一网通办平台暂时没有响应，办件进度暂时查不到。{kept}请稍后再问我一次；"
        f"着急的话可以拨打{settings.hotline}政务服务便民热线查询。",
        (HUMAN_BUTTON,),
    )


def urge_choice(items: Sequence[ApplicationSummary]) -> Reply:
    return Reply(
        f"您有{len(items)}件办件已超过承诺办结时间，请选择要催办的一件：",
        tuple(Button(_choice_title(item), urge_payload(item.number)) for item in items[:MAX_LISTED]),
    )


NOTHING_TO_URGE = (
    "您名下目前没有超过承诺办结时间的办件，暂时不需要催办。各部门会在承诺时间内办结，"
    "您可以随时说“查询进度”看看办到哪一步了。"
)


def urged(portal_message: str) -> Reply:
    return Reply(portal_message, (MY_APPLICATIONS_BUTTON,))


def urge_unavailable(number: str | None) -> Reply:
    kept = f"您要催办的办件 {number} 我已经记下了，" if number else ""
    return Reply(
        f"系统繁忙，催办暂时没有提交成功。{kept}请稍后再说一次“催办”；"
        f"着急的话可以拨打{settings.hotline}政务服务便民热线反映。",
        (HUMAN_BUTTON,),
    )
