"""Words that say a person may be in danger, whatever else the message asks.

"办个社保卡跑了五趟 真不想活了" names a service, and the intent classifier, rightly by its
lights, hears the service. A person who says they do not want to live must hear the crisis line
first, so the actions that would otherwise confirm a service, answer a question or offer
choices check the text itself against these cues (a deterministic net under the `distress`
intent; a false alarm costs a kind word and a human, a miss costs much more). The text is
normalised first, so "活著沒意思" and "跑了五趟還沒辦下來" are heard too.
"""

from __future__ import annotations

import re

from bot.language.text import normalize

_CRISIS = re.compile(
    r"不想活|活不下去|活[着著](真|还|也)?没(意思|意义|用)|活[着著]还有什么(意思|用)|想死|死了算了|不如死了|"
    r"自杀|轻生|寻短见|一了百了|结束(自己的)?生命|跳楼|跳河|割腕|伤害自己|离开这个世界"
)


def in_crisis(text: str | None) -> bool:
    return bool(_CRISIS.search(normalize(text or "")))


_HOPELESS = re.compile(
    r"没人帮得了|没有人帮得了|没人能帮|没有人能帮|帮不了我|没希望|撑不下去|受不了了|不想再|算了吧|没用的"
)
"""Said after the crisis lines were given, these mean the danger is not over."""

_RUNAROUND = re.compile(
    r"(跑|补|去|办|交)了?(好几|[两三四五六七八九十几]+|很多|无数)(回|趟|次|遍).{0,10}(没|不|还)|"
    r"推来推去|踢皮球|来回跑|跑断腿|办不下来|没人管|不给办|互相推"
)
"""A 办不成事 complaint, whatever service it names: "残疾证跑了五趟了还没办下来"."""


def still_hopeless(text: str | None) -> bool:
    return bool(_HOPELESS.search(normalize(text or "")))


def runaround(text: str | None) -> bool:
    return bool(_RUNAROUND.search(normalize(text or "")))
