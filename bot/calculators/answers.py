"""Personal questions answered by the calculators: the citizen's own dates in, the rule's result
out, with the rule and the guide it comes from.

"我是66年7月的男的 啥时候能退休" must not get the FAQ's example month. The dates a question
gives (a birth month, a child's birthday, the day an application was accepted, the day a fine
was decided) are read here, kept as a `Calculation` for the questions that follow ("那最早啥时候
能提前退"), and each answer states every date the rule yields, so a follow-up finds its own.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from bot.calculators import retirement as rules
from bot.calculators.school_entry import entry_year
from bot.catalogue import get_item
from bot.dialogue import Reply
from bot.language.text import normalize
from bot.working_days import add_working_days, today, uncovered_years

RETIREMENT, SCHOOL, DEADLINE, CREDIT = "retirement", "school_entry", "deadline", "credit_repair"

_YEAR_MONTH = re.compile(r"(?<!\d)(\d{4}|\d{2})\s*年\s*(\d{1,2})\s*月")
_FULL_DATE = re.compile(r"(?<!\d)(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_WHEN = r"(几时|什么时候|啥时候|哪年|哪一年|多大|几岁|多少岁|要到|到什么时候|能不能|可以|最早|最晚|哪天|几号|何时|时间)"
_ASKS_RETIREMENT = re.compile(r"退休|能退|退$|退\W|才退|几时退|提前退|延迟退|晚退|早退")
_RETIREMENT_FOLLOW_UP = re.compile(
    r"提前|最早|延迟|最晚|推迟|申报|单位.*报|开始.*报|交够|交满|缴费|多少年|几年社保|社保.*年"
)
_WOMAN_50 = re.compile(r"工人|50岁|五十岁|50周岁|生产|服务岗|车间|一线")
_WOMAN_55 = re.compile(r"干部|55岁|五十五|55周岁|管理|技术|会计|教师|老师|公务员|文员|办公室|科员|护士|医生")
_ASKS_SCHOOL = re.compile(r"上学|上小学|读小学|一年级|入学|读书")
_ASKS_DEADLINE = re.compile(
    r"(最晚|最迟|哪天|几号|什么时候|啥时候|哪一天).{0,8}(办完|办好|办结|完成|出结果|拿到|结束|好)"
)
_ACCEPTED = re.compile(r"受理|提交|申请|递交|交上去|预审")
_ASKS_CREDIT_START = re.compile(
    r"(最早|什么时候|啥时候|哪天|几时).{0,6}(申请|修复)|(能|可以)(申请|修复).{0,4}(吗|不|了)"
)
_ASKS_CREDIT_END = re.compile(r"自动|不公示|停止公示|撤下|下掉|消失|不显示|公示到")
_SERIOUS = re.compile(r"严重失信")
_PENALTY = re.compile(r"罚|处罚|处罚决定")

RETIREMENT_SOURCE = "《退休一件事》· 法定退休年龄（按指南规则为您计算）"
SCHOOL_SOURCE = "《教育入学一件事》· 适用对象与办理条件（按指南规则为您计算）"
CREDIT_SOURCE = "《信用修复一件事》· 适用对象与办理条件（按指南规则为您计算）"


@dataclass(frozen=True)
class Calculation:
    """What a personal question said, kept for the questions after it (slot `calculation`)."""

    kind: str
    year: int
    month: int
    day: int = 1
    category: str = ""

    def to_slot(self) -> dict:
        return asdict(self)

    @classmethod
    def from_slot(cls, value: object) -> Calculation | None:
        if not isinstance(value, dict):
            return None
        try:
            return cls(**value)
        except TypeError:
            return None


@dataclass(frozen=True)
class Personal:
    reply: Reply
    calculation: Calculation | None
    service_code: str


def _year(text: str) -> int:
    year = int(text)
    return year if year >= 100 else (1900 + year if year > 30 else 2000 + year)


def _category(text: str) -> str | None:
    if "男" in text:
        return rules.MAN
    if "女" not in text and "老婆" not in text and "妈" not in text:
        return None
    if _WOMAN_50.search(text):
        return rules.WOMAN_50
    if _WOMAN_55.search(text):
        return rules.WOMAN_55
    return ""


def _ym(year_month: tuple[int, int]) -> str:
    return f"{year_month[0]}年{year_month[1]}月"


def minimum_contribution(year: int) -> str:
    """按月领取养老金的最低缴费年限 in the year one retires: 15 years until 2029, then six
    months more each year up to 20 years in 2039 (knowledge/retirement.md, 条件二)."""
    months = 180 + 6 * min(max(year - 2029, 0), 10)
    years, rest = divmod(months, 12)
    return f"{years}年" + (f"{rest}个月" if rest else "")


def retirement_text(year: int, month: int, category: str) -> str:
    found = rules.retirement(year, month, category)
    original = rules.RULES[category].original_age
    report = rules.plus_months(found.year, found.month, -3)
    return (
        f"按渐进式延迟法定退休年龄的规定（2025年1月1日起实施），{year}年{month}月出生的{category}，"
        f"法定退休年龄为{found.age}，退休时间为{found.when}。\n"
        f"- 最低缴费年限：{found.year}年退休的为{minimum_contribution(found.year)}，不足的可以延长缴费或一次性缴费补足；\n"
        f"- 弹性提前退休：缴费满最低年限的，本人可以申请提前，最多提前3年、不早于原法定退休年龄{original}周岁，"
        f"最早{_ym(found.earliest)}；\n"
        f"- 弹性延迟退休：与单位协商一致的，最多延迟3年，最晚{_ym(found.latest)}；\n"
        f"- 申报：到龄前3个月起，即{_ym(report)}起，单位（灵活就业人员本人）可以在线申报“退休一件事”。"
    )


def _retirement(text: str, kept: Calculation | None) -> Personal | None:
    found = _YEAR_MONTH.search(text)
    category = _category(text)
    if found and (_ASKS_RETIREMENT.search(text) or category is not None):
        year, month = _year(found.group(1)), int(found.group(2))
        if not (1930 <= year <= 2010 and 1 <= month <= 12):
            return None
        if category is None and kept is not None and kept.kind == RETIREMENT:
            category = kept.category
        if not category:
            if category is None:
                return None
            texts = [retirement_text(year, month, c) for c in (rules.WOMAN_55, rules.WOMAN_50)]
            note = (
                "原法定退休年龄55周岁（管理、技术岗位）和50周岁（生产、服务岗位）的女职工规则不同，两种情况分别是：\n"
            )
            return _personal(note + "\n".join(texts), RETIREMENT_SOURCE, None, RETIREMENT)
        calculation = Calculation(RETIREMENT, year, month, category=category)
        return _personal(retirement_text(year, month, category), RETIREMENT_SOURCE, calculation, RETIREMENT)
    if kept is not None and kept.kind == RETIREMENT and _RETIREMENT_FOLLOW_UP.search(text) and not found:
        return _personal(retirement_text(kept.year, kept.month, kept.category), RETIREMENT_SOURCE, kept, RETIREMENT)
    return None


def _dated(match: re.Match[str], default_year: int) -> date | None:
    try:
        return date(int(match.group(1) or default_year), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _school(text: str) -> Personal | None:
    found = _FULL_DATE.search(text)
    if not found or not _ASKS_SCHOOL.search(text):
        return None
    birth = _dated(found, today().year)
    if birth is None or not date(2000, 1, 1) <= birth <= today():
        return None
    entry = entry_year(birth)
    asked = re.search(r"(\d{4})\s*年.{0,6}(上|读|入)", text[found.end() :])
    born = f"孩子{birth.year}年{birth.month}月{birth.day}日出生，{entry}年8月31日前（含当日）年满6周岁"
    if asked and int(asked.group(1)) < entry:
        verdict = f"{asked.group(1)}年还不能入学：{born}，要到{entry}年秋季入学一年级。"
    else:
        verdict = f"{born}，可以在{entry}年秋季入学一年级。"
    text = (
        "示例市的规定是：当年8月31日前（含当日）年满6周岁的适龄儿童，当年秋季入学。"
        f"{verdict}报名时间为{entry}年5月至6月（具体日期以当年招生公告为准），可以在“示例办”“教育入学一件事”网上报名。"
    )
    return _personal(text, SCHOOL_SOURCE, None, "school_enrollment")


def _deadline(text: str, service_code: str | None) -> Personal | None:
    item = get_item(service_code) if service_code else None
    found = _FULL_DATE.search(text)
    if item is None or not item.time_limit_days or not found:
        return None
    if not (_ASKS_DEADLINE.search(text) and _ACCEPTED.search(text)):
        return None
    accepted = _dated(found, today().year)
    if accepted is None:
        return None
    due = add_working_days(accepted, item.time_limit_days)
    weekday = "一二三四五六日"[due.weekday()]
    body = (
        f"「{item.title}」承诺自受理之日起{item.time_limit_days}个工作日内办结。"
        f"{accepted.year}年{accepted.month}月{accepted.day}日受理的，从次日起按工作日计算（不含周末和法定节假日，"
        f"调休上班的周六日照常计算），最晚{due.year}年{due.month}月{due.day}日（周{weekday}）办结。"
        "材料需要补正或邮寄的时间不计算在内。"
    )
    unknown = uncovered_years(accepted, due)
    if unknown:
        body += f"（{'、'.join(map(str, unknown))}年的节假日安排尚未发布，暂按周末休息推算，以当年通知为准。）"
    return _personal(body, f"《{item.title}》· 办理时限与收费（按国务院节假日安排为您计算）", None, item.code)


def _plus_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, last)
        except ValueError:
            continue
    raise ValueError(day)


def credit_text(decided: date, serious: bool | None) -> str:
    kinds = [(False, "一般失信行为", 3, 12), (True, "严重失信行为", 12, 36)]
    lines = []
    for is_serious, name, shortest, longest in kinds:
        if serious is not None and serious != is_serious:
            continue
        earliest, ends = _plus_months(decided, shortest), _plus_months(decided, longest)
        lines.append(
            f"- 认定为{name}的：最短公示期{_months(shortest)}，{_day(earliest)}起可以申请信用修复；"
            f"不申请的，最长公示{_months(longest)}，到{_day(ends)}自动停止公示。"
        )
    return (
        f"行政处罚决定日期为{_day(decided)}，公示期从决定之日起算：\n"
        + "\n".join(lines)
        + "\n申请修复还需要罚款已全部缴清、整改已完成；受理后5个工作日内作出决定，全程免费。"
    )


def _months(months: int) -> str:
    return f"{months // 12}年" if months % 12 == 0 else f"{months}个月"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _credit(text: str, kept: Calculation | None, service_code: str | None) -> Personal | None:
    found = _FULL_DATE.search(text)
    serious = True if _SERIOUS.search(text) else (False if "一般失信" in text else None)
    if found and _PENALTY.search(text):
        decided = _dated(found, today().year)
        if decided is None:
            return None
        calculation = Calculation(CREDIT, decided.year, decided.month, decided.day)
        asks = _ASKS_CREDIT_START.search(text) or _ASKS_CREDIT_END.search(text)
        return _personal(credit_text(decided, serious), CREDIT_SOURCE, calculation, CREDIT) if asks else None
    if kept is not None and kept.kind == CREDIT and (_ASKS_CREDIT_START.search(text) or _ASKS_CREDIT_END.search(text)):
        decided = date(kept.year, kept.month, kept.day)
        return _personal(credit_text(decided, serious), CREDIT_SOURCE, kept, CREDIT)
    return None


def _personal(text: str, source: str, calculation: Calculation | None, code: str) -> Personal:
    return Personal(Reply(f"{text}\n来源：{source}"), calculation, code)


def remembered(text: str, kept: Calculation | None) -> Calculation | None:
    """A date worth keeping from a message that asks nothing yet ("2026年5月20日被罚了3万")."""
    text = normalize(text or "")
    found = _FULL_DATE.search(text)
    if found and _PENALTY.search(text):
        decided = _dated(found, today().year)
        if decided is not None:
            return Calculation(CREDIT, decided.year, decided.month, decided.day)
    return kept


def personal_answer(raw_text: str, service_code: str | None, kept: Calculation | None = None) -> Personal | None:
    """The calculators' answer when the message asks something personal they compute."""
    text = normalize(raw_text or "")
    if not text or text.startswith("/"):
        return None
    return (
        _retirement(text, kept) or _school(text) or _credit(text, kept, service_code) or _deadline(text, service_code)
    )
