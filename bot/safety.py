"""Words that say a person may be in danger, whatever else the message asks.

"办个社保卡跑了五趟 真不想活了" names a service, and the intent classifier, rightly by its
lights, hears the service. A person who says they do not want to live must hear the crisis line
first, so the actions that would otherwise confirm a service, answer a question or offer
choices check the text itself against these cues (a deterministic net under the `distress`
intent; a false alarm costs a kind word and a human, a miss costs much more).
"""

from __future__ import annotations

import re

_CRISIS = re.compile(
    r"不想活|活不下去|活着(真|还|也)?没(意思|意义|用)|活着还有什么(意思|用)|想死|死了算了|不如死了|"
    r"自杀|轻生|寻短见|一了百了|结束(自己的)?生命|跳楼|跳河|割腕|伤害自己|离开这个世界"
)


def in_crisis(text: str | None) -> bool:
    return bool(_CRISIS.search(text or ""))
