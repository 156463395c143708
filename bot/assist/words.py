"""The words of agent assist: to the agent (what happened, what to say or do next), and the few the
caller reads (the WeChat message, the web chat's first words when the link is opened). The SMS
itself is the portal's template (portal/sms.py)."""

from __future__ import annotations

from bot.catalogue import ServiceItem
from bot.settings import settings

# ---- to the agent -------------------------------------------------------------------------

CALL_GONE = "这通来电已经结束或超过1小时未操作，请点“新来电”重新开始。"
EMPTY_TEXT = "请先输入或粘贴来电人说的话。"
TOO_LONG = "内容太长了，请只粘贴来电人最近说的一两句话（1000字以内）。"
NO_ITEM_RECOGNISED = "没有识别出具体的“一件事”。可以请来电人再说说要办什么，或在下面直接选择事项。"
BAD_NAME = "请输入来电人的姓名（汉字，少数民族姓名可含“·”），与身份证上一致。"
BAD_ID_NUMBER = "身份证号码的格式或校验位不对，请与来电人逐位核对后重新输入。"
BAD_USCC = "统一社会信用代码的格式或校验位不对，请与来电人核对后重新输入。"
NEEDS_USCC = "这件事以企业名义办理，请同时输入企业的统一社会信用代码，姓名和身份证号码填法定代表人的。"
BAD_CODE = "请输入来电人念出的6位数字验证码。"
ASK_FOR_CODE_FIRST = "请先发送验证码，再输入来电人念出的验证码。"
VERIFY_FIRST = "请先完成来电人的身份核验，才能为其办理。"
CONSENT_NEEDED = "请先向来电人说明将调取哪些信息、用于什么，征得同意并勾选后再创建草稿。"
CHOOSE_ITEM = "请先选择要为来电人办理的事项。"
DRAFT_FIRST = "请先为来电人创建草稿，再发送继续办理的链接。"
NO_WECHAT = "来电人没有在微信公众号绑定身份，无法发到微信，请改用短信。"
UNKNOWN_VIA = "请选择发送方式：短信或微信。"
WECHAT_UNREACHABLE = "暂时无法连接对话服务，消息没有发出去，请稍后重试或改用短信。"
LINK_SENT_WECHAT = "已发送到来电人绑定的微信公众号对话中。"
CALL_ENDED = "本次通话已结束，来电人的核验已撤销。"


def code_sent(minutes: int) -> str:
    return (
        f"如果姓名和身份证号码与登记信息一致，验证码已发到来电人在政府登记的手机上（{minutes}分钟内有效）。"
        "请来电人念出收到的6位验证码。没收到的话，请先核对姓名和号码是否与身份证上一致。"
    )


def verified(name: str, id_masked: str) -> str:
    minutes = settings.fresh_login_minutes
    return f"核验通过：来电人 {name}（{id_masked}）。{minutes:g}分钟内可为其创建草稿、发送链接。"


def code_wrong(portal_message: str, left_in_call: int) -> str:
    return f"{portal_message}（本次通话还可再输错{left_in_call}次。）"


def too_many_checks(count: int) -> str:
    return (
        f"本次通话已发送{count}次验证码，为保护来电人的信息不能再发。"
        "请建议来电人本人通过“示例办”小程序、网页办事助手或到政务服务中心窗口办理。"
    )


def too_many_wrong_codes(count: int) -> str:
    return f"验证码已输错{count}次，本次通话不能再核验。请建议来电人本人在网页或小程序上办理，或到窗口办理。"


def stale(minutes: float) -> str:
    return f"距上次核验已超过{minutes:g}分钟，为安全起见，请重新核验来电人身份后再办理。"


def wrong_subject(item: ServiceItem, needs_enterprise: bool) -> str:
    who = "企业（请以统一社会信用代码和法定代表人身份核验）" if needs_enterprise else "个人"
    return f"「{item.title}」须以{who}名义办理，与刚才核验的身份不符，请重新核验。"


def portal_said(message: str) -> str:
    return f"一网通办平台答复：{message}"


def draft_ready(item: ServiceItem, number: str, resumed: bool, prefilled: list[str]) -> str:
    if resumed:
        return f"来电人已有未填完的「{item.title}」草稿（编号 {number}），已为其继续使用这份草稿。"
    filled = f"，并从政府已有数据预填了{len(prefilled)}项" if prefilled else ""
    return f"已为来电人创建「{item.title}」草稿（编号 {number}）{filled}。"


def link_sent_sms(phone_masked: str, hours: float) -> str:
    return f"已通过短信把继续办理的链接发到来电人登记的手机 {phone_masked}（{hours:g}小时内有效，仅可打开一次）。"


def too_many_links(count: int) -> str:
    return f"本次通话已发送{count}次链接，不能再发。请告诉来电人也可以直接在网页或小程序说“继续办理”，核验后接着填写。"


def wechat_blocked(reason: str) -> str:
    return reason + "也可以改用短信发送。"


# ---- to the caller ------------------------------------------------------------------------

CONTINUE_BUTTON = "继续办理"


def wechat_link(item: ServiceItem, number: str, url: str, hours: float) -> str:
    return (
        f"您通过{settings.hotline}热线办理的「{item.title}」已保存为草稿（编号{number}）。"
        f"请打开下面的链接，核验本人身份后继续填写，已填的内容都在（{hours:g}小时内有效，仅可打开一次）：\n{url}\n"
        "也可以直接在这里回复“继续办理”。"
    )


def opening(item: ServiceItem) -> str:
    """The web chat's first words when the caller opens the link."""
    return (
        f"您好！您通过{settings.hotline}热线办理的「{item.title}」已经保存为草稿。"
        "为保护您的信息，需要先核验您本人的身份，核验后就能接着填写，已填的内容都在。请点“继续办理”开始。"
    )


def opened_page(item: ServiceItem) -> str:
    return f"已为您打开「{item.title}」。请在办事助手里点“继续办理”，按提示核验身份后接着填写。"


LINK_GONE = (
    "这个链接已经失效（超过有效期，或已经打开过）。您可以直接在办事助手里说“继续办理”，核验身份后接着填写，"
    "已填的内容都在；也可以拨打{hotline}咨询。"
)


def link_gone() -> str:
    return LINK_GONE.format(hotline=settings.hotline)
