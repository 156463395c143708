"""The assistant's words while verifying a citizen's identity with the portal.

The consent text follows PIPL's "告知—同意": which data, for what purpose, how long it is
kept, and that refusing is fine and what to do instead — in words a citizen reads in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalogue import load_catalogue
from bot.dialogue import Button, Reply
from bot.settings import settings

PURPOSE_STATUS = "check_status"
PURPOSE_URGE = "urge_application"
PURPOSE_CARD_PREFIX = "card_loss:"
"""+ temporary / formal / recover: 社保卡挂失 or 解挂 (bot/cards.py)."""


@dataclass(frozen=True)
class Purpose:
    """Why identity is needed, in three phrasings the replies below slot in."""

    task: str
    use: str
    say_again: str


_PURPOSES = {
    PURPOSE_STATUS: Purpose("查询办件进度", "查询您本人的办件进度", "查询进度"),
    PURPOSE_URGE: Purpose("催办", "为您本人的办件催办", "催办"),
    PURPOSE_CARD_PREFIX + "temporary": Purpose("社保卡临时挂失", "为您本人的社保卡挂失", "挂失"),
    PURPOSE_CARD_PREFIX + "formal": Purpose("社保卡正式挂失", "为您本人的社保卡正式挂失", "正式挂失"),
    PURPOSE_CARD_PREFIX + "recover": Purpose("解除社保卡挂失", "为您本人的社保卡解除挂失", "解除挂失"),
}
_ANY_PURPOSE = Purpose("办理这项业务", "办理您本人的业务", "继续办理")
APPLY_PREFIX = "apply:"


def purpose_of(code: str | None) -> Purpose:
    if code and code.startswith(APPLY_PREFIX):
        item = load_catalogue().get(code[len(APPLY_PREFIX) :])
        if item:
            return Purpose(f"在线办理「{item.title}」", f"办理「{item.title}」", "继续办理")
    return _PURPOSES.get(code or "", _ANY_PURPOSE)


HUMAN_BUTTON = Button("转人工服务", "/request_human")


def retention_days() -> str:
    days = settings.retention_days
    return f"{days:g}"


def consent_request(purpose: str | None, subject: str | None = None) -> Reply:
    why = purpose_of(purpose)
    if subject == "enterprise":
        who, used = "企业", "企业的统一社会信用代码、法定代表人的姓名和身份证号码，以及平台登记的法定代表人手机号"
        kept = "企业名称"
    else:
        who, used = "您", "您的姓名、身份证号码，以及一网通办平台登记的手机号"
        kept = "打了星号的姓名（如“张*”）"
    text = (
        f"{why.task}需要先核验{who}的身份。核验前请您了解：\n"
        f"1. 用到的信息：{used}（用来发验证码）。\n"
        f"2. 用途：只用于向示例市一网通办平台核实您的身份，并{why.use}，不作他用。\n"
        f"3. 保存：核验通过后，我只保存平台发放的登录凭证（加密保存，到期自动失效）和{kept}，"
        "下次就不用再核验。您输入的姓名、身份证号和验证码，聊天记录里只存加密或隐去后的形式，"
        f"其他号码打码保存；聊天记录{retention_days()}天后删除。\n"
        f"4. 您可以拒绝：不同意也没关系，可以拨打{settings.hotline}政务服务便民热线，"
        "或带身份证到政务服务中心窗口办理。\n"
        "5. 撤回：您随时可以说“撤回授权”或“解除绑定”，登录凭证立即作废。\n"
        "您同意用以上信息核验身份吗？"
    )
    return Reply(text, (Button("同意", "/affirm"), Button("不同意", "/deny")))


RESUMING = "我们接着完成刚才的身份核验。"
RETYPE_NAME = "请从姓名开始重新输入，先输入您身份证上的姓名："
RETYPE_USCC = "请从统一社会信用代码开始重新输入："
BAD_USCC = "这个统一社会信用代码好像不对（应为18位，最后一位校验码要对得上），请核对营业执照后重新输入："
ASK_CODE = "请输入短信里的6位验证码："
BAD_NAME = "这好像不是姓名。请输入您身份证上的姓名（例如：张三）："
BAD_ID_NUMBER = "这个身份证号码好像不对（位数或最后一位校验码对不上），请核对后重新输入18位号码："
BAD_CODE = "验证码是6位数字，请查看手机短信后输入："
CODE_RESENT = "验证码已失效，我重新给您发一条。"
CODE_NOT_RECEIVED = (
    "没收到验证码的话，可能是填写的信息与平台登记的不一致，或者这个证件没有登记手机号"
    "（同一手机每分钟也只能收一条）。请核对后重新输入；仍收不到的话，可以转人工服务或到政务服务中心窗口办理。"
)


def refused() -> Reply:
    return Reply(
        "好的，尊重您的选择，我不会使用您的身份信息。不核验身份的话，您可以拨打"
        f"{settings.hotline}政务服务便民热线，或带身份证到政务服务中心窗口查询办理；也可以转人工服务。",
        (HUMAN_BUTTON,),
    )


CANCELLED = "好的，已停止身份核验，您刚才填写的信息不会被使用。需要时随时再找我。"


def verified(masked_name: str) -> Reply:
    return Reply(f"身份核验成功，{masked_name}，您好！")


def binding_unavailable(purpose: str | None) -> Reply:
    return Reply(
        "系统繁忙，一网通办平台暂时没有响应，身份核验没能完成。您已填写的信息我都保存好了，"
        f"稍后再说一次“{purpose_of(purpose).say_again}”，我会接着为您核验，不用重新填写；"
        f"着急的话可以拨打{settings.hotline}政务服务便民热线。"
    )


def try_again_later(portal_message: str, purpose: str | None) -> Reply:
    return Reply(
        f"{portal_message}稍后您再说一次“{purpose_of(purpose).say_again}”，我会重新为您核验。", (HUMAN_BUTTON,)
    )


def fresh_login_needed(act: str) -> str:
    minutes = f"{settings.fresh_login_minutes:g}"
    return (
        f"为保护您的办件安全，{act}前需要重新核验身份（距上次核验已超过{minutes}分钟），会给您登记的手机发新的验证码。"
    )


def unbound(consents_withdrawn: int) -> str:
    withdrawn = f"，您对{consents_withdrawn}项办事的信息调取授权也已撤回" if consents_withdrawn else ""
    return f"已解除绑定，平台发放的登录凭证已作废{withdrawn}。下次查询或办理时需要重新核验身份。"


NOTHING_TO_UNBIND = "您目前没有绑定身份，无需解除。"
