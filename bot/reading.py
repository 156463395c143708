"""How a message reads beyond its intent: does it ask something, does it want something done,
and which side of a service (materials, fee, time, place…) does it ask about.

The intent classifier hears the service in "补办社保卡要钱吗" and the yes in "需要什么条件";
a citizen asking a question must get the answer all the same. The actions read the text with
these deterministic cues before they act on a low-information intent (yes, no, out of scope,
unclear, a bare answer) or on a need: a question about the topic at hand is answered from that
topic's guide, a question that names a service is answered rather than taken for a request to
apply, and a message carrying both gets both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language.text import normalize

_PROCESS_QUESTION = re.compile(
    r"(要|需要|得|该|应该)?(去)?(办|准备|做)?(哪些|什么|啥|哪几个?)(手续|事情?|$)|"
    r"(怎么|咋|如何|怎样)(个)?(办理?|弄|搞|整|报名|申请|操作|处理|走流程)(呢|啊|呀|嘛)?|"
    r"要怎么(办|做)|该怎么(办|做)"
)
"""Asking what to do is asking to do it: "孩子出生了要办哪些手续", "儿子要上小学了怎么报名"."""

_INTERROGATIVE = re.compile(
    r"[？?]|吗|呢|"
    r"什么|啥|哪|几|多少|多久|多长|多大|多远|好久|怎么|咋|如何|怎样|为什么|为啥|是否|"
    r"能否|可否|可不可以|能不能|会不会|是不是|有没有|要不要|用不用|需不需要|算不算|行不行|对不对|"
    r"(\w)不\1|(要|收|交|花|给|用|算|行|能|可以|需要|来得及|有)(钱|费)?(不|没)$"
)
"""A question particle, an interrogative word, or an A-not-A ("开不开门", "要钱不")."""

_WANTS = re.compile(
    r"我(想|要|得|准备|打算|需要)|想(办|要|开|给|帮|把|申请|注销|换|补|领|去|让|做)|"
    r"要(办|开|给|申请|注销|换|补)|帮我|给我办|准备(开|办|申请|注销)|打算|申请一?下"
)

_STATUS = re.compile(
    r"(咋|怎么|为什么|为啥|怎么还|咋还)还?没(有)?(办好|办完|办下来|下来|批下来|批|好|通过|弄好|结果|消息|动静)|"
    r"办到哪|到哪一步|到哪了|进度|审到哪|卡在哪|我的(办件|申请|件)|查(一下|询)?(办件|状态)|申请号|受理号|办件号|[A-Z]{2}\d{6,}"
)
"""About an application already made, not a new one: "我退休的手续咋还没办好"."""

_PROBLEM = re.compile(r"不配合|联系不上|没(有|带|法|办法|做|出来)|丢|坏|错|过期|锁|不在身边|不一样|还没|不够|不符合")
_WHAT_NOW = re.compile(r"(咋|怎么|如何)(办|整|弄|搞)")
"""A "what now" after a problem asks for the way out, not the steps: "原来那个法人不配合签字咋整"."""

ASPECTS: dict[str, re.Pattern[str]] = {
    "materials": re.compile(r"材料|资料|证件|证明|带(什么|啥|哪些)|准备(什么|啥|哪些)|要(什么|啥|哪些)(东西)?$"),
    "conditions": re.compile(r"条件|资格|要求|符合|够不够|满足"),
    "fee": re.compile(
        r"收费|费用|多少钱|几块钱|要钱|收钱|交钱|花钱|给钱|付钱|免费|工本费|钱[吗不]|(要|得|也)交[吗不么]|交不交"
    ),
    "duration": re.compile(
        r"多久|多长时间|几天|几个工作日|时限|好久|多少天|办结|(什么时候|啥时候|哪天)(能)?(办好|办完|拿到|下来|出来)"
    ),
    "place": re.compile(r"在哪|哪里办|去哪|哪儿办|窗口|地址|地点|哪个(大厅|中心|部门|窗口)|什么地方"),
    "hours": re.compile(r"几点|上班|下班|周末|周六|周日|星期[六天日]|开门|营业时间|工作时间|节假日"),
    "visits": re.compile(r"跑几|几趟|几次|跑一次|跑腿|要跑"),
    "online": re.compile(r"网上|线上|手机上?|在线|APP|app|小程序|不用去|不去现场|示例办"),
    "proxy": re.compile(r"代办|代理|委托|本人(去|到|来)|(别人|家人|亲戚|子女|爷爷|奶奶|外公|外婆)(帮|替|代)"),
    "home_visit": re.compile(r"出不了门|下不了床|行动不便|腿脚不|卧床|瘫|走不了路|走不动|去不了|来不了|上门"),
    "result": re.compile(r"结果|邮寄|寄过来|自己(去)?(拿|取)|领取|怎么拿|在哪拿|证(什么时候|啥时候)"),
}
"""The sides of a service a follow-up asks about without naming the service."""

ASPECT_TERMS = {
    "conditions": "办理条件",
    "fee": "收费",
    "visits": "免费邮寄",
    "home_visit": "上门服务 预约上门",
    "result": "结果领取 邮寄",
}
"""The guide's own words for the sides a short follow-up misses on its own ("收钱吗" lands on the
steps that mention 示例办, "收钱吗 收费" on the fees); measured with `make eval-dialogues`."""


_FILLER = re.compile(
    r"[\s，,。.！!？?、~～…]|那个?|这个?|的话|请问|问一?下|我想|想问|一下|大概|大约|还|也|都|就|要|得|是|的|了|吗|呢|啊|呀|吧|嘛|"
    r"我们?|你们?|咱们?|他们?|她|他|能|可以|会|去|来|办理?|在|到|给|有|没|不|线下|线上|现场|这边|那边|这里|那里|一共|总共|先"
)
CONTINUATION = re.compile(
    r"^(那|那么|那要是|要是|如果|另外|还有)?.{1,12}(呢|咧)[？?]?$|^.{0,10}(会|又|该)(咋样|怎样|怎么样|如何)[？?]?$"
)
"""The previous question, asked again of something else: "那小餐饮登记证呢"."""


@dataclass(frozen=True)
class Reading:
    asks: bool
    """It asks something specific (beyond "what do I have to do")."""
    wants: bool
    """It says the citizen wants something done ("我想…", "帮我…", "要办…")."""
    aspect: str | None
    """The side of a service it asks about, if one is named."""

    follow_up: bool = False
    """A question that names nothing but a side of the topic ("在哪办", "几点上班？周六开不开门")."""

    def query(self, text: str) -> str:
        """What to search for: a follow-up with the guide's words for the side it asks about."""
        terms = ASPECT_TERMS.get(self.aspect or "") if self.follow_up else None
        return f"{text} {terms}" if terms else text

    @property
    def topic_question(self) -> bool:
        """A question about a side of the topic at hand ("要准备哪些材料", "收费吗")."""
        return self.asks and self.aspect is not None


ELDERLY = re.compile(
    r"[七八九]十(多|几)?岁?|[789]\d(多)?岁|老人|年纪大|岁数大|眼睛(也)?花|看不清|不会打字|不会用手机|腿脚"
)
"""Someone who may need the way without a smartphone or a trip: home visits, 代办, 绿色通道."""


def asks_status(raw_text: str | None) -> bool:
    return bool(_STATUS.search(normalize(raw_text or "")))


def read(raw_text: str | None) -> Reading:
    text = normalize(raw_text or "")
    if not text or text.startswith("/"):
        return Reading(False, False, None)
    rest = _PROCESS_QUESTION.sub("", text)
    aspect = next((name for name, cue in ASPECTS.items() if cue.search(text)), None)
    asks = bool(_INTERROGATIVE.search(rest)) or bool(_PROBLEM.search(text) and _WHAT_NOW.search(text))
    asks = asks or aspect == "home_visit"  # "她出不了门": the way for someone who cannot come
    return Reading(asks, bool(_WANTS.search(text)), aspect, asks and aspect is not None and _bare(text))


def _bare(text: str) -> bool:
    """Whether little is left once the sides asked about and the question words are taken out."""
    rest = text
    for cue in (*ASPECTS.values(), _INTERROGATIVE, _FILLER):
        rest = cue.sub("", rest)
    return len(rest) <= 3
