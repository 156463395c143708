"""Reading a form answer out of what a citizen typed: "大概80平", "上个月三号", "随父亲吧".

The forms ask one field per turn and citizens answer the way they talk, not the way a web
form wants. Each kind of field has one reader here that returns either the value to store, in
the shape the portal expects, or a short polite reason the bot can say back: a bad answer
costs the citizen one retry, never a wrong value in the application. Pure Python (no Rasa)
so the action server, the console and the tests share it.

Input is already normalised by `bot.text.normalize` (simplified, half-width digits).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.geography import CITY, DISTRICTS, district_position
from bot.validation import id_check_char, is_valid_id_number, is_valid_uscc, uscc_check_char

TIMEZONE = ZoneInfo("Asia/Shanghai")
MAX_TEXT_CHARS = 200


@dataclass(frozen=True)
class Parsed:
    """A reader's verdict: a value to store, or a problem to tell the citizen (never both)."""

    value: object | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.value is not None


@dataclass(frozen=True)
class _Field:
    """The settings of the field being asked, which some readers need besides the text."""

    choices: tuple[str, ...]
    today: date
    minimum: int | None
    maximum: int | None
    label: str

    def called(self, default: str) -> str:
        return self.label or default


def parse_answer(kind: str, text: str, *, choices: Sequence[str] = (), today: date | None = None,
                 minimum: int | None = None, maximum: int | None = None, label: str = "") -> Parsed:
    """The value of a `kind` field in `text`, or why it could not be read.

    An unknown kind, or a choice field without choices, is a bug in the form definition and
    raises ValueError rather than asking the citizen something they cannot answer.
    """
    reader = _READERS.get(kind)
    if reader is None:
        raise ValueError(f"unknown field kind {kind!r}; expected one of {sorted(_READERS)}")
    if kind in ("choice", "choices") and not choices:
        raise ValueError(f"a {kind!r} field needs choices")
    field = _Field(tuple(choices), today or datetime.now(TIMEZONE).date(), minimum, maximum, label)
    text = (text or "").strip()
    if not text:
        return _problem(f"您好像还没有填写{field.called('内容')}，请重新输入。")
    return reader(text, field)


def _problem(reason: str) -> Parsed:
    return Parsed(None, reason)


# --- shared pieces -----------------------------------------------------------------------

_EDGE_PUNCTUATION = " \t\n，。！？、；：,.!?;:~～…\"'“”‘’（）()【】[]「」《》<>—-_"
_PUNCTUATION = re.compile(r"[\s，。！？、；：,.!?;:~～…\"'“”‘’（）()【】\[\]「」《》<>—_]+")
_CJK = "\u4e00-\u9fff"
_MEANINGFUL = re.compile(rf"[{_CJK}0-9A-Za-z]")
_SPACES = re.compile(r"\s+")


def _trim(text: str) -> str:
    return text.strip(_EDGE_PUNCTUATION)


def _squeeze(text: str) -> str:
    """The text without spaces and punctuation: "嗯，不需要。" and "嗯不需要" read the same."""
    return _PUNCTUATION.sub("", text)


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile("[零〇一二两三四五六七八九十百千万]+")
_NOT_NUMBERS = re.compile("一共|一下|一些|一点|一般|一直|一样|一定|一起|统一|之一|万一")
"""Words with 一 in them that are not a count: "一共八十平" means 80."""


def chinese_number(run: str) -> int:
    """二〇二六 → 2026, 一百二十 → 120, 一百二 → 120 (spoken short form), 两万五 → 25000."""
    if not any(ch in "十百千万" for ch in run):
        return int("".join(str(_CN_DIGITS[ch]) for ch in run))
    total = section = number = 0
    unit_before_digit: int | None = None
    previous_unit: int | None = None
    for ch in run:
        if ch in _CN_DIGITS:
            number, unit_before_digit, previous_unit = _CN_DIGITS[ch], previous_unit, None
        elif ch == "万":
            total = ((total + section + number) or 1) * 10000
            section = number = 0
            previous_unit = 10000
        else:
            section += (number or 1) * _CN_UNITS[ch]
            number, previous_unit = 0, _CN_UNITS[ch]
    if number and unit_before_digit and unit_before_digit >= 100:
        number *= unit_before_digit // 10
    return total + section + number


def _arabic_numerals(text: str) -> str:
    """Chinese numerals in `text` written as Arabic ones: 上个月三号 → 上个月3号."""
    return _CN_RUN.sub(lambda m: str(chinese_number(m.group())), text)


def _listing(options: Sequence[str]) -> str:
    return "、".join(f"{i}.{option}" for i, option in enumerate(options, 1))


# --- text ---------------------------------------------------------------------------------

_TEXT_WRAPPER = re.compile(r"^(就叫|就是|就用|叫做|名字叫|名称叫|名字是|名称是|叫|是)(.+)$")
_NOT_A_WRAPPER = re.compile(r"^(是否|是不是|叫不叫|是因为|是为了|是这样)")
_TEXT_TAIL = re.compile(r"(吧|啊|呀)$")


def _read_text(text: str, field: _Field) -> Parsed:
    """Short answers lose "就叫…吧"; long ones are kept verbatim, where a 是 may be content."""
    if not _MEANINGFUL.search(text):
        return _problem(f"没有看到有效的内容，请用文字填写{field.called('这一项')}。")
    if len(text) > MAX_TEXT_CHARS:
        return _problem(f"内容有点长（{len(text)}字），请精简到{MAX_TEXT_CHARS}字以内后重新输入。")
    wrapped = _TEXT_WRAPPER.match(_trim(text))
    if not wrapped or len(text) > 30 or _NOT_A_WRAPPER.match(_trim(text)):
        return Parsed(text)
    lead, core = wrapped.groups()
    if lead.startswith("就") and _TEXT_TAIL.search(core):
        core = _TEXT_TAIL.sub("", core)
    core = _trim(core)
    return Parsed(core if len(_MEANINGFUL.findall(core)) >= 2 else text)


# --- name ---------------------------------------------------------------------------------

_NAME_LEAD = re.compile(
    r"^(?:那就|就)?"
    r"(?:(?:我|他|她|孩子|宝宝|小孩|本人|法人|法定代表人|申请人|联系人|经办人)(?:的)?)?"
    r"(?:(?:名字|姓名|全名|大名)(?:就)?(?:叫做|叫|是|为)?|(?:就)?(?:叫做|叫|是))?[:：]?"
)
_NAME_TAIL = re.compile(r"(?:吧|啊|呀|哦|嘛|了|就行|就好|就可以)+$")
_NAME_DOTS = re.compile(r"[•・‧.．]")
_NAME = re.compile(rf"^[{_CJK}](?:[{_CJK}]|·(?=[{_CJK}])){{0,18}}[{_CJK}]$")
_UNDECIDED = re.compile(r"不知道|不清楚|不确定|没想好|还没想|没起|没取|未起|未取|待定|随便|忘了|不记得|保密|不方便")
_NOT_IN_NAMES = re.compile(r"^[不没]|[了吗呢吧啊呀么嘛办的]|名字|姓名")
_NOT_NAMES = frozenset({"可以", "好吧", "行吧", "取消", "算了", "谢谢", "你好", "您好", "人工", "转人工", "客服",
                        "退出", "明白", "知道了"})
"""Short replies that fit the shape of a name but answer something else."""


def read_name(text: str) -> str | None:
    """The name in "我叫张小明", "名字叫张一诺", "张一诺吧", "姓名：阿依古丽·买买提"; else None.

    Two-character names (王芳) are the most common kind, so they must pass.
    """
    core = _trim(_SPACES.sub("", text))
    core = _trim(_NAME_TAIL.sub("", _NAME_LEAD.sub("", core, count=1)))
    core = _NAME_DOTS.sub("·", core)
    if not _NAME.match(core) or _NOT_IN_NAMES.search(core) or core in _NOT_NAMES:
        return None
    return core


def _read_name(text: str, field: _Field) -> Parsed:
    if _UNDECIDED.search(text):
        return _problem(f"{field.called('这一项')}需要填写确定的姓名。如果还没有想好，可以先想好再回来继续办理。")
    name = read_name(text)
    if name is None:
        return _problem(f"没能识别出{field.called('姓名')}，请直接输入中文姓名，例如“张小明”"
                        "（少数民族姓名可以用“·”分隔）。")
    return Parsed(name)


# --- identifiers --------------------------------------------------------------------------

_CODE_18 = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_CODE_RUN = re.compile(r"[0-9A-Za-z]+")
_GROUPING = re.compile(r"(?<=[0-9A-Za-z])[ -]+(?=[0-9A-Za-z])")


def _find_code(text: str) -> tuple[str | None, int]:
    """The 18-character code in the text (upper case), else None and the length typed.

    Spaces and dashes inside the number ("110105 19491231 002X") are tried only when
    the text as typed holds no 18-character token, so two numbers side by side stay apart.
    """
    for candidate_text in (text, _GROUPING.sub("", text)):
        match = _CODE_18.search(candidate_text)
        if match:
            return match.group().upper(), 18
    runs = [run for run in _CODE_RUN.findall(_GROUPING.sub("", text)) if sum(c.isdigit() for c in run) >= 6]
    return None, max((len(run) for run in runs), default=0)


def _read_id_number(text: str, field: _Field) -> Parsed:
    what = field.called("身份证号码")
    value, length = _find_code(text)
    if value is None:
        if length == 15:
            return _problem(f"这是15位的老身份证号码，请填写现在使用的18位{what}。")
        if length:
            return _problem(f"{what}应为18位，您输入的是{length}位，请核对后重新输入。")
        return _problem(f"没有找到{what}，请输入18位身份证号码（最后一位可能是X）。")
    if is_valid_id_number(value):
        return Parsed(value)
    first17 = value[:17]
    if not (first17.isdigit() and value[0] != "0" and value[17] in "0123456789X"):
        return _problem(f"{what}的格式不对：应为17位数字加最后1位数字或X，请核对后重新输入。")
    if not is_valid_id_number(first17 + id_check_char(first17)):
        return _problem(f"{what}中的出生日期（第7到14位）不对，请核对后重新输入。")
    return _problem(f"{what}的校验位不对，请核对后重新输入。")


def _read_uscc(text: str, field: _Field) -> Parsed:
    what = field.called("统一社会信用代码")
    value, length = _find_code(text)
    if value is None:
        if length:
            return _problem(f"{what}应为18位，您输入的是{length}位，请核对后重新输入。")
        return _problem(f"没有找到{what}，请输入营业执照上的18位统一社会信用代码。")
    if is_valid_uscc(value):
        return Parsed(value)
    try:
        check_digit_only = is_valid_uscc(value[:17] + uscc_check_char(value[:17]))
    except ValueError:
        check_digit_only = False
    if check_digit_only:
        return _problem(f"{what}的校验位不对，请核对后重新输入。")
    return _problem(f"{what}的格式不对（代码中不会出现字母I、O、S、V、Z），请对照营业执照核对后重新输入。")


_COUNTRY_CODE = re.compile(r"(?:\+|(?<![0-9]))86[ -]?(?=1[3-9])")
_PHONE = re.compile(r"(?<![0-9])(?<![0-9][ -])1[3-9][0-9](?:[ -]?[0-9]){8}(?![0-9Xx])(?!-[0-9])")
_DIGIT_RUN = re.compile(r"[0-9][0-9 -]*[0-9]|[0-9]")


def _read_phone(text: str, field: _Field) -> Parsed:
    """A mobile number anywhere in the text, never a piece of a longer number (an ID number)."""
    what = field.called("手机号码")
    text = _COUNTRY_CODE.sub("", text)
    match = _PHONE.search(text)
    if match:
        return Parsed(re.sub(r"[ -]", "", match.group()))
    runs = [re.sub(r"[ -]", "", run) for run in _DIGIT_RUN.findall(text)]
    longest = max(runs, key=len, default="")
    if not longest:
        return _problem(f"没有找到{what}，请输入11位手机号码。")
    if longest.startswith("0"):
        return _problem("这看起来是固定电话号码，这里需要填写11位手机号码。")
    if len(longest) == 11:
        return _problem(f"{what}应以13到19开头，请核对后重新输入。")
    return _problem(f"{what}应为11位，您输入的是{len(longest)}位，请核对后重新输入。")


# --- date ---------------------------------------------------------------------------------

_RELATIVE = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "下下": 2}
_RELATIVE_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_NAMED_DAYS = {"大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0, "明天": 1, "明日": 1,
               "后天": 2, "大后天": 3}
_SPAN_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "礼拜": 7}
_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}
_REL = "(上上|下下|上|下|这|本)"


def _impossible_month(year: int, month: int) -> Parsed | None:
    if not 1 <= month <= 12:
        return _problem(f"没有{month}月，请核对日期后重新输入。")
    if not 1900 <= year <= 2100:
        return _problem(f"{year}年看起来不对，请核对日期后重新输入。")
    return None


def _dated(year: int, month: int, day: int) -> Parsed:
    """An ISO date, or what is impossible about it in the citizen's own terms."""
    impossible = _impossible_month(year, month)
    if impossible:
        return impossible
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return _problem(f"{year}年{month}月没有{day}日（这个月只有{days}天），请核对后重新输入。")
    return Parsed(date(year, month, day).isoformat())


def _month_of(today: date, shift: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + shift
    return index // 12, index % 12 + 1


def _shifted(today: date, months: int) -> Parsed:
    """Today moved by whole months; the 31st becomes the month's last day when it has none."""
    year, month = _month_of(today, months)
    return _impossible_month(year, month) or _dated(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> Parsed:
    return _impossible_month(year, month) or _dated(year, month, calendar.monthrange(year, month)[1])


def _weekday(today: date, relative: str | None, day: str) -> Parsed:
    monday = today - timedelta(days=today.weekday())
    target = monday + timedelta(weeks=_RELATIVE.get(relative or "这", 0), days=_WEEKDAYS[day])
    return Parsed(target.isoformat())


def _span(today: date, count: int, unit: str, direction: str) -> Parsed:
    sign = -1 if direction == "前" else 1
    if unit == "月":
        return _shifted(today, sign * count)
    if unit == "年":
        return _shifted(today, sign * count * 12)
    target = today + timedelta(days=sign * count * _SPAN_DAYS[unit])
    return _dated(target.year, target.month, target.day)


def _day_only(month: int) -> Parsed:
    return _problem(f"请告诉我具体是{month}月几号，例如“{month}月1日”。")


_DateRule = tuple[re.Pattern, Callable[[re.Match, date], Parsed]]
_DATE_RULES: tuple[_DateRule, ...] = (
    (re.compile(r"(?<!\d)(\d{4})(?:年|[-/.])(\d{1,2})(?:月|[-/.])(\d{1,2})(?!\d)"),
     lambda m, today: _dated(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"(?<!\d)(\d{2})年(\d{1,2})月(\d{1,2})(?!\d)"),
     lambda m, today: _dated(2000 + int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)"),
     lambda m, today: _dated(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"(前年|去年|今年|明年|后年)(\d{1,2})月(\d{1,2})(?!\d)"),
     lambda m, today: _dated(today.year + _RELATIVE_YEARS[m[1]], int(m[2]), int(m[3]))),
    (re.compile(_REL + r"个?月的?(\d{1,2})[日号]"),
     lambda m, today: _dated(*_month_of(today, _RELATIVE[m[1]]), int(m[2]))),
    (re.compile(r"(?:(\d{4})年)?(?<!\d)(\d{1,2})月[底末]"),
     lambda m, today: _month_end(int(m[1] or today.year), int(m[2]))),
    (re.compile(f"(?:{_REL}个?)?月[底末]"),
     lambda m, today: _month_end(*_month_of(today, _RELATIVE.get(m[1] or "这", 0)))),
    (re.compile(r"(?<!\d)(\d{1,2})月份?(\d{1,2})(?!\d)"),
     lambda m, today: _dated(today.year, int(m[1]), int(m[2]))),
    (re.compile(r"(?<!\d)(\d{1,2})月(?!\d)"),
     lambda m, today: _day_only(int(m[1]))),
    (re.compile(f"{_REL}?个?(?:周|星期|礼拜)([1-7日天])"),
     lambda m, today: _weekday(today, m[1], m[2])),
    (re.compile(r"(?<!\d)(\d{1,4})个?(天|日|周|星期|礼拜|月|年)(?:以|之)?(前|后)"),
     lambda m, today: _span(today, int(m[1]), m[2], m[3])),
    (re.compile("|".join(sorted(_NAMED_DAYS, key=len, reverse=True))),
     lambda m, today: Parsed((today + timedelta(days=_NAMED_DAYS[m[0]])).isoformat())),
    (re.compile(r"(?<!\d)(\d{1,2})[日号](?!\d)"),
     lambda m, today: _dated(today.year, today.month, int(m[1]))),
)
"""Most explicit first: "2026年5月1日" must not be read as "5月1日" or as "1日"."""


def _read_date(text: str, field: _Field) -> Parsed:
    """Dates as people say them, relative to `today`; "5月1日" is always this year's.

    A form cannot tell whether it asks about the past or the future, so a date without a
    year is not moved to next year; the citizen sees the full date when the form confirms.
    """
    spoken = _arabic_numerals(_SPACES.sub("", text))
    for pattern, meaning in _DATE_RULES:
        match = pattern.search(spoken)
        if match:
            return meaning(match, field.today)
    return _problem(f"没能看懂{field.called('这个日期')}，请换个说法，例如“2026年5月1日”“5月1日”或“昨天”。")


# --- numbers ------------------------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?!\d))")
_ARABIC_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(万|千|百)?")
_MULTIPLIERS = {"万": 10000, "千": 1000, "百": 100, None: 1}


def _numbers_in(text: str) -> list[Decimal]:
    """Arabic figures when there are any (they are what people mean), else Chinese numerals."""
    text = _THOUSANDS.sub("", text)
    arabic = [Decimal(m[1]) * _MULTIPLIERS[m[2]] for m in _ARABIC_NUMBER.finditer(text)]
    if arabic:
        return arabic
    return [Decimal(chinese_number(run)) for run in _CN_RUN.findall(_NOT_NUMBERS.sub("", text))]


_KILO_UNIT = re.compile("千(?=瓦|伏|克|米|帕)")
"""千瓦, 千伏安, 千克: a unit prefix, not the numeral 千 ("200千瓦" is 200)."""


def _read_int(text: str, field: _Field) -> Parsed:
    numbers = list(dict.fromkeys(_numbers_in(_KILO_UNIT.sub("k", text))))
    what = field.called("这个数")
    if not numbers:
        return _problem(f"没有看到数字，请直接告诉我{field.called('一个数字')}，例如“80”。")
    if len(numbers) > 1:
        shown = "、".join(format(n.normalize(), "f") for n in numbers)
        return _problem(f"您的回答里有好几个数字（{shown}），请只告诉我一个。")
    number = numbers[0]
    if number != number.to_integral_value():
        return _problem(f"{what}需要填写整数，请重新输入。")
    value = int(number)
    if field.minimum is not None and field.maximum is not None and not field.minimum <= value <= field.maximum:
        return _problem(f"{what}应在{field.minimum}到{field.maximum}之间，请重新输入。")
    if field.minimum is not None and value < field.minimum:
        return _problem(f"{what}不能小于{field.minimum}，请重新输入。")
    if field.maximum is not None and value > field.maximum:
        return _problem(f"{what}不能大于{field.maximum}，请重新输入。")
    return Parsed(value)


# --- yes / no -----------------------------------------------------------------------------

_QUESTION = re.compile(r"[吗?？]|要不要|是不是|有没有|需不需要|可不可以|能不能|行不行|啥意思|什么意思")
_LEAD_FILLERS = re.compile(r"^(?:嗯+|恩|呃|额|哦|噢|啊|那个|这个|那就|就|我们|我|本人|咱们|咱|公司|我司|单位|"
                           r"目前|现在|暂时|还|也|都)+")
_UNSURE = re.compile(r"^(?:不知道|不清楚|不确定|不一定|不好说|说不好|没想好|不晓得|不太清楚|无所谓|随便|看情况)")
_YES_DESPITE_NEGATION = re.compile(r"^(?:没问题|没错|不错|没毛病)")
_NO_START = re.compile(r"^(?:暂不|暂无|不|没|无|未|否|别|甭|非|no|n$|false$|0$)")
_YES_START = re.compile(r"^(?:是|对|要|需要|有|同意|好|可以|行|成|设置|办|参保|已|清了|确认|确定|嗯|恩|必须|"
                        r"当然|肯定|yes|y$|ok|okay|true$|1$)")
_NO_ANYWHERE = re.compile(r"不需要|不要|不用|不是|没有|不设|暂不|无需|不办|不想|不同意|不参保|未")
_YES_ANYWHERE = re.compile(r"需要|要|是|有|同意|可以|好|已经")


def _read_bool(text: str, field: _Field) -> Parsed:
    """Yes or no; a leading 不/没/无/未 makes it no, and "不知道" is neither."""
    said = _squeeze(text).lower()
    about = f"关于“{field.label}”，" if field.label else ""
    unclear = _problem(f"没太明白您的意思。{about}请回答“是”或“否”。")
    if not said or _QUESTION.search(said):
        return unclear
    core = _LEAD_FILLERS.sub("", said) or said
    if _UNSURE.match(core):
        return unclear
    if _YES_DESPITE_NEGATION.match(core):
        return Parsed(True)
    if _NO_START.match(core):
        return Parsed(False)
    if _YES_START.match(core):
        return Parsed(True)
    if _NO_ANYWHERE.search(core):
        return Parsed(False)
    if _YES_ANYWHERE.search(core):
        return Parsed(True)
    return unclear


# --- choices ------------------------------------------------------------------------------

_ORDINAL = re.compile(r"^(?:我)?(?:选择|选|要)?第?([0-9]+|[一二两三四五六七八九十]+)(?:个|项|种|条|号|类)?$")
_CHOICE_LEAD = re.compile(r"^(?:我们|我|那就|就)?(?:选择|选|要|是|属于|按|用)?")
_CHOICE_TAIL = re.compile(r"(?:这个|那个|这项|那项|这一项|吧|啊|呀|的|了)+$")
_NEGATION_BEFORE = ("不要", "不是", "不用", "不", "别", "非")
_NEGATION_AFTER = re.compile(r"^(?:就|也)?(?:不要|不需要|不用|不办|除外)")
_REFUSED = re.compile(r"(?:不要|不是|不用|不|别|非)[^，,、;；。\s]*|[^，,、;；。\s]*?(?:不要|不需要|不用|不办|除外)")
"""A refused part of the answer ("不随父", "宽带不要"), up to the next separator."""


def _mentions(choice: str, text: str) -> bool:
    """`choice` occurs in `text` and is not refused there ("不随父", "宽带不要")."""
    start = text.find(choice)
    while start >= 0:
        before, after = text[:start], text[start + len(choice):]
        if not before.endswith(_NEGATION_BEFORE) and not _NEGATION_AFTER.match(after):
            return True
        start = text.find(choice, start + 1)
    return False


def _distinctive(choices: tuple[str, ...]) -> dict[str, set[str]]:
    """Per choice, the characters no other choice has: 水 for 用水 among 用水/用电/用气."""
    return {c: {ch for ch in c if sum(ch in other for other in choices) == 1} for c in choices}


def _common_run(a: str, b: str) -> int:
    """Length of the longest stretch of characters `a` and `b` share."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] not in b:
                break
            best = j - i
    return best


def _ordinal(text: str, choices: tuple[str, ...]) -> list[str] | None:
    """["随母"] for "2" or "第二个"; [] when the number is out of range; None if no number."""
    match = _ORDINAL.match(text)
    if not match:
        return None
    index = int(match[1]) if match[1].isdigit() else chinese_number(match[1])
    return [choices[index - 1]] if 1 <= index <= len(choices) else []


def _abbreviates(short: str, choice: str) -> bool:
    """Chinese abbreviations keep characters in order: 社保 ← 社会保险, 个体户 ← 个体工商户."""
    rest = iter(choice)
    return all(ch in rest for ch in short)


def _candidates(text: str, choices: tuple[str, ...]) -> list[str]:
    """The choices `text` may mean: one is an answer, several are ambiguous.

    "4级" finds "四级": when nothing matches as written, both sides are compared with
    their numerals in Arabic figures.
    """
    found = _candidates_as_written(text, choices)
    arabic = {_arabic_numerals(c): c for c in choices}
    if found or len(arabic) < len(choices) or (tuple(arabic) == choices and _arabic_numerals(text) == text):
        return found
    return [arabic[c] for c in _candidates_as_written(_arabic_numerals(text), tuple(arabic))]


def _candidates_as_written(text: str, choices: tuple[str, ...]) -> list[str]:
    said = _squeeze(text)
    core = _CHOICE_TAIL.sub("", _CHOICE_LEAD.sub("", said, count=1)) or said
    folded = {c.casefold(): c for c in choices}
    for form in (said, core):
        if form.casefold() in folded:
            return [folded[form.casefold()]]
    numbered = _ordinal(core, choices)
    if numbered is not None:
        return numbered
    named = [c for c in choices if _mentions(c, said)]
    named = [c for c in named if not any(c != other and c in other for other in named)]
    if named:
        return named
    positive = _CHOICE_TAIL.sub("", _CHOICE_LEAD.sub("", _REFUSED.sub("", said), count=1))
    if not positive:
        return []
    inside = [c for c in choices if positive in c]
    if inside:
        return inside
    abbreviated = [c for c in choices if _abbreviates(positive, c)]
    if len(abbreviated) == 1:
        return abbreviated
    distinctive = _distinctive(choices)
    scores = {c: (run if (run := _common_run(positive, c)) >= 2 else 0, len(distinctive[c] & set(positive)))
              for c in choices}
    best = max(scores.values())
    return [c for c in choices if scores[c] == best] if best > (0, 0) else []


def _choice_problem(field: _Field, maybe: Sequence[str] = ()) -> Parsed:
    lead = f"您说的可能是{'或'.join(f'“{c}”' for c in maybe)}。" if len(maybe) > 1 else "没能确定您选的是哪一项。"
    return _problem(f"{lead}请从以下选项中选一个：{_listing(field.choices)}（回复名称或序号都可以）。")


_NUMERAL_RANGE = re.compile(r"[一二三四五六七八九1-9][一二三四五六七八九1-9、或到至-]*[一二三四五六七八九1-9](?=级|类|档|等)")
"""“三四级”, “3或4级”: two grades at once, not the one the question asks for."""


def _read_choice(text: str, field: _Field) -> Parsed:
    grades = _NUMERAL_RANGE.search(_arabic_numerals(text))
    if grades:
        return _choice_problem(field, [c for c in field.choices if any(ch in c for ch in grades.group(0))])
    found = _candidates(text, field.choices)
    return Parsed(found[0]) if len(found) == 1 else _choice_problem(field, found)


_ALL = re.compile(r"^(?:我们|我)?(?:全部|所有|全都|都|全)(?:都)?(?:要|需要|办|选|开通|申请)?(?:的)?(?:吧|啊)?$")
_ALL_BUT = re.compile(r"^除(?:了)?(.+?)(?:以外|之外|外)?(?:其他|其余|别的)?(?:的)?(?:都|全)")
_SEPARATORS = re.compile(r"[、,，;；/+\s]|以及|还有|和|及|跟|与|加")
_SEGMENT_LEAD = re.compile(r"^(?:我们|我|就|也|还|都|要|需要|选|办|开通|申请)+")
_SEGMENT_TAIL = re.compile(r"(?:全都要|都要|都需要|都办|也要|都|要|需要|吧|啊|的|这几个|这几项|这些)+$")
_MAX_SPLIT_CHARS = 30
"""Splitting tries every cut of a segment; beyond this length it is a sentence, not a list."""


def _split_into_choices(segment: str, choices: tuple[str, ...]) -> list[str]:
    """A list said without separators, cut into as few pieces as possible, each an abbreviation
    of exactly one choice: 水电气 → 用水/用电/用气, 社保医保公积金 → three; [] when it cannot be."""
    if len(segment) > _MAX_SPLIT_CHARS:
        return []
    fewest: list[list[str] | None] = [[]] + [None] * len(segment)
    for end in range(1, len(segment) + 1):
        for start in range(end):
            before = fewest[start]
            if before is None:
                continue
            owners = [c for c in choices if _abbreviates(segment[start:end], c)]
            current = fewest[end]
            if len(owners) == 1 and (current is None or len(before) + 1 < len(current)):
                fewest[end] = [*before, owners[0]]
    return fewest[-1] or []


def _several(text: str, choices: tuple[str, ...]) -> tuple[set[str], list[str]]:
    """The choices named in `text`, and the pieces of it that named none (or several)."""
    said = text.strip()
    chosen = {c for c in sorted(choices, key=len, reverse=True) if _mentions(c, said)}
    rest = said
    for c in sorted(chosen, key=len, reverse=True):
        rest = rest.replace(c, "、")
    unclear = []
    for piece in _SEPARATORS.split(_REFUSED.sub("、", rest)):
        segment = _SEGMENT_TAIL.sub("", _SEGMENT_LEAD.sub("", _trim(piece)))
        if not segment:
            continue
        found = _split_into_choices(segment, choices)
        if not found and len(candidates := _candidates(segment, choices)) == 1:
            found = candidates
        if found:
            chosen.update(found)
        else:
            unclear.append(segment)
    return chosen, unclear


def _read_choices(text: str, field: _Field) -> Parsed:
    """Several choices, in the form's order: "水电气都要", "用水、用电和宽带", "除了宽带都要"."""
    said = _squeeze(text)
    options = f"可选的有：{_listing(field.choices)}（可以多选，用顿号隔开，或者说“都要”）。"
    if _ALL.match(said):
        return Parsed(list(field.choices))
    all_but = _ALL_BUT.match(said)
    if all_but:
        excluded, unclear = _several(all_but[1], field.choices)
        chosen = set(field.choices) - excluded
    else:
        chosen, unclear = _several(text, field.choices)
    if unclear:
        return _problem(f"没能确定“{'、'.join(unclear)}”指的是哪一项。{options}")
    if not chosen:
        return _problem(f"请至少选择一项。{options}")
    return Parsed([c for c in field.choices if c in chosen])


# --- address ------------------------------------------------------------------------------

_OTHER_PLACE = re.compile(rf"[{_CJK}]{{2,}}?(?:省|自治区|市|自治州|州|县)")
_ADDRESS_TAIL = re.compile(r"(?:吧|啊|呀|哦|的)+$")
_MIN_DETAIL_CHARS = 4


def _read_address(text: str, field: _Field) -> Parsed:
    """An address in 示例市 with its district and a street; what was said before it is dropped."""
    districts = "、".join(DISTRICTS)
    example = f"例如“{CITY}东湖区幸福路12号”"
    address = _ADDRESS_TAIL.sub("", _trim(_SPACES.sub("", text)))
    located = district_position(address)
    elsewhere = _OTHER_PLACE.search(address.replace(CITY, "") if located is None
                                    else address[:located[1]].replace(CITY, ""))
    if elsewhere:
        return _problem(f"目前只能办理{CITY}的业务，请填写{CITY}内的地址，并写明所在的区（{districts}），{example}。")
    if located is None:
        return _problem(f"请在{field.called('地址')}里写明所在的区（{districts}），{example}。")
    _, start, end = located
    if len(_MEANINGFUL.findall(address[end:])) < _MIN_DETAIL_CHARS:
        return _problem(f"{field.called('地址')}请再写详细一些，要有街道（路）和门牌号，{example}。")
    return Parsed(CITY + address[start:])


_READERS: dict[str, Callable[[str, _Field], Parsed]] = {
    "text": _read_text,
    "name": _read_name,
    "id_number": _read_id_number,
    "uscc": _read_uscc,
    "phone": _read_phone,
    "date": _read_date,
    "int": _read_int,
    "bool": _read_bool,
    "choice": _read_choice,
    "choices": _read_choices,
    "address": _read_address,
}
KINDS: tuple[str, ...] = tuple(_READERS)
