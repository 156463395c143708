"""What the knowledge base says in its own words: around an answer (its source), when unsure
(the likely questions), and when it does not know (honestly, with a way on)."""

from __future__ import annotations

from bot.dialogue import Button
from bot.settings import settings

SUGGEST_INTRO = "我不太确定您具体想问哪一项，您想问的是下面哪个问题？"
NONE_FITS = Button("都不是，转人工", "/request_human")
NOT_IN_KB = (
    "抱歉，这个问题我在示例市的办事指南里没有找到确切答案，为了不误导您，我就不猜了。"
    f"您可以转人工客服，或拨打{settings.hotline}政务服务便民热线咨询。我已经把这个问题记下来，交给工作人员补充。"
)
KB_UNAVAILABLE = (
    f"抱歉，知识库正在更新，暂时无法回答政策问题。请稍后再问，或拨打{settings.hotline}政务服务便民热线咨询。"
)
UNIT_GONE = "抱歉，这条内容刚刚更新过了。请您再把问题说一遍，我按最新的指南为您解答。"
EMPTY_QUESTION = "请问您想了解哪方面的政策？比如办理条件、需要的材料、办理时限或者在哪里办理。"


def rule_changed(title: str, section: str, last_day: str) -> str:
    """What the citizen hears instead of an expired rule: it changed, and where to ask now."""
    return (
        f"您问的这项规定（《{title}》· {section}）有效期到{last_day}为止，现已调整，新的规定正在更新中。"
        f"为免误导您，我就不引用旧的内容了。您可以转人工客服，或拨打{settings.hotline}政务服务便民热线咨询最新规定。"
    )


CUT_SHORT = "……（完整内容见来源指南）"


def with_source(text: str, citation: str) -> str:
    """An answer always names the guide it comes from (the widget turns the line into a link)."""
    return f"{text}\n来源：{citation}"
