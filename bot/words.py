"""The assistant's own words outside the flows: greeting, menu, confirmation, fallback, handoff.

Kept apart from the actions so the wording can be read, reviewed and tested in one place,
and so every channel gets exactly the same text.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.catalogue import ENTERPRISE, PERSONAL, ServiceItem, load_catalogue
from bot.dialogue import Button, Reply
from bot.settings import settings
from bot.wording import said


def service_button(item: ServiceItem) -> Button:
    return Button(title=item.short_name, payload=f"/{item.intent}")


def service_menu(intro: str) -> list[Reply]:
    """The 13 一件事 as buttons, grouped 个人 / 企业, after an introductory sentence."""
    items = load_catalogue().values()
    personal = tuple(service_button(i) for i in items if i.audience == PERSONAL)
    enterprise = tuple(service_button(i) for i in items if i.audience == ENTERPRISE)
    return [
        Reply(intro),
        Reply("【个人办事】", personal),
        Reply("【企业办事】", enterprise),
        Reply("您也可以直接用自己的话告诉我要办什么，比如“孩子出生了要办什么”“想开个小饭馆”。"),
    ]


WHICH_ITEM = "请问您要办理哪一件事？"
GREETING = (
    "您好！我是示例市政务服务助手。我可以帮您办理“高效办成一件事”、解答办事政策、查询办件进度。请问您要办什么事？"
)
CAPABILITIES = (
    "我是示例市政务服务智能助手（不是真人），可以帮您：\n"
    "1. 办理13个“高效办成一件事”，一次申请、多部门并联办理；\n"
    "2. 解答办事材料、流程、时限等政策问题；\n"
    "3. 查询办件进度；\n"
    f"4. 需要时为您转接人工客服，或拨打{settings.hotline}政务服务便民热线。"
)


def join_names(names: Sequence[str]) -> str:
    """Names in a list a reader can count: 、 between them, or ； when a name has its own 、
    ("机动车行驶证、驾驶证信息核验" is one service)."""
    return ("；" if any("、" in name for name in names) else "、").join(names)


def service_confirmation(item: ServiceItem, prefill_labels: list[str]) -> Reply:
    """Confirms the need in one sentence and offers to apply online right away.

    The start button carries the consent to pre-fill, so the data it names must be exactly
    what pre-fill will read (`prefill_labels`)."""
    services = item.integrated_services
    bundled = f"{join_names(services)}共{len(services)}项服务" if services else "相关服务"
    limit = f"，承诺{item.time_limit_days}个工作日内办结" if item.time_limit_days else ""
    text = (
        f"好的，您要办的是「{item.title}」：由{item.lead_department}牵头，"
        f"把{bundled}合并为一次申请、并联办理{limit}。\n"
    )
    if prefill_labels:
        text += (
            f"我可以现在就帮您在线申请：经您同意，从政府已有数据中调取您的{'、'.join(prefill_labels)}预填申请表，"
            "只问您还缺的几项。也可以先问我要准备哪些材料、怎么办理。"
        )
    else:
        text += "我可以现在就帮您在线申请，一次问一项；也可以先问我要准备哪些材料、怎么办理。"
    return Reply(text, (start_button(prefill_labels), Button("转人工服务", "/request_human")))


def start_button(prefill_labels: list[str]) -> Button:
    """The start button; with pre-fill it carries the consent its title gives."""
    if prefill_labels:
        return Button("同意调取，开始办理", '/start_application{"prefill_consent":"yes"}')
    return Button("开始在线办理", "/start_application")


def application_offer(item: ServiceItem, prefill_labels: list[str]) -> Reply:
    """After answering a question about an item: the way to apply, without taking the question
    for a request to apply."""
    data = f"，经您同意可以从政府已有数据中调取您的{'、'.join(prefill_labels)}预填" if prefill_labels else ""
    return Reply(
        f"如果要办理「{item.title}」，我可以帮您在线申请{data}。",
        (start_button(prefill_labels), Button("转人工服务", "/request_human")),
    )


ASK_AFFIRMATION = (
    "抱歉，我不太确定您的意思。您是想办理下面的事吗？\n"
    "都不是的话：护照、公积金、失业金、驾驶证、婚姻登记等其他事项，可以在“示例市一网通办”网站或“示例办”"
    f"小程序搜索办理，也可以到示例市政务服务中心（示例大道100号）或拨打{settings.hotline}咨询。"
)
"""The first stage of the two-stage fallback; its second line is for needs outside the 13,
which land here most often, so they hear at once where to go instead."""
NONE_OF_THESE = Button("都不是", "/out_of_scope")
GAVE_UP = Reply(
    "抱歉，我还是没能理解。您可以说“你好”查看服务菜单，说“转人工”联系工作人员，"
    f"或拨打{settings.hotline}政务服务便民热线（7×24小时）。",
    (Button("查看服务菜单", "/greet"), Button("转人工服务", "/request_human")),
)
"""The second stage of the two-stage fallback: what the assistant says once it gives up."""

OTHER_INTENT_LABELS = {
    "check_status": "查询办件进度",
    "request_human": "转人工服务",
    "ask_capabilities": "了解我能办什么",
}


def intent_label(intent: str) -> str | None:
    """How a candidate intent is offered back to the user; None for ones not worth offering."""
    if intent.startswith("need_"):
        item = load_catalogue().get(intent[5:])
        return f"办理「{item.title}」" if item else None
    return OTHER_INTENT_LABELS.get(intent)


HANDOFF_ACCEPTED = (
    "已为您转人工服务，登记号 {ticket}。{queue}工作人员接入后会直接在这个窗口和您对话，"
    "请不要关闭窗口；在工作人员接入前，我先不作答。如果事情紧急，也可以直接拨打"
    "{hotline}政务服务便民热线（7×24小时）。"
)
HANDOFF_AFTER_HOURS = (
    "已为您登记转人工服务，登记号 {ticket}。现在是人工服务时间（{hours}）以外，"
    "工作人员最早会在{when}通过这个窗口联系您。在此之前，您仍然可以继续问我；"
    "如果事情紧急，请拨打{hotline}政务服务便民热线（7×24小时）。"
)
"""Templates, editable in the workbench (bot/wording.py): the placeholders are filled when said."""


def handoff_confirmation(ticket: str, ahead: int) -> str:
    """In service hours: the conversation waits for an agent, and the bot keeps quiet meanwhile."""
    queue = f"您前面还有{ahead}位在等待，" if ahead else "您是下一位，"
    return said("handoff_accepted", HANDOFF_ACCEPTED, ticket=ticket, queue=queue)


def handoff_after_hours(ticket: str, when: str) -> str:
    """Out of service hours: when someone will answer at the earliest; the bot goes on meanwhile."""
    return said("handoff_after_hours", HANDOFF_AFTER_HOURS, ticket=ticket, when=when)


AGENT_JOINED = "工作人员{name}已接入，请直接说明您的情况。"
BACK_TO_BOT = "人工客服已结束本次服务。接下来由我继续为您服务，还有什么需要办理或咨询的，请直接告诉我。"


def distress_reply(ticket: str | None) -> str:
    """Safety first, then the human path; said even when the handoff could not be recorded."""
    human = (
        f"办事遇到的难处，我已经为您转人工（登记号 {ticket}），工作人员会尽快联系您；"
        if ticket
        else "办事遇到的难处，请交给工作人员："
    )
    return (
        f"听到您这么说，我很担心您。如果您有伤害自己的念头，请马上拨打心理援助热线{settings.crisis_line}"
        "（24小时有人接听）；如果现在有危险，请立即拨打110或120。\n"
        f"{human}您也可以直接拨打{settings.hotline}，或到示例市政务服务中心一楼A01“办不成事”反映窗口，"
        "能当场解决的当场解决。"
    )


def help_reply() -> Reply:
    text = (
        "别着急，我来帮您，慢慢来。最省事的办法有这几个：\n"
        "1. 点下面的“转人工服务”，工作人员会在这个窗口联系您；\n"
        f"2. 拨打{settings.hotline}，7×24小时有人工接听；\n"
        "3. 到示例市政务服务中心（示例大道100号），一楼A05帮办代办服务台免费帮您填表、申报，"
        "A06老年人和残疾人绿色通道优先办理；\n"
        "4. 家里人可以在“示例办”用“亲情代办”帮您办，“示例办”长辈版字大、有语音播报。\n"
        "您也可以直接发语音，告诉我想办什么。"
    )
    return Reply(text, (Button("转人工服务", "/request_human"), Button("查看服务菜单", "/greet")))


HANDOFF_FAILED = (
    f"抱歉，人工服务登记暂时没有成功。请直接拨打{settings.hotline}政务服务便民热线（7×24小时），工作人员会为您处理。"
)
