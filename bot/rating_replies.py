"""What the chat says about 好差评: the offer (five levels as buttons, which WeChat shows as
numbered options), the thanks, and for a 差评 the reasons, the comment and the follow-up dates."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from bot.dialogue import Button, Reply
from bot.ratings import LEVELS, REASONS, Rating
from bot.service_hours import spoken_deadline

RATE_INTENT = "rate"
TARGET_ENTITY, LEVEL_ENTITY, RATING_ENTITY, REASON_ENTITY = (
    "rating_target",
    "rating_level",
    "rating_id",
    "rating_reason",
)
NO_COMMENT = "不用了"
NO_COMMENT_VALUE = "-"
"""The comment slot's value when the citizen pressed 不用了 (domain.yml maps /deny to it)."""
RATING_THANKS = "感谢您的评价"
"""The start of every thanks: tests and the channels can tell a rating was taken."""

# typed levels, most specific first ("非常不满意" before "不满意" before "满意")
_TYPED_LEVELS = (
    (1, r"非常不满意|很不满意|特别不满意|极不满意"),
    (2, r"不满意|不太满意|不怎么满意"),
    (3, r"基本满意|还行|一般般?|凑合"),
    (5, r"非常满意|很满意|特别满意|十分满意"),
    (4, r"满意"),
)


def typed_level(text: str | None) -> int | None:
    """The level a citizen typed in words ("非常满意"); "差评" alone names none: it is asked."""
    for level, words in _TYPED_LEVELS:
        if re.search(words, text or ""):
            return level
    return None


def _payload(**entities: str) -> str:
    return f"/{RATE_INTENT}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def what(target: str) -> str:
    kind, _, key = target.partition(":")
    return {
        "case": f"办件 {key} 的办理",
        "handoff": "本次人工服务",
        "answer": "本次咨询",
        "ticket": "这次“办不成事”的办理",
    }.get(kind, "本次服务")


def offer(target: str, lead: str = "") -> Reply:
    """The five levels for `target`, best first (as the window's 评价器 shows them)."""
    text = f"{lead}请您对{what(target)}作出评价（自愿）："
    buttons = tuple(
        Button(LEVELS[level], _payload(**{TARGET_ENTITY: target, LEVEL_ENTITY: str(level)}))
        for level in sorted(LEVELS, reverse=True)
    )
    return Reply(text, buttons)


def thanks(rating: Rating, now: datetime | None = None) -> Reply:
    """Thanks; for a 差评 an apology, the 回访 and 整改 dates, and the reasons to pick from."""
    if not rating.bad:
        return Reply(f"{RATING_THANKS}（{rating.level_name}），我们会继续努力！还有别的事需要办吗？")
    now = now or datetime.now(timezone.utc)
    buttons = tuple(
        Button(reason, _payload(**{RATING_ENTITY: str(rating.id), REASON_ENTITY: reason})) for reason in REASONS
    )
    return Reply(
        f"{RATING_THANKS}，给您添麻烦了，非常抱歉。我们会在{spoken_deadline(rating.visit_due, now)}回访核实，"
        f"属实的由责任部门整改，一般在{spoken_deadline(rating.rectify_due, now)}把整改结果告诉您，届时您可以再评价一次。"
        "请选一选主要原因：",
        buttons,
    )


def reason_taken(reasons: list[str]) -> Reply:
    return Reply(
        f"已记下：{'、'.join(reasons)}。您还可以用一两句话说说具体情况，我会一并转给督办人员；"
        f"不想写的话点“{NO_COMMENT}”。",
        (Button(NO_COMMENT, "/deny"),),
    )


COMMENT_TAKEN = "谢谢，您的意见已经转给督办人员，回访时会和您核实。还有别的事需要办吗？"
NO_COMMENT_TAKEN = "好的。回访时工作人员会和您核实情况。还有别的事需要办吗？"
ALREADY_RATED = "您已经评价过了，谢谢！如果是差评，收到整改结果后可以再评价一次。"
NOTHING_TO_RATE = "感谢您愿意评价！您可以在办件办结、人工服务结束或咨询之后评价；对窗口服务的评价，也可以在“示例办”或窗口评价器上进行。"
RATING_FAILED = "抱歉，评价暂时没有保存成功，请稍后再试一次。"


def rectified(rating: Rating) -> Reply:
    """The 整改 result, told in the chat, with the offer to rate again."""
    return offer(
        rating.target,
        f"您此前对{what(rating.target)}的评价（{rating.level_name}）已经回访处理。整改结果：{rating.rectification}\n",
    )
